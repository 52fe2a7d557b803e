"""Browsing: keyset and cursor paging, sorts with NULLs, filters, read-only WHERE, FK links."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import event, text

from data import browse
from data.browse import BadFilter, Filter, Page, Pager, RowNotFound, SortKey, View
from data.catalog import RelationRef, TableInfo, describe_table
from data.engine import Database
from tests.conftest import wait_for_lock_waiter

SETUP = """
CREATE SCHEMA bt;
CREATE TABLE bt.items (
    id integer PRIMARY KEY,
    grp integer,
    name text,
    created timestamptz NOT NULL,
    doc json
);
INSERT INTO bt.items
SELECT g,
       CASE WHEN g % 7 = 0 THEN NULL ELSE g % 13 END,
       CASE WHEN g % 11 = 0 THEN NULL WHEN g % 17 = 0 THEN '' ELSE 'Item ' || g END,
       timestamptz '2024-01-01 00:00:00+00' + g * interval '1 hour',
       json_build_object('g', g)
  FROM generate_series(1, 1000) g;
UPDATE bt.items SET name = 'a%b_c' WHERE id = 3;
UPDATE bt.items SET name = 'axbyc' WHERE id = 4;
CREATE TABLE bt.pairs (a integer NOT NULL, b text NOT NULL, v integer, PRIMARY KEY (a, b));
INSERT INTO bt.pairs SELECT g / 4, chr(97 + g % 4), g % 10 FROM generate_series(0, 249) g;
CREATE TABLE bt.coded (code text NOT NULL, label text, n integer);
CREATE UNIQUE INDEX coded_code ON bt.coded (code);
INSERT INTO bt.coded SELECT 'c' || lpad(g::text, 4, '0'), 'label ' || g, g FROM generate_series(1, 120) g;
CREATE TABLE bt.keyless (n integer, note text);
INSERT INTO bt.keyless SELECT g, 'n' || g FROM generate_series(1, 230) g;
CREATE VIEW bt.early AS SELECT id, name, grp FROM bt.items WHERE id <= 500;
CREATE SEQUENCE bt.seq;
CREATE TABLE bt.log (at timestamptz DEFAULT now());
CREATE FUNCTION bt.bump() RETURNS integer LANGUAGE sql AS $$ INSERT INTO bt.log DEFAULT VALUES RETURNING 1 $$;
ANALYZE;
"""


def run_sql(database: Database, sql: str) -> None:
    """Several statements at once (psycopg's simple protocol: no parameters)."""
    with database.engine.begin() as connection:
        connection.connection.driver_connection.execute(sql)  # type: ignore[union-attr]


def query(database: Database, sql: str) -> list[tuple[Any, ...]]:
    with database.connect() as connection:
        return [tuple(row) for row in connection.execute(text(sql))]


@pytest.fixture(scope="module")
def bt(shared_database: Database) -> Database:
    """The module's shared demo copy with the bt schema's tables (see SETUP), for the tests
    that only read: it refuses writes (default_transaction_read_only), so a test that wrote
    would fail, not change what the next one reads."""
    run_sql(shared_database, SETUP)
    run_sql(
        shared_database,
        f'ALTER DATABASE "{shared_database.settings.url.database}" SET default_transaction_read_only = on',
    )
    shared_database.engine.dispose()  # new sessions read the setting
    assert query(shared_database, "SHOW default_transaction_read_only") == [("on",)]
    return shared_database


@pytest.fixture
def own_bt(database: Database) -> Database:
    """The bt schema's tables in this test's own database, for a test that writes (or shows
    that the pager refuses to: the shared database would refuse on its own)."""
    run_sql(database, SETUP)
    return database


@pytest.fixture
def statements(bt: Database) -> Iterator[list[str]]:
    """Every statement sent to the server while the test runs."""
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    event.listen(bt.engine, "before_cursor_execute", record)
    yield seen
    event.remove(bt.engine, "before_cursor_execute", record)


def table(database: Database, name: str) -> TableInfo:
    schema, relation = name.split(".")
    return describe_table(database, RelationRef(schema, relation))


def forward(pager: Pager) -> list[tuple[Any, ...]]:
    """Every row from first() through next(), checking row numbers and flags on the way."""
    page = pager.first()
    assert not page.has_previous
    rows = list(page.rows)
    while page.has_next:
        page = pager.next()
        assert page.has_previous
        if page.first_row_number is not None:
            assert page.first_row_number == len(rows) + 1
        rows += page.rows
    assert pager.next() == page  # no page after the last: the same one again
    return rows


def backward(pager: Pager) -> list[tuple[Any, ...]]:
    """Every row from last() through previous(), in the view's order."""
    page = pager.last()
    assert not page.has_next
    chunks = [page.rows]
    while page.has_previous:
        page = pager.previous()
        assert page.has_next
        chunks.insert(0, page.rows)
    assert page.first_row_number == (1 if page.rows else None)
    assert pager.previous().rows == page.rows  # nothing before the first
    return [row for chunk in chunks for row in chunk]


def test_keyset_visits_every_row_once_both_ways_and_never_says_offset(bt: Database, statements: list[str]) -> None:
    items = table(bt, "bt.items")
    assert items.key == ("id",)
    expected = query(bt, "SELECT * FROM bt.items ORDER BY id")
    with browse.open_pager(bt, View(items), page_size=97) as pager:
        assert isinstance(pager, browse.KeysetPager)
        first = pager.first()
        assert (first.first_row_number, len(first.rows), first.has_next) == (1, 97, True)
        assert first.keys[:3] == ((1,), (2,), (3,))
        assert forward(pager) == expected
        assert backward(pager) == expected
    sql = " ".join(statements).upper()
    assert "LIMIT 98" in sql and "OFFSET" not in sql and "COUNT(" not in sql
    # Every page is read in a READ ONLY transaction, admin or not.
    assert statements.count("SET TRANSACTION READ ONLY") >= 20


@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("column", ["grp", "name", "created"])
def test_sorting_a_column_with_nulls_visits_every_row_once(bt: Database, column: str, descending: bool) -> None:
    direction = "DESC" if descending else "ASC"
    expected = query(bt, f"SELECT * FROM bt.items ORDER BY {column} {direction}, id {direction}")
    view = View(table(bt, "bt.items"), sort=SortKey(column, descending))
    with browse.open_pager(bt, view, page_size=50) as pager:
        assert forward(pager) == expected
        assert backward(pager) == expected


def test_a_composite_key_pages_and_seeks(bt: Database) -> None:
    pairs = table(bt, "bt.pairs")
    assert pairs.key == ("a", "b")
    expected = query(bt, "SELECT * FROM bt.pairs ORDER BY a, b")
    with browse.open_pager(bt, View(pairs), page_size=30) as pager:
        assert forward(pager) == expected
        assert backward(pager) == expected
        page = pager.seek(["10", "c"])
        assert page.keys[0] == (10, "c") and page.has_previous and page.first_row_number is None
        assert list(page.rows) == expected[42:72]
    sorted_view = View(pairs, sort=SortKey("v", descending=True))
    expected = query(bt, "SELECT * FROM bt.pairs ORDER BY v DESC, a DESC, b DESC")
    with browse.open_pager(bt, sorted_view, page_size=30) as pager:
        assert forward(pager) == expected
        assert backward(pager) == expected


def test_a_unique_not_null_index_is_a_key(bt: Database) -> None:
    coded = table(bt, "bt.coded")
    assert coded.key == ("code",) and not coded.has_primary_key
    expected = query(bt, "SELECT * FROM bt.coded ORDER BY code")
    with browse.open_pager(bt, View(coded), page_size=25) as pager:
        assert isinstance(pager, browse.KeysetPager)
        assert forward(pager) == expected
        page = pager.seek(["c0050"])
        assert page.rows[0][0] == "c0050"
        assert all(isinstance(version, int) for version in page.versions)


def test_seek(bt: Database) -> None:
    items = table(bt, "bt.items")
    with browse.open_pager(bt, View(items), page_size=100) as pager:
        page = pager.seek(["500"])
        assert [row[0] for row in page.rows] == list(range(500, 600))
        assert page.has_previous and page.has_next
        assert [row[0] for row in pager.next().rows] == list(range(600, 700))
        assert pager.previous().rows == page.rows
        # Past the end: the last page.
        assert [row[0] for row in pager.seek(["5000"]).rows] == list(range(901, 1001))
        with pytest.raises(BadFilter, match='jump to id: invalid input syntax for type integer: "abc"'):
            pager.seek(["abc"])
        with pytest.raises(BadFilter, match="give 1 value"):
            pager.seek(["1", "2"])
    # Sorted on another column: the row with that key, where the sort puts it.
    expected = query(bt, "SELECT * FROM bt.items WHERE id > 10 ORDER BY grp DESC, id DESC")
    view = View(items, sort=SortKey("grp", descending=True), filters=(Filter("id", ">", "10"),))
    with browse.open_pager(bt, view, page_size=40) as pager:
        at = next(i for i, row in enumerate(expected) if row[0] == 500)
        page = pager.seek(["500"])
        assert list(page.rows) == expected[at : at + 40]
        assert list(pager.next().rows) == expected[at + 40 : at + 80]
        null_row = next(i for i, row in enumerate(expected) if row[1] is None and i > 20)
        assert list(pager.seek([str(expected[null_row][0])]).rows) == expected[null_row : null_row + 40]
        with pytest.raises(RowNotFound, match="no row with id = 5 in this view"):
            pager.seek(["5"])  # filtered out


FILTERS = [
    (Filter("id", "=", "5"), "id = 5"),
    (Filter("grp", "!=", "3"), "grp IS DISTINCT FROM 3"),
    (Filter("id", "<", "40"), "id < 40"),
    (Filter("id", "<=", "40"), "id <= 40"),
    (Filter("created", ">", "2024-02-01 00:00+00"), "created > '2024-02-01 00:00+00'"),
    (Filter("id", ">=", "990"), "id >= 990"),
    (Filter("name", "contains", "EM 1"), "name ILIKE '%em 1%'"),
    (Filter("name", "contains", "%b_"), "name = 'a%b_c'"),
    (Filter("name", "starts with", "item 99"), "name ILIKE 'item 99%'"),
    (Filter("doc", "contains", '"G" : 77'), "doc::text LIKE '%\"g\" : 77%'"),
    (Filter("grp", "is null"), "grp IS NULL"),
    (Filter("name", "is not null"), "name IS NOT NULL"),
    (Filter("name", "=", ""), "name = ''"),
]


@pytest.mark.parametrize(("item", "where"), FILTERS, ids=[f"{f.column} {f.operator}" for f, _ in FILTERS])
def test_each_filter_operator(bt: Database, item: Filter, where: str) -> None:
    expected = query(bt, f"SELECT * FROM bt.items WHERE {where} ORDER BY id")
    assert expected, where
    with browse.open_pager(bt, View(table(bt, "bt.items"), filters=(item,)), page_size=60) as pager:
        assert forward(pager) == expected


def test_filters_and_a_where_clause_together(bt: Database) -> None:
    expected = query(bt, "SELECT * FROM bt.items WHERE grp = 4 AND (id % 2 = 0 OR id < 100) ORDER BY grp, id")
    view = View(
        table(bt, "bt.items"),
        sort=SortKey("grp"),
        filters=(Filter("grp", "=", "4"),),
        where="id % 2 = 0 OR id < 100 -- a comment that must not eat the rest",
    )
    with browse.open_pager(bt, view, page_size=7) as pager:
        assert forward(pager) == expected


@pytest.mark.parametrize(
    ("view_args", "message"),
    [
        ({"where": "foo = 1"}, 'WHERE clause: column "foo" does not exist'),
        ({"where": "id = 1)"}, 'WHERE clause: syntax error at or near ")"'),
        ({"filters": (Filter("id", "=", "abc"),)}, 'filter on id: invalid input syntax for type integer: "abc"'),
        ({"filters": (Filter("created", "<", "soon"),)}, "filter on created: invalid input syntax for type timestamp"),
        ({"filters": (Filter("nope", "=", "1"),)}, 'filter: column "nope" does not exist in bt.items'),
        ({"filters": (Filter("id", "=", None),)}, 'filter on id: "=" needs a value'),
        ({"filters": (Filter("id", "like", "1"),)}, "filter on id: unknown operator 'like'"),
        ({"sort": SortKey("nope")}, 'sort: column "nope" does not exist'),
        ({"sort": SortKey("doc")}, "sort on doc: could not identify an ordering operator for type json"),
        ({"where": "id > 0", "filters": (Filter("grp", "=", "x"),)}, "filter on grp: invalid input syntax"),
    ],
)
def test_a_bad_filter_is_one_line_naming_it(bt: Database, view_args: dict[str, Any], message: str) -> None:
    with pytest.raises(BadFilter) as caught:
        browse.open_pager(bt, View(table(bt, "bt.items"), **view_args))
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)
    assert caught.value.title == "Bad filter"


@pytest.mark.parametrize("relation", ["bt.items", "bt.early"])
def test_a_where_clause_cannot_write(own_bt: Database, relation: str) -> None:
    for where, message in [
        ("nextval('bt.seq') > 0", "cannot execute nextval() in a read-only transaction"),
        ("bt.bump() = 1", "cannot execute INSERT in a read-only transaction"),
    ]:
        with pytest.raises(BadFilter, match=r"^WHERE clause: " + message.replace("(", r"\(").replace(")", r"\)")):
            with browse.open_pager(own_bt, View(table(own_bt, relation), where=where)) as pager:
                pager.first()
    with pytest.raises(BadFilter, match="WHERE clause: syntax error"):
        browse.open_pager(own_bt, View(table(own_bt, relation), where="true; DELETE FROM bt.items"))
    assert query(own_bt, "SELECT is_called FROM bt.seq") == [(False,)]
    assert query(own_bt, "SELECT count(*) FROM bt.log") == [(0,)]
    assert query(own_bt, "SELECT count(*) FROM bt.items") == [(1000,)]


def test_a_view_pages_by_cursor(bt: Database) -> None:
    early = table(bt, "bt.early")
    assert early.key == ()
    with browse.open_pager(bt, View(early), page_size=60) as pager:
        assert isinstance(pager, browse.CursorPager)
        rows = forward(pager)
        assert sorted(rows) == query(bt, "SELECT * FROM bt.early ORDER BY id")
        assert backward(pager) == rows
        last = pager.last()
        assert (last.first_row_number, len(last.rows), last.has_previous) == (441, 60, True)
        assert last.keys == ((),) * 60 and set(last.versions) == {None}
        with pytest.raises(BadFilter, match="this view has no key to jump to"):
            pager.seek(["1"])
        assert bt.engine.pool.checkedout() == 1  # the cursor's connection, held
    assert bt.engine.pool.checkedout() == 0  # given back by close()
    view = View(early, sort=SortKey("grp", descending=True), filters=(Filter("name", "is not null"),))
    expected = query(bt, "SELECT * FROM bt.early WHERE name IS NOT NULL ORDER BY grp DESC")
    with browse.open_pager(bt, view, page_size=45) as pager:
        rows = forward(pager)
        assert [row[2] for row in rows] == [row[2] for row in expected]
        assert sorted(rows, key=lambda row: row[0]) == sorted(expected, key=lambda row: row[0])
        page = pager.first()
        assert pager.next().first_row_number == 46
        assert pager.previous() == page


def test_a_keyless_table_pages_by_cursor_with_versions(own_bt: Database) -> None:
    keyless = table(own_bt, "bt.keyless")
    with browse.open_pager(own_bt, View(keyless, sort=SortKey("n")), page_size=100) as pager:
        assert isinstance(pager, browse.CursorPager)
        assert [row[0] for row in forward(pager)] == list(range(1, 231))
        assert [row[0] for row in backward(pager)] == list(range(1, 231))
        page = pager.first()
        assert all(isinstance(version, int) for version in page.versions)
        run_sql(own_bt, "UPDATE bt.keyless SET note = 'changed' WHERE n = 2")
        assert pager.first().rows[1][1] == "n2"  # the cursor's snapshot
        assert pager.reload().rows[1][1] == "changed"  # a fresh one


def test_a_pager_serves_one_thread_at_a_time(bt: Database) -> None:
    """The grid starts a page worker before a superseded one has finished, and closes the old
    pager from a third thread: a call waits while another thread is inside the pager."""
    lock = 7301
    view = View(table(bt, "bt.items"), where=f"pg_advisory_xact_lock_shared({lock})::text = ''")
    waiting = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
    with browse.open_pager(bt, view, page_size=10) as pager, ThreadPoolExecutor(2) as threads:
        with bt.engine.connect() as holder:  # closed (the lock freed) before the threads are joined
            holder.execute(text(f"SELECT pg_advisory_lock({lock})"))
            first = threads.submit(pager.first)
            wait_for_lock_waiter(bt)  # the first call waits at the server
            second = threads.submit(pager.reload)
            time.sleep(0.3)
            # The second call did not reach the server: it waits for the first to end.
            assert query(bt, waiting) == [(1,)] and not second.done()
            holder.execute(text(f"SELECT pg_advisory_unlock({lock})"))
            assert [key for (key,) in first.result(timeout=10).keys] == list(range(1, 11))
            assert second.result(timeout=10) == first.result()


def test_versions_are_xmin_and_reload_sees_a_save(own_bt: Database) -> None:
    with browse.open_pager(own_bt, View(table(own_bt, "bt.items")), page_size=100) as pager:
        pager.first()
        page = pager.next()
        assert page.first_row_number == 101
        xmins = dict(query(own_bt, "SELECT id, xmin::text::bigint FROM bt.items WHERE id BETWEEN 101 AND 200"))
        assert dict(zip((key[0] for key in page.keys), page.versions)) == xmins
        run_sql(own_bt, "UPDATE bt.items SET name = 'saved' WHERE id = 150; DELETE FROM bt.items WHERE id = 101")
        again = pager.reload()
        assert [row[0] for row in again.rows] == list(range(102, 202))
        assert again.rows[48][2] == "saved" and again.versions[48] != page.versions[49]
        assert again.first_row_number == 101 and again.has_previous


def test_an_empty_result(bt: Database) -> None:
    view = View(table(bt, "bt.items"), filters=(Filter("id", ">", "5000"),))
    with browse.open_pager(bt, view) as pager:
        for method in (pager.first, pager.next, pager.previous, pager.last, pager.reload):
            page: Page = method()
            assert (page.rows, page.has_next, page.has_previous) == ((), False, False)


def test_referencing_rows_of_a_demo_user(database: Database) -> None:
    users = describe_table(database, RelationRef("gacha", "users"))
    user_id, count = query(
        database,
        "SELECT user_id, count(*) FROM gacha.user_waifus GROUP BY user_id ORDER BY count(*) DESC, user_id LIMIT 1",
    )[0]
    assert count > 1
    row = dict(zip(users.column_names, query(database, f"SELECT * FROM gacha.users WHERE id = {user_id}")[0]))
    found = browse.referencing_rows(database, users, row)
    assert {item.foreign_key for item in found} == set(users.referenced_by)
    by_table = {(item.foreign_key.table.name, item.foreign_key.columns): item for item in found}
    waifus = by_table[("user_waifus", ("user_id",))]
    assert (waifus.count, waifus.more) == (count, False)
    assert waifus.filters == (Filter("user_id", "=", str(user_id)),)
    # The filters open exactly those rows.
    view = View(describe_table(database, waifus.foreign_key.table), filters=waifus.filters)
    with browse.open_pager(database, view) as pager:
        assert len(forward(pager)) == count
    for item in found:
        column = item.foreign_key.columns[0]
        value = row[item.foreign_key.referenced_columns[0]]
        expected = query(database, f"SELECT count(*) FROM {item.foreign_key.table.sql} WHERE {column} = '{value}'")[0][
            0
        ]
        assert item.count == min(expected, 1000)
    assert any(item.foreign_key.referenced_columns == ("discord_id",) for item in found)
    limited = browse.referencing_rows(database, users, row, limit=1)
    waifus = next(item for item in limited if item.foreign_key == waifus.foreign_key)
    assert (waifus.count, waifus.more) == (1, True)


def test_referenced_row_filters(database: Database) -> None:
    user_waifus = describe_table(database, RelationRef("gacha", "user_waifus"))
    fk = next(fk for fk in user_waifus.foreign_keys if fk.referenced.name == "users")
    row = dict(zip(user_waifus.column_names, query(database, "SELECT * FROM gacha.user_waifus ORDER BY id LIMIT 1")[0]))
    filters = browse.referenced_row_filters(fk, row)
    assert filters == (Filter("id", "=", str(row["user_id"])),)
    view = View(describe_table(database, fk.referenced), filters=filters)
    with browse.open_pager(database, view) as pager:
        page = pager.first()
        assert page.keys == ((row["user_id"],),) and not page.has_next
    assert browse.referenced_row_filters(fk, {**row, "user_id": None}) is None


def test_typed_filters_and_sorts() -> None:
    assert browse.parse_filter("id >= 10") == Filter("id", ">=", "10")
    assert browse.parse_filter("id>=10") == Filter("id", ">=", "10")
    assert browse.parse_filter("id <> 10") == Filter("id", "!=", "10")
    assert browse.parse_filter("expr = a=b") == Filter("expr", "=", "a=b")
    assert browse.parse_filter("name contains two words") == Filter("name", "contains", "two words")
    assert browse.parse_filter("name STARTS WITH 'ab '") == Filter("name", "starts with", "ab ")
    assert browse.parse_filter("deleted_at is not null") == Filter("deleted_at", "is not null")
    assert browse.parse_filter('"Odd ""Name""" != x') == Filter('Odd "Name"', "!=", "x")
    assert browse.parse_filter("name = ''") == Filter("name", "=", "")
    for bad in ("id", "id ~ 3", "id =", "x is null 3", "name containsab"):
        with pytest.raises(BadFilter):
            browse.parse_filter(bad)
    assert browse.parse_sort("created_at:desc") == SortKey("created_at", True)
    assert browse.parse_sort("name") == SortKey("name")
    assert browse.parse_sort("a:b") == SortKey("a:b")

"""Export: CSV as COPY writes it, JSON with exact types, streamed, cancellable; and the CLI."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import URL

from data.browse import BadFilter, Filter, SortKey, View
from data.catalog import RelationRef, describe_table
from data.engine import Database
from data.export import BadQuery, export_query, export_view
from tests.conftest import assert_one_line_error, run_console, socket_url

SETUP = r"""
CREATE SCHEMA ex;
CREATE TABLE ex.things (
    id integer PRIMARY KEY,
    label text,
    price numeric(10,2),
    ok boolean,
    data jsonb,
    tags text[],
    at timestamptz
);
INSERT INTO ex.things VALUES
    (1, NULL, NULL, NULL, NULL, NULL, NULL),
    (2, '', 1.50, true, '{"b": 1, "a": [1, 2]}', '{a,"b c"}', '2024-05-01 12:00:00+00'),
    (3, 'a,b', 0.10, false, '"text"', '{}', '2024-05-01 12:00:00.123456+00'),
    (4, 'say "hi"', 12345678.90, true, 'null', NULL, NULL),
    (5, E'two\nlines', -1, NULL, '[]', NULL, NULL),
    (6, '\.', 2, NULL, '1.000000000000000000001', NULL, NULL),
    (7, ' 100% ', 3, NULL, NULL, NULL, NULL);
INSERT INTO ex.things (id, label) SELECT g, 'row ' || g FROM generate_series(8, 1000) g;
CREATE VIEW ex.labels AS SELECT label FROM ex.things WHERE id <= 7;
CREATE TABLE ex.log (at timestamptz DEFAULT now());
CREATE FUNCTION ex.bump() RETURNS integer LANGUAGE sql AS $$ INSERT INTO ex.log DEFAULT VALUES RETURNING 1 $$;
SET TIME ZONE 'UTC';
"""

COLUMNS = ("id", "label", "price", "ok", "data", "tags", "at")


@pytest.fixture(scope="module")
def ex(shared_database: Database) -> Database:
    """The module's shared demo copy with the ex schema (SETUP): exports only read, and the
    tests of a refused write check that ex.log stayed empty."""
    with shared_database.engine.begin() as connection:
        connection.connection.driver_connection.execute(SETUP)  # type: ignore[union-attr]
    return shared_database


def things(database: Database, **view_args: Any) -> View:
    return View(describe_table(database, RelationRef("ex", "things")), **view_args)


def copy_csv(database: Database, sql: str) -> str:
    """What PostgreSQL's own COPY writes for this query, as CSV with a header."""
    with database.engine.connect() as connection:
        cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        with cursor.copy(f"COPY ({sql}) TO STDOUT (FORMAT csv, HEADER)") as copy:
            return b"".join(bytes(chunk) for chunk in copy).decode()


def exported(database: Database, view: View, fmt: str, **options: Any) -> tuple[str, int]:
    out = io.StringIO()
    rows = export_view(database, view, out, fmt, **options)  # type: ignore[arg-type]
    return out.getvalue(), rows


def test_csv_is_what_copy_writes_with_null_and_empty_distinct(ex: Database) -> None:
    view = things(ex, filters=(Filter("id", "<=", "7"),))
    csv_text, rows = exported(ex, view, "csv")
    assert rows == 7
    casts = ", ".join(f"{name}::text AS {name}" for name in COLUMNS)
    assert csv_text == copy_csv(ex, f"SELECT {casts} FROM ex.things WHERE id <= 7 ORDER BY id")
    lines = csv_text.splitlines()
    assert lines[0] == "id,label,price,ok,data,tags,at"
    assert lines[1] == "1,,,,,,"  # NULLs: empty and unquoted
    assert lines[2].startswith('2,"",1.50,true,')  # the empty string: quoted
    assert '"a,b"' in lines[3] and '"say ""hi"""' in lines[4] and "6,\\.," in csv_text
    # One column: a lone \. would end COPY's data, so it is quoted, as COPY does; NULL stays bare.
    labels = View(describe_table(ex, RelationRef("ex", "labels")), sort=SortKey("label"))
    single = exported(ex, labels, "csv")[0]
    assert single == copy_csv(ex, "SELECT label FROM ex.labels ORDER BY label")
    assert '"\\."\n' in single and single.endswith("\n\n")


def test_json_keeps_types_and_exact_numbers(ex: Database) -> None:
    view = things(ex, filters=(Filter("id", "<=", "7"),), sort=SortKey("id", descending=True))
    json_text, rows = exported(ex, view, "json")
    assert rows == 7
    parsed = json.loads(json_text, parse_float=Decimal)
    assert [row["id"] for row in parsed] == [7, 6, 5, 4, 3, 2, 1]
    assert list(parsed[0]) == list(COLUMNS)  # the table's column order
    by_id = {row["id"]: row for row in parsed}
    assert by_id[1] == dict.fromkeys(COLUMNS) | {"id": 1}
    assert by_id[2] == {
        "id": 2,
        "label": "",
        "price": Decimal("1.50"),
        "ok": True,
        "data": {"a": [1, 2], "b": 1},
        "tags": ["a", "b c"],
        "at": "2024-05-01T12:00:00+00:00",
    }
    assert by_id[3]["at"] == "2024-05-01T12:00:00.123456+00:00" and by_id[3]["tags"] == []
    assert by_id[4]["data"] is None and by_id[4]["price"] == Decimal("12345678.90")
    assert by_id[5]["label"] == "two\nlines" and by_id[5]["data"] == []
    assert by_id[6]["data"] == Decimal("1.000000000000000000001")
    assert by_id[7]["label"] == " 100% "


def test_the_whole_filtered_sorted_result_not_one_page(ex: Database) -> None:
    view = things(ex, sort=SortKey("label", descending=True), where="id % 3 <> 0 OR label IS NULL")
    csv_text, rows = exported(ex, view, "csv", batch=64)
    with ex.connect() as connection:
        expected = (
            connection.execute(
                text("SELECT id FROM ex.things WHERE id % 3 <> 0 OR label IS NULL ORDER BY label DESC, id DESC")
            )
            .scalars()
            .all()
        )
    assert rows == len(expected) > 600
    assert [int(row[0]) for row in list(csv.reader(io.StringIO(csv_text)))[1:]] == expected
    # A view, no key: all its rows, in no particular order.
    labels = View(describe_table(ex, RelationRef("ex", "labels")))
    assert json.loads(exported(ex, labels, "json")[0]).__len__() == 7
    assert exported(ex, things(ex, filters=(Filter("id", ">", "5000"),)), "json") == ("[]\n", 0)


def test_progress_cancel_and_a_server_side_cursor(ex: Database) -> None:
    calls: list[int] = []
    activity: list[str] = []

    def progress(rows: int) -> None:
        calls.append(rows)
        if len(calls) == 2:  # what our connection is doing between two batches
            with ex.connect() as other:
                activity.extend(
                    other.execute(
                        text(
                            "SELECT query FROM pg_stat_activity WHERE application_name = 'console' "
                            "AND state = 'idle in transaction' AND pid <> pg_backend_pid()"
                        )
                    ).scalars()
                )

    _, rows = exported(ex, things(ex), "csv", progress=progress, batch=100)
    assert rows == 1000 and calls == list(range(100, 1001, 100))
    assert len(activity) == 1 and activity[0].startswith("FETCH FORWARD 100 FROM")

    for fmt in ("csv", "json"):
        seen: list[int] = []
        out, rows = exported(ex, things(ex), fmt, progress=seen.append, cancelled=lambda: len(seen) >= 3, batch=10)
        assert rows == 30 and seen == [10, 20, 30]
        if fmt == "csv":
            assert len(list(csv.reader(io.StringIO(out)))) == 31
        else:
            assert [row["id"] for row in json.loads(out)] == list(range(1, 31))  # still valid JSON


def test_a_bad_view_is_refused_before_writing(ex: Database) -> None:
    out = io.StringIO()
    with pytest.raises(BadFilter, match='WHERE clause: column "foo" does not exist'):
        export_view(ex, things(ex, where="foo = 1"), out, "csv")
    with pytest.raises(BadFilter, match="WHERE clause: cannot execute INSERT in a read-only transaction"):
        export_view(ex, things(ex, where="ex.bump() = 1"), out, "csv")
    assert out.getvalue().count("\n") <= 1  # at most the header


def test_export_query(ex: Database) -> None:
    out = io.StringIO()
    sql = "SELECT 1 AS a, 2 AS a, NULL::text AS \"b%\", '' AS c, '100%' AS d -- a comment\n;"
    assert export_query(ex, sql, out, "csv") == 1
    assert out.getvalue() == 'a,a,b%,c,d\n1,2,,"",100%\n'
    out = io.StringIO()
    assert export_query(ex, "SELECT id, price FROM ex.things WHERE id <= 4 ORDER BY id DESC", out, "json") == 4
    assert json.loads(out.getvalue(), parse_float=Decimal) == [
        {"id": 4, "price": Decimal("12345678.90")},
        {"id": 3, "price": Decimal("0.10")},
        {"id": 2, "price": Decimal("1.50")},
        {"id": 1, "price": None},
    ]
    for bad, message in [
        ("SELECT * FROM ex.nope", 'relation "ex.nope" does not exist'),
        ("DELETE FROM ex.things RETURNING id", "syntax error"),
        ("SELECT ex.bump()", "cannot execute INSERT in a read-only transaction"),
        ("  ;  ", "the query is empty"),
    ]:
        with pytest.raises(BadQuery, match=message):
            export_query(ex, bad, io.StringIO(), "csv")
    with ex.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM ex.log")).scalar() == 0


def test_the_export_command(shared_database: Database, shared_url: URL, tmp_path: Path) -> None:
    url = socket_url(shared_url)
    result = run_console("--url", url, "export", "gacha.users", "--format", "csv", "--where", "id < 5")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # no progress line: stderr is not a terminal
    view = View(describe_table(shared_database, RelationRef("gacha", "users")), where="id < 5")
    expected, rows = exported(shared_database, view, "csv")
    assert result.stdout == expected and rows == 4

    output = tmp_path / "users.json"
    result = run_console(
        "--url",
        url,
        "export",
        "gacha.users",
        "--filter",
        "id <= 3",
        "--filter",
        "academy_name is not null",
        "--sort",
        "id:desc",
        "--format",
        "json",
        "--output",
        str(output),
    )
    assert result.returncode == 0, result.stderr
    count = len(json.loads(output.read_text()))
    assert result.stdout.strip() == f"exported {count} rows of gacha.users to {output}"
    assert [row["id"] for row in json.loads(output.read_text())] == sorted(range(1, count + 1), reverse=True)

    result = run_console(
        "--url",
        url,
        "--json",
        "export",
        "--query",
        "SELECT count(*) AS n FROM gacha.users",
        "--output",
        str(tmp_path / "n.csv"),
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "rows": 1,
        "source": "the query",
        "output": str(tmp_path / "n.csv"),
        "format": "csv",
    }
    assert (tmp_path / "n.csv").read_text().splitlines()[0] == "n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["gacha.nope"], "no table or view called gacha.nope"),
        (["a.b.c"], "not a table name"),
        (["gacha.users", "--where", "foo = 1"], 'WHERE clause: column "foo" does not exist'),
        (["gacha.users", "--filter", "nope = 1"], 'filter: column "nope" does not exist in gacha.users'),
        (["gacha.users", "--filter", "id = abc"], 'filter on id: invalid input syntax for type integer: "abc"'),
        (["gacha.users", "--filter", "id ~ 1"], "the operator must be one of"),
        (["gacha.users", "--sort", "nope:desc"], 'sort: column "nope" does not exist'),
        (["gacha.users", "--query", "SELECT 1"], "exactly one of TABLE or --query"),
        ([], "exactly one of TABLE or --query"),
        (["--query", "DELETE FROM gacha.users"], "syntax error"),
        (["gacha.users", "--output", "/nonexistent/dir/x.csv"], "cannot write /nonexistent/dir/x.csv"),
    ],
)
def test_the_export_command_refuses_bad_input_in_one_line(shared_url: URL, args: list[str], message: str) -> None:
    assert_one_line_error(run_console("--url", socket_url(shared_url), "export", *args), message)


def test_sensitive_columns_are_masked_unless_an_admin_reveals_them(database: Database, database_url: URL) -> None:
    url = socket_url(database_url)
    where = ["--where", "hashed_password IS NOT NULL"]
    masked = run_console("--url", url, "export", "accounts.users", "--format", "json", *where)
    assert masked.returncode == 0, masked.stderr
    rows = json.loads(masked.stdout)
    assert rows and {row["hashed_password"] for row in rows} == {"********"}
    with database.connect() as connection:
        secrets = set(connection.execute(text("SELECT hashed_password FROM accounts.users")).scalars())
        audits = connection.execute(text("SELECT count(*) FROM console.audit_log")).scalar_one()
    assert audits == 0

    refused = run_console("--url", url, "--role", "developer", "export", "accounts.users", "--reveal-sensitive")
    assert_one_line_error(refused, "only an admin can reveal")

    revealed = run_console("--url", url, "export", "accounts.users", "--format", "json", "--reveal-sensitive", *where)
    assert revealed.returncode == 0, revealed.stderr
    assert {row["hashed_password"] for row in json.loads(revealed.stdout)} <= secrets
    with database.connect() as connection:
        after = connection.execute(
            text("SELECT after FROM console.audit_log WHERE action = 'reveal' AND table_name = 'users'")
        ).scalar_one()
    assert after == {"revealed": ["hashed_password"], "export": True}

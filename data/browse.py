"""Browsing any relation a page at a time: keyset paging, sort, filters, foreign-key links.

Tables with a key (a primary key, or a unique index on NOT NULL columns) page by keyset:
every page is one `... WHERE (sort, key) > (last row's values) ORDER BY sort, key LIMIT n+1`,
as fast at row 990,000 as at row 1. Nothing ever says OFFSET or COUNT(*): the extra row
says whether there is a next page. Relations without a key (views, keyless tables)
page with a scrollable server-side cursor instead, which holds one connection for as long
as the grid shows them.

Every query runs in a READ ONLY transaction, whatever the role, so a WHERE clause typed
by the user can read but never write. Every identifier is quoted; every value the user
typed travels as a bind parameter and is read by the server in the column's own type.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any, Protocol, TypeVar

from sqlalchemy import Connection, Row
from sqlalchemy.exc import DBAPIError, OperationalError

from data.catalog import ForeignKey, RelationRef, TableInfo, quote_ident, readable_schemas
from data.engine import Database
from data.errors import one_line

OPERATORS: tuple[str, ...] = (
    "=", "!=", "<", "<=", ">", ">=", "contains", "starts with", "is null", "is not null",
)
_NO_VALUE = ("is null", "is not null")
_COMPARISONS = {"=": "=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
_T = TypeVar("_T")


@dataclass(frozen=True)
class Filter:
    """One condition on one column, as the user typed it.

    Comparisons read `value` in the column's type (the server casts the text). `!=` keeps
    the rows where the column is NULL (IS DISTINCT FROM): hiding blanks is what `is not
    null` is for. `contains` and `starts with` match the column's text, case-insensitively.
    """

    column: str
    operator: str
    value: str | None = None


@dataclass(frozen=True)
class SortKey:
    column: str
    descending: bool = False


@dataclass(frozen=True)
class View:
    """What the grid shows: a relation, an optional sort, filters (ANDed), a typed WHERE clause."""

    table: TableInfo
    sort: SortKey | None = None
    filters: tuple[Filter, ...] = ()
    where: str | None = None


@dataclass(frozen=True)
class Page:
    """One page of rows, with what the grid needs to page on and to edit safely."""

    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    """Values in column order, as psycopg returns them."""
    keys: tuple[tuple[Any, ...], ...]
    """Per row, the values of table.key (empty tuples when paging by cursor)."""
    versions: tuple[int | None, ...]
    """Per row, xmin for tables (for lost-update checks); None for views and the like."""
    has_previous: bool
    has_next: bool
    first_row_number: int | None
    """1-based position of rows[0] when known: always by cursor; by keyset on the first page
    and on pages reached from it by next/previous (counted, not re-read), None after last()
    or seek() unless they reach the top; None on an empty page."""


class BadFilter(ValueError):
    """A bad WHERE clause, filter, sort or key value; the message is one line naming it."""

    title = "Bad filter"


class RowNotFound(ValueError):
    """seek() on a view sorted on another column found no row with the typed key."""

    title = "No such row"


class Pager(Protocol):
    """Pages through one View. Blocking methods, called from one worker thread at a time."""

    view: View
    page_size: int

    def first(self) -> Page: ...
    def last(self) -> Page: ...
    def next(self) -> Page: ...
    def previous(self) -> Page: ...
    def reload(self) -> Page: ...
    def seek(self, key: Sequence[str]) -> Page: ...
    def close(self) -> None: ...


# ---- SQL text -------------------------------------------------------------------------


class Params:
    """Bind parameters in psycopg's %(name)s style, collected while SQL text is built."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    def add(self, value: Any) -> str:
        name = f"p{len(self.values)}"
        self.values[name] = value
        return f"%({name})s"


def sql_text(text: str) -> str:
    """Text for a statement run with parameters, where psycopg reads every % as a placeholder."""
    return text.replace("%", "%%")


def ident(name: str) -> str:
    return sql_text(quote_ident(name))


@dataclass(frozen=True)
class OrderColumn:
    name: str
    descending: bool
    nullable: bool


def order_columns(view: View) -> tuple[OrderColumn, ...]:
    """The view's full order: the sort column, then the key to break ties.

    The key follows the sort's direction, so that one index on (sort column, key) read
    forwards or backwards serves every page.
    """
    table, sort = view.table, view.sort
    names = ([sort.column] if sort else []) + [k for k in table.key if sort is None or k != sort.column]
    descending = bool(sort and sort.descending)
    return tuple(OrderColumn(name, descending, table.column(name).nullable) for name in names)


def order_by_sql(relation: RelationRef, order: Sequence[OrderColumn], *, reverse: bool = False) -> str:
    """ORDER BY items with NULLS spelled out as PostgreSQL's defaults (last going up).

    Reversing flips the NULLs too, which is exactly reading the same order backwards. The
    names are qualified: a bare name would mean an output column first, and the select
    list also holds each order column's text under the same name.
    """
    table = sql_text(relation.sql)
    return ", ".join(
        f"{table}.{ident(c.name)} {'DESC NULLS FIRST' if c.descending != reverse else 'ASC NULLS LAST'}"
        for c in order
    )


def _as_row(columns: Sequence[OrderColumn], values: Sequence[str | None], params: Params) -> tuple[str, str]:
    names = ", ".join(ident(c.name) for c in columns)
    holders = ", ".join(params.add(v) for v in values)
    return f"({names})", f"({holders})"


def after_sql(
    order: Sequence[OrderColumn], anchor: Sequence[str | None], params: Params,
    *, reverse: bool = False, inclusive: bool = False,
) -> str:
    """Rows after the row whose order values (as text) are `anchor`, or at it if inclusive.

    A row-value comparison is what an index range can use, but NULL compares as unknown,
    so a NULL in the (nullable) sort column is placed by hand: after every value going up,
    before every value going down, as PostgreSQL sorts them. Only order[0] can be
    nullable: the rest is the key.
    """
    descending = order[0].descending != reverse
    op = ("<" if descending else ">") + ("=" if inclusive else "")
    first = ident(order[0].name)
    if anchor[0] is None:
        if len(order) > 1:
            names, holders = _as_row(order[1:], anchor[1:], params)
            among_nulls = f"{first} IS NULL AND {names} {op} {holders}"
        else:
            among_nulls = f"{first} IS NULL" if inclusive else "FALSE"
        return f"({among_nulls} OR {first} IS NOT NULL)" if descending else f"({among_nulls})"
    names, holders = _as_row(order, anchor, params)
    if order[0].nullable and not descending:
        return f"({names} {op} {holders} OR {first} IS NULL)"
    return f"{names} {op} {holders}"


def _like_pattern(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def filter_sql(item: Filter, params: Params) -> str:
    """One filter as SQL; the value is a parameter the server reads in the column's type."""
    column = ident(item.column)
    if item.operator == "is null":
        return f"{column} IS NULL"
    if item.operator == "is not null":
        return f"{column} IS NOT NULL"
    assert item.value is not None  # check_view refused a missing value
    if item.operator == "contains":
        return f"{column}::text ILIKE {params.add('%' + _like_pattern(item.value) + '%')}"
    if item.operator == "starts with":
        return f"{column}::text ILIKE {params.add(_like_pattern(item.value) + '%')}"
    if item.operator == "!=":
        return f"{column} IS DISTINCT FROM {params.add(item.value)}"
    return f"{column} {_COMPARISONS[item.operator]} {params.add(item.value)}"


def typed_where(view: View) -> str | None:
    return view.where if view.where and view.where.strip() else None


def conditions_sql(view: View, params: Params) -> list[str]:
    """The view's filters and its WHERE clause, to be ANDed."""
    conditions = [filter_sql(item, params) for item in view.filters]
    where = typed_where(view)
    if where is not None:
        # Parentheses keep its ORs inside; the newlines end a trailing -- comment.
        conditions.append(f"(\n{sql_text(where)}\n)")
    return conditions


def select_sql(
    relation: RelationRef, items: Sequence[str], conditions: Sequence[str],
    *, order: str | None = None, limit: int | None = None,
) -> str:
    """SELECT items FROM relation WHERE conditions (ANDed) ORDER BY order LIMIT limit."""
    sql = f"SELECT {', '.join(items)} FROM {sql_text(relation.sql)}"
    if conditions:
        sql += " WHERE " + " AND ".join(conditions)
    if order:
        sql += f" ORDER BY {order}"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    return sql


def row_items(view: View) -> list[str]:
    """The columns, then each row's xmin when the relation has rows of its own."""
    items = [ident(name) for name in view.table.column_names]
    if view.table.kind.has_rows_of_its_own:
        # xid has no cast to a number; its text does.
        items.append("xmin::text::bigint")
    return items


# ---- checking a view ------------------------------------------------------------------


def check_view(view: View) -> None:
    """Refuse, without asking the server, a sort or filter on a column the table lacks,
    an unknown operator, or a comparison without a value.

    Raises:
        BadFilter: naming the sort or filter.
    """
    table = view.table
    if view.sort is not None and view.sort.column not in table.column_names:
        raise BadFilter(f'sort: column "{view.sort.column}" does not exist in {table.ref}')
    for item in view.filters:
        if item.column not in table.column_names:
            raise BadFilter(f'filter: column "{item.column}" does not exist in {table.ref}')
        if item.operator not in OPERATORS:
            raise BadFilter(f"filter on {item.column}: unknown operator {item.operator!r}")
        if item.operator not in _NO_VALUE and item.value is None:
            raise BadFilter(f'filter on {item.column}: "{item.operator}" needs a value')


def read_only(connection: Connection) -> Connection:
    """Make the connection's transaction READ ONLY before its first query: a typed WHERE
    clause must never write, even for an admin."""
    connection.exec_driver_sql("SET TRANSACTION READ ONLY")
    return connection


def is_bad_input(error: DBAPIError) -> bool:
    """True when the statement was refused (syntax, types, a write in a read-only
    transaction), False when the server or the connection failed (timeouts included)."""
    return not isinstance(error, OperationalError) and not error.connection_invalidated


def _probe(database: Database, view: View) -> DBAPIError | None:
    """Plan and start the view's query without reading a row; the error if refused."""
    params = Params()
    order = order_by_sql(view.table.ref, order_columns(view)) if view.sort else None
    sql = select_sql(view.table.ref, ["1"], conditions_sql(view, params), order=order, limit=0)
    try:
        with database.connect() as connection:
            read_only(connection).exec_driver_sql(sql, params.values)
    except DBAPIError as error:
        if not is_bad_input(error):
            raise
        return error
    return None


def validate_view(database: Database, view: View) -> None:
    """Check the view's sort, filters and WHERE clause against the server.

    One query when all is well; when it is refused, each part is tried alone to name the
    culprit. Errors that only show on some rows (1/0, a write) show when paging.

    Raises:
        BadFilter: one line: `WHERE clause: column "foo" does not exist`,
            `filter on id: invalid input syntax for type integer: "abc"`.
    """
    check_view(view)
    error = _probe(database, view)
    if error is None:
        return
    bare = View(view.table)
    parts: list[tuple[str, View]] = []
    if typed_where(view) is not None:
        parts.append(("WHERE clause", replace(bare, where=view.where)))
    parts += [(f"filter on {item.column}", replace(bare, filters=(item,))) for item in view.filters]
    if view.sort is not None:
        parts.append((f"sort on {view.sort.column}", replace(bare, sort=view.sort)))
    for label, part in parts:
        part_error = _probe(database, part)
        if part_error is not None:
            raise BadFilter(f"{label}: {one_line(part_error)}") from part_error
    raise BadFilter(blame(view, error)) from error


def blame(view: View, error: BaseException) -> str:
    """One line for an error met while reading the view: its rows' errors come from the
    WHERE clause when there is one (our own SQL and the filters were checked up front)."""
    message = one_line(error)
    return f"WHERE clause: {message}" if typed_where(view) is not None else message


# ---- opening a pager ------------------------------------------------------------------


def open_pager(database: Database, view: View, page_size: int = 100) -> Pager:
    """A pager over the view: by keyset when the table has a key, else by cursor.

    Raises:
        BadFilter: the sort, a filter or the WHERE clause is refused (one line).
        ValueError: page_size is below 1.
    """
    if page_size < 1:
        raise ValueError("page_size must be 1 or more")
    validate_view(database, view)
    if view.table.key:
        return KeysetPager(database, view, page_size)
    return CursorPager(database, view, page_size)


@dataclass(frozen=True)
class _Shown:
    """The page on screen and where it starts and ends in the view's order (as text)."""

    page: Page
    first: tuple[str | None, ...] | None
    last: tuple[str | None, ...] | None
    from_start: bool
    """Loaded by first(): reloading starts from the top again, new rows included."""


class KeysetPager:
    """Pages a view of a table with a key: every page is one indexed range read.

    Each call is a short READ ONLY transaction on a pooled connection; between calls the
    pager holds nothing but the order values of the rows at either end of its page.
    """

    def __init__(self, database: Database, view: View, page_size: int = 100) -> None:
        self.database = database
        self.view = view
        self.page_size = page_size
        table = view.table
        self._order = order_columns(view)
        self._items = row_items(view) + [f"{ident(c.name)}::text" for c in self._order]
        self._width = len(table.columns)
        self._xmin = table.kind.has_rows_of_its_own
        self._key_at = [table.column_names.index(name) for name in table.key]
        self._shown: _Shown | None = None

    def first(self) -> Page:
        """The first page of the view."""
        size = self.page_size
        with self._reading() as connection:
            rows = self._rows(connection, limit=size + 1)
        return self._show(rows[:size], has_previous=False, has_next=len(rows) > size, position=1, from_start=True)

    def last(self) -> Page:
        """The last page: the view's order reversed, LIMIT n, read back the right way."""
        size = self.page_size
        with self._reading() as connection:
            rows = self._rows(connection, reverse=True, limit=size + 1)
        more = len(rows) > size
        return self._show(rows[:size][::-1], has_previous=more, has_next=False, position=None if more else 1)

    def next(self) -> Page:
        """The page after the current one; the current page again if there is none."""
        shown = self._shown
        if shown is None or shown.last is None:
            return self.first()
        size = self.page_size
        with self._reading() as connection:
            rows = self._rows(connection, anchor=shown.last, limit=size + 1)
        if not rows:
            return self._keep(replace(shown.page, has_next=False))
        known = shown.page.first_row_number
        position = known + len(shown.page.rows) if known is not None else None
        return self._show(rows[:size], has_previous=True, has_next=len(rows) > size, position=position)

    def previous(self) -> Page:
        """The rows just before the current page (fewer than a page when they reach the top)."""
        shown = self._shown
        if shown is None or shown.first is None:
            return self.first()
        size = self.page_size
        with self._reading() as connection:
            rows = self._rows(connection, anchor=shown.first, reverse=True, limit=size + 1)
        if not rows:
            return self._keep(replace(shown.page, has_previous=False, first_row_number=1))
        more = len(rows) > size
        rows = rows[:size][::-1]
        known = shown.page.first_row_number
        position = 1 if not more else (known - len(rows) if known is not None and known > len(rows) else None)
        return self._show(rows, has_previous=more, has_next=True, position=position)

    def reload(self) -> Page:
        """The current page read again from the same starting row (after a save, say)."""
        shown = self._shown
        if shown is None or shown.from_start or shown.first is None:
            return self.first()
        page = self._page_at(shown.first)
        if page is None:  # that row and all after it are gone
            return self.last()
        if page.has_previous and shown.page.first_row_number is not None:
            return self._keep(replace(page, first_row_number=shown.page.first_row_number))
        return page

    def seek(self, key: Sequence[str]) -> Page:
        """The page starting at a row given by its key, one text per key column.

        In key order (no sort, or a sort on the key itself) this is the first row whose key
        is at or after the typed one, and the last page when there is none. Sorted on
        another column, it is the row with exactly that key, where the sort puts it.

        Raises:
            BadFilter: the wrong number of values, or a value the key's type refuses.
            RowNotFound: sorted on another column, no row of the view has that key.
        """
        table = self.view.table
        if len(key) != len(table.key):
            raise BadFilter(f"the key is ({', '.join(table.key)}): give {len(table.key)} value(s)")
        label = f"jump to {', '.join(table.key)}"
        if [c.name for c in self._order] == list(table.key):
            anchor: tuple[str | None, ...] = tuple(key)
        else:
            with self._reading(label) as connection:
                anchor = self._anchor_of(connection, key)
        page = self._page_at(anchor, label)
        return self.last() if page is None else page

    def close(self) -> None:
        """Nothing to release: each page was its own transaction."""

    def __enter__(self) -> KeysetPager:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- helpers

    @contextmanager
    def _reading(self, label: str | None = None) -> Iterator[Connection]:
        try:
            with self.database.connect() as connection:
                yield read_only(connection)
        except DBAPIError as error:
            if not is_bad_input(error):
                raise
            message = f"{label}: {one_line(error)}" if label else blame(self.view, error)
            raise BadFilter(message) from error

    def _rows(
        self, connection: Connection, *, anchor: Sequence[str | None] | None = None,
        reverse: bool = False, inclusive: bool = False, limit: int,
    ) -> list[Row[Any]]:
        params = Params()
        conditions = conditions_sql(self.view, params)
        if anchor is not None:
            conditions.append(after_sql(self._order, anchor, params, reverse=reverse, inclusive=inclusive))
        sql = select_sql(self.view.table.ref, self._items, conditions,
                         order=order_by_sql(self.view.table.ref, self._order, reverse=reverse), limit=limit)
        return list(connection.exec_driver_sql(sql, params.values).all())

    def _page_at(self, anchor: Sequence[str | None], label: str | None = None) -> Page | None:
        """The page starting at the row with these order values (or the next one); None
        when no row is at or after it."""
        size = self.page_size
        with self._reading(label) as connection:
            rows = self._rows(connection, anchor=anchor, inclusive=True, limit=size + 1)
            if not rows:
                return None
            before = self._rows(connection, anchor=anchor, reverse=True, limit=1)
        return self._show(rows[:size], has_previous=bool(before), has_next=len(rows) > size,
                          position=None if before else 1)

    def _anchor_of(self, connection: Connection, key: Sequence[str]) -> tuple[str | None, ...]:
        """The order values of the view's row with exactly this key."""
        table = self.view.table
        params = Params()
        names = ", ".join(ident(name) for name in table.key)
        holders = ", ".join(params.add(value) for value in key)
        conditions = conditions_sql(self.view, params) + [f"({names}) = ({holders})"]
        items = [f"{ident(c.name)}::text" for c in self._order]
        found = connection.exec_driver_sql(select_sql(table.ref, items, conditions, limit=1), params.values).first()
        if found is None:
            raise RowNotFound(f"no row with {', '.join(table.key)} = {', '.join(key)} in this view")
        return tuple(found)

    def _show(
        self, rows: Sequence[Row[Any]], *, has_previous: bool, has_next: bool,
        position: int | None, from_start: bool = False,
    ) -> Page:
        width, key_at = self._width, self._key_at
        anchors_at = width + (1 if self._xmin else 0)
        values = tuple(tuple(row[:width]) for row in rows)
        page = Page(
            columns=self.view.table.column_names,
            rows=values,
            keys=tuple(tuple(row[i] for i in key_at) for row in values),
            versions=tuple(row[width] if self._xmin else None for row in rows),
            has_previous=has_previous,
            has_next=has_next,
            first_row_number=position if rows else None,
        )
        first = tuple(rows[0][anchors_at:]) if rows else None
        last = tuple(rows[-1][anchors_at:]) if rows else None
        self._shown = _Shown(page, first, last, from_start)
        return page

    def _keep(self, page: Page) -> Page:
        assert self._shown is not None
        self._shown = replace(self._shown, page=page)
        return page


_CURSOR = '"console_browse"'


class CursorPager:
    """Pages a relation without a key (a view, a keyless table) with a scrollable cursor.

    It holds one pooled connection with a READ ONLY transaction open, where the cursor
    lives, until close(): pages come from that transaction's snapshot, so they agree with
    each other; reload() takes a fresh one. Positions are exact, so every page knows its
    row numbers.
    """

    def __init__(self, database: Database, view: View, page_size: int = 100) -> None:
        self.database = database
        self.view = view
        self.page_size = page_size
        self._width = len(view.table.columns)
        self._xmin = view.table.kind.has_rows_of_its_own
        self._connection: Connection | None = None
        self._start = 0
        self._total: int | None = None
        self._page: Page | None = None

    def first(self) -> Page:
        """The first page."""
        return self._load(0, self.page_size)

    def last(self) -> Page:
        """The last page; the first call reads to the end once to count the rows."""
        if self._total is None:
            self._total = self._run(_count_rows)
        return self._load(max(0, self._total - self.page_size), self.page_size)

    def next(self) -> Page:
        """The page after the current one; the current page again if there is none."""
        if self._page is None:
            return self.first()
        if not self._page.has_next:
            return self._page
        return self._load(self._start + len(self._page.rows), self.page_size)

    def previous(self) -> Page:
        """The rows just before the current page (fewer than a page when they reach the top)."""
        if self._page is None:
            return self.first()
        if self._start == 0:
            return self._page
        count = min(self.page_size, self._start)
        return self._load(self._start - count, count)

    def reload(self) -> Page:
        """The current page again, from the same row number, in a fresh snapshot."""
        self._discard()
        page = self._load(self._start, self.page_size)
        return self.last() if not page.rows and self._start > 0 else page

    def seek(self, key: Sequence[str]) -> Page:
        """Not possible: there is no key. Raises BadFilter."""
        raise BadFilter("this view has no key to jump to")

    def close(self) -> None:
        """End the transaction (and the cursor) and give the connection back to the pool."""
        self._discard()

    def __enter__(self) -> CursorPager:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- helpers

    def _load(self, start: int, count: int) -> Page:
        """`count` rows from 0-based position `start`, and one more to know if there are more."""

        def fetch(connection: Connection) -> list[Row[Any]]:
            connection.exec_driver_sql(f"MOVE ABSOLUTE {int(start)} IN {_CURSOR}")
            return list(connection.exec_driver_sql(f"FETCH FORWARD {int(count) + 1} FROM {_CURSOR}").all())

        rows = self._run(fetch)
        has_next = len(rows) > count
        rows = rows[:count]
        if not has_next:
            self._total = start + len(rows)
        width = self._width
        self._start = start
        self._page = Page(
            columns=self.view.table.column_names,
            rows=tuple(tuple(row[:width]) for row in rows),
            keys=tuple(() for _ in rows),
            versions=tuple(row[width] if self._xmin else None for row in rows),
            has_previous=start > 0,
            has_next=has_next,
            first_row_number=start + 1 if rows else None,
        )
        return self._page

    def _run(self, action: Callable[[Connection], _T]) -> _T:
        for attempt in range(2):
            reopened = self._connection is None
            try:
                return action(self._open())
            except DBAPIError as error:
                self._discard()
                # The server may have ended our idle transaction (an idle-in-transaction
                # timeout, a restart): open a new cursor once and carry on where we were.
                if error.connection_invalidated and not reopened and attempt == 0:
                    continue
                if not is_bad_input(error):
                    raise
                raise BadFilter(blame(self.view, error)) from error
        raise AssertionError("unreachable")

    def _open(self) -> Connection:
        if self._connection is not None:
            return self._connection
        view = self.view
        connection = self.database.engine.connect()
        try:
            connection.begin()
            read_only(connection)
            params = Params()
            order = order_by_sql(view.table.ref, order_columns(view)) if view.sort else None
            query = select_sql(view.table.ref, row_items(view), conditions_sql(view, params), order=order)
            connection.exec_driver_sql(f"DECLARE {_CURSOR} SCROLL CURSOR FOR {query}", params.values)
        except BaseException:
            connection.close()
            raise
        self._connection = connection
        self._total = None
        return connection

    def _discard(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                connection.close()  # rolls back: the cursor goes with the transaction
            except DBAPIError:
                pass  # a dead connection: the pool has already dropped it


def _count_rows(connection: Connection) -> int:
    connection.exec_driver_sql(f"MOVE ABSOLUTE 0 IN {_CURSOR}")
    return int(connection.exec_driver_sql(f"MOVE FORWARD ALL IN {_CURSOR}").rowcount)


# ---- foreign-key links ----------------------------------------------------------------


@dataclass(frozen=True)
class ReferencingRows:
    """The rows of one other table whose foreign key points at a row."""

    foreign_key: ForeignKey
    count: int
    """Counted up to the limit given."""
    more: bool
    """True when there are more than the limit."""
    filters: tuple[Filter, ...]
    """The `=` filters that open exactly those rows in foreign_key.table (empty when the
    row's referenced value is NULL, so no row can point at it: count is then 0)."""


def value_text(value: Any) -> str:
    """A value as psycopg returned it, as text the server reads back as the same value."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (bytes, bytearray, memoryview)):
        return "\\x" + bytes(value).hex()
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)


def referenced_row_filters(foreign_key: ForeignKey, row: Mapping[str, Any]) -> tuple[Filter, ...] | None:
    """The filters that open the row this row's foreign key points at.

    Returns None when a column of the foreign key is NULL (it points nowhere).
    """
    values = [row[column] for column in foreign_key.columns]
    if any(value is None for value in values):
        return None
    return tuple(
        Filter(column, "=", value_text(value)) for column, value in zip(foreign_key.referenced_columns, values)
    )


def referencing_rows(
    database: Database, table: TableInfo, row: Mapping[str, Any], limit: int = 1000
) -> list[ReferencingRows]:
    """For each foreign key pointing at `table`, how many rows point at `row` (up to limit).

    One statement counts them all, each count stopping at limit + 1 rows, so a row with a
    million children costs no more than one with a thousand. Tables in schemas the role
    may not read are left out.
    """
    readable = readable_schemas(database)
    keys = [fk for fk in table.referenced_by if readable is None or fk.table.schema in readable]
    found: dict[ForeignKey, tuple[Filter, ...]] = {}
    params = Params()
    counts: list[str] = []
    for fk in keys:
        values = [row[column] for column in fk.referenced_columns]
        if any(value is None for value in values):
            continue
        found[fk] = tuple(Filter(column, "=", value_text(value)) for column, value in zip(fk.columns, values))
        pointing = select_sql(fk.table, ["1"], [filter_sql(item, params) for item in found[fk]], limit=limit + 1)
        counts.append(f"(SELECT count(*) FROM ({pointing}) AS s)")
    numbers: list[int] = []
    if counts:
        with database.connect() as connection:
            numbers = list(read_only(connection).exec_driver_sql(f"SELECT {', '.join(counts)}", params.values).one())
    by_key = dict(zip(found, numbers))
    return [
        ReferencingRows(fk, min(by_key.get(fk, 0), limit), by_key.get(fk, 0) > limit, found.get(fk, ()))
        for fk in keys
    ]


# ---- typed filters and sorts (the command line) ---------------------------------------

_FILTER_COLUMN = re.compile(r'\s*("(?:[^"]|"")+"|[^\s=!<>]+)\s*(.*)', re.S)


def parse_filter(text: str) -> Filter:
    """`COLUMN OPERATOR VALUE` as typed on a command line: `id >= 10`, `name contains ab`,
    `deleted_at is null`, `"Odd Name" = x`. One pair of quotes around the value is removed.

    Raises:
        BadFilter: no column, no known operator, or a missing value.
    """
    match = _FILTER_COLUMN.fullmatch(text)
    if not match:
        raise BadFilter(f"filter {text!r}: expected COLUMN OPERATOR VALUE")
    column, rest = match.groups()
    if column.startswith('"'):
        column = column[1:-1].replace('""', '"')
    if rest.startswith("<>"):  # SQL's spelling of !=
        rest = "!=" + rest[2:]
    for operator in sorted(OPERATORS, key=len, reverse=True):
        head = rest[: len(operator)]
        after = rest[len(operator):]
        if head.lower() != operator or (operator[0].isalpha() and after[:1] not in ("", " ", "\t")):
            continue
        value = after.strip()
        if operator in _NO_VALUE:
            if value:
                raise BadFilter(f"filter {text!r}: {operator} takes no value")
            return Filter(column, operator)
        if not value:
            raise BadFilter(f"filter {text!r}: {operator} needs a value")
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]  # quoted, the value may even be empty
        return Filter(column, operator, value)
    raise BadFilter(f"filter {text!r}: the operator must be one of {', '.join(OPERATORS)}")


def parse_sort(text: str) -> SortKey:
    """`COLUMN` or `COLUMN:desc` (or `:asc`) as typed on a command line."""
    column, _, direction = text.rpartition(":")
    if column and direction.lower() in ("asc", "desc"):
        return SortKey(column, direction.lower() == "desc")
    return SortKey(text)

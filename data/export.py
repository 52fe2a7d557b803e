"""Export a whole view (every filtered, sorted row, not one page) or a query, as CSV or JSON.

Rows stream through a server-side cursor a batch at a time, in a READ ONLY transaction,
so memory stays flat whatever the table's size, and the caller can follow the progress
and stop between batches.

CSV follows PostgreSQL's own `COPY ... (FORMAT csv, HEADER)`: each value in its text form
(cast to text by the server), NULL as an empty unquoted field and the empty string as ""
so the two stay distinct, and a field quoted only when it must be. JSON is an array of
objects, one per row, made by the server's to_json so numbers, booleans and JSON columns
keep their types and numerics their exact digits.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from typing import IO, Literal

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError

from data.browse import (
    BadFilter,
    Params,
    View,
    blame,
    column_item,
    conditions_sql,
    ident,
    order_by_sql,
    order_columns,
    select_sql,
    sql_text,
    validate_view,
)
from data.catalog import ColumnInfo
from data.engine import Database, guard_typed_sql
from data.errors import Refusal, is_bad_input, one_line
from data.sensitive import MASK

Format = Literal["csv", "json"]
FORMATS: tuple[Format, ...] = ("csv", "json")


class BadQuery(Refusal, ValueError):
    """The query to export was refused by the server; the message is its one line."""

    title = "Bad query"


def export_view(
    database: Database,
    view: View,
    out: IO[str],
    fmt: Format,
    *,
    progress: Callable[[int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    batch: int = 1000,
    masked: Collection[str] = (),
) -> int:
    """Write every row of the view, filtered and in the grid's order, to `out`.

    Args:
        masked: columns written as MASK (NULL stays NULL), as the grid shows them: an
            export must not hand out what the screen hides.
        progress: called with the number of rows written so far after each batch.
        cancelled: asked before each batch; True stops the export cleanly (a JSON array
            is still closed, so what was written is valid).
        batch: rows per round trip.

    Returns:
        The number of rows written.

    Raises:
        BadFilter: the sort, a filter or the WHERE clause is refused (one line).
    """
    validate_view(database, view)
    names = view.table.column_names
    params = Params()
    conditions = conditions_sql(view, params)
    order = order_by_sql(view.table.ref, order_columns(view)) or None
    columns = view.table.columns
    if fmt == "csv":
        sql = select_sql(
            view.table.ref, [_item(column, masked, "::text") for column in columns], conditions, order=order
        )
    else:
        # A subquery so the row has a name of ours; its ORDER BY holds (it is not flattened).
        inner = select_sql(view.table.ref, [_item(column, masked) for column in columns], conditions, order=order)
        sql = f'SELECT to_json("row".*)::text FROM ({inner}) AS "row"'
    try:
        with database.connect() as connection:
            guard_typed_sql(connection)
            return _stream(connection, sql, params.values, names, out, fmt, progress, cancelled, batch)
    except DBAPIError as error:
        if not is_bad_input(error):
            raise
        raise BadFilter(blame(view, error)) from error


def _item(column: ColumnInfo, masked: Collection[str], cast: str = "") -> str:
    """One selected column: the value (cast), or MASK in its place for a masked column."""
    if column.name in masked and column.readable:
        name = ident(column.name)
        # MASK is asterisks only: safe as a literal, and no % for psycopg to read.
        return f"CASE WHEN {name} IS NULL THEN NULL ELSE '{MASK}' END AS {name}"
    return column_item(column, cast)


def export_query(
    database: Database,
    sql: str,
    out: IO[str],
    fmt: Format,
    *,
    progress: Callable[[int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    batch: int = 1000,
) -> int:
    """Write every row of a SELECT (or VALUES, TABLE, WITH ... SELECT) to `out`.

    It runs in a READ ONLY transaction and as a subquery, so it can only read. Arguments
    and result as for export_view.

    Raises:
        BadQuery: the server refused the query (one line).
    """
    query = sql.strip().rstrip(";").strip()
    if not query:
        raise BadQuery("the query is empty")
    # The newlines end a trailing -- comment; % is the driver's placeholder sign.
    subquery = f"(\n{sql_text(query)}\n)"
    try:
        with database.connect() as connection:
            guard_typed_sql(connection)
            names = list(connection.exec_driver_sql(f"SELECT * FROM {subquery} AS q LIMIT 0", {}).keys())
            if fmt == "csv":
                # Columns renamed by position, so duplicate or odd names still cast to text.
                aliases = [ident(f"c{i}") for i in range(len(names))]
                items = ", ".join(f"q.{alias}::text" for alias in aliases)
                statement = f"SELECT {items} FROM {subquery} AS q({', '.join(aliases)})"
            else:
                statement = f"SELECT to_json(q.*)::text FROM {subquery} AS q"
            return _stream(connection, statement, {}, names, out, fmt, progress, cancelled, batch)
    except DBAPIError as error:
        if not is_bad_input(error):
            raise
        raise BadQuery(one_line(error)) from error


def _stream(
    connection: Connection,
    sql: str,
    params: dict[str, object],
    names: Sequence[str],
    out: IO[str],
    fmt: Format,
    progress: Callable[[int], None] | None,
    cancelled: Callable[[], bool] | None,
    batch: int,
) -> int:
    """Run `sql` through a server-side cursor and write its rows, a batch at a time."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r} (csv or json)")
    batch = max(1, batch)
    written = 0
    first = True
    out.write(csv_line(names) if fmt == "csv" else "[")
    result = connection.execution_options(stream_results=True, max_row_buffer=batch).exec_driver_sql(sql, params)
    try:
        for rows in result.partitions(batch):
            if cancelled is not None and cancelled():
                break
            if fmt == "csv":
                out.write("".join(csv_line(row) for row in rows))
            else:
                out.write(("\n" if first else ",\n") + ",\n".join(row[0] for row in rows))
                first = False
            written += len(rows)
            if progress is not None:
                progress(written)
    finally:
        result.close()
    if fmt == "json":
        out.write("\n]\n" if written else "]\n")
    return written


_NEEDS_QUOTES = re.compile(r'[,"\r\n]')


def csv_field(value: str | None) -> str:
    """One CSV field as COPY writes it: NULL empty, the empty string "", quotes when needed."""
    if value is None:
        return ""
    if value == "" or _NEEDS_QUOTES.search(value):
        return '"' + value.replace('"', '""') + '"'
    return value


def csv_line(values: Sequence[str | None]) -> str:
    """One CSV line. Alone on its line, \\. would read as COPY's end of data: quoted."""
    if len(values) == 1 and values[0] == "\\.":
        return '"\\."\n'
    return ",".join(csv_field(value) for value in values) + "\n"

"""Checking a view before paging it, and the READ ONLY guard every query runs under.

A bad sort, filter or WHERE clause is refused up front with one line naming it, so that
paging never starts on a view the server will refuse.
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy.exc import DBAPIError

from data.browse.sql import Params, conditions_sql, order_by_sql, order_columns, select_sql, typed_where
from data.browse.views import NO_VALUE, OPERATORS, BadFilter, View
from data.engine import Database, guard_typed_sql
from data.errors import is_bad_input, one_line


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
        if item.operator not in NO_VALUE and item.value is None:
            raise BadFilter(f'filter on {item.column}: "{item.operator}" needs a value')


def _probe(database: Database, view: View) -> DBAPIError | None:
    """Plan and start the view's query without reading a row; the error if refused."""
    params = Params()
    order = order_by_sql(view.table.ref, order_columns(view)) if view.sort else None
    sql = select_sql(view.table.ref, ["1"], conditions_sql(view, params), order=order, limit=0)
    try:
        with database.connect() as connection:
            guard_typed_sql(connection).exec_driver_sql(sql, params.values)
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

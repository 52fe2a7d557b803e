"""The SQL text of a view's query: its order, its filters and WHERE clause, the keyset
condition that starts a page, the SELECT around them.

Only text is built here, never run: every value the user typed goes into Params, to travel
as a bind parameter; every identifier is quoted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from data.browse.views import Filter, View
from data.catalog import ColumnInfo, RelationRef, quote_ident, sql_text
from data.sensitive import MASK

_COMPARISONS = {"=": "=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}


class Params:
    """Bind parameters in psycopg's %(name)s style, collected while SQL text is built."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    def add(self, value: Any) -> str:
        name = f"p{len(self.values)}"
        self.values[name] = value
        return f"%({name})s"


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
        f"{table}.{ident(c.name)} {'DESC NULLS FIRST' if c.descending != reverse else 'ASC NULLS LAST'}" for c in order
    )


def _as_row(columns: Sequence[OrderColumn], values: Sequence[str | None], params: Params) -> tuple[str, str]:
    names = ", ".join(ident(c.name) for c in columns)
    holders = ", ".join(params.add(v) for v in values)
    return f"({names})", f"({holders})"


def after_sql(
    order: Sequence[OrderColumn],
    anchor: Sequence[str | None],
    params: Params,
    *,
    reverse: bool = False,
    inclusive: bool = False,
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
    relation: RelationRef,
    items: Sequence[str],
    conditions: Sequence[str],
    *,
    order: str | None = None,
    limit: int | None = None,
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


def column_item(column: ColumnInfo, cast: str = "") -> str:
    """One selected column; one the login may not read is the mask itself, so the grid and
    an export show it masked instead of the server refusing the whole row."""
    if not column.readable:
        # The mask is asterisks only: safe as a literal, and no % for psycopg to read.
        return f"'{MASK}'::text AS {ident(column.name)}"
    return f"{ident(column.name)}{cast}"


def row_items(view: View) -> list[str]:
    """The columns, then each row's xmin when the relation has rows of its own."""
    items = [column_item(column) for column in view.table.columns]
    if view.table.kind.has_rows_of_its_own:
        # xid has no cast to a number; its text does.
        items.append("xmin::text::bigint")
    return items

"""Foreign-key links between rows: the filters that open the row a foreign key points at,
and, for a row, how many rows of each other table point at it.

Both open other views of the browser, so they speak in Filters.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from data.browse.sql import Params, filter_sql, select_sql
from data.browse.views import Filter
from data.catalog import ForeignKey, TableInfo, readable_schemas
from data.engine import Database, guard_typed_sql


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
            numbers = list(
                guard_typed_sql(connection).exec_driver_sql(f"SELECT {', '.join(counts)}", params.values).one()
            )
    by_key = dict(zip(found, numbers))
    return [
        ReferencingRows(fk, min(by_key.get(fk, 0), limit), by_key.get(fk, 0) > limit, found.get(fk, ())) for fk in keys
    ]

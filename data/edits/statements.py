"""The SQL that pending changes become: one INSERT, UPDATE or DELETE per row changed, with
its lost-update guard, and the previews of it shown before saving.

Statements are built as pieces (text and values) so that the same pieces run with bind
parameters (save.py) and print with literals, sensitive values masked (the previews).
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from psycopg.types.json import Jsonb
from sqlalchemy import text

from data.catalog import TableInfo, quote_ident
from data.edits.changes import (
    DEFAULT,
    Action,
    CellChange,
    CellValue,
    Change,
    ChangeSet,
    RowDelete,
    RowInsert,
    RowRef,
    SoftDeleteChange,
    human_text,
    key_text,
)
from data.sensitive import MASK, sensitive_columns


@dataclass(frozen=True)
class _Param:
    """A value in a statement: a bind parameter when run, a literal when shown."""

    value: Any
    masked: bool = False
    """Shown as MASK in previews (a sensitive column's new value)."""


Piece = str | _Param


def _literal(value: Any) -> str:
    """A value as an SQL literal, quoted safely whatever standard_conforming_strings says."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, Decimal)) or (isinstance(value, float) and math.isfinite(value)):
        return str(value)
    body = value if isinstance(value, str) else human_text(value)
    quoted = body.replace("'", "''")
    # An E'' string reads backslashes the same way under any server setting.
    return "E'" + quoted.replace("\\", "\\\\") + "'" if "\\" in body else "'" + quoted + "'"


def runnable(pieces: Iterable[Piece]) -> tuple[Any, dict[str, Any]]:
    """A text() clause with bind parameters for the values, and the parameters."""
    parts: list[str] = []
    params: dict[str, Any] = {}
    for piece in pieces:
        if isinstance(piece, _Param):
            name = f"p{len(params)}"
            # A key read from a jsonb column comes back as a dict, which psycopg wants wrapped.
            params[name] = Jsonb(piece.value) if isinstance(piece.value, dict) else piece.value
            parts.append(f":{name}")
        else:
            parts.append(piece.replace(":", "\\:"))  # a colon inside a quoted name is not a bind
    return text("".join(parts)), params


def _printable(pieces: Iterable[Piece]) -> str:
    return "".join(
        piece if isinstance(piece, str) else f"'{MASK}'" if piece.masked else _literal(piece.value) for piece in pieces
    )


def _value(column: str, value: CellValue, masked: Collection[str]) -> Piece:
    if value is DEFAULT:
        return "DEFAULT"
    if value is None:
        return "NULL"
    return _Param(value, column in masked)


def where_row(table: TableInfo, key: tuple[Any, ...], version: int | None) -> list[Piece]:
    pieces: list[Piece] = [" WHERE "]
    for i, (name, value) in enumerate(zip(table.key, key)):
        pieces += [" AND " if i else "", f"{quote_ident(name)} = ", _Param(value)]
    if version is not None:
        # The lost-update guard: the row is still the version that was read.
        pieces += [" AND xmin = ", _Param(str(version))]
    return pieces


def image_sql(table: TableInfo, masked: Collection[str]) -> str:
    """The row as JSONB text, made by the server (exact numbers), sensitive values masked."""
    image = f"to_jsonb({table.ref.sql}.*)"
    hidden = [name for name in table.column_names if name in masked]
    if hidden:
        image += (
            " || jsonb_build_object("
            + ", ".join(
                f"{_literal(name)}, CASE WHEN {table.ref.sql}.{quote_ident(name)} IS NULL THEN NULL ELSE '{MASK}' END"
                for name in hidden
            )
            + ")"
        )
    return f"({image})::text"


def key_sql(table: TableInfo) -> str:
    pairs = ", ".join(f"{_literal(name)}, {table.ref.sql}.{quote_ident(name)}" for name in table.key)
    return f"jsonb_build_object({pairs})::text"


@dataclass
class Group:
    """The changes that become one statement: one new row, or everything done to one row."""

    indexes: list[int]
    insert: RowInsert | None = None
    row: RowRef | None = None
    delete: bool = False
    cells: dict[str, CellValue] = field(default_factory=dict)
    soft: SoftDeleteChange | None = None
    sources: dict[str | None, int] = field(default_factory=dict)
    """Which change made each part: a cell's column, or None for the delete or soft-delete."""

    @property
    def action(self) -> Action:
        if self.insert is not None:
            return "insert"
        if self.delete:
            return "delete"
        if self.soft is not None:
            return "restore" if self.soft.restore else "soft-delete"
        return "update"


def group_changes(changes: tuple[Change, ...]) -> list[Group]:
    """Changes grouped per row, each group where its row was first changed."""
    groups: list[Group] = []
    by_key: dict[tuple[Any, ...], Group] = {}
    for index, change in enumerate(changes):
        if isinstance(change, RowInsert):
            groups.append(Group([index], insert=change))
            continue
        key = tuple(change.row.key)
        group = by_key.get(key)
        if group is None:
            # The first RowRef seen carries the oldest version: the strictest guard.
            group = by_key[key] = Group([], row=change.row)
            groups.append(group)
        group.indexes.append(index)
        if isinstance(change, RowDelete):
            group.delete = True
            group.sources[None] = index
        elif isinstance(change, CellChange):
            group.cells[change.column] = change.value
            group.sources[change.column] = index
        else:
            group.soft = change
            group.sources[None] = index
    return groups


def write_statement(table: TableInfo, group: Group, masked: Collection[str]) -> list[Piece]:
    """The INSERT, UPDATE or DELETE of one group, without RETURNING."""
    name = table.ref.sql
    if group.insert is not None:
        values = group.insert.values
        if not values:
            return [f"INSERT INTO {name} DEFAULT VALUES"]
        pieces: list[Piece] = [f"INSERT INTO {name} ({', '.join(quote_ident(c) for c in values)}) VALUES ("]
        for i, (column, value) in enumerate(values.items()):
            pieces += [", " if i else "", _value(column, value, masked)]
        return [*pieces, ")"]
    assert group.row is not None
    where = where_row(table, tuple(group.row.key), group.row.version)
    if group.delete:
        return [f"DELETE FROM {name}", *where]
    assignments: list[tuple[str, Piece]] = [(c, _value(c, v, masked)) for c, v in group.cells.items()]
    soft = table.soft_delete
    if group.soft is not None and soft is not None:
        deleting = not group.soft.restore
        # An explicit edit of the same column wins over what the soft-delete would set.
        if soft.flag and soft.flag not in group.cells:
            assignments.append((soft.flag, "true" if deleting else "false"))
        if soft.timestamp and soft.timestamp not in group.cells:
            assignments.append((soft.timestamp, "now()" if deleting else "NULL"))
    pieces = [f"UPDATE {name} SET "]
    for i, (column, piece) in enumerate(assignments):
        pieces += [", " if i else "", f"{quote_ident(column)} = ", piece]
    return [*pieces, *where]


# --- Previews ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DiffLine:
    """One line of the pending-changes diff, in words for a person."""

    action: Action
    key: str
    """`id=7`, or `new row 1` for an insert."""
    column: str | None
    before: str | None
    after: str | None
    change_index: int = 0
    """The change (index into ChangeSet.changes) this line shows; undoing it removes the line."""


def preview_sql(changeset: ChangeSet, *, masked: Collection[str] | None = None) -> list[str]:
    """One statement per row changed, as save_changes runs it, values inlined as literals.

    Each UPDATE and DELETE carries its lost-update guard (`AND xmin = '1234'`). The
    locking SELECT before it and the RETURNING of the images are left out. New values of
    `masked` columns (default: the table's sensitive columns by name) show as MASK.
    """
    table = changeset.table
    masked = sensitive_columns(table) if masked is None else masked
    return [_printable(write_statement(table, group, masked)) + ";" for group in group_changes(changeset.changes)]


def preview_diff(changeset: ChangeSet, *, masked: Collection[str] | None = None) -> list[DiffLine]:
    """The pending changes as lines for a person: one per cell, row, or soft-delete.

    Values of `masked` columns (default: the table's sensitive columns by name) show as MASK.
    """
    table = changeset.table
    masked = sensitive_columns(table) if masked is None else masked

    def shown(column: str, value: Any) -> str:
        return MASK if column in masked and value not in (None, DEFAULT) else human_text(value)

    lines: list[DiffLine] = []
    new_rows = 0
    for group in group_changes(changeset.changes):
        if group.insert is not None:
            new_rows += 1
            key = f"new row {new_rows}"
            index = group.indexes[0]
            lines += [DiffLine("insert", key, c, None, shown(c, v), index) for c, v in group.insert.values.items()]
            if not group.insert.values:
                lines.append(DiffLine("insert", key, None, None, "all defaults", index))
            continue
        assert group.row is not None
        key, before = key_text(table, group.row.key), group.row.before
        if group.delete:
            summary = ", ".join(f"{c}={_short(shown(c, v))}" for c, v in before.items()) or None
            lines.append(DiffLine("delete", key, None, summary, None, group.sources[None]))
            continue
        for column, value in group.cells.items():
            was = shown(column, before[column]) if column in before else None
            lines.append(DiffLine("update", key, column, was, shown(column, value), group.sources[column]))
        soft = table.soft_delete
        if group.soft is not None and soft is not None:
            # One line for the soft-delete, on the column that says it (the flag, else the time).
            column = soft.flag or soft.timestamp or ""
            deleting = not group.soft.restore
            if column == soft.flag:
                after = "true" if deleting else "false"
            else:
                after = "now()" if deleting else "NULL"
            was = human_text(before[column]) if column in before else None
            lines.append(DiffLine(group.action, key, column, was, after, group.sources[None]))
    return lines


def _short(text_: str, width: int = 40) -> str:
    return text_ if len(text_) <= width else text_[: width - 1] + "…"

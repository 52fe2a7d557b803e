"""Pending row changes of the table grid, saved in one transaction with their audit rows.

The grid collects changes in a `ChangeSet` (immutable: every edit returns a new one), shows
them with `preview_diff` and `preview_sql`, and `save_changes` writes them all or nothing.

Lost updates are refused, never overwritten: each existing row is first locked with
SELECT ... FOR UPDATE and its xmin compared with the one the grid read. Under READ
COMMITTED the lock waits for a concurrent writer and then sees its committed version, so a
row changed or deleted since it was read is always noticed, however the two saves
interleave. Every changed row writes one console.audit_log row in the same transaction,
with before and after images made by the server (sensitive columns masked there).

New values are PostgreSQL input text passed as plain str bind parameters: psycopg sends a
str with the "unknown" type, so the server converts it to the column's own type on
assignment (integers, jsonb, enums, uuid, inet, arrays, vector...) exactly as it would a
quoted literal, and a too-long value for varchar(n) is an error, never silently cut.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Final, Literal
from uuid import UUID

from psycopg.types.json import Jsonb
from sqlalchemy import Connection, bindparam, cast, insert, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.types import Text

from data.catalog import ColumnInfo, TableInfo, quote_ident
from data.engine import Database
from data.errors import one_line
from data.models.audit import AuditLog
from data.sensitive import MASK, sensitive_columns
from data.values import input_text

VERSION_SQL: Final = "xmin::text::bigint"
"""Select this (as the row's version) next to a row the user may edit: RowRef.version."""
LOCK_TIMEOUT_MS: Final = 5000
"""How long a save waits for a row another session holds locked before giving up."""


class _Sentinel:
    """A named singleton (one instance per subclass), compared with `is`."""

    _name = ""

    def __new__(cls) -> _Sentinel:
        if "_instance" not in cls.__dict__:
            cls._instance = super().__new__(cls)
        return cls._instance  # type: ignore[no-any-return]

    def __repr__(self) -> str:
        return self._name

    def __reduce__(self) -> tuple[type, tuple[()]]:
        return (type(self), ())  # copies and pickles stay the one instance


class _Default(_Sentinel):
    """The type of DEFAULT: "use the column's default" (SQL's DEFAULT keyword)."""

    _name = "DEFAULT"


class _Nothing(_Sentinel):
    """The type of NOTHING: a cell without a pending change."""

    _name = "NOTHING"


DEFAULT: Final = _Default()
NOTHING: Final = _Nothing()
CellValue = str | None | _Default
"""PostgreSQL input text, None for NULL, or DEFAULT."""
RowState = Literal["edited", "deleted", "soft-deleted", "restored"]
Action = Literal["update", "insert", "delete", "soft-delete", "restore"]


@dataclass(frozen=True)
class RowRef:
    """An existing row as the grid read it."""

    key: tuple[Any, ...]
    """The values of table.key, as psycopg returned them."""
    version: int | None
    """The row's xmin when read (select VERSION_SQL); None to compare `before` instead."""
    before: Mapping[str, Any] = field(default_factory=dict)
    """The row as read, column -> value."""


@dataclass(frozen=True)
class CellChange:
    """A new value for one cell of an existing row."""

    row: RowRef
    column: str
    value: CellValue


@dataclass(frozen=True)
class RowInsert:
    """A new row; columns left out take their default."""

    values: Mapping[str, CellValue]


@dataclass(frozen=True)
class RowDelete:
    """Delete an existing row."""

    row: RowRef


@dataclass(frozen=True)
class SoftDeleteChange:
    """Soft-delete a row (flag true, timestamp now()) or, with restore, undo that."""

    row: RowRef
    restore: bool = False


Change = CellChange | RowInsert | RowDelete | SoftDeleteChange


@dataclass(frozen=True)
class ChangeSet:
    """The pending changes of one table, in the order made; immutable (methods return a new ChangeSet)."""

    table: TableInfo
    changes: tuple[Change, ...] = ()

    def add(self, change: Change) -> ChangeSet:
        """This change set with `change` merged in.

        A second edit of a cell replaces the first; an edit back to the value read removes
        it; deleting a row drops its pending edits; a soft-delete and a restore of the same
        row cancel out; a soft-delete drops pending edits of the columns it sets.

        Raises:
            ValueError: the table cannot be edited, the column does not exist or is
                generated, the key does not fit the table, the row is pending delete, or
                the table has no soft-delete columns.
        """
        if self.table.read_only_reason:
            raise ValueError(f"cannot edit {self.table.ref}: {self.table.read_only_reason}")
        if isinstance(change, RowInsert):
            for name in change.values:
                self._writable(name)
            return replace(self, changes=(*self.changes, change))
        key = self._key_of(change.row)
        if isinstance(change, RowDelete):
            kept = [c for c in self.changes if _row_key(c) != key]
            return replace(self, changes=(*kept, change))
        if self.row_state(key) == "deleted":
            raise ValueError(f"{self._label(key)} is to be deleted: undo the delete before changing it")
        if isinstance(change, CellChange):
            return self._add_cell(key, change)
        return self._add_soft(key, change)

    def _add_cell(self, key: tuple[Any, ...], change: CellChange) -> ChangeSet:
        column = self._writable(change.column)
        same = [i for i, c in enumerate(self.changes) if isinstance(c, CellChange) and _row_key(c) == key
                and c.column == change.column]
        changes = list(self.changes)
        before = change.row.before
        if change.column in before and same_as_read(before[change.column], change.value, column):
            return replace(self, changes=tuple(c for i, c in enumerate(changes) if i not in same))
        if same:
            changes[same[0]] = change
            return replace(self, changes=tuple(c for i, c in enumerate(changes) if i not in same[1:]))
        return replace(self, changes=(*changes, change))

    def _add_soft(self, key: tuple[Any, ...], change: SoftDeleteChange) -> ChangeSet:
        soft = self.table.soft_delete
        if soft is None:
            raise ValueError(f"{self.table.ref} has no soft-delete column (is_deleted or deleted_at)")
        pending = [c for c in self.changes if isinstance(c, SoftDeleteChange) and _row_key(c) == key]
        sets = {soft.flag, soft.timestamp} - {None}
        # The soft-delete sets these columns itself; the later change wins.
        kept = [c for c in self.changes if not (_row_key(c) == key and (
            isinstance(c, SoftDeleteChange) or (isinstance(c, CellChange) and c.column in sets)))]
        if pending and pending[-1].restore != change.restore:
            return replace(self, changes=tuple(kept))  # a soft-delete and a restore cancel out
        if not pending and _soft_deleted_when_read(change.row, self.table) == (not change.restore):
            problem = "is not soft-deleted: nothing to restore" if change.restore else "is already soft-deleted"
            raise ValueError(f"{self._label(key)} {problem}")
        return replace(self, changes=(*kept, change))

    def without(self, index: int) -> ChangeSet:
        """This change set without the change at `index` (undo)."""
        return replace(self, changes=self.changes[:index] + self.changes[index + 1:])

    def cell_value(self, key: tuple[Any, ...], column: str) -> CellValue | _Nothing:
        """The pending value of a cell, or NOTHING when the cell has no pending edit."""
        for change in self.changes:
            if isinstance(change, CellChange) and change.column == column and _row_key(change) == tuple(key):
                return change.value
        return NOTHING

    def row_state(self, key: tuple[Any, ...]) -> RowState | None:
        """What is pending for an existing row: deleted, soft-deleted, restored, edited, or None."""
        key = tuple(key)
        mine = [c for c in self.changes if _row_key(c) == key]
        if any(isinstance(c, RowDelete) for c in mine):
            return "deleted"
        soft = [c for c in mine if isinstance(c, SoftDeleteChange)]
        if soft:
            return "restored" if soft[-1].restore else "soft-deleted"
        return "edited" if mine else None

    @property
    def inserts(self) -> tuple[RowInsert, ...]:
        """The pending new rows, in the order made."""
        return tuple(c for c in self.changes if isinstance(c, RowInsert))

    def __len__(self) -> int:
        return len(self.changes)

    def __bool__(self) -> bool:
        return bool(self.changes)

    def _key_of(self, row: RowRef) -> tuple[Any, ...]:
        if len(row.key) != len(self.table.key):
            names = ", ".join(self.table.key)
            raise ValueError(f"{self.table.ref} rows are named by {names}: got {len(row.key)} value(s)")
        return tuple(row.key)

    def _writable(self, name: str) -> ColumnInfo:
        try:
            column = self.table.column(name)
        except KeyError:
            raise ValueError(f"{self.table.ref} has no column {name!r}") from None
        if not column.writable:
            raise ValueError(f"{self.table.ref}.{name} is a generated column: it cannot be written")
        return column

    def _label(self, key: tuple[Any, ...]) -> str:
        return f"{self.table.ref} {key_text(self.table, key)}"


def _row_key(change: Change) -> tuple[Any, ...] | None:
    return None if isinstance(change, RowInsert) else tuple(change.row.key)


def _soft_deleted_when_read(row: RowRef, table: TableInfo) -> bool | None:
    soft = table.soft_delete
    if soft is None:
        return None
    if soft.flag and soft.flag in row.before:
        return bool(row.before[soft.flag])
    if soft.timestamp and soft.timestamp in row.before:
        return row.before[soft.timestamp] is not None
    return None  # unknown: let the change through


# --- Texts for people -------------------------------------------------------------------

_TRUE = frozenset({"t", "true", "y", "yes", "on", "1"})
_FALSE = frozenset({"f", "false", "n", "no", "off", "0"})


def human_text(value: Any) -> str:
    """A value as a person reads it: NULL and DEFAULT spelled out, JSON as JSON."""
    if value is None:
        return "NULL"
    if value is DEFAULT:
        return "DEFAULT"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (bytes, memoryview)):
        return "\\x" + bytes(value).hex()
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    return str(value)


def key_text(table: TableInfo, key: Iterable[Any]) -> str:
    """A row's key for messages: `id=7`, or `user_id=123, code=SPRING`."""
    return ", ".join(f"{name}={human_text(value)}" for name, value in zip(table.key, key))


def same_as_read(read: Any, value: CellValue, column: ColumnInfo) -> bool:
    """True when input text `value` means the value `read` from the column (so no change).

    Either it is the very text an editor starts from (data.values.input_text), or it means
    the same number, boolean, UUID or JSON. Unsure cases count as different: a pending edit
    that changes nothing is harmless.
    """
    if value is DEFAULT or value is None or read is None:
        return value is None and read is None
    assert isinstance(value, str)
    try:
        if input_text(read, column) == value:
            return True
    except Exception:  # noqa: BLE001 - a value input_text cannot render is simply "different"
        pass
    try:
        if column.base_type in ("json", "jsonb"):
            return bool(json.loads(value) == read)
        if isinstance(read, bool):
            return value.strip().lower() in (_TRUE if read else _FALSE)
        if isinstance(read, str):
            return value == read
        if isinstance(read, int):
            return int(value.strip()) == read
        if isinstance(read, Decimal):
            return Decimal(value.strip()) == read
        if isinstance(read, float):
            return float(value) == read
        if isinstance(read, UUID):
            return UUID(value.strip()) == read
    except (ValueError, ArithmeticError, InvalidOperation):
        return False
    return False


# --- Statements -----------------------------------------------------------------------------


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


def _runnable(pieces: Iterable[Piece]) -> tuple[Any, dict[str, Any]]:
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


def _where(table: TableInfo, key: tuple[Any, ...], version: int | None) -> list[Piece]:
    pieces: list[Piece] = [" WHERE "]
    for i, (name, value) in enumerate(zip(table.key, key)):
        pieces += [" AND " if i else "", f"{quote_ident(name)} = ", _Param(value)]
    if version is not None:
        # The lost-update guard: the row is still the version that was read.
        pieces += [" AND xmin = ", _Param(str(version))]
    return pieces


def _image_sql(table: TableInfo, masked: Collection[str]) -> str:
    """The row as JSONB text, made by the server (exact numbers), sensitive values masked."""
    image = f"to_jsonb({table.ref.sql}.*)"
    hidden = [name for name in table.column_names if name in masked]
    if hidden:
        image += " || jsonb_build_object(" + ", ".join(
            f"{_literal(name)}, CASE WHEN {table.ref.sql}.{quote_ident(name)} IS NULL THEN NULL ELSE '{MASK}' END"
            for name in hidden
        ) + ")"
    return f"({image})::text"


def _key_sql(table: TableInfo) -> str:
    pairs = ", ".join(f"{_literal(name)}, {table.ref.sql}.{quote_ident(name)}" for name in table.key)
    return f"jsonb_build_object({pairs})::text"


@dataclass
class _Group:
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


def _groups(changes: tuple[Change, ...]) -> list[_Group]:
    """Changes grouped per row, each group where its row was first changed."""
    groups: list[_Group] = []
    by_key: dict[tuple[Any, ...], _Group] = {}
    for index, change in enumerate(changes):
        if isinstance(change, RowInsert):
            groups.append(_Group([index], insert=change))
            continue
        key = tuple(change.row.key)
        group = by_key.get(key)
        if group is None:
            # The first RowRef seen carries the oldest version: the strictest guard.
            group = by_key[key] = _Group([], row=change.row)
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


def _write(table: TableInfo, group: _Group, masked: Collection[str]) -> list[Piece]:
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
    where = _where(table, tuple(group.row.key), group.row.version)
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
    return [_printable(_write(table, group, masked)) + ";" for group in _groups(changeset.changes)]


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
    for group in _groups(changeset.changes):
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


# --- Saving --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SaveReport:
    """What a save wrote. Soft-deletes and restores count as updates."""

    updated: int
    inserted: int
    deleted: int
    audit_rows: int
    inserted_keys: tuple[tuple[Any, ...], ...]
    """The keys of the new rows (values of table.key, as psycopg returns them), in order."""


class SaveFailed(Exception):
    """Nothing was written; the message is one line naming the change and the reason."""

    title = "Save failed"

    def __init__(self, message: str, *, change_index: int | None = None, constraint: str | None = None) -> None:
        super().__init__(message)
        self.change_index = change_index
        """The failing change (its first change, for a row changed several ways), as an
        index into changeset.changes; None when the failure belongs to no change."""
        self.constraint = constraint
        """The violated constraint's name, from the server's diagnostics."""


class LostUpdate(SaveFailed):
    """A row changed or disappeared since the grid read it: refused rather than overwritten."""

    title = "Row changed since it was read"


_AUDIT = insert(AuditLog).values(
    # The images arrive as JSONB text made by the server and go back as they came.
    primary_key=cast(bindparam("primary_key", type_=Text()), JSONB),
    before=cast(bindparam("before", type_=Text()), JSONB),
    after=cast(bindparam("after", type_=Text()), JSONB),
)


def save_changes(database: Database, changeset: ChangeSet, *, reason: str | None = None) -> SaveReport:
    """Write every pending change in one transaction, with one audit row per row changed.

    Existing rows are locked and checked against the version read first; the first failure
    rolls everything back.

    Raises:
        PermissionError: the role cannot edit tables, the connection is read-only, or the
            table is not editable (a view, no primary key).
        ValueError: a production database and no reason given.
        LostUpdate: a row was changed or deleted by someone else since it was read.
        SaveFailed: the server refused a change (constraint, bad value, lock timeout...).
    """
    table = changeset.table
    settings = database.settings
    if not settings.role.can_write_tables:
        raise PermissionError(f"the {settings.role.value} role cannot edit table rows")
    if settings.enforces_read_only:
        raise PermissionError("this connection is read-only: changes cannot be saved")
    if table.read_only_reason:
        raise PermissionError(f"cannot save changes to {table.ref}: {table.read_only_reason}")
    reason = (reason or "").strip() or None
    if settings.production and reason is None:
        raise ValueError("a reason is required on a production database")
    groups = _groups(changeset.changes)
    masked = sensitive_columns(table, settings.sensitive_columns)
    counts = {"update": 0, "insert": 0, "delete": 0}
    audit: list[dict[str, Any]] = []
    inserted_keys: list[tuple[Any, ...]] = []
    if not groups:
        return SaveReport(0, 0, 0, 0, ())
    with database.connect() as connection:
        # Wait a little for a row another session is changing, not a whole statement_timeout.
        connection.execute(text("SELECT set_config('lock_timeout', :ms, true)"), {"ms": f"{LOCK_TIMEOUT_MS}ms"})
        for group in groups:
            try:
                key, before, after, new_key = _apply(connection, table, group, masked)
            except SQLAlchemyError as error:
                raise _failed(error, table, group, masked) from error
            counts["update" if group.action in ("soft-delete", "restore") else group.action] += 1
            if new_key is not None:
                inserted_keys.append(new_key)
            audit.append({
                "operator": settings.operator, "role": settings.role.value, "action": group.action,
                "schema_name": table.ref.schema, "table_name": table.ref.name,
                "primary_key": key, "before": before, "after": after, "reason": reason,
            })
        try:
            connection.execute(_AUDIT, audit)
        except SQLAlchemyError as error:
            raise SaveFailed(f"the audit log could not be written: {one_line(error)}") from error
    return SaveReport(counts["update"], counts["insert"], counts["delete"], len(audit), tuple(inserted_keys))


_LOST = "{} was {} by someone else since it was read; reload it and make the change again"


def _apply(
    connection: Connection, table: TableInfo, group: _Group, masked: Collection[str]
) -> tuple[str, str | None, str | None, tuple[Any, ...] | None]:
    """Run one group: (key JSON, before image, after image, new key for an insert)."""
    image = _image_sql(table, masked)
    if group.insert is not None:
        returning = f" RETURNING {image}, {_key_sql(table)}, " + ", ".join(quote_ident(c) for c in table.key)
        row = connection.execute(*_runnable([*_write(table, group, masked), returning])).one()
        return row[1], None, row[0], tuple(row[2:])
    assert group.row is not None
    ref = group.row
    label = f"{table.ref} {key_text(table, ref.key)}"
    # Lock the row first: a concurrent writer is waited for, then its committed version seen.
    # Without a version, the values read are compared instead: select them too.
    values = f", {table.ref.sql}.*" if ref.version is None else ""
    lock = [f"SELECT {VERSION_SQL}, {image}, {_key_sql(table)}{values} FROM {table.ref.sql}",
            *_where(table, tuple(ref.key), None), " FOR UPDATE"]
    current = connection.execute(*_runnable(lock)).first()
    if current is None:
        raise LostUpdate(_LOST.format(label, "deleted"), change_index=group.indexes[0])
    if current[0] != ref.version if ref.version is not None else _differs(ref, table, current[3:]):
        raise LostUpdate(_LOST.format(label, "changed"), change_index=group.indexes[0])
    statement = _write(table, group, masked)
    if group.delete:
        done = connection.execute(*_runnable(statement)).rowcount == 1
        after = None
    else:
        row = connection.execute(*_runnable([*statement, f" RETURNING {image}"])).first()
        done, after = row is not None, row[0] if row is not None else None
    if not done:  # the row is locked and was checked: only a trigger can skip it
        raise SaveFailed(f"change {group.indexes[0] + 1} ({group.action} {label}): the row was not written "
                         "(a trigger on the table skipped it)", change_index=group.indexes[0])
    return current[2], current[1], after, None


def read_row(database: Database, table: TableInfo, key: Iterable[Any]) -> RowRef | None:
    """One row by its key, as a RowRef (version and values) to make changes against."""
    key = tuple(key)
    pieces = [f"SELECT {VERSION_SQL}, {table.ref.sql}.* FROM {table.ref.sql}", *_where(table, key, None)]
    with database.connect() as connection:
        row = connection.execute(*_runnable(pieces)).first()
    return None if row is None else RowRef(key, row[0], dict(zip(table.column_names, row[1:])))


def _differs(ref: RowRef, table: TableInfo, values: Iterable[Any]) -> bool:
    """Without a version, the row changed when a value read differs from the current one."""
    current = dict(zip(table.column_names, values))
    for name, read in ref.before.items():
        now = current.get(name, read)
        both_nan = isinstance(now, float) and isinstance(read, float) and math.isnan(now) and math.isnan(read)
        if now != read and not both_nan:
            return True
    return False


_KEY_DETAIL = re.compile(r"Key \((.*?)\)=")


def _failed(error: SQLAlchemyError, table: TableInfo, group: _Group, masked: Collection[str]) -> SaveFailed:
    """The server's refusal as one line naming the change, its row and the constraint."""
    what = f"{group.action} {table.ref}" + (f" {key_text(table, group.row.key)}" if group.row is not None else "")
    original = getattr(error, "orig", None)
    diag = getattr(original, "diag", None)
    message = (diag.message_primary if diag is not None else None) or one_line(error)
    constraint = diag.constraint_name if diag is not None else None
    detail = (diag.message_detail if diag is not None else None) or ""
    if getattr(original, "sqlstate", None) == "55P03":
        message = "the row is locked by another session's unfinished change; try again in a moment"
    # Unique and foreign-key details name the key values, useful unless a secret is among
    # them; a check's detail ("Failing row contains (...)") would print every column.
    elif (key := _KEY_DETAIL.match(detail)) and not set(key.group(1).split(", ")) & set(masked):
        message += ": " + detail.rstrip(".")
    if constraint and f'"{constraint}"' not in message:
        message += f' (constraint "{constraint}")'
    return SaveFailed(f"change {group.indexes[0] + 1} ({what}): {message}", change_index=group.indexes[0],
                      constraint=constraint)

"""The pending changes of one table: a ChangeSet of cell edits, new rows, deletes and
soft-deletes, merged as the user makes them, and how they read to a person.

Pure values, no SQL: the grid builds and undoes changes here without touching the server.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar, Final, Literal
from uuid import UUID

from data.catalog import ColumnInfo, TableInfo
from data.values import input_text


class _Sentinel:
    """A named singleton (one instance per subclass), compared with `is`."""

    _name = ""
    _instance: ClassVar[_Sentinel]

    def __new__(cls) -> _Sentinel:
        if "_instance" not in cls.__dict__:
            cls._instance = super().__new__(cls)
        return cls._instance

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
        same = [
            i
            for i, c in enumerate(self.changes)
            if isinstance(c, CellChange) and _row_key(c) == key and c.column == change.column
        ]
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
        kept = [
            c
            for c in self.changes
            if not (
                _row_key(c) == key
                and (isinstance(c, SoftDeleteChange) or (isinstance(c, CellChange) and c.column in sets))
            )
        ]
        if pending and pending[-1].restore != change.restore:
            return replace(self, changes=tuple(kept))  # a soft-delete and a restore cancel out
        if not pending and _soft_deleted_when_read(change.row, self.table) == (not change.restore):
            problem = "is not soft-deleted: nothing to restore" if change.restore else "is already soft-deleted"
            raise ValueError(f"{self._label(key)} {problem}")
        return replace(self, changes=(*kept, change))

    def without(self, index: int) -> ChangeSet:
        """This change set without the change at `index` (undo)."""
        return replace(self, changes=self.changes[:index] + self.changes[index + 1 :])

    def without_last(self) -> ChangeSet:
        """This change set without its latest change (undo)."""
        return self.without(len(self.changes) - 1)

    def toggle_delete(self, row: RowRef) -> ChangeSet:
        """Delete the row, or take its pending deletion back (the same key twice).

        Raises:
            ValueError: as add() does.
        """
        key = self._key_of(row)
        if self.row_state(key) != "deleted":
            return self.add(RowDelete(row))
        return replace(
            self, changes=tuple(c for c in self.changes if not (isinstance(c, RowDelete) and _row_key(c) == key))
        )

    def toggle_soft_delete(self, row: RowRef) -> ChangeSet:
        """Soft-delete the row, or restore it when it was read soft-deleted; a pending
        soft-delete or restore is taken back instead (the same key twice).

        Raises:
            ValueError: as add() does (a table without soft-delete columns, say).
        """
        state = self.row_state(row.key)
        if state in ("soft-deleted", "restored"):
            deleted = state == "soft-deleted"
        else:
            deleted = bool(_soft_deleted_when_read(row, self.table))
        return self.add(SoftDeleteChange(row, restore=deleted))

    def left_after_saving(self, saved: ChangeSet) -> ChangeSet:
        """What stays pending once `saved` (this set as it was when a save began) is written:
        the changes made while the save ran. add() keeps the change objects it is given, so
        identity says which were saved; a cell edited again during the save stays pending."""
        written = {id(change) for change in saved.changes}
        return replace(self, changes=tuple(c for c in self.changes if id(c) not in written))

    def summary(self, *, naming_the_table: bool = True) -> str:
        """`3 pending changes to gacha.users` (`3 pending changes` without naming the table)."""
        count = len(self.changes)
        said = f"{count} pending change{'s' if count != 1 else ''}"
        return f"{said} to {self.table.ref}" if naming_the_table else said

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

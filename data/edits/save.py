"""Saving pending changes: every row locked and checked against the version read, written,
and audited, all in one transaction; and read_row, which reads a row to change.

A lost update is refused, never overwritten; a refusal by the server becomes one line
naming the change, its row and the constraint.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import Connection, text
from sqlalchemy.exc import SQLAlchemyError

from data.audit import AuditEntry, ServerJson, write_audit
from data.base import VERSION_SQL
from data.catalog import TableInfo, quote_ident
from data.edits.changes import ChangeSet, RowRef, key_text
from data.edits.statements import Group, group_changes, image_sql, key_sql, runnable, where_row, write_statement
from data.engine import Database
from data.errors import Refusal, one_line
from data.sensitive import sensitive_columns

LOCK_TIMEOUT_MS: Final = 5000
"""How long a save waits for a row another session holds locked before giving up."""


@dataclass(frozen=True)
class SaveReport:
    """What a save wrote. Soft-deletes and restores count as updates."""

    updated: int
    inserted: int
    deleted: int
    audit_rows: int
    inserted_keys: tuple[tuple[Any, ...], ...]
    """The keys of the new rows (values of table.key, as psycopg returns them), in order."""


class SaveFailed(Refusal):
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


def _server_json(text: str | None) -> ServerJson | None:
    return None if text is None else ServerJson(text)


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
    groups = group_changes(changeset.changes)
    masked = sensitive_columns(table, settings.sensitive_columns)
    counts = {"update": 0, "insert": 0, "delete": 0}
    audit: list[AuditEntry] = []
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
            # The images are JSON text the server made (exact numbers): written back as they came.
            audit.append(
                AuditEntry(
                    group.action,
                    table.ref.schema,
                    table.ref.name,
                    key=_server_json(key),
                    before=_server_json(before),
                    after=_server_json(after),
                    reason=reason,
                )
            )
        try:
            write_audit(connection, settings, *audit)
        except SQLAlchemyError as error:
            raise SaveFailed(f"the audit log could not be written: {one_line(error)}") from error
    return SaveReport(counts["update"], counts["insert"], counts["delete"], len(audit), tuple(inserted_keys))


_LOST = "{} was {} by someone else since it was read; reload it and make the change again"


def _apply(
    connection: Connection, table: TableInfo, group: Group, masked: Collection[str]
) -> tuple[str, str | None, str | None, tuple[Any, ...] | None]:
    """Run one group: (key JSON, before image, after image, new key for an insert)."""
    image = image_sql(table, masked)
    if group.insert is not None:
        returning = f" RETURNING {image}, {key_sql(table)}, " + ", ".join(quote_ident(c) for c in table.key)
        row = connection.execute(*runnable([*write_statement(table, group, masked), returning])).one()
        return row[1], None, row[0], tuple(row[2:])
    assert group.row is not None
    ref = group.row
    label = f"{table.ref} {key_text(table, ref.key)}"
    # Lock the row first: a concurrent writer is waited for, then its committed version seen.
    # Without a version, the values read are compared instead: select them too.
    values = f", {table.ref.sql}.*" if ref.version is None else ""
    lock = [
        f"SELECT {VERSION_SQL}, {image}, {key_sql(table)}{values} FROM {table.ref.sql}",
        *where_row(table, tuple(ref.key), None),
        " FOR UPDATE",
    ]
    current = connection.execute(*runnable(lock)).first()
    if current is None:
        raise LostUpdate(_LOST.format(label, "deleted"), change_index=group.indexes[0])
    if current[0] != ref.version if ref.version is not None else _differs(ref, table, current[3:]):
        raise LostUpdate(_LOST.format(label, "changed"), change_index=group.indexes[0])
    statement = write_statement(table, group, masked)
    if group.delete:
        done = connection.execute(*runnable(statement)).rowcount == 1
        after = None
    else:
        written = connection.execute(*runnable([*statement, f" RETURNING {image}"])).first()
        done, after = written is not None, written[0] if written is not None else None
    if not done:  # the row is locked and was checked: only a trigger can skip it
        raise SaveFailed(
            f"change {group.indexes[0] + 1} ({group.action} {label}): the row was not written "
            "(a trigger on the table skipped it)",
            change_index=group.indexes[0],
        )
    return current[2], current[1], after, None


def read_row(database: Database, table: TableInfo, key: Iterable[Any]) -> RowRef | None:
    """One row by its key, as a RowRef (version and values) to make changes against."""
    key = tuple(key)
    pieces = [f"SELECT {VERSION_SQL}, {table.ref.sql}.* FROM {table.ref.sql}", *where_row(table, key, None)]
    with database.connect() as connection:
        row = connection.execute(*runnable(pieces)).first()
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


def _failed(error: SQLAlchemyError, table: TableInfo, group: Group, masked: Collection[str]) -> SaveFailed:
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
    return SaveFailed(
        f"change {group.indexes[0] + 1} ({what}): {message}", change_index=group.indexes[0], constraint=constraint
    )

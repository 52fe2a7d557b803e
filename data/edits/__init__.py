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

The package, by part:

- changes: the pending changes (ChangeSet and its Change types) and how they read to a person.
- statements: the SQL each row's changes become, and previews of it (preview_sql, preview_diff).
- save: save_changes, which runs them with lost-update checks and audit rows; read_row.
"""

from data.base import VERSION_SQL
from data.edits.changes import (
    DEFAULT,
    NOTHING,
    Action,
    CellChange,
    CellValue,
    Change,
    ChangeSet,
    RowDelete,
    RowInsert,
    RowRef,
    RowState,
    SoftDeleteChange,
    human_text,
    key_text,
    same_as_read,
)
from data.edits.save import LOCK_TIMEOUT_MS, LostUpdate, SaveFailed, SaveReport, read_row, save_changes
from data.edits.statements import DiffLine, Piece, preview_diff, preview_sql

__all__ = [
    "DEFAULT",
    "LOCK_TIMEOUT_MS",
    "NOTHING",
    "VERSION_SQL",
    "Action",
    "CellChange",
    "CellValue",
    "Change",
    "ChangeSet",
    "DiffLine",
    "LostUpdate",
    "Piece",
    "RowDelete",
    "RowInsert",
    "RowRef",
    "RowState",
    "SaveFailed",
    "SaveReport",
    "SoftDeleteChange",
    "human_text",
    "key_text",
    "preview_diff",
    "preview_sql",
    "read_row",
    "same_as_read",
    "save_changes",
]

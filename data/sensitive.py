"""Sensitive columns: which ones are masked in the grid and in audit images, and reveals.

A column is sensitive when its name says it holds a secret (password hashes, tokens, API
keys, salts...) and its type can hold one, or when the profile's `sensitive_columns` list
names it. The grid shows `MASK` instead of the value until an admin reveals it, and every
reveal writes an audit row (the value itself is never stored there).

Name matching works on the words of a name (split on `_`, `-`, spaces and camelCase), so
`access_token` and `hashedPassword` match while `tokens_spent` (a count) and `passport`
do not. Only columns whose type can carry a secret are masked by name: strings, bytea,
json/jsonb, uuid and arrays of those. A `password_changed_at` timestamp or an
`otp_enabled` boolean says nothing secret, so it stays visible. Columns named in the
profile are masked whatever their type.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from fnmatch import fnmatchcase
from typing import Any

from sqlalchemy import Column, RowMapping, Table

from data.audit import AuditEntry, write_audit
from data.catalog import ColumnInfo, TableInfo
from data.engine import Database
from data.roles import Role

MASK = "********"

# Each alternative must match whole words of the (snake_cased, lower-cased) name: the
# guards on both sides stop "token" from matching "tokens_spent" or "pass" from "passport".
DEFAULT_PATTERNS: re.Pattern[str] = re.compile(
    r"(?:^|_)(?:"
    r"password|passwd|passphrase|pwd|pass_?hash|"
    r"secret|client_secret|"
    r"token|"
    r"api_?key|apikey|access_?key|private_?key|secret_?key|signing_?key|encryption_?key|"
    r"master_?key|session_?key|"
    r"salt|otp|totp|hotp|mfa_secret|recovery_codes?|"
    r"credentials?"
    r")(?:_|$)"
)

# Base types (pg_type.typname) and categories that can hold a secret value.
_SECRET_CATEGORIES = frozenset({"S"})  # text, varchar, char, citext, name
_SECRET_BASE_TYPES = frozenset({"bytea", "json", "jsonb", "uuid"})
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_SEPARATORS = re.compile(r"[\s\-.]+")


def words_of(name: str) -> str:
    """`name` in snake_case lower case, the form DEFAULT_PATTERNS is matched against."""
    return _SEPARATORS.sub("_", _CAMEL.sub("_", name)).lower()


def _can_hold_secret(column: ColumnInfo) -> bool:
    if column.is_array:
        element = column.element_type or ""
        return element in ("text", "varchar", "bpchar", "name", "citext") or element in _SECRET_BASE_TYPES
    return column.category in _SECRET_CATEGORIES or column.base_type in _SECRET_BASE_TYPES


def _named_in(table: TableInfo, column: str, entry: str) -> bool:
    """True when a config entry ("schema.table.column", "table.column" or "column") names it."""
    parts = entry.strip().lower().split(".")
    names = [table.ref.schema.lower(), table.ref.name.lower(), column.lower()]
    if not 1 <= len(parts) <= 3 or not all(parts):
        return False
    return all(fnmatchcase(name, pattern) for name, pattern in zip(names[-len(parts) :], parts))


def sensitive_columns(table: TableInfo, extra: Collection[str] = ()) -> frozenset[str]:
    """The columns of `table` to mask: matched by name and type, or named by the profile.

    `extra` entries are "schema.table.column", "table.column" or "column", compared
    case-insensitively, each part a shell-style pattern ("*.api_*", "gacha.*.discord_id").
    """
    found = set()
    for column in table.columns:
        if DEFAULT_PATTERNS.search(words_of(column.name)) and _can_hold_secret(column):
            found.add(column.name)
        elif any(_named_in(table, column.name, entry) for entry in extra):
            found.add(column.name)
    return frozenset(found)


def readable_columns(table: Table) -> tuple[Column[Any], ...]:
    """A model table's columns that are not secrets by name: all the support role may read
    of it (data/grants.py grants no others), so all a desk action selects or returns."""
    return tuple(column for column in table.c if not DEFAULT_PATTERNS.search(words_of(column.name)))


def audit_image(table: Table, row: Mapping[str, Any] | RowMapping) -> dict[str, Any]:
    """A row of `table`, read through readable_columns, as JSON for an audit row: each
    secret column is there, as MASK (its value was never read)."""
    readable = {column.name for column in readable_columns(table)}
    return {column.name: _jsonable(row[column.name]) if column.name in readable else MASK for column in table.c}


def mask_row(row: Mapping[str, Any], sensitive: Collection[str]) -> dict[str, Any]:
    """A copy of `row` with every non-NULL sensitive value replaced by MASK.

    NULL stays NULL: that a secret is unset is not itself a secret, and the grid can show it.
    """
    return {name: MASK if name in sensitive and value is not None else value for name, value in row.items()}


def record_reveal(
    database: Database, table: TableInfo, key: Mapping[str, Any] | None, column: str | Sequence[str]
) -> None:
    """Audit that an admin revealed masked values; call it before showing or writing them.

    Writes one console.audit_log row (action "reveal") in its own transaction: for one
    cell, the row's key and {"revealed": column}; for an export (`key` None), the columns
    as {"revealed": [columns], "export": true}. The values are never stored.

    Raises:
        PermissionError: the role is not admin, or the connection is read-only (a reveal
            that cannot be audited must not happen).
        KeyError: the table has no such column.
    """
    settings = database.settings
    if settings.role is not Role.ADMIN:
        raise PermissionError(f"only an admin can reveal a masked value (role is {settings.role.value})")
    if settings.enforces_read_only:
        raise PermissionError("cannot reveal on a read-only connection: the reveal could not be audited")
    columns = [column] if isinstance(column, str) else list(column)
    for name in columns:
        table.column(name)  # KeyError for a column that does not exist
    after: dict[str, Any] = {"revealed": column} if key is not None else {"revealed": columns, "export": True}
    with database.connect() as connection:
        write_audit(
            connection,
            settings,
            AuditEntry(
                "reveal",
                table.ref.schema,
                table.ref.name,
                key=None if key is None else {name: _jsonable(value) for name, value in key.items()},
                after=after,
            ),
        )


def _jsonable(value: Any) -> Any:
    """A key value as JSON can hold it: numbers, strings, booleans and NULL as they are."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [_jsonable(item) for item in value]
    if isinstance(value, dict):
        return {str(name): _jsonable(item) for name, item in value.items()}
    if isinstance(value, (bytes, memoryview)):
        return "\\x" + bytes(value).hex()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)  # UUID, Decimal, ipaddress, ...

"""Support desk for HypertroQ accounts: list users, soft-delete and restore them.

Users are never deleted outright (seed 001's SoftDeleteMixin): a soft delete sets
is_deleted and deleted_at together (the table's CHECK keeps them in step) and touches
updated_at; a restore clears both. Each is one transaction from
`Database.connect_for_desk_action()` with its console.audit_log row and the operator's
reason. The password hash is never read into a result and is masked in audit images.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, Connection, Table, func, or_, select, update

from data import inputs
from data.audit import AuditEntry, write_audit
from data.engine import Database
from data.errors import Refusal
from data.models.accounts import SCHEMA, AccountUser
from data.sensitive import audit_image, readable_columns

_USERS = cast(Table, AccountUser.__table__)


class AccountRefusal(Refusal, ValueError):
    """An accounts desk action refused; the message is one line naming the rule."""

    title = "Account action refused"


class AccountNotFound(AccountRefusal):
    title = "No such account"


class AlreadyDeleted(AccountRefusal):
    title = "Account already deleted"


class NotDeleted(AccountRefusal):
    title = "Account not deleted"


@dataclass(frozen=True)
class AccountRow:
    """A user as the desk shows it: everything but the password hash."""

    id: uuid.UUID
    email: str
    full_name: str | None
    is_active: bool
    is_superuser: bool
    created_at: datetime
    updated_at: datetime
    is_deleted: bool
    deleted_at: datetime | None


# Every column but hashed_password: the hash never leaves the database through the desk
# (and the support role may not read it).
_COLUMNS = readable_columns(_USERS)


def _account(row: Any) -> AccountRow:
    return AccountRow(*(getattr(row, column.name) for column in _COLUMNS))


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def list_account_users(
    database: Database, *, search: str | None = None, include_deleted: bool = False, limit: int = 100
) -> list[AccountRow]:
    """Users by email, soft-deleted ones left out unless `include_deleted`.

    Args:
        search: an email or full-name prefix (case-insensitive, % and _ taken literally),
            or a whole user id.
        include_deleted: also list soft-deleted users (flagged by is_deleted).
        limit: at most this many rows; ask for one more to learn whether more exist.
    """
    statement = select(*_COLUMNS).order_by(AccountUser.email).limit(limit)
    if not include_deleted:
        statement = statement.where(AccountUser.is_deleted.is_(False))
    text = (search or "").strip()
    if text:
        pattern = _escape_like(text) + "%"
        conditions: list[ColumnElement[bool]] = [AccountUser.email.ilike(pattern), AccountUser.full_name.ilike(pattern)]
        try:
            conditions.append(AccountUser.id == uuid.UUID(text))
        except ValueError:
            pass
        statement = statement.where(or_(*conditions))
    with database.connect() as connection:
        return [_account(row) for row in connection.execute(statement)]


def get_account_user(database: Database, user_id: uuid.UUID) -> AccountRow:
    """One user, deleted or not.

    Raises:
        AccountNotFound: no user has this id.
    """
    with database.connect() as connection:
        return _account(_locked(connection, user_id, lock=False))


def soft_delete_user(database: Database, user_id: uuid.UUID, reason: str) -> AccountRow:
    """Soft-delete a user (is_deleted, deleted_at = now), audited with the reason.

    Raises:
        PermissionError: the role may not use the desk or the profile is read-only.
        inputs.ReasonRequired: the reason is blank.
        AccountNotFound: no user has this id.
        AlreadyDeleted: the user is soft-deleted already.
    """
    return _change(database, user_id, reason, delete=True)


def restore_user(database: Database, user_id: uuid.UUID, reason: str) -> AccountRow:
    """Restore a soft-deleted user (is_deleted false, deleted_at NULL), audited.

    Raises:
        PermissionError: the role may not use the desk or the profile is read-only.
        inputs.ReasonRequired: the reason is blank.
        AccountNotFound: no user has this id.
        NotDeleted: the user is not soft-deleted.
    """
    return _change(database, user_id, reason, delete=False)


def _change(database: Database, user_id: uuid.UUID, reason: str, *, delete: bool) -> AccountRow:
    inputs.uuid_id(user_id, "the account id")
    reason = inputs.required_reason(reason, "to soft-delete or restore an account")
    with database.connect_for_desk_action() as connection:
        # Locked, so two operators acting on one user cannot both pass the check below.
        before = _locked(connection, user_id, lock=True)
        if delete and before.is_deleted:
            raise AlreadyDeleted(f"account {before.email} is already deleted")
        if not delete and not before.is_deleted:
            raise NotDeleted(f"account {before.email} is not deleted: nothing to restore")
        now = func.now()
        after = connection.execute(
            update(_USERS)
            .where(_USERS.c.id == user_id)
            .values(is_deleted=delete, deleted_at=now if delete else None, updated_at=now)
            .returning(*_COLUMNS)
        ).one()
        settings = database.settings
        write_audit(
            connection,
            settings,
            AuditEntry(
                "soft-delete" if delete else "restore",
                settings.real_schema(SCHEMA),
                _USERS.name,
                key={"id": str(user_id)},
                before=audit_image(_USERS, before._mapping),
                after=audit_image(_USERS, after._mapping),
                reason=reason,
            ),
        )
    return _account(after)


def _locked(connection: Connection, user_id: uuid.UUID, *, lock: bool) -> Any:
    statement = select(*_COLUMNS).where(_USERS.c.id == user_id)
    row = connection.execute(statement.with_for_update() if lock else statement).first()
    if row is None:
        raise AccountNotFound(f"no account has id {user_id}")
    return row

"""Accounts desk: listing users with their soft-delete state, soft-delete and restore."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError

from data.engine import Database
from data.inputs import ReasonRequired
from data.roles import Role
from data.sensitive import MASK
from data.support import accounts
from tests.conftest import role_database

DELETED = "deleted.user@example.com"


@pytest.fixture
def support(database_url: URL) -> Iterator[Database]:
    with role_database(database_url, Role.SUPPORT) as db:
        yield db


def run(database: Database, sql: str, **params: Any) -> Any:
    with database.connect() as connection:
        return connection.execute(text(sql), params)


def audit_rows(database: Database) -> list[Any]:
    with database.connect() as connection:
        return connection.execute(
            text(
                "SELECT operator, role, action, schema_name, table_name, primary_key, before, after, reason"
                " FROM console.audit_log ORDER BY id"
            )
        ).all()


def by_email(database: Database, email: str) -> accounts.AccountRow:
    [row] = accounts.list_account_users(database, search=email, include_deleted=True)
    return row


def test_deleted_users_are_hidden_unless_asked_for(database: Database) -> None:
    live = accounts.list_account_users(database, limit=1000)
    every = accounts.list_account_users(database, include_deleted=True, limit=1000)
    deleted_count = run(database, "SELECT count(*) FROM accounts.users WHERE is_deleted").scalar()
    assert deleted_count > 1
    assert not any(row.is_deleted for row in live)
    assert len(every) == len(live) + deleted_count
    assert [row.email for row in every] == sorted(row.email for row in every)
    assert DELETED not in {row.email for row in live}
    deleted = by_email(database, DELETED)
    assert deleted.is_deleted and deleted.deleted_at is not None


def test_search_by_email_or_name_prefix_or_id(database: Database) -> None:
    [admin] = accounts.list_account_users(database, search="ADMIN@")
    assert (admin.email, admin.is_superuser) == ("admin@example.com", True)
    assert [row.email for row in accounts.list_account_users(database, search="sam sup")] == ["support@example.com"]
    assert accounts.list_account_users(database, search=str(admin.id)) == [admin]
    assert accounts.list_account_users(database, search="%") == []
    assert accounts.list_account_users(database, search="_dmin") == []
    assert len(accounts.list_account_users(database, limit=3)) == 3
    assert accounts.get_account_user(database, admin.id) == admin
    with pytest.raises(accounts.AccountNotFound):
        accounts.get_account_user(database, uuid.uuid4())


def test_the_password_hash_is_never_returned() -> None:
    assert "hashed_password" not in {field.name for field in dataclasses.fields(accounts.AccountRow)}


def test_support_soft_deletes_and_restores_with_audit_rows(support: Database, database: Database) -> None:
    user = by_email(database, "support@example.com")
    deleted = accounts.soft_delete_user(support, user.id, " asked to close the account ")
    assert deleted.is_deleted and deleted.deleted_at is not None
    assert deleted.updated_at == deleted.deleted_at > user.updated_at
    assert "support@example.com" not in {row.email for row in accounts.list_account_users(database, limit=1000)}
    [audit] = audit_rows(database)
    assert audit[:6] == ("desk-tester", "support", "soft-delete", "accounts", "users", {"id": str(user.id)})
    assert (audit.before["is_deleted"], audit.after["is_deleted"]) == (False, True)
    assert audit.before["deleted_at"] is None and audit.after["deleted_at"] is not None
    assert audit.before["hashed_password"] == audit.after["hashed_password"] == MASK
    assert audit.reason == "asked to close the account"

    with pytest.raises(accounts.AlreadyDeleted, match="support@example.com is already deleted") as refused:
        accounts.soft_delete_user(support, user.id, "twice")
    assert refused.value.title == "Account already deleted"

    restored = accounts.restore_user(support, user.id, "changed their mind")
    assert (restored.is_deleted, restored.deleted_at) == (False, None)
    last = audit_rows(database)[-1]
    assert (last.action, last.reason, last.after["is_deleted"], last.after["hashed_password"]) == (
        "restore",
        "changed their mind",
        False,
        MASK,
    )
    with pytest.raises(accounts.NotDeleted, match="is not deleted"):
        accounts.restore_user(support, user.id, "again")
    assert len(audit_rows(database)) == 2


def test_refusals_write_nothing(support: Database, database: Database) -> None:
    deleted = by_email(database, DELETED)
    with pytest.raises(ReasonRequired):
        accounts.restore_user(support, deleted.id, "  ")
    with pytest.raises(accounts.AccountNotFound, match="no account has id"):
        accounts.soft_delete_user(support, uuid.uuid4(), "nobody")
    assert audit_rows(database) == []
    assert by_email(database, DELETED).is_deleted


def test_a_failed_audit_insert_leaves_the_user_as_it_was(support: Database, database: Database) -> None:
    run(
        database,
        "CREATE FUNCTION public.refuse() RETURNS trigger LANGUAGE plpgsql"
        " AS $$ BEGIN RAISE EXCEPTION 'refused by test trigger'; END $$",
    )
    run(
        database,
        "CREATE TRIGGER no_audit BEFORE INSERT ON console.audit_log FOR EACH ROW EXECUTE FUNCTION public.refuse()",
    )
    deleted = by_email(database, DELETED)
    with pytest.raises(DBAPIError, match="refused by test trigger"):
        accounts.restore_user(support, deleted.id, "fails")
    assert by_email(database, DELETED) == deleted


def test_developer_and_read_only_profiles_cannot_act(database_url: URL, database: Database) -> None:
    deleted = by_email(database, DELETED)
    with role_database(database_url, Role.DEVELOPER) as developer:
        assert by_email(developer, DELETED) == deleted  # reading is fine
        with pytest.raises(PermissionError, match="developer role cannot use the support desk"):
            accounts.restore_user(developer, deleted.id, "no")
    with role_database(database_url, Role.SUPPORT, read_only=True) as read_only:
        with pytest.raises(PermissionError, match="read-only"):
            accounts.restore_user(read_only, deleted.id, "no")
    with role_database(database_url, Role.ADMIN) as admin:
        assert accounts.restore_user(admin, deleted.id, "admin may").is_deleted is False
    assert [row.role for row in audit_rows(database)] == ["admin"]

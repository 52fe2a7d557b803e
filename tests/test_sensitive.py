"""Sensitive columns: which are masked, the profile's extra patterns, audited reveals."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError

from console.config import ConfigError, load_config, settings_for_url
from data.catalog import ColumnInfo, RelationKind, RelationRef, TableInfo, describe_table
from data.engine import ConnectionSettings, Database
from data.roles import Role
from data.sensitive import DEFAULT_PATTERNS, MASK, mask_row, record_reveal, sensitive_columns, words_of
from tests.conftest import SMALL_POOL

# (type name, base type, category) of the column types the made-up tables use.
_TYPES = {
    "text": ("text", "text", "S"),
    "varchar": ("character varying(255)", "varchar", "S"),
    "int": ("integer", "int4", "N"),
    "bool": ("boolean", "bool", "B"),
    "timestamptz": ("timestamp with time zone", "timestamptz", "D"),
    "bytea": ("bytea", "bytea", "U"),
    "jsonb": ("jsonb", "jsonb", "U"),
    "text[]": ("text[]", "_text", "A"),
}


def made_up_table(columns: dict[str, str], schema: str = "app", name: str = "things") -> TableInfo:
    """A TableInfo without a database: the masking rules only look at names and types."""
    infos = []
    for column, kind in columns.items():
        type_name, base_type, category = _TYPES[kind]
        infos.append(
            ColumnInfo(
                name=column,
                type_name=type_name,
                base_type=base_type,
                category=category,
                element_type="text" if kind == "text[]" else None,
                domain=None,
                enum_labels=(),
                nullable=True,
                default=None,
                identity=False,
                generated=False,
                comment=None,
            )
        )
    return TableInfo(
        ref=RelationRef(schema, name),
        kind=RelationKind.TABLE,
        columns=tuple(infos),
        key=(),
        key_source=None,
        has_primary_key=False,
        foreign_keys=(),
        referenced_by=(),
        estimated_rows=None,
        soft_delete=None,
        comment=None,
    )


@pytest.mark.parametrize(
    "name",
    [
        "password",
        "hashed_password",
        "password_hash",
        "passwd",
        "pwd",
        "secret",
        "client_secret",
        "token",
        "access_token",
        "refresh_token",
        "session_token",
        "api_key",
        "apikey",
        "apiKey",
        "private_key",
        "salt",
        "otp_secret",
        "totp",
        "credentials",
        "credential",
        "session_key",
        "hashedPassword",
        "user-password",
    ],
)
def test_secret_names_match(name: str) -> None:
    assert DEFAULT_PATTERNS.search(words_of(name)), name


@pytest.mark.parametrize(
    "name",
    ["tokens_spent", "passport", "secretary", "keyboard", "salty", "email", "discord_id", "bypass_cache", "api_url"],
)
def test_ordinary_names_do_not_match(name: str) -> None:
    assert not DEFAULT_PATTERNS.search(words_of(name)), name


def test_only_types_that_can_hold_a_secret_are_masked_by_name() -> None:
    table = made_up_table(
        {
            "password_hash": "varchar",
            "api_token": "text",
            "private_key": "bytea",
            "credentials": "jsonb",
            "recovery_codes": "text[]",
            # Named like secrets, but a time, a flag and a count say nothing secret.
            "password_changed_at": "timestamptz",
            "otp_enabled": "bool",
            "token_count": "int",
            "tokens_spent": "int",
            "name": "text",
        }
    )
    assert sensitive_columns(table) == {"password_hash", "api_token", "private_key", "credentials", "recovery_codes"}


def test_demo_tables_mask_their_password_hashes_and_tokens(database: Database) -> None:
    assert sensitive_columns(describe_table(database, RelationRef("accounts", "users"))) == {"hashed_password"}
    assert sensitive_columns(describe_table(database, RelationRef("metaserver", "users"))) == {"password_hash"}
    assert sensitive_columns(describe_table(database, RelationRef("metaserver", "sessions"))) == {"session_token"}
    assert sensitive_columns(describe_table(database, RelationRef("gacha", "users"))) == frozenset()


def test_profile_patterns_name_columns_by_schema_table_and_column_with_wildcards() -> None:
    table = made_up_table(
        {"discord_id": "varchar", "api_url": "text", "api_calls": "int", "note": "text"}, schema="gacha", name="users"
    )
    assert sensitive_columns(table, ["gacha.users.discord_id"]) == {"discord_id"}
    assert sensitive_columns(table, ["users.discord_id"]) == {"discord_id"}
    assert sensitive_columns(table, ["discord_id"]) == {"discord_id"}
    assert sensitive_columns(table, ["accounts.users.discord_id", "other.discord_id"]) == frozenset()
    # Named by the profile, a column is masked whatever its type.
    assert sensitive_columns(table, ["*.api_*"]) == {"api_url", "api_calls"}
    assert sensitive_columns(table, ["gacha.*.NOTE"]) == {"note"}  # names compare case-insensitively
    assert sensitive_columns(table, ["g?cha.u*.no[st]e"]) == {"note"}


def test_mask_row_keeps_null_visible() -> None:
    row = {"id": 1, "hashed_password": "$2b$12$abc", "token": None}
    assert mask_row(row, {"hashed_password", "token"}) == {"id": 1, "hashed_password": MASK, "token": None}


def _reveals(database: Database) -> list[tuple]:
    with database.connect() as connection:
        return connection.execute(
            text(
                "SELECT operator, role, action, schema_name, table_name, primary_key, before, after, reason"
                " FROM console.audit_log WHERE action = 'reveal' ORDER BY id"
            )
        ).all()


def test_an_admin_reveal_is_audited_without_the_value(database: Database) -> None:
    table = describe_table(database, RelationRef("accounts", "users"))
    with database.connect() as connection:
        user_id, secret = connection.execute(text("SELECT id, hashed_password FROM accounts.users LIMIT 1")).one()
    record_reveal(database, table, {"id": user_id}, "hashed_password")
    [row] = _reveals(database)
    assert row == (
        database.settings.operator,
        "admin",
        "reveal",
        "accounts",
        "users",
        {"id": str(user_id)},
        None,
        {"revealed": "hashed_password"},
        None,
    )
    assert secret not in str(row)


@pytest.mark.parametrize("role", [Role.DEVELOPER, Role.SUPPORT])
def test_only_an_admin_may_reveal(database: Database, database_url: URL, role: Role) -> None:
    table = describe_table(database, RelationRef("accounts", "users"))
    with Database(ConnectionSettings(url=database_url, role=role, pool=SMALL_POOL)) as other:
        with pytest.raises(PermissionError, match="only an admin"):
            record_reveal(other, table, {"id": "x"}, "hashed_password")
    assert _reveals(database) == []


def test_a_read_only_admin_cannot_reveal_because_the_reveal_cannot_be_audited(
    database: Database, database_url: URL
) -> None:
    table = describe_table(database, RelationRef("accounts", "users"))
    with Database(ConnectionSettings(url=database_url, read_only=True, pool=SMALL_POOL)) as read_only:
        with pytest.raises(PermissionError, match="read-only"):
            record_reveal(read_only, table, {"id": "x"}, "hashed_password")
        # And the server would have refused the audit row anyway.
        with pytest.raises(DBAPIError, match="read-only transaction"):
            with read_only.connect() as connection:
                connection.execute(
                    text(
                        "INSERT INTO console.audit_log (operator, role, action, schema_name, table_name)"
                        " VALUES ('x', 'admin', 'reveal', 'a', 'b')"
                    )
                )


def test_revealing_a_column_that_does_not_exist_is_refused(database: Database) -> None:
    table = describe_table(database, RelationRef("accounts", "users"))
    with pytest.raises(KeyError):
        record_reveal(database, table, {"id": "x"}, "no_such_column")
    assert _reveals(database) == []


def _config(tmp_path: Path, sensitive: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(f'[profiles.prod]\nurl = "postgresql://db/app"\n{sensitive}\n', encoding="utf-8")
    return path


def test_profile_sensitive_columns_reach_the_connection_settings(tmp_path: Path) -> None:
    config = load_config(_config(tmp_path, 'sensitive_columns = ["gacha.users.discord_id", " *.api_* "]'))
    profile = config.profile("prod")
    assert profile.sensitive_columns == ("gacha.users.discord_id", "*.api_*")
    settings = settings_for_url(profile.url, profile=profile, operator="alice")
    assert settings.sensitive_columns == ("gacha.users.discord_id", "*.api_*")
    assert load_config(_config(tmp_path, "")).profile("prod").sensitive_columns == ()


@pytest.mark.parametrize(
    "value",
    ['"gacha.users.discord_id"', "[1, 2]", '["a.b.c.d"]', '["users..id"]', '[""]', "{ a = 1 }"],
)
def test_bad_sensitive_columns_are_a_one_line_config_error(tmp_path: Path, value: str) -> None:
    with pytest.raises(ConfigError, match="sensitive_columns") as caught:
        load_config(_config(tmp_path, f"sensitive_columns = {value}"))
    assert "\n" not in str(caught.value)

"""data.overview against a real migrated database with demo data."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import URL, make_url

from console.connect import open_checked
from data.base import CONSOLE_SCHEMA, SYSTEM_SCHEMAS
from data.engine import ConnectionSettings, Database
from data.overview import server_address, server_overview
from data.roles import Role
from tests.conftest import new_connections_traced, protocol_trace, round_trips, statements_sent


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql+psycopg://u:secret@db.example.com:6543/app", "db.example.com:6543"),
        ("postgresql+psycopg://u:secret@db.example.com/app", "db.example.com:5432"),
        ("postgresql+psycopg://u@/app?host=/run/pg", "/run/pg (Unix socket, port 5432)"),
        ("postgresql+psycopg://u@/app?host=/run/pg&port=5433", "/run/pg (Unix socket, port 5433)"),
        ("postgresql+psycopg://u@/app", "/var/run/postgresql (Unix socket, port 5432)"),
    ],
)
def test_server_address_never_shows_credentials(url: str, expected: str) -> None:
    assert server_address(make_url(url)) == expected


def test_overview_describes_the_server_and_every_schema(database: Database) -> None:
    overview = server_overview(database)
    with database.connect() as connection:
        version = connection.execute(text("SHOW server_version")).scalar_one()
        user = connection.execute(text("SELECT current_user")).scalar_one()
        gacha_rows = connection.execute(
            text(
                "SELECT sum(c.reltuples)::bigint FROM pg_class c"
                " JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE n.nspname = 'gacha' AND c.relkind = 'r'"
            )
        ).scalar_one()
    assert overview.version == version
    assert overview.user == user
    assert overview.database == database.settings.url.database
    assert (overview.role, overview.profile) == (Role.ADMIN, "embedded")
    assert overview.read_only is False
    assert [s.schema for s in overview.schemas] == [*SYSTEM_SCHEMAS, CONSOLE_SCHEMA]
    gacha = next(s for s in overview.schemas if s.schema == "gacha")
    assert gacha.exists and gacha.tables > 10
    assert (gacha.estimated_rows, gacha.rows_complete) == (gacha_rows, True)
    assert {s.migration_state for s in overview.schemas} == {"at head"}


def test_a_table_never_analysed_makes_the_estimate_a_lower_bound(database: Database) -> None:
    before = next(s for s in server_overview(database).schemas if s.schema == "heroes")
    assert before.rows_complete  # the demo data was analysed
    with database.connect() as connection:
        connection.execute(text("CREATE TABLE heroes.scratch AS SELECT generate_series(1, 500) AS n"))
    after = next(s for s in server_overview(database).schemas if s.schema == "heroes")
    assert after.tables == before.tables + 1
    assert after.estimated_rows == before.estimated_rows
    assert after.rows_complete is False


def test_read_only_comes_from_the_server_and_schema_map_is_honoured(database: Database) -> None:
    settings = ConnectionSettings(
        url=database.settings.url,
        read_only=True,
        production=True,
        profile_name="replica",
        schema_map={"gacha": "public"},
    )
    with Database(settings) as mapped:
        overview = server_overview(mapped)
    assert overview.read_only is True
    assert (overview.production, overview.profile) == (True, "replica")
    gacha = next(s for s in overview.schemas if s.schema == "gacha")
    # The demo's gacha tables are not in public: the overview looked where the map said.
    assert (gacha.real_schema, gacha.exists, gacha.tables) == ("public", True, 0)


def test_the_overview_is_one_round_trip(database: Database, tmp_path: Path) -> None:
    """Over a distant server every round trip costs more than these reads: the four of
    them, their BEGIN and COMMIT go out together."""
    with Database(database.settings) as fresh, protocol_trace(fresh, tmp_path / "trace") as sent:
        overview = server_overview(fresh)
        messages = sent()
    assert {s.migration_state for s in overview.schemas} == {"at head"}
    assert statements_sent(messages) == [
        "BEGIN READ ONLY" if fresh.settings.enforces_read_only else "BEGIN",
        *["SELECT"] * 4,
        "COMMIT",
    ]
    assert round_trips(messages) == 1


def test_the_start_is_one_round_trip_the_check_and_the_home_screens_data(database: Database, tmp_path: Path) -> None:
    """`console` checks the connection (the login's role, a replica, a pooler) with the
    home screen's reads: one round trip on one connection before the first paint."""
    with new_connections_traced(tmp_path / "trace") as sent:
        opened = open_checked(database.settings, interactive=False)
        messages = sent()
    with opened.database:
        assert statements_sent(messages) == ["BEGIN", *["SELECT"] * 4, "COMMIT"]
        assert round_trips(messages) == 1
        assert {s.migration_state for s in opened.overview.schemas} == {"at head"}
        assert opened.overview.session_timeout_ms == database.settings.statement_timeout_ms


def test_a_database_never_migrated_shows_every_branch_missing(empty_database_url: URL) -> None:
    """The version table does not exist yet: its read, sent last, is the only one lost."""
    with Database(ConnectionSettings(url=empty_database_url)) as empty:
        overview = server_overview(empty)
    assert {s.migration_state for s in overview.schemas} == {"missing"}
    assert not any(s.exists for s in overview.schemas)
    assert overview.version and overview.login.superuser

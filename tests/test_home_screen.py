"""The home screen, driven with Pilot against a real migrated database with demo data."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url
from textual.command import CommandList

from console.app import ConsoleApp
from data.base import CONSOLE_SCHEMA, SYSTEM_SCHEMAS
from data.engine import ConnectionSettings, Database
from data.migrate import VERSION_TABLE
from data.migrate.state import schema_states
from data.overview import server_overview
from data.roles import Role
from tests.app_factory import TEST_NOTE, drawn_style, grid_rows, make_app, settle, visible_text
from tests.conftest import protocol_trace, statements_sent

SIZE = (100, 30)
OUR_SCHEMAS = (*SYSTEM_SCHEMAS, CONSOLE_SCHEMA)

# No async test plugin is installed: each test runs its Pilot scenario with asyncio.run.


def schema_rows(app: ConsoleApp) -> dict[str, list[str]]:
    """The Schemas table as the user reads it: schema -> [tables, rows, migrations]."""
    return {row[0]: row[1:] for row in grid_rows(app, "#home-schemas")[1:]}  # after the headers


def head_of(database: Database, schema: str) -> str:
    with database.connect() as connection:
        return next(s.head for s in schema_states(connection) if s.schema == schema)


def test_home_shows_the_server_and_every_schema_at_head(database: Database) -> None:
    async def scenario() -> None:
        with database.connect() as connection:
            version = connection.execute(text("SHOW server_version")).scalar_one()
        app = make_app(database)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            seen = visible_text(app, "#home-connection")
            assert f"PostgreSQL {version}" in seen
            assert database.settings.url.database in seen
            assert TEST_NOTE in seen
            assert "read-write" in seen
            assert "READ ONLY" not in seen
            assert "admin (superuser)" in seen  # the test server's superuser, as a user of it would
            rows = schema_rows(app)
            assert list(rows) == list(OUR_SCHEMAS)
            for schema, (tables, _rows, migrations) in rows.items():
                assert migrations.startswith("at head"), (schema, migrations)
                assert int(tables) > 0, schema
            # Demo data was analysed: gacha's estimate is a number, not "unknown".
            assert rows["gacha"][1].replace(",", "").isdigit()
            assert app.sub_title == "embedded · admin"

    asyncio.run(scenario())


def test_read_only_profile_is_marked(database: Database) -> None:
    async def scenario() -> None:
        settings = ConnectionSettings(
            url=database.settings.url,
            read_only=True,
            profile_name="replica",
            role=Role.DEVELOPER,
            profile_role=Role.ADMIN,
        )
        with Database(settings) as read_only:
            app = make_app(read_only)
            async with app.run_test(size=SIZE) as pilot:
                await settle(pilot)
                seen = visible_text(app, "#home-connection")
                assert "READ ONLY" in seen
                assert "replica" in seen
                # Lowered from admin on the same login: the server enforces the login's role.
                assert "developer (login postgres is a superuser)" in seen
                assert "read-only" in app.sub_title
                marker = drawn_style(app.screen.query_one("#home-connection"), "READ ONLY")
                theme = app.theme_variables
                assert marker.bold and marker.color.name.lower() == theme["text-warning"].lower()
                assert marker.bgcolor != drawn_style(app.screen.query_one("#home-connection"), "replica").bgcolor

    asyncio.run(scenario())


def test_refresh_shows_a_missing_and_an_unknown_branch(database: Database) -> None:
    async def scenario() -> None:
        app = make_app(database)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            assert schema_rows(app)["metaserver"][2].startswith("at head")
            metaserver, stories = head_of(database, "metaserver"), head_of(database, "stories")
            with database.connect() as connection:
                connection.execute(text(f"DELETE FROM {VERSION_TABLE} WHERE version_num = :v"), {"v": metaserver})
                connection.execute(
                    text(f"UPDATE {VERSION_TABLE} SET version_num = 'f00dfeedf00d' WHERE version_num = :v"),
                    {"v": stories},
                )
            await pilot.press("ctrl+r")
            await settle(pilot)
            rows = schema_rows(app)
            assert rows["metaserver"][2].startswith(("missing", "unknown"))
            assert rows["stories"][2].startswith("unknown")
            assert "None" not in rows["stories"][2]
            assert rows["gacha"][2].startswith("at head")
            grid, theme = app.screen.query_one("#home-schemas"), app.theme_variables
            assert drawn_style(grid, rows["stories"][2]).color.name.lower() == theme["text-error"].lower()
            assert drawn_style(grid, rows["gacha"][2]).color.name.lower() == theme["text-success"].lower()

    asyncio.run(scenario())


def test_palette_reaches_refresh_and_rebound_keys_work(database: Database) -> None:
    async def scenario() -> None:
        app = make_app(database, keymap={"home.refresh": "f5"})
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            assert schema_rows(app)["accounts"][2].startswith("at head")
            with database.connect() as connection:
                connection.execute(
                    text(f"DELETE FROM {VERSION_TABLE} WHERE version_num = :v"),
                    {"v": head_of(database, "accounts")},
                )
            await pilot.press("ctrl+r")  # rebound to f5: ctrl+r does nothing now
            await settle(pilot)
            assert schema_rows(app)["accounts"][2].startswith("at head")
            await pilot.press("ctrl+p")
            await pilot.press(*"refresh")
            await pilot.pause(0.3)
            options = [str(option.prompt) for option in app.screen.query_one(CommandList).options]
            assert options and options[0].startswith("Refresh")
            await pilot.press("enter")
            await settle(pilot)
            accounts_head = head_of(database, "accounts")
            assert schema_rows(app)["accounts"][2] == f"missing  head {accounts_head}"
            await pilot.press("f5")
            await settle(pilot)
            assert not schema_rows(app)["accounts"][2].startswith("at head")

    asyncio.run(scenario())


def test_the_start_ups_read_is_painted_without_asking_the_server_again(database: Database, tmp_path: Path) -> None:
    """`console` reads the home screen's data with the connection's check (console.connect):
    the first paint shows it, and the home screen sends no query of its own."""

    async def scenario() -> None:
        first = server_overview(database)
        with (
            Database(database.settings) as traced_database,
            protocol_trace(traced_database, tmp_path / "trace") as sent_so_far,
        ):
            app = make_app(traced_database, first_overview=first)
            async with app.run_test(size=SIZE) as pilot:
                await settle(pilot)
                assert "at head" in visible_text(app, "#home-schemas")
                assert sent_so_far() == []
                assert app.first_overview is None  # taken once: ctrl+r asks the server again
                await pilot.press("ctrl+r")
                await settle(pilot)
                assert statements_sent(sent_so_far()).count("COMMIT") == 1

    asyncio.run(scenario())


def test_q_quits(database: Database) -> None:
    async def scenario() -> None:
        app = make_app(database)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("q")
            await pilot.pause()
            assert app.return_code == 0

    asyncio.run(scenario())


def test_a_failing_worker_shows_a_notification_not_a_crash(tmp_path: Path) -> None:
    async def scenario() -> None:
        # A socket directory with no server in it: the connection fails at once.
        url = make_url(f"postgresql+psycopg://console@/nowhere?host={tmp_path}")
        with Database(ConnectionSettings(url=url)) as unreachable:
            app = ConsoleApp(unreachable)
            async with app.run_test(size=SIZE, notifications=True) as pilot:
                await settle(pilot)
                seen = visible_text(app)
                assert "Server overview failed" in seen
                assert f"{tmp_path}/.s.PGSQL.5432" in seen
                assert "Traceback" not in seen and "[SQL" not in seen
                assert f"Could not load the overview from {tmp_path}" in seen
                assert app.return_code is None  # still running
                await pilot.press("ctrl+r")  # and still answering keys
                await settle(pilot)
                assert app.return_code is None

    asyncio.run(scenario())


def test_schema_rows_say_behind_lower_bounds_and_mapped_schemas() -> None:
    # Every branch has one revision today, so "behind" cannot be made in a real database yet.
    from data.overview import SchemaSummary
    from screens.home import schema_row

    behind = SchemaSummary(
        schema="gacha",
        real_schema="public",
        exists=True,
        tables=20,
        estimated_rows=1000,
        rows_complete=False,
        migration_state="behind",
        revision="aaa",
        head="bbb",
    )
    name, tables, rows, migrations = schema_row(behind)
    assert (name.text, tables.text, rows.text) == ("gacha → public", "20", "≥ 1,000")
    assert (migrations.text, migrations.tone) == ("behind  aaa → bbb", "warning")
    absent = SchemaSummary(
        schema="stories",
        real_schema="stories",
        exists=False,
        tables=0,
        estimated_rows=None,
        rows_complete=True,
        migration_state="missing",
        revision=None,
        head="ccc",
    )
    assert [cell.text for cell in schema_row(absent)] == ["stories", "-", "-", "missing  head ccc"]

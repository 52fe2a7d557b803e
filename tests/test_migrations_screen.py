"""The Migrations screen with Pilot on real databases: upgrade, downgrade, drift, roles."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.engine import URL
from textual.pilot import Pilot
from textual.widgets import Input, Log, Tree

from console.app import ConsoleApp
from data.engine import ConnectionSettings, Database
from data.migrate.preview import rows_lost
from data.migrate.run import run_migration, upgrade
from data.migrate.state import applied_revisions
from data.roles import Role
from screens.migrations import MigrationsScreen
from tests.app_factory import make_app, settle, toasts
from tests.conftest import SMALL_POOL, login_settings
from widgets.dialogs import ConfirmDialog, TextViewer

SIZE = (140, 40)
ACCOUNTS = "b2f1c3d4e502"


def run(database: Database, scenario: Callable[[Pilot[None], ConsoleApp], Awaitable[None]]) -> None:
    async def main() -> None:
        app = make_app(database)
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await app.push_screen(MigrationsScreen())
            await settle(pilot)
            await scenario(pilot, app)

    asyncio.run(main())


def screen(app: ConsoleApp) -> MigrationsScreen:
    for candidate in app.screen_stack:
        if isinstance(candidate, MigrationsScreen):
            return candidate
    raise AssertionError(app.screen_stack)


async def select(pilot: Pilot[None], app: ConsoleApp, revision: str) -> None:
    tree = screen(app).query_one(Tree)
    for branch in tree.root.children:
        for node in branch.children:
            if node.data is not None and node.data.revision == revision:
                tree.move_cursor(node)
                await pilot.pause()
                return
    raise AssertionError(f"{revision} not in the tree")


def applied(database: Database) -> set[str]:
    with database.connect() as connection:
        return set(applied_revisions(connection))


def audit_rows(database: Database) -> list[tuple[str, dict[str, object], dict[str, object]]]:
    with database.connect() as connection:
        return [
            tuple(row)
            for row in connection.execute(
                text(
                    "SELECT action, before, after FROM console.audit_log WHERE table_name = 'alembic_version' ORDER BY id"
                )
            )
        ]


@pytest.fixture
def console_only(empty_database_url: URL) -> Iterator[Database]:
    with Database(ConnectionSettings(url=empty_database_url, pool=SMALL_POOL)) as database:
        assert all(outcome.ok for outcome in upgrade(database.engine, "console@head"))
        yield database


def test_upgrade_and_downgrade_accounts_through_the_screen(console_only: Database) -> None:
    database = console_only

    async def scenario(pilot: Pilot[None], app: ConsoleApp) -> None:
        await select(pilot, app, ACCOUNTS)
        await pilot.press("u")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ConfirmDialog), dialog
        message = str(dialog.query_one(".dialog--message").render())
        assert "CREATE TABLE accounts.users" in message
        assert "console.audit_log" not in message  # the console branch is applied already
        await pilot.press("enter")
        await settle(pilot)
        assert ACCOUNTS in applied(database)
        log = "\n".join(screen(app).query_one(Log).lines)
        assert "Running upgrade" in log and ACCOUNTS in log
        assert "● b2f1c3d4e502 [current, head]" in str(
            next(
                n
                for b in screen(app).query_one(Tree).root.children
                for n in b.children
                if n.data and n.data.revision == ACCOUNTS
            ).label
        )

        # A row in the table: the downgrade says what it loses and wants the branch typed.
        with database.connect() as connection:
            connection.execute(
                text("INSERT INTO accounts.users (email, hashed_password) VALUES ('a@example.org', 'x')")
            )
        await select(pilot, app, ACCOUNTS)
        await pilot.press("d")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ConfirmDialog), dialog
        message = str(dialog.query_one(".dialog--message").render())
        assert "accounts.users: 1 rows" in message and "DROP TABLE accounts.users" in message
        assert "DROP TABLE console.audit_log" not in message
        await pilot.press("enter")  # nothing typed: refused
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        assert ACCOUNTS in applied(database)
        app.screen.query_one("#confirm-word", Input).value = "accounts"
        await pilot.press("enter")
        await settle(pilot)
        assert ACCOUNTS not in applied(database)
        assert applied(database) == {"c0a5e1b2d3f5"}

    run(database, scenario)
    rows = audit_rows(database)
    assert [row[0] for row in rows] == ["migrate-upgrade", "migrate-downgrade"]
    # accounts needs only the console branch's first revision: both heads stay applied.
    both = {"revisions": sorted([ACCOUNTS, "c0a5e1b2d3f5"])}
    assert rows[0][1] == {"revisions": ["c0a5e1b2d3f5"]} and rows[0][2] == both
    assert rows[1][1] == both and rows[1][2] == {"revisions": ["c0a5e1b2d3f5"]}


def test_drift_check_finds_a_column_added_by_hand(database: Database) -> None:
    with database.connect() as connection:
        connection.execute(text("ALTER TABLE gacha.users ADD COLUMN nickname text"))

    async def scenario(pilot: Pilot[None], app: ConsoleApp) -> None:
        await pilot.press("c")
        await settle(pilot)
        shown = str(screen(app).query_one("#migrations-drift-text").render())
        assert "gacha:" in shown and "nickname" in shown, shown
        assert "ALTER TABLE gacha.users DROP COLUMN nickname" in shown, shown
        assert "heroes:" not in shown

    run(database, scenario)


def test_the_developer_sees_the_sql_but_cannot_run(database_url: URL) -> None:
    settings = login_settings(database_url, Role.DEVELOPER, pool=SMALL_POOL)
    with Database(settings) as database:
        before = applied(database)

        async def scenario(pilot: Pilot[None], app: ConsoleApp) -> None:
            await select(pilot, app, ACCOUNTS)
            await pilot.press("d")
            await settle(pilot)
            assert "Only an admin can run migrations" in toasts(app)
            assert isinstance(app.screen, TextViewer), app.screen
            await pilot.press("escape")
            await settle(pilot)
            await pilot.press("c")
            await settle(pilot)
            assert "No drift" in str(screen(app).query_one("#migrations-status").render())

        run(database, scenario)
        assert applied(database) == before


def test_run_migration_refuses_a_developer(database_url: URL) -> None:
    settings = login_settings(database_url, Role.DEVELOPER, pool=SMALL_POOL)
    with Database(settings) as database, pytest.raises(PermissionError, match="only an admin"):
        run_migration(database, "downgrade", "accounts@base", log=print)


def test_rows_lost_counts_tables_and_columns(database: Database) -> None:
    sql = "DROP TABLE gacha.users;\nALTER TABLE gacha.users DROP COLUMN academy_name;\nDROP TABLE nowhere.none;\n"
    with database.connect() as connection:
        users = connection.execute(text("SELECT count(*) FROM gacha.users")).scalar_one()
        named = connection.execute(text("SELECT count(academy_name) FROM gacha.users")).scalar_one()
        lost = rows_lost(connection, sql)
    assert ("gacha.users", users) in lost
    assert ("gacha.users.academy_name", named) == lost[1] if named else len(lost) == 1


# --- snapshots: the history, and the SQL preview -------------------------------------------


async def history_loaded(pilot: Pilot[None]) -> None:
    await pilot.app.push_screen(MigrationsScreen())
    await settle(pilot)


def test_history_snapshot(snap_compare, snapshot_database: Database) -> None:
    """Every branch at head, the accounts revision selected."""

    async def run_before(pilot: Pilot[None]) -> None:
        await history_loaded(pilot)
        await select(pilot, pilot.app, ACCOUNTS)  # type: ignore[arg-type]

    assert snap_compare(make_app(snapshot_database), terminal_size=(120, 40), run_before=run_before)


def test_sql_preview_snapshot(snap_compare, snapshot_database: Database) -> None:
    """s on the applied accounts revision: the downgrade SQL, in the viewer."""

    async def run_before(pilot: Pilot[None]) -> None:
        await history_loaded(pilot)
        await select(pilot, pilot.app, ACCOUNTS)  # type: ignore[arg-type]
        await pilot.press("s")
        await settle(pilot)

    assert snap_compare(make_app(snapshot_database), terminal_size=(120, 40), run_before=run_before)


def test_a_failing_migration_rolls_back_and_leaves_the_previous_revision(console_only: Database) -> None:
    """The accounts revision fails at its last step (an index name already taken), so the
    schema, table and first index it made before must vanish with it: transactional DDL."""
    database = console_only
    with database.connect() as connection:
        # ix_users_id is the revision's last index; a table of that name makes it fail there.
        connection.execute(text("CREATE SCHEMA accounts"))
        connection.execute(text("CREATE TABLE accounts.ix_users_id (taken int)"))

    async def scenario(pilot: Pilot[None], app: ConsoleApp) -> None:
        await select(pilot, app, ACCOUNTS)
        await pilot.press("u")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("enter")
        await settle(pilot)
        shown = toasts(app) + "\n" + str(screen(app).query_one("#migrations-status").render())
        assert "ix_users_id" in shown and "already exists" in shown, shown
        assert applied(database) == {"c0a5e1b2d3f5"}
        with database.connect() as connection:
            tables = set(
                connection.execute(
                    text(
                        "SELECT relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                        " WHERE n.nspname = 'accounts'"
                    )
                ).scalars()
            )
        assert tables == {"ix_users_id"}  # no users table, no pk, no ix_users_email
        assert "○ b2f1c3d4e502" in str(
            next(
                n
                for b in screen(app).query_one(Tree).root.children
                for n in b.children
                if n.data and n.data.revision == ACCOUNTS
            ).label
        )

    run(database, scenario)

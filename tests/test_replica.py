"""On a read replica: a real hot standby of the test server (pg_basebackup and standby.signal,
made with the embedded server's own binaries) streaming from it. The console sees that the
server is in recovery, opens every transaction READ ONLY whatever the role, says so on the
home screen, in its title and on the activity screen, and offers no write; the primary shows
its standby on both.
"""

from __future__ import annotations

import asyncio
import shutil
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError
from textual.widgets import TabbedContent

from console.connect import open_database
from console.embedded import EmbeddedServer
from data.engine import Database
from data.overview import server_overview
from data.roles import Role
from screens.home import replication_text
from tests.app_factory import make_app, settle, visible_text
from tests.conftest import assert_refused, login_settings, run_console, short_temp_dir, socket_url


@pytest.fixture(scope="module")
def standby(embedded_server: EmbeddedServer, template_database: str) -> Iterator[URL]:
    """The URL of the demo database on a standby of the test server, as the admin login."""
    data_dir = short_temp_dir("csb-")
    server = EmbeddedServer(data_dir, durable=False)
    server.make_standby_of(embedded_server)
    server.start()
    try:
        yield server.url(template_database, user=Role.ADMIN.login)
    finally:
        server.stop(force=True)
        shutil.rmtree(data_dir, ignore_errors=True)


@pytest.mark.parametrize("role", [Role.ADMIN, Role.SUPPORT])
def test_a_replica_opens_read_only_whatever_the_role(standby: URL, role: Role) -> None:
    database = open_database(login_settings(standby, role), interactive=False)
    try:
        settings = database.settings
        assert settings.replica and settings.read_only and settings.enforces_read_only
        assert "read replica" in (settings.desk_refusal() or "")
        with pytest.raises(PermissionError, match="read replica"):
            database.run_desk_statement(text("SELECT 1"), {})
        with database.connect() as connection, pytest.raises(DBAPIError, match="read-only transaction"):
            connection.execute(text("UPDATE gacha.users SET quartzs = quartzs WHERE id = 1"))
    finally:
        database.dispose()


def test_the_home_screen_says_replica_and_the_primary_names_its_standby(standby: URL, database: Database) -> None:
    async def scenario(replica: Database) -> None:
        app = make_app(replica)
        async with app.run_test(size=(120, 30)) as pilot:
            await settle(pilot)
            seen = visible_text(app, "#home-connection")
            assert "read replica (hot standby, writes refused)" in seen
            assert "READ ONLY" in seen
            assert "replica" in app.sub_title and "read-only" in app.sub_title

    replica = open_database(login_settings(standby, Role.ADMIN), interactive=False)
    try:
        asyncio.run(scenario(replica))
    finally:
        replica.dispose()
    primary = server_overview(database)
    assert not primary.in_recovery and primary.standbys >= 1
    assert (
        replication_text(primary)
        == f"primary · {primary.standbys} standby{'s' if primary.standbys > 1 else ''} streaming"
    )


def test_a_desk_command_on_a_replica_is_refused_in_one_line(standby: URL) -> None:
    url = socket_url(standby.set(username=Role.SUPPORT.login))
    assert_refused(run_console("--url", url, "grant", "1", "5", "quartzs", "--reason", "refund"), 1, "read replica")


def test_activity_shows_the_replicas_lag_and_the_primarys_standbys(standby: URL, database: Database) -> None:
    """A snapshot on each side, and the Database tab drawing them."""
    from data import stats
    from screens.activity_database import replication_rows

    with database.connect() as connection:  # a commit on the primary, for the standby to replay
        connection.execute(text("UPDATE gacha.users SET quartzs = quartzs + 1 WHERE id = 1"))
    primary = stats.snapshot(database).replication
    assert not primary.in_recovery and primary.standbys
    assert {standby.state for standby in primary.standbys} == {"streaming"}
    assert [cell.text for cell in replication_rows(primary)[0][:3]] == ["walreceiver", "local socket", "streaming"]
    replica = open_database(login_settings(standby, Role.ADMIN), interactive=False)
    try:
        for _ in range(100):  # until the standby has replayed a commit
            shot = stats.snapshot(replica).replication
            if shot.replayed_ago is not None:
                break
            time.sleep(0.05)
        assert shot.in_recovery and shot.replayed_ago is not None and shot.standbys == ()
        assert [cell.text for cell in replication_rows(shot)[0][:3]] == [
            "this server",
            "read replica (hot standby)",
            "replaying",
        ]

        async def scenario() -> None:
            app = make_app(replica)
            async with app.run_test(size=(120, 40)) as pilot:
                await pilot.press("6")
                await settle(pilot)
                app.screen.query_one("#activity-tabs", TabbedContent).active = "tab-database"
                await settle(pilot)
                assert "read replica (hot standby)" in visible_text(app, "#activity-replication")

        asyncio.run(scenario())
    finally:
        replica.dispose()
    assert replication_rows(stats.Replication()) == ()  # neither: the panel is hidden


def test_browse_export_and_migrate_check_work_on_a_replica(standby: URL) -> None:
    """What reads works there as on the primary: a page of a table, an export, where the
    migrations stand and the drift check."""
    from data import browse
    from data.catalog import RelationRef, describe_table

    url = socket_url(standby)
    exported = run_console("--url", url, "export", "gacha.gift_codes", "--sort", "code")
    assert exported.returncode == 0, exported.stderr
    assert exported.stdout.splitlines()[0].startswith("code,") and "WELCOME2025" in exported.stdout
    current = run_console("--url", url, "migrate", "current")
    assert current.returncode == 0 and current.stdout.count("at head") == 6, current.stderr
    check = run_console("--url", url, "migrate", "check")
    assert check.returncode == 0 and "no drift" in check.stdout, check.stderr
    with open_database(login_settings(standby, Role.DEVELOPER), interactive=False) as replica:
        users = describe_table(replica, RelationRef("gacha", "users"))  # the grid's reads, as the tables screen's
        with browse.open_pager(replica, browse.View(users), page_size=50) as pager:
            page = pager.first()
            assert len(page.rows) == 50 and page.has_next

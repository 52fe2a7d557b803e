"""The look of the home screen at the smallest supported terminal and a comfortable one.

Review the report (`snapshot_report.html`) before accepting a change with
`pytest tests/test_snapshots.py --snapshot-update`.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.engine import URL
from textual.pilot import Pilot

from console.embedded import EmbeddedServer
from data.engine import ConnectionSettings, Database
from tests.app_factory import make_app

# The home screen shows the database name, so the copy gets one that never changes
# (each pytest-xdist worker has a server of its own, so the name cannot collide).
SNAPSHOT_DATABASE = "console_snapshot"


def _autocommit(url: URL, sql: str) -> None:
    with Database(ConnectionSettings(url=url)) as admin:
        with admin.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text(sql))


@pytest.fixture
def snapshot_database(
    embedded_server: EmbeddedServer, template_database: str
) -> Iterator[Database]:
    """The migrated demo database, copied under a fixed name."""
    admin = embedded_server.url("postgres")
    _autocommit(admin, f'DROP DATABASE IF EXISTS "{SNAPSHOT_DATABASE}" WITH (FORCE)')
    _autocommit(admin, f'CREATE DATABASE "{SNAPSHOT_DATABASE}" TEMPLATE "{template_database}"')
    try:
        with Database(ConnectionSettings(url=embedded_server.url(SNAPSHOT_DATABASE))) as database:
            yield database
    finally:
        _autocommit(admin, f'DROP DATABASE IF EXISTS "{SNAPSHOT_DATABASE}" WITH (FORCE)')


async def overview_loaded(pilot: Pilot[None]) -> None:
    await pilot.app.workers.wait_for_complete()
    for _ in range(3):
        await pilot.pause()


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_home_screen(snap_compare, snapshot_database: Database, size: tuple[int, int]) -> None:
    """Home after the overview loaded: connection facts, and every schema at head."""
    app = make_app(snapshot_database)
    assert snap_compare(app, terminal_size=size, run_before=overview_loaded)

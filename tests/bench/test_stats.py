"""One activity refresh: its server-side time, the queries and connections it uses, and what
drawing it costs the screen, with 50 extra idle connections (a tenth of them idle in
transaction) and 200 extra tables.

Run apart from the default suite: `pytest -m bench tests/bench/test_stats.py -s -n 0`.
Prints the figures (target: one connection, < 20 ms server time), each beside a baseline
measured in the same run: three trivial queries in one transaction, timed the same way on
the server's clock (the floor of any refresh of several queries). Asserts only the query
bound, the one connection, and that the snapshot saw the extra connections.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Iterator
from dataclasses import replace

import pytest
from sqlalchemy import text
from sqlalchemy.engine import URL
from textual.widgets import TabbedContent

from console.embedded import EmbeddedServer
from data import stats
from data.engine import ConnectionSettings, Database, PoolSettings
from screens.activity import ActivityScreen
from tests.app_factory import make_app
from tests.conftest import create_database, drop_database
from tests.test_stats import traffic

pytestmark = pytest.mark.bench

IDLE = 50
TABLES = 200
RUNS = 31
DRAWS = 11


@pytest.fixture
def busy_url(embedded_server: EmbeddedServer, template_database: str) -> Iterator[URL]:
    url = create_database(embedded_server, template_database)
    try:
        yield url
    finally:
        drop_database(embedded_server, url)


def baseline_ms(database: Database) -> float:
    """Server time from the first to the last of three trivial queries in one read transaction."""
    with database.engine.connect() as connection, connection.begin():
        started = connection.execute(text("SELECT clock_timestamp()")).scalar_one()
        connection.execute(text("SELECT 1"))
        finished = connection.execute(text("SELECT clock_timestamp()")).scalar_one()
    return (finished - started).total_seconds() * 1000


TABS = ("tab-sessions", "tab-pool", "tab-database", "tab-statements", "tab-tables")


def draw_ms(database: Database, reading: stats.Reading) -> tuple[list[float], dict[str, list[float]]]:
    """The screen's side of a refresh at 120x40: a frame with nothing new (the baseline),
    then one reading drawn with each tab in front (only that tab's pane draws it)."""

    class Fixed:
        def read(self, previous: stats.Snapshot | None) -> stats.Reading:
            return reading

    async def main() -> tuple[list[float], dict[str, list[float]]]:
        app = make_app(database)
        idle: list[float] = []
        drawn: dict[str, list[float]] = {}
        async with app.run_test(size=(120, 40)) as pilot:
            screen = ActivityScreen(interval=3600, source=Fixed())
            await app.push_screen(screen)
            await app.workers.wait_for_complete()
            await pilot.pause()
            for _ in range(DRAWS):
                started = time.perf_counter()
                await pilot.pause()
                idle.append((time.perf_counter() - started) * 1000)
            for tab in TABS:
                screen.query_one(TabbedContent).active = tab
                await pilot.pause()
                for _ in range(DRAWS):
                    fresh = replace(reading)  # a new reading, as every refresh brings
                    started = time.perf_counter()
                    screen.show_reading(ActivityScreen.Refreshed(fresh))
                    await pilot.pause()  # the layout and paint the redraw asked for
                    drawn.setdefault(tab, []).append((time.perf_counter() - started) * 1000)
        return idle, drawn

    return asyncio.run(main())


def test_one_refresh(busy_url: URL) -> None:
    with Database(ConnectionSettings(url=busy_url, pool=PoolSettings(size=4, max_overflow=0))) as database:
        with database.connect() as connection:
            connection.execute(text("CREATE SCHEMA bench"))
            for n in range(TABLES):
                connection.execute(
                    text(
                        f"CREATE TABLE bench.t{n} (id bigint PRIMARY KEY, a int, b text);"
                        f"CREATE INDEX ON bench.t{n} (a);"
                        f"INSERT INTO bench.t{n} SELECT g, g % 7, 'x' FROM generate_series(1, {1 + n * 5}) g"
                    )
                )
        with Database(ConnectionSettings(url=busy_url, pool=PoolSettings(size=IDLE, max_overflow=0))) as crowd:
            held = [crowd.engine.connect() for _ in range(IDLE)]
            try:
                for index, connection in enumerate(held):
                    if index % 10 == 0:
                        connection.begin()
                    connection.execute(text("SELECT 1"))
                source = stats.LiveActivity(database)  # what the screen refreshes from
                reading = source.read(None)  # warm: the catalog caches of the pooled backend
                baseline = [baseline_ms(database) for _ in range(RUNS)]
                server, wall, sent, lent = [], [], set(), set()
                for _ in range(RUNS):
                    with traffic(database) as (statements, checkouts):
                        started = time.perf_counter()
                        reading = source.read(reading.snapshot)
                        wall.append((time.perf_counter() - started) * 1000)
                    server.append(reading.snapshot.server_ms)
                    sent.add(len(statements))
                    lent.add(len(checkouts))
                shot = reading.snapshot
                assert len(shot.backends) >= IDLE
                assert shot.by_state().get("idle in transaction", 0) >= IDLE // 10
                assert max(sent) <= stats.SNAPSHOT_QUERIES and lent == {1}
                assert shot.pool.connections_created <= 1 and shot.pool.checked_out == 0  # one pooled connection
                idle_frame, drawn = draw_ms(database, reading)
            finally:
                for connection in held:
                    connection.close()
    base = statistics.median(baseline)
    print(
        f"\nactivity refresh ({len(shot.backends)} backends, {TABLES} extra tables, {RUNS} runs): "
        f"server median {statistics.median(server):.2f} ms (min {min(server):.2f}, max {max(server):.2f}), "
        f"{statistics.median(server) / base:.1f}x the baseline of three trivial queries ({base:.2f} ms); "
        f"wall median {statistics.median(wall):.2f} ms; queries sent {sorted(sent)} (bound {stats.SNAPSHOT_QUERIES}), "
        f"connections checked out {sorted(lent)}; "
        f"{len(shot.unused_indexes)} unused and {len(shot.duplicate_indexes)} duplicate index findings"
    )
    frame = statistics.median(idle_frame)
    print(
        f"drawing one reading at 120x40 ({DRAWS} draws a tab), against a frame with nothing new "
        f"(median {frame:.1f} ms):"
    )
    for tab, timings in drawn.items():
        print(
            f"  {tab.removeprefix('tab-'):<10} median {statistics.median(timings):6.1f} ms "
            f"(min {min(timings):.1f}, max {max(timings):.1f}), {statistics.median(timings) / frame:.1f}x the frame"
        )

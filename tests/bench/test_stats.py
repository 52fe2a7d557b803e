"""One activity refresh: its server-side time and the number of queries it sends, with 50
extra idle connections (a tenth of them idle in transaction) and 200 extra tables.

Run apart from the default suite: `pytest -m bench tests/bench/test_stats.py -s -n 0`.
Prints the figures (target: one connection, < 20 ms server time); asserts only the query
bound and that the snapshot saw the extra connections.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.engine import URL

from console.embedded import EmbeddedServer
from data import stats
from data.engine import ConnectionSettings, Database, PoolSettings
from tests.conftest import create_database, drop_database

pytestmark = pytest.mark.bench

IDLE = 50
TABLES = 200
RUNS = 31


@pytest.fixture
def busy_url(embedded_server: EmbeddedServer, template_database: str) -> Iterator[URL]:
    url = create_database(embedded_server, template_database)
    try:
        yield url
    finally:
        drop_database(embedded_server, url)


def test_one_refresh(busy_url: URL) -> None:
    with Database(ConnectionSettings(url=busy_url, pool=PoolSettings(size=4, max_overflow=0))) as database:
        with database.connect() as connection:
            connection.execute(text("CREATE SCHEMA bench"))
            for n in range(TABLES):
                connection.execute(text(
                    f"CREATE TABLE bench.t{n} (id bigint PRIMARY KEY, a int, b text);"
                    f"CREATE INDEX ON bench.t{n} (a);"
                    f"INSERT INTO bench.t{n} SELECT g, g % 7, 'x' FROM generate_series(1, {1 + n * 5}) g"))
        with Database(ConnectionSettings(url=busy_url, pool=PoolSettings(size=IDLE, max_overflow=0))) as crowd:
            held = [crowd.engine.connect() for _ in range(IDLE)]
            try:
                for index, connection in enumerate(held):
                    if index % 10 == 0:
                        connection.begin()
                    connection.execute(text("SELECT 1"))
                stats.monitor_pool(database)
                previous = stats.snapshot(database)  # warm: the catalog caches of the pooled backend
                server, wall, queries = [], [], set()
                for _ in range(RUNS):
                    started = time.perf_counter()
                    shot = stats.snapshot(database, previous=previous)
                    wall.append((time.perf_counter() - started) * 1000)
                    server.append(shot.server_ms)
                    queries.add(shot.queries)
                    previous = shot
                assert len(shot.backends) >= IDLE
                assert shot.by_state().get("idle in transaction", 0) >= IDLE // 10
                assert max(queries) <= stats.SNAPSHOT_QUERIES
                assert shot.pool.connections_created <= 1 and shot.pool.checked_out == 0  # one pooled connection
            finally:
                for connection in held:
                    connection.close()
    print(
        f"\nactivity refresh ({len(shot.backends)} backends, {TABLES} extra tables, {RUNS} runs): "
        f"server median {statistics.median(server):.2f} ms (min {min(server):.2f}, max {max(server):.2f}), "
        f"wall median {statistics.median(wall):.2f} ms, queries {sorted(queries)} (bound {stats.SNAPSHOT_QUERIES}), "
        f"{len(shot.unused_indexes)} unused and {len(shot.duplicate_indexes)} duplicate index findings"
    )

"""What going through PgBouncer in transaction mode costs the console: a short read in its
own transaction (a row by key, as a screen's refresh reads), through a real PgBouncer
(tests/pgbouncer.py) and straight to the server, in the same run; and against psycopg
alone through the same PgBouncer (BEGIN, the read, COMMIT: the floor), so that what the
console adds there (the SET LOCAL of the timeout, SQLAlchemy) shows apart from what the
pooler adds.

Run apart from the default suite: `pytest -m bench tests/bench/test_pooler.py -s -n 0`.
Prints the figures; asserts only that every way reads the same row.
"""

from __future__ import annotations

import shutil
import statistics
import time
from collections.abc import Callable

import pytest
from sqlalchemy import text
from sqlalchemy.engine import URL

from console.embedded import EmbeddedServer
from data.engine import ConnectionSettings, Database, PoolSettings
from data.pooler import PGBOUNCER
from data.roles import Role
from tests.conftest import login_url, short_temp_dir
from tests.pgbouncer import PgBouncer

pytestmark = pytest.mark.bench

ROUNDS = 7
READS = 500
QUERY = "SELECT id, academy_name, quartzs FROM gacha.users WHERE id = 7"


def per_read(reads: dict[str, Callable[[], object]]) -> dict[str, float]:
    """Median seconds per read of each way, over ROUNDS rounds of READS reads; the ways
    take turns in each round, so that a slower minute of the machine falls on all alike."""
    rounds: dict[str, list[float]] = {name: [] for name in reads}
    for _ in range(ROUNDS):
        for name, read in reads.items():
            started = time.perf_counter()
            for _ in range(READS):
                read()
            rounds[name].append((time.perf_counter() - started) / READS)
    return {name: statistics.median(values) for name, values in rounds.items()}


def test_what_the_pooler_costs(embedded_server: EmbeddedServer, database_url: URL) -> None:
    directory = short_temp_dir("cpb-")
    directory.chmod(0o755)  # ours: the server's account must reach the directory below
    bouncer = PgBouncer(embedded_server, directory / "bench").start()
    one = PoolSettings(size=1, max_overflow=0)
    try:
        pooled_url = bouncer.url(database_url.database or "", Role.DEVELOPER)
        direct = Database(
            ConnectionSettings(url=login_url(database_url, Role.DEVELOPER), role=Role.DEVELOPER, pool=one)
        )
        pooled = Database(ConnectionSettings(url=pooled_url, role=Role.DEVELOPER, pool=one, pooler=PGBOUNCER))
        floor = bouncer.client(database_url.database or "", Role.DEVELOPER)
        try:

            def through_console(database: Database) -> Callable[[], object]:
                def read() -> object:
                    with database.connect() as connection:
                        return connection.execute(text(QUERY)).one()

                return read

            def one_round_trip(database: Database) -> Callable[[], object]:
                def read() -> object:
                    [[row]] = database.read_in_one_round_trip((text(QUERY), {}))  # type: ignore[misc]
                    return tuple(row)

                return read

            def psycopg_alone() -> object:
                floor.read_only = True
                row = floor.execute(QUERY).fetchone()
                floor.commit()
                return row

            reads = {
                "psycopg alone through PgBouncer": psycopg_alone,
                "console through PgBouncer": through_console(pooled),
                "console straight to the server": through_console(direct),
                "console through PgBouncer, one round trip": one_round_trip(pooled),
                "console straight, one round trip": one_round_trip(direct),
            }
            assert len({tuple(read()) for read in reads.values()}) == 1  # type: ignore[arg-type]
            seconds = per_read(reads)
        finally:
            floor.close()
            direct.dispose()
            pooled.dispose()
    finally:
        bouncer.stop()
        shutil.rmtree(directory, ignore_errors=True)
    floor_s = seconds["psycopg alone through PgBouncer"]
    print(f"\na read by key in its own READ ONLY transaction, median of {ROUNDS} x {READS}:")
    for name, value in seconds.items():
        print(f"  {name:45} {value * 1e3:.3f} ms  ({value / floor_s:.2f}x psycopg alone through PgBouncer)")
    through, straight = seconds["console through PgBouncer"], seconds["console straight to the server"]
    through_one, straight_one = (
        seconds["console through PgBouncer, one round trip"],
        seconds["console straight, one round trip"],
    )
    print(
        f"  through PgBouncer / straight: {through / straight:.2f}x; one round trip {through_one / straight_one:.2f}x"
    )

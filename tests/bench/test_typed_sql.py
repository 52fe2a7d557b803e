"""What the typed-SQL guard costs: a grid-sized read with a typed WHERE clause, through
guard_typed_sql (extended protocol, DISCARD ALL when the connection goes back to the pool)
against the same read sent as a simple query on a READ ONLY transaction, in the same run.

Run apart from the default suite: `pytest -m bench tests/bench/test_typed_sql.py -s -n 0`.
Prints the figures; asserts only that both read the same rows.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import pytest
from sqlalchemy.engine import URL

from data.engine import ConnectionSettings, Database, PoolSettings, guard_typed_sql
from data.roles import Role
from tests.conftest import login_url

pytestmark = pytest.mark.bench

ROUNDS = 7
READS = 300
QUERY = (
    "SELECT id, discord_id, academy_name, quartzs, daphine FROM gacha.users"
    " WHERE (academy_name IS NOT NULL) ORDER BY id LIMIT 100"
)


def time_reads(read: Callable[[], int]) -> float:
    """Median seconds per read over ROUNDS rounds of READS reads."""
    rounds = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        for _ in range(READS):
            read()
        rounds.append((time.perf_counter() - started) / READS)
    return statistics.median(rounds)


def test_the_guard_costs(database_url: URL) -> None:
    settings = ConnectionSettings(
        url=login_url(database_url, Role.DEVELOPER), role=Role.DEVELOPER, pool=PoolSettings(size=1, max_overflow=0)
    )
    with Database(settings) as database:

        def guarded() -> int:
            with database.connect() as connection:
                return len(guard_typed_sql(connection).exec_driver_sql(QUERY).all())

        def plain() -> int:
            with database.connect() as connection:
                connection.exec_driver_sql("SET TRANSACTION READ ONLY")
                return len(connection.exec_driver_sql(QUERY).all())

        rows = guarded()
        assert rows == plain() > 0
        plain_s, guarded_s = time_reads(plain), time_reads(guarded)
    print(
        f"\ntyped read of {rows} rows, median of {ROUNDS} x {READS}: simple protocol {plain_s * 1e3:.3f} ms, "
        f"guarded (extended protocol + DISCARD ALL at check-in) {guarded_s * 1e3:.3f} ms "
        f"({guarded_s / plain_s:.2f}x)"
    )

"""Paging figures on a 1,000,000-row table: open and first page, a page at depth 990,000 by
keyset against OFFSET (the baseline, measured in the same run), and resident memory while
paging.

Run apart from the default suite:
`pytest -m bench tests/bench/test_paging.py -s -n 0`. Prints medians;
asserts nothing about time.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from console.embedded import EmbeddedServer
from data import browse
from data.browse import View
from data.catalog import RelationRef, describe_table
from data.engine import ConnectionSettings, Database
from tests.conftest import create_database, drop_database

pytestmark = pytest.mark.bench

ROWS = 1_000_000
PAGE = 100
DEPTH = 990_000
RUNS = 9
TABLE = RelationRef("bench", "items")

BUILD = f"""
CREATE SCHEMA bench;
CREATE TABLE bench.items (
    id integer PRIMARY KEY,
    name text NOT NULL,
    price numeric(10,2),
    note text,
    created_at timestamptz NOT NULL
);
INSERT INTO bench.items
SELECT g, 'item ' || g, (g % 10000) / 100.0,
       CASE WHEN g % 5 = 0 THEN NULL ELSE md5(g::text) END,
       timestamptz '2020-01-01 00:00+00' + g * interval '1 minute'
  FROM generate_series(1, {ROWS}) g;
"""


def resident_mb() -> float:
    """This process's resident set size (VmRSS), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def median_time(action: Callable[[], object], runs: int = RUNS) -> tuple[float, list[float]]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times), times


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


@pytest.fixture(scope="module")
def million(embedded_server: EmbeddedServer) -> Iterator[Database]:
    url = create_database(embedded_server)
    try:
        with Database(ConnectionSettings(url=url)) as database:
            started = time.perf_counter()
            with database.engine.begin() as connection:
                connection.connection.driver_connection.execute(BUILD)  # type: ignore[union-attr]
            with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.exec_driver_sql("VACUUM ANALYZE bench.items")
            print(f"\nbuilt {ROWS:,} rows in {time.perf_counter() - started:.1f} s")
            yield database
    finally:
        drop_database(embedded_server, url)


def test_paging_figures(million: Database) -> None:
    database = million

    # Open a 1 M-row table: describe it, open a pager, read the first page.
    def open_first() -> browse.Page:
        table = describe_table(database, TABLE)
        with browse.open_pager(database, View(table), PAGE) as pager:
            return pager.first()

    table = describe_table(database, TABLE)
    open_first()  # warm the pool and the caches, as a second look at a table would be
    opened, opened_runs = median_time(open_first)

    def first_only() -> browse.Page:
        with browse.open_pager(database, View(table), PAGE) as pager:
            return pager.first()

    first, _ = median_time(first_only)

    # The page at depth 990,000: by keyset (seek to the key, then next) and by OFFSET.
    pager = browse.open_pager(database, View(table), PAGE)
    first_page, _ = median_time(pager.first)
    seek, _ = median_time(lambda: pager.seek([str(DEPTH)]))

    def deep_page() -> browse.Page:
        pager.seek([str(DEPTH)])
        started = time.perf_counter()
        page = pager.next()
        deep_times.append(time.perf_counter() - started)
        return page

    deep_times: list[float] = []
    for _ in range(RUNS):
        page = deep_page()
    assert page.keys[0] == (DEPTH + PAGE,) and len(page.rows) == PAGE
    keyset = statistics.median(deep_times)

    columns = ", ".join(table.column_names)
    offset_sql = (
        f"SELECT {columns}, xmin::text::bigint FROM bench.items ORDER BY id LIMIT {PAGE} OFFSET {DEPTH + PAGE - 1}"
    )

    def offset_page() -> list[object]:
        with database.connect() as connection:
            connection.exec_driver_sql("SET TRANSACTION READ ONLY")
            return list(connection.exec_driver_sql(offset_sql).all())

    assert offset_page()[0][0] == DEPTH + PAGE  # type: ignore[index]
    offset, _ = median_time(offset_page)

    # Resident memory while paging forward: 200 pages, then 200 more.
    pager.first()
    gc.collect()
    before = resident_mb()
    for _ in range(200):
        pager.next()
    gc.collect()
    after_200 = resident_mb()
    for _ in range(200):
        pager.next()
    gc.collect()
    after_400 = resident_mb()
    pager.close()

    print()
    print(
        f"open a {ROWS:,}-row table (describe + open_pager + first page), median of {RUNS}: {ms(opened)} "
        f"(runs: {', '.join(f'{t * 1000:.1f}' for t in opened_runs)} ms)"
    )
    print(f"open_pager + first page (table already described): {ms(first)}")
    print(f"first page alone (first() on an open pager): {ms(first_page)}")
    print(f"seek to key {DEPTH:,}: {ms(seek)}")
    print(
        f"page at depth {DEPTH + PAGE:,} by keyset (next after the seek): {ms(keyset)}  "
        f"= {keyset / first_page:.2f}x the first page"
    )
    print(f"same page by OFFSET {DEPTH + PAGE - 1:,} LIMIT {PAGE} (baseline): {ms(offset)}")
    print(f"OFFSET / keyset: {offset / keyset:.0f}x")
    print(
        f"resident memory: {before:.1f} MB before paging, {after_200:.1f} MB after 200 pages, "
        f"{after_400:.1f} MB after 400 ({after_400 - before:+.1f} MB)"
    )

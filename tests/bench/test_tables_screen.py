"""Paging figures through the real Tables screen, on a 1,000,000-row table.

The data-level figures (pager calls alone, no UI) are tests/bench/test_paging.py; this one
drives the app with Pilot (`run_test(size=(120, 36))`, the Tables screen reached with key 2)
and times what the user waits for, as medians of RUNS:

- open the table (`open_relation`: describe it, open a keyset pager, read the first page)
  until the first page is painted;
- the first page again, fetched on the open view (`pager.first()`, what key g does);
- the page starting at key 990,000 by keyset (`pager.seek`, what key j does);
- the same page by `OFFSET 989,999 LIMIT 101` (the baseline, in the same run): the query
  runs in a worker on the same Database in a READ ONLY transaction, and its rows go through
  the screen's own path: a `data.browse.Page` posted as the screen's `PageLoaded` message,
  drawn by `show_page` and the grid's cell rendering;
- each next page while paging forward 400 pages (the grid's next-page action, which key ]
  is bound to);
- resident memory (VmRSS) on the first page, after 200 pages and after 400 (flat or not),
  with the entries of Textual's lru_cache on `StylesCache.get_inner_outer` (which keeps
  every StylesCache it saw alive, even a removed widget's: Textual issue #6665) and the
  full garbage collections met on the way.

How "painted" is measured, without polling delays: the screen instance's `show_page` is
wrapped to note when the PageLoaded/ViewOpened handler starts drawing the page and when it
has drawn it (cells rendered, rows into the grid, the status line; the handler takes the
loading cover off right after), and the screen's `_compositor_refresh` is wrapped to note
when it returns: that is where a Textual app renders its widgets' lines
(`Compositor.render_update`); headless, only the final write to the terminal is skipped.
A page counts as painted when the first compositor refresh started after `show_page`
returned is done. The time runs from the call that asks for the page (open_relation,
fetch, the key's action, starting the OFFSET worker) to then, in three legs: ask to
handler (worker, queries, the message hop to the UI), drawing (`show_page`), painting (the
wait for Textual's next screen update, at most 1/60 s, then layout and render). Between
pages the app is let go idle (workers done, `pilot.pause()`), and each page is checked on
the grid (its first id) and the status line.

Run apart from the default suite:
`pytest -m bench tests/bench/test_tables_screen.py -s -n 0`. Prints medians;
asserts nothing about time.
"""

from __future__ import annotations

import asyncio
import gc
import statistics
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import URL
from textual._styles_cache import StylesCache
from textual.pilot import Pilot

from console.app import ConsoleApp
from console.embedded import EmbeddedServer
from data.browse import Page
from data.catalog import RelationRef
from data.engine import ConnectionSettings, Database
from screens.tables import PAGE_GROUP, PAGE_SIZE, TablesScreen
from tests.app_factory import make_app
from tests.conftest import create_database, drop_database
from widgets.paged_table import PagedTable

pytestmark = pytest.mark.bench

ROWS = 1_000_000
DEPTH = 990_000
RUNS = 7
PAGES = 200
SIZE = (120, 36)
TABLE = RelationRef("bench", "items")

BUILD = f"""
CREATE SCHEMA bench;
CREATE TABLE bench.items (
    id bigint PRIMARY KEY,
    name text NOT NULL,
    score integer,
    created_at timestamptz NOT NULL,
    payload jsonb
);
INSERT INTO bench.items
SELECT g, 'item ' || g, (g::bigint * 7919 % 100000)::int,
       timestamptz '2020-01-01 00:00+00' + g * interval '1 minute',
       jsonb_build_object('n', g, 'tag', 't' || (g % 13), 'ok', g % 2 = 0)
  FROM generate_series(1, {ROWS}) g;
"""


@pytest.fixture(scope="module")
def million_url(embedded_server: EmbeddedServer) -> Iterator[URL]:
    url = create_database(embedded_server)
    try:
        with Database(ConnectionSettings(url=url)) as database:
            started = time.perf_counter()
            with database.engine.begin() as connection:
                connection.connection.driver_connection.execute(BUILD)  # type: ignore[union-attr]
            with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.exec_driver_sql("VACUUM ANALYZE bench.items")
            print(f"\nbuilt {ROWS:,} rows in {time.perf_counter() - started:.1f} s")
        yield url
    finally:
        drop_database(embedded_server, url)


def resident_mb() -> float:
    """This process's resident set size (VmRSS), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


@dataclass(frozen=True)
class Timing:
    """One page, from the ask to painted, and its three legs."""

    total: float
    to_handler: float
    """The ask to the PageLoaded/ViewOpened handler drawing: worker, queries, message hop."""
    drawing: float
    """show_page: cells rendered to Text, rows into the grid, the status line."""
    painting: float
    """The wait for the next screen update and the compositor's render."""


class PaintClock:
    """Notes when the screen drew a page and when it next painted itself."""

    def __init__(self, screen: TablesScreen) -> None:
        self.drawing_at: float | None = None
        self.shown_at: float | None = None
        self.painted_at: float | None = None
        self.painted = asyncio.Event()
        show_page = screen.show_page
        compositor_refresh = screen._compositor_refresh

        def timed_show_page(*args: Any, **kwargs: Any) -> None:
            self.drawing_at = time.perf_counter()
            show_page(*args, **kwargs)
            self.shown_at = time.perf_counter()

        def timed_compositor_refresh() -> None:
            started = time.perf_counter()
            compositor_refresh()
            if self.shown_at is not None and self.painted_at is None and started >= self.shown_at:
                self.painted_at = time.perf_counter()
                self.painted.set()

        screen.show_page = timed_show_page  # type: ignore[method-assign]
        screen._compositor_refresh = timed_compositor_refresh  # type: ignore[method-assign]

    async def time(self, pilot: Pilot[None], ask: Callable[[], Awaitable[None] | None]) -> Timing:
        """From `ask()` (which asks for a page) to that page painted; then settle."""
        self.drawing_at = self.shown_at = self.painted_at = None
        self.painted.clear()
        started = time.perf_counter()
        outcome = ask()
        if outcome is not None:
            await outcome
        await asyncio.wait_for(self.painted.wait(), 60)
        assert self.drawing_at is not None and self.shown_at is not None and self.painted_at is not None
        timing = Timing(
            self.painted_at - started,
            self.drawing_at - started,
            self.shown_at - self.drawing_at,
            self.painted_at - self.shown_at,
        )
        await settle(pilot)
        return timing


async def settle(pilot: Pilot[None]) -> None:
    """Let the app go idle between pages, as it would between a user's key presses."""
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def first_id(screen: TablesScreen) -> str:
    return screen.query_one(PagedTable).get_cell_at((0, 0)).plain


def status(screen: TablesScreen) -> str:
    return str(screen.query_one("#tables-status").render())


def offset_page(database: Database, screen: TablesScreen) -> None:
    """The page at key DEPTH by OFFSET, drawn by the screen as if a pager had read it."""
    shown = screen.shown
    assert shown is not None
    table = shown.view.table
    columns = ", ".join(f'"{name}"' for name in table.column_names)
    sql = f"SELECT {columns}, xmin::text::bigint FROM bench.items ORDER BY id OFFSET {DEPTH - 1} LIMIT {PAGE_SIZE + 1}"
    width = len(table.columns)

    def read() -> None:
        with database.connect() as connection:
            connection.exec_driver_sql("SET TRANSACTION READ ONLY")
            rows = list(connection.exec_driver_sql(sql).all())
        values = tuple(tuple(row[:width]) for row in rows[:PAGE_SIZE])
        page = Page(
            columns=table.column_names,
            rows=values,
            keys=tuple((row[0],) for row in values),
            versions=tuple(row[width] for row in rows[:PAGE_SIZE]),
            has_previous=True,
            has_next=len(rows) > PAGE_SIZE,
            first_row_number=DEPTH,
        )
        screen.post_message(TablesScreen.PageLoaded(page, "top"))

    screen.run_worker(read, thread=True, exclusive=True, group=PAGE_GROUP, exit_on_error=False, name="OFFSET page")


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def median(timings: list[Timing], leg: str = "total") -> float:
    return statistics.median(getattr(timing, leg) for timing in timings)


def describe(label: str, timings: list[Timing]) -> str:
    """The median, then the runs (or, for many, the 90th percentile and the slowest) and
    the median of each leg."""
    totals = sorted(timing.total * 1000 for timing in timings)
    if len(totals) <= RUNS:
        runs = "runs: " + ", ".join(f"{timing.total * 1000:.0f}" for timing in timings) + " ms"
    else:
        runs = f"90th percentile {totals[int(len(totals) * 0.9)]:.0f} ms, slowest {totals[-1]:.0f} ms"
    legs = ", ".join(
        f"{name} {median(timings, leg) * 1000:.1f}"
        for name, leg in (("ask to handler", "to_handler"), ("drawing", "drawing"), ("painting", "painting"))
    )
    return f"{label}, median of {len(timings)}: {ms(median(timings))}\n    {runs}; legs (medians): {legs} ms"


class CollectorPauses:
    """The time spent in each full (generation 2) garbage collection while it is on."""

    def __init__(self) -> None:
        self.pauses: list[float] = []
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if info["generation"] != 2:
            return
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.pauses.append(time.perf_counter() - self._started)

    def __enter__(self) -> CollectorPauses:
        gc.callbacks.append(self)
        return self

    def __exit__(self, *exc_info: object) -> None:
        gc.callbacks.remove(self)


def cached_styles() -> int:
    """Entries in the lru_cache(1024) on StylesCache.get_inner_outer (Textual issue #6665):
    each keeps a StylesCache, with its rendered lines, alive, even a removed widget's."""
    return StylesCache.get_inner_outer.cache_info().currsize  # type: ignore[attr-defined]


def test_tables_screen_figures(million_url: URL) -> None:
    figures: dict[str, Any] = {}

    async def main(database: Database) -> None:
        app: ConsoleApp = make_app(database)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("2")
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, TablesScreen), screen
            clock = PaintClock(screen)

            def open_table() -> None:
                screen.open_relation(TABLE)

            def first_page() -> None:
                screen.fetch(lambda pager: pager.first(), "top")

            def keyset_page() -> None:
                screen.fetch(lambda pager: pager.seek([str(DEPTH)]), "top")

            cold = await clock.time(pilot, open_table)
            assert first_id(screen) == "1" and "rows 1–100 of more" in status(screen)

            opened: list[Timing] = []
            first: list[Timing] = []
            keyset: list[Timing] = []
            offset: list[Timing] = []
            for _ in range(RUNS):
                opened.append(await clock.time(pilot, open_table))
                assert first_id(screen) == "1", first_id(screen)
                first.append(await clock.time(pilot, first_page))
                assert first_id(screen) == "1", first_id(screen)
                keyset.append(await clock.time(pilot, keyset_page))
                assert first_id(screen) == str(DEPTH), first_id(screen)
                offset.append(await clock.time(pilot, lambda: offset_page(database, screen)))
                assert first_id(screen) == str(DEPTH), first_id(screen)
                assert screen.query_one(PagedTable).row_count == PAGE_SIZE

            # Memory while paging forward from the first page: the ] key once, to show it is
            # bound to the grid's next-page action, then that action itself, which skips
            # Pilot's own wait for the app to go idle after a key (settle() waits anyway).
            await clock.time(pilot, open_table)
            grid = screen.query_one(PagedTable)
            assert screen.focused is grid
            await clock.time(pilot, lambda: pilot.press("right_square_bracket"))
            assert first_id(screen) == str(PAGE_SIZE + 1), first_id(screen)
            await clock.time(pilot, open_table)
            gc.collect()
            memory = [(0, resident_mb(), cached_styles())]
            forward: list[Timing] = []
            with CollectorPauses() as collections:
                for number in range(1, 2 * PAGES + 1):
                    forward.append(await clock.time(pilot, lambda: grid.action_page("next")))
                    if number % PAGES == 0:
                        gc.collect()
                        memory.append((number, resident_mb(), cached_styles()))
                        assert first_id(screen) == str(number * PAGE_SIZE + 1), first_id(screen)
            assert f"rows {2 * PAGES * PAGE_SIZE + 1:,}–" in status(screen), status(screen)
            figures.update(
                cold=cold,
                opened=opened,
                first=first,
                keyset=keyset,
                offset=offset,
                forward=forward,
                memory=memory,
                collections=collections.pauses,
            )

    with Database(ConnectionSettings(url=million_url)) as database:
        started = time.perf_counter()
        asyncio.run(main(database))
        total = time.perf_counter() - started

    opened, first, keyset, offset = (figures[name] for name in ("opened", "first", "keyset", "offset"))
    forward = figures["forward"]
    print()
    print(
        f"Tables screen, {SIZE[0]}x{SIZE[1]}, {ROWS:,}-row table, {PAGE_SIZE} rows a page (app session {total:.1f} s)"
    )
    print(f"open the table -> first page painted, first time in this process: {ms(figures['cold'].total)}")
    print(describe("open the table -> first page painted", opened))
    print(describe("first page fetched again on the open view (g)", first))
    print(describe(f"page at key {DEPTH:,} by keyset (seek, as j does) painted", keyset))
    print(
        f"  ratio keyset deep / open -> first page: {median(keyset) / median(opened):.2f}; "
        f"keyset deep / first page fetched: {median(keyset) / median(first):.2f}"
    )
    print(describe(f"same page by OFFSET {DEPTH - 1:,} LIMIT {PAGE_SIZE + 1} painted (baseline)", offset))
    print(f"  ratio OFFSET / keyset: {median(offset) / median(keyset):.1f}")
    print(describe("next page (the ] key's action) painted", forward))
    pauses = figures["collections"]
    if pauses:
        print(
            f"  full garbage collections while paging (gc.collect() at 200 and 400 included): {len(pauses)}, "
            f"median {ms(statistics.median(pauses))}, longest {ms(max(pauses))}"
        )
    memory = figures["memory"]
    print(
        "resident memory: "
        + ", ".join(f"{rss:.1f} MB after {pages} pages ({styles} StylesCache entries)" for pages, rss, styles in memory)
    )
    print(
        f"  growth: {memory[1][1] - memory[0][1]:+.1f} MB over the first {PAGES} pages, "
        f"{memory[2][1] - memory[1][1]:+.1f} MB over the next {PAGES}"
    )

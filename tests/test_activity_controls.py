"""The Activity screen's controls, on a frozen reading (tests/fixtures/activity/frozen.py):
what filtering, sorting, pausing and the refresh interval change in what the user sees."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from textual.pilot import Pilot
from textual.widgets import DataTable, Input

from console.app import ConsoleApp
from data import stats
from data.engine import Database
from screens.activity import ActivityScreen
from tests.app_factory import make_app, settle
from tests.fixtures.activity.frozen import RecordedActivity

BY_DURATION = ["4108", "4101", "4104", "4107", "4102", "4103", "4105", "4106", "60", "61"]
"""The frozen backends as the screen first lists them: the longest in its state first."""


def run(
    database: Database,
    scenario: Callable[[Pilot[None], ConsoleApp, ActivityScreen], Awaitable[None]],
    *,
    interval: float = 3600.0,
    source: RecordedActivity | None = None,
) -> None:
    async def main() -> None:
        app = make_app(database)
        async with app.run_test(size=(120, 40), notifications=True) as pilot:
            screen = ActivityScreen(interval=interval, source=source or RecordedActivity())
            await app.push_screen(screen)
            await settle(pilot)
            screen.query_one("#activity-backends", DataTable).focus()
            await pilot.pause()
            await scenario(pilot, app, screen)

    asyncio.run(main())


def shown_pids(screen: ActivityScreen) -> list[str]:
    """The pid column, top to bottom, as the table shows it."""
    table = screen.query_one("#activity-backends", DataTable)
    return [str(table.get_row_at(row)[0]) for row in range(table.row_count)]


def column(screen: ActivityScreen, name: str) -> list[str]:
    table = screen.query_one("#activity-backends", DataTable)
    index = [str(key.value) for key in table.columns].index(name)
    return [str(getattr(cell, "plain", cell)) for cell in (table.get_row_at(r)[index] for r in range(table.row_count))]


def line(app: ConsoleApp, selector: str) -> str:
    """What a one-line Static (a status line, a prompt's error) says."""
    return str(app.screen.query_one(selector).render())


def sessions_status(app: ConsoleApp) -> str:
    return line(app, "#activity-sessions-status")


async def type_filter(pilot: Pilot[None], text: str) -> None:
    await pilot.press("slash")
    await pilot.pause()
    pilot.app.screen.query_one("#prompt-input", Input).value = text
    await pilot.press("enter")
    await pilot.pause()


def test_the_text_filter_keeps_the_matching_backends(database: Database) -> None:
    async def scenario(pilot: Pilot[None], app: ConsoleApp, screen: ActivityScreen) -> None:
        assert shown_pids(screen) == BY_DURATION
        await type_filter(pilot, "GACHA")  # the queries touching gacha, whatever the case
        assert shown_pids(screen) == ["4101", "4102", "4103"]
        assert sessions_status(app) == "3 of 10 backends · state all · sort duration · filter 'GACHA'"
        await type_filter(pilot, "10.0.0.4")  # a client address
        assert shown_pids(screen) == ["4107", "4106"]
        await type_filter(pilot, "no such thing")
        assert shown_pids(screen) == []
        await type_filter(pilot, "")
        assert shown_pids(screen) == BY_DURATION

    run(database, scenario)


def test_the_state_filter_cycles_through_the_states(database: Database) -> None:
    async def scenario(pilot: Pilot[None], app: ConsoleApp, screen: ActivityScreen) -> None:
        await pilot.press("s")
        assert shown_pids(screen) == ["4108", "4104", "4102", "4103"]
        assert set(column(screen, "state")) == {"active"}
        await pilot.press("s")  # the aborted transaction counts as idle in one too
        assert shown_pids(screen) == ["4101", "4105"]
        assert "state idle in transaction" in sessions_status(app)
        await pilot.press("s")
        assert shown_pids(screen) == ["4107", "4106"]
        await type_filter(pilot, "metaserver")  # text and state together
        assert shown_pids(screen) == ["4106"]
        await pilot.press("s")
        assert shown_pids(screen) == ["4106"]  # all states: the text filter still holds
        await type_filter(pilot, "")
        assert shown_pids(screen) == BY_DURATION

    run(database, scenario)


def test_o_and_a_clicked_header_sort_the_rows(database: Database) -> None:
    async def scenario(pilot: Pilot[None], app: ConsoleApp, screen: ActivityScreen) -> None:
        await pilot.press("o")
        assert shown_pids(screen) == sorted(BY_DURATION, key=int)
        assert "pid ▲" in [str(c.label) for c in screen.query_one("#activity-backends", DataTable).columns.values()]
        await pilot.press("o")
        states = column(screen, "state")
        assert states[:4] == ["active"] * 4 and states[-2:] == ["autovacuum launcher", "checkpointer"]
        # A click on the application header sorts by it, background processes (none) first.
        table = screen.query_one("#activity-backends", DataTable)
        columns = list(table.columns.values())
        left = sum(
            c.get_render_width(table) for c in columns[: [str(c.key.value) for c in columns].index("application")]
        )
        table.scroll_to(x=left, animate=False)  # the header must be on screen to be clicked
        await pilot.pause()
        await pilot.click("#activity-backends", offset=(left - int(table.scroll_x) + 2, 0))
        await pilot.pause()
        assert column(screen, "application") == [
            "",
            "",
            "accounts-api",
            "cleanup-job",
            "gacha-api",
            "metaserver",
            "planner",
            "psql",
            "stories-import",
            "support-desk",
        ]
        assert "sort application" in sessions_status(app)

    run(database, scenario)


def footer_label(app: ConsoleApp, key: str) -> str:
    """What the footer says a key does now."""
    return app.screen.active_bindings[key].binding.description


def test_space_pauses_and_resumes_the_refresh(database: Database) -> None:
    source = RecordedActivity()

    async def reads_after(pilot: Pilot[None], seconds: float) -> int:
        before = source.reads
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            await pilot.pause(0.05)
        await settle(pilot)
        return source.reads - before

    async def scenario(pilot: Pilot[None], app: ConsoleApp, screen: ActivityScreen) -> None:
        assert await reads_after(pilot, 0.8) >= 2
        assert footer_label(app, "space") == "Pause"
        await pilot.press("space")
        await settle(pilot)
        assert await reads_after(pilot, 0.8) == 0
        assert line(app, "#activity-status").startswith("paused (space resumes)")
        assert footer_label(app, "space") == "Resume"
        await pilot.press("ctrl+r")  # a refresh on demand still works while paused
        await settle(pilot)
        assert source.reads > 0 and await reads_after(pilot, 0.1) == 0
        await pilot.press("space")
        assert await reads_after(pilot, 0.8) >= 2
        assert footer_label(app, "space") == "Pause"

    run(database, scenario, interval=0.2, source=source)


def test_i_sets_the_refresh_interval_and_refuses_nonsense(database: Database) -> None:
    async def scenario(pilot: Pilot[None], app: ConsoleApp, screen: ActivityScreen) -> None:
        assert line(app, "#activity-status").startswith("refresh every 3600s")
        for bad, said in (("soon", "as a number, not 'soon'"), ("0.1", "0.5 to 3600 seconds, not 0.1")):
            await pilot.press("i")
            await pilot.pause()
            app.screen.query_one("#prompt-input", Input).value = bad
            await pilot.press("enter")
            await pilot.pause()
            assert said in line(app, "#prompt-error")
            await pilot.press("escape")
            await pilot.pause()
        assert screen.interval == 3600.0
        await pilot.press("i")
        await pilot.pause()
        app.screen.query_one("#prompt-input", Input).value = "5s"
        await pilot.press("enter")
        await pilot.pause()
        assert screen.interval == 5.0
        assert line(app, "#activity-status").startswith("refresh every 5s")

    run(database, scenario)


class SlowActivity(RecordedActivity):
    """Each reading takes longer than the screen's interval, as on a busy server."""

    def read(self, previous: stats.Snapshot | None) -> stats.Reading:
        time.sleep(0.4)
        return super().read(previous)


def test_a_reading_slower_than_the_interval_is_shown_not_cancelled_by_the_next_tick(database: Database) -> None:
    """The refresh ticks every 0.1 s and a reading takes 0.4 s: each tick used to cancel the
    reading under way and start another, so the screen waited for its first snapshot forever."""
    source = SlowActivity()

    async def main() -> None:
        app = make_app(database)
        async with app.run_test(size=(120, 40)) as pilot:
            screen = ActivityScreen(interval=0.1, source=source)
            await app.push_screen(screen)
            deadline = time.monotonic() + 10
            while source.reads < 4 and time.monotonic() < deadline:
                await pilot.pause(0.1)
            await pilot.pause(0.5)  # the reading under way ends and is shown
            assert screen.reading is not None
            assert "waiting for the first snapshot" not in line(app, "#activity-status")

    asyncio.run(main())

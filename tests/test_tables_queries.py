"""The Tables screen when a page query is refused or slow: the previous page stays, a slow
query shows its elapsed time and Escape cancels it at the server; keys pressed meanwhile
are dropped, not replayed."""

from __future__ import annotations

import time

from sqlalchemy import text
from textual.pilot import Pilot

from console.app import ConsoleApp
from data.engine import Database
from tests.app_factory import settle, toasts
from tests.test_tables_screen import column_values, open_table, run, status, tables, to_column


async def type_into_prompt(pilot: Pilot[None], value: str) -> None:
    """Type into the prompt's field and press Enter, without waiting for the query."""
    from textual.widgets import Input

    pilot.app.screen.query_one(Input).value = value
    await pilot.press("enter")


def sleeping_backends(database: Database) -> int:
    with database.connect() as connection:
        return connection.execute(
            text("SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(40)%' AND pid <> pg_backend_pid()")
        ).scalar_one()


def test_a_refused_filter_leaves_the_previous_page_and_says_why(database: Database) -> None:
    async def scenario(pilot: Pilot[None], app: ConsoleApp) -> None:
        await open_table(pilot, app, "gacha.users")
        before = column_values(app, "id")
        await to_column(pilot, app, "quartzs")
        await pilot.press("f")
        await settle(pilot)
        await type_into_prompt(pilot, "= abc")
        await settle(pilot)
        assert column_values(app, "id") == before
        assert not tables(app).query_one("#tables-switcher").loading
        shown = status(app)
        assert shown.startswith("rows 1–100") and "refused:" in shown and "abc" in shown
        assert "abc" in toasts(app)
        assert tables(app).shown.view.filters == ()
        await pilot.press("w")  # a refused WHERE does the same
        await settle(pilot)
        await type_into_prompt(pilot, "no_such_column = 1")
        await settle(pilot)
        assert column_values(app, "id") == before and "no_such_column" in status(app)
        await pilot.press("G")  # and the grid still pages
        await settle(pilot)
        assert column_values(app, "id") != before and "refused" not in status(app)

    run(database, scenario)


def test_a_slow_page_query_shows_its_time_and_escape_cancels_it_at_the_server(database: Database) -> None:
    async def scenario(pilot: Pilot[None], app: ConsoleApp) -> None:
        await open_table(pilot, app, "gacha.users")
        before = column_values(app, "id")
        await pilot.press("w")
        await settle(pilot)
        await type_into_prompt(pilot, "id < 2 and pg_sleep(40) is not null")
        deadline = time.monotonic() + 10
        while "running the query…" not in status(app):
            assert time.monotonic() < deadline, status(app)
            await pilot.pause(0.05)
        assert "Escape cancels it" in status(app)
        assert sleeping_backends(database) == 1
        await pilot.press("c", "g", "G")  # dropped while the query runs, never replayed
        started = time.monotonic()
        await pilot.press("escape")
        await settle(pilot)
        assert time.monotonic() - started < 5
        assert "cancelled after" in status(app) and "the previous page stays" in status(app)
        assert column_values(app, "id") == before
        assert sleeping_backends(database) == 0
        await pilot.pause(0.5)
        await settle(pilot)
        view = tables(app).shown.view
        assert view.where is None and column_values(app, "id") == before  # no c or G ran afterwards
        assert "canceling statement" not in toasts(app)

    run(database, scenario)

"""The planner's tables (widgets/build_tables.py) in a bare app: a cell that grows its column."""

from __future__ import annotations

import asyncio

from textual.app import App, ComposeResult
from textual.geometry import Region

from widgets.build_tables import PicksTable


class TableApp(App[None]):
    def compose(self) -> ComposeResult:
        yield PicksTable(id="picks")


def test_a_column_grown_by_an_edit_is_redrawn_at_its_new_width() -> None:
    """An edit drawn before DataTable measures it (on idle) is redrawn once it has: six
    slots read as six, not cut to the five the column was wide."""

    async def scenario() -> None:
        app = TableApp()
        async with app.run_test(size=(60, 8)) as pilot:
            table = app.query_one(PicksTable)
            table._refill([("1", "Flares", "●●●●●"), ("2", "Fire Blast", "○")])
            await pilot.pause()
            table._refill([("1", "Flares", "●●●●●●"), ("2", "Fire Blast", "○")])
            # Drawn now, before the table is idle: the column is still five wide.
            first = [strip.text for strip in table.render_lines(Region(0, 0, 60, 3))]
            assert "●●●●●●" not in first[1]
            await pilot.pause()
            await pilot.pause()
            drawn = [strip.text for strip in table.render_lines(Region(0, 0, 60, 3))]
            assert "●●●●●●" in drawn[1], drawn

    asyncio.run(scenario())

"""No table shows a value cut so that it reads as another value (widgets/data_grid.py).

The grid is read as the user reads it, line by line off the rendered strips, and every
cell of gacha.users is compared with the database: a cell is either the whole value or
visibly cut ("…" at the cut edge), at 80x24 and 120x40, with the tree shown, scrolled
from the first column to the last.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import text
from textual.pilot import Pilot

from data.catalog import RelationRef
from data.engine import Database
from tests.app_factory import make_app, settle
from widgets.data_grid import CUT_MARK, DataGrid
from widgets.paged_table import PagedTable


def shown_cells(grid: DataGrid, line: int) -> dict[int, str]:
    """Column index -> the text the user sees of it on screen line `line` (0 is the header)."""
    strip_text = grid.render_line(line).text
    # The user sees what the scrollbars leave: the vertical one covers the lines' last columns.
    width, scroll_x = grid.scrollable_content_region.width, int(grid.scroll_offset.x)
    columns = grid.ordered_columns
    fixed_width = sum(column.get_render_width(grid) for column in columns[: grid.fixed_columns])
    cells: dict[int, str] = {}
    start = 0
    for index, column in enumerate(columns):
        end = start + column.get_render_width(grid)
        left, right = (start, end) if index < grid.fixed_columns else (start - scroll_x, end - scroll_x)
        low = left if index < grid.fixed_columns else max(left, fixed_width)
        high = min(right, width)
        if high > low:
            cells[index] = strip_text[low:high]
        start = end
    return cells


def check_every_cell(grid: DataGrid, expected: list[tuple[Any, ...]]) -> int:
    """Assert each visible cell reads its whole value or is marked cut; the count of whole ones."""
    whole = 0
    names = [column.label.plain.lstrip("⚷").rstrip("→ ▲▼") for column in grid.ordered_columns]
    for line in range(1, min(grid.scrollable_content_region.height, grid.row_count + 1)):
        row = int(grid.scroll_offset.y) + line - 1
        for index, seen in shown_cells(grid, line).items():
            value = expected[row][index]
            if CUT_MARK in seen or value is None or not isinstance(value, (int, str)):
                continue
            assert seen.strip() == str(value), (names[index], row, seen, value)
            whole += 1
        for index, seen in shown_cells(grid, line).items():
            full_width = grid.ordered_columns[index].get_render_width(grid)
            if len(seen) < full_width and len(seen) >= 2:
                assert CUT_MARK in seen, (names[index], row, seen)
    return whole


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_every_cell_of_gacha_users_reads_whole_or_marked_cut(database: Database, size: tuple[int, int]) -> None:
    with database.connect() as connection:  # wide numbers, where a cut would mislead most
        connection.execute(text("UPDATE gacha.users SET quartzs = 1234567890, sakura_crystals = 98765 WHERE id <= 3"))

    async def main() -> None:
        app = make_app(database)
        async with app.run_test(size=size) as pilot:
            await pilot.press("2")
            await settle(pilot)
            app.screen.open_relation(RelationRef.parse("gacha.users"))  # type: ignore[attr-defined]
            await settle(pilot)
            grid = app.screen.query_one(PagedTable)
            with database.connect() as connection:
                rows = [
                    tuple(row) for row in connection.execute(text("SELECT * FROM gacha.users ORDER BY id LIMIT 100"))
                ]
            whole = check_every_cell(grid, rows)
            assert whole > 20
            seen_cut = False
            for _ in range(len(grid.ordered_columns)):  # walk to the last column: the grid scrolls
                await pilot.press("right")
                await pilot.pause()
                seen_cut = seen_cut or any(CUT_MARK in cell for cell in shown_cells(grid, 1).values())
                check_every_cell(grid, rows)
            assert seen_cut, "some column should have been cut by an edge on the way"

    asyncio.run(main())


def test_a_cut_number_is_marked_where_it_was_read_as_another(database: Database) -> None:
    """The case from the report: quartzs 300 read "30" at the right edge."""

    async def scenario(pilot: Pilot[None]) -> None:
        await pilot.press("2")
        await settle(pilot)
        pilot.app.screen.open_relation(RelationRef.parse("gacha.users"))  # type: ignore[attr-defined]
        await settle(pilot)
        grid = pilot.app.screen.query_one(PagedTable)
        # Narrow the grid until the quartzs column is cut by the right edge.
        names = [column.label.plain.lstrip("⚷").rstrip("→ ▲▼") for column in grid.ordered_columns]
        quartzs = names.index("quartzs")
        start = sum(column.get_render_width(grid) for column in grid.ordered_columns[:quartzs])
        grid.styles.width = start + 4  # padding, then two of its characters
        await pilot.pause()
        await pilot.pause()
        cells = [shown_cells(grid, line)[quartzs] for line in range(1, 6)]
        assert all(cell.endswith(CUT_MARK) for cell in cells), cells

    async def main() -> None:
        app = make_app(database)
        async with app.run_test(size=(120, 40)) as pilot:
            await scenario(pilot)

    asyncio.run(main())


def test_column_widths_follow_the_page_on_screen(database: Database) -> None:
    """A ten-digit value widens its column on its page only, not on the next one."""
    with database.connect() as connection:
        connection.execute(text("UPDATE gacha.users SET quartzs = 1234567890 WHERE id = 1"))

    async def main() -> None:
        app = make_app(database)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("2")
            await settle(pilot)
            app.screen.open_relation(RelationRef.parse("gacha.users"))  # type: ignore[attr-defined]
            await settle(pilot)
            grid = app.screen.query_one(PagedTable)
            quartzs = next(column for column in grid.ordered_columns if column.label.plain == "quartzs")
            assert quartzs.content_width == len("1234567890")
            await pilot.press("right_square_bracket")  # the next page: ids 101-200, none that wide
            await settle(pilot)
            quartzs = next(column for column in grid.ordered_columns if column.label.plain == "quartzs")
            assert quartzs.content_width < len("1234567890")

    asyncio.run(main())

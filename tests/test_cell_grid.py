"""CellGrid (widgets/cell_grid.py) in a bare app: how it lays out and colours its cells."""

from __future__ import annotations

import asyncio

import pytest
from textual.app import App, ComposeResult

from tests.app_factory import drawn_style, visible_text
from widgets.cell_grid import Cell, CellGrid

ROWS = (
    (Cell("Server"), Cell("/var/run/postgresql/.s.PGSQL.5432 on the machine's own socket")),
    (Cell("Tables", "muted"), Cell("12", numeric=True)),
    (Cell("State"), Cell("broken", "error")),
)


class GridApp(App[None]):
    def compose(self) -> ComposeResult:
        grid = CellGrid(2, ("Fact", Cell("Value")), id="grid")
        grid.rows = ROWS
        yield grid


def lines_at(width: int) -> list[str]:
    async def scenario() -> list[str]:
        app = GridApp()
        async with app.run_test(size=(width, 12)) as pilot:
            await pilot.pause()
            grid = app.query_one(CellGrid)
            assert grid.size.height == len(visible_text(app, "#grid").splitlines())
            theme = app.theme_variables
            assert drawn_style(grid, "broken").color.name.lower() == theme["text-error"].lower()
            assert drawn_style(grid, "Fact").bold and not drawn_style(grid, "Server").bold
            return visible_text(app, "#grid").splitlines()

    return asyncio.run(scenario())


def test_columns_are_as_wide_as_their_widest_cell_and_the_last_wraps_what_is_left() -> None:
    assert lines_at(80) == [
        "Fact    Value",
        "Server  /var/run/postgresql/.s.PGSQL.5432 on the machine's own socket",
        "Tables" + " " * 72 + "12",  # numeric: right-aligned in its column
        "State   broken",
    ]
    # At 40 cells the value wraps within the 32 the first column and the gutter leave it
    # (a word longer than that is folded); its row grows and the next rows keep their columns.
    assert lines_at(40) == [
        "Fact    Value",
        "Server  /var/run/postgresql/.s.PGSQL.543",
        "        2 on the machine's own socket",
        "Tables" + " " * 32 + "12",
        "State   broken",
    ]


def test_a_row_must_have_a_cell_per_column() -> None:
    grid = CellGrid(2)
    with pytest.raises(ValueError, match="a row of 1 cells in a grid of 2 columns"):
        grid.rows = ((Cell("alone"),),)
    with pytest.raises(ValueError, match="3 headers for 2 columns"):
        CellGrid(2, ("a", "b", "c"))

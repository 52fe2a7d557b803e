"""A DataTable that shows one page of a larger result and asks for the next one at its edges.

It holds a page (a hundred rows, say), never the whole result: DataTable measures every
cell it is given, so pages stay small and the owner fetches the next page by keyset when
the cursor runs off either end.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from rich.text import Text
from textual.binding import Binding
from textual.coordinate import Coordinate
from textual.message import Message

from widgets.data_grid import DataGrid

Direction = Literal["next", "previous"]


@dataclass(frozen=True)
class GridRow:
    """One row as shown: its key (unique on the page) and one rendered cell per column."""

    key: str
    cells: tuple[Text, ...]


class PagedTable(DataGrid):
    """One page of rows; moving past the last (or first) row asks for the next (previous) page."""

    BINDINGS = [
        Binding(
            "right_square_bracket",
            "page('next')",
            "Next page",
            id="grid.next_page",
            tooltip="Fetch the page after this one",
            show=False,
        ),
        Binding(
            "left_square_bracket",
            "page('previous')",
            "Previous page",
            id="grid.previous_page",
            tooltip="Fetch the page before this one",
            show=False,
        ),
    ]

    @dataclass
    class PageWanted(Message):
        """The cursor ran off an edge (or a page key was pressed) and there is more that way."""

        table: PagedTable
        direction: Direction

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="cell", zebra_stripes=True)
        self.has_next = False
        """True when rows follow this page; set with each page."""
        self.has_previous = False
        """True when rows come before this page."""
        self._headers: tuple[str, ...] = ()

    def show_page(
        self,
        headers: Sequence[Text],
        rows: Sequence[GridRow],
        *,
        has_previous: bool,
        has_next: bool,
        fixed_columns: int = 0,
        cursor: Literal["top", "bottom", "keep"] = "keep",
    ) -> None:
        """Replace the rows (and the columns, if they changed) with one page.

        Args:
            cursor: where the cursor goes: the first row (after paging forward), the last
                row (after paging back) or the same row and column as before (a reload).
        """
        row, column = self.cursor_coordinate
        plain_headers = tuple(header.plain for header in headers)
        if plain_headers != self._headers:
            # New labels (a sort arrow moved) keep the cursor's column; another table doesn't.
            if len(plain_headers) != len(self._headers):
                column = 0
            self.clear(columns=True)
            for index, header in enumerate(headers):
                self.add_column(header, key=f"c{index}")
            self._headers = plain_headers
        else:
            self.clear()
            # Widths follow this page's widest values: DataTable only ever widens a column.
            for shown_column in self.columns.values():
                shown_column.content_width = shown_column.label.cell_len
        for grid_row in rows:
            self.add_row(*grid_row.cells, key=grid_row.key)
        self.fixed_columns = min(fixed_columns, len(headers))
        self.has_next = has_next
        self.has_previous = has_previous
        if cursor == "top":
            row = 0
        elif cursor == "bottom":
            row = max(len(rows) - 1, 0)
        self.move_cursor(row=min(row, max(len(rows) - 1, 0)), column=column, animate=False)

    def replace_row(self, key: str, cells: Sequence[Text]) -> None:
        """Redraw one row in place (after an edit), without touching the rest of the page."""
        for index, cell in enumerate(cells):
            self.update_cell(key, f"c{index}", cell)

    @property
    def cursor_row_key(self) -> str | None:
        """The key of the row under the cursor, or None on an empty page."""
        if not self.row_count:
            return None
        return self.coordinate_to_cell_key(Coordinate(self.cursor_row, 0)).row_key.value

    def action_page(self, direction: Direction) -> None:
        if self.has_next if direction == "next" else self.has_previous:
            self.post_message(self.PageWanted(self, direction))

    def action_cursor_down(self) -> None:
        if self.row_count and self.cursor_row == self.row_count - 1 and self.has_next:
            self.post_message(self.PageWanted(self, "next"))
            return
        super().action_cursor_down()

    def action_cursor_up(self) -> None:
        if self.cursor_row == 0 and self.has_previous:
            self.post_message(self.PageWanted(self, "previous"))
            return
        super().action_cursor_up()

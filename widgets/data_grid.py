"""A DataTable that never shows a value cut so that it reads as another value.

DataTable crops its rows at the edges of the viewport: a column half scrolled out shows
part of its cells, and a right-aligned 300 cut after two characters reads "30". DataGrid
marks every cell the viewport cuts with "…" at the cut edge (300 reads "3…"), on the
header too, so a cut value always looks cut. Every table of the console uses it.

DataTable also measures new rows only on its next idle: a frame drawn before that has
columns as narrow as their headers, and "142" reads "14". DataGrid widens the columns as
each row is added, so no frame shows a row its columns have not measured.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from rich.segment import Segment
from textual.render import measure
from textual.strip import Strip
from textual.widgets import DataTable
from textual.widgets._data_table import default_cell_formatter  # how DataTable itself draws a cell
from textual.widgets.data_table import RowKey

CUT_MARK = "…"


def clip(text: str, width: int) -> str:
    """`text` on one line, cut to `width` characters with the cut marked."""
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + CUT_MARK


class DataGrid(DataTable[Any]):
    """A DataTable whose cells cut by the viewport's edges are marked as cut."""

    def add_row(self, *cells: Any, height: int | None = 1, key: str | None = None, label: Any = None) -> RowKey:
        row_key = super().add_row(*cells, height=height, key=key, label=label)
        console = self.app.console
        for column, cell in zip(self.ordered_columns, cells):
            if column.auto_width:
                shown = default_cell_formatter(cell, wrap=False, height=1)
                column.content_width = max(column.content_width, measure(console, shown, 1))
        return row_key

    def render_line(self, y: int) -> Strip:
        strip = super().render_line(y)
        for position in self.cut_edges():
            strip = _mark(strip, position)
        return strip

    def cut_edges(self) -> Iterator[int]:
        """The screen columns where a cell is cut: its last visible character when the
        right edge cuts it, its first when the left edge (or the fixed columns) does."""
        # What is left beside the scrollbars: DataTable draws its lines as wide as the
        # widget, and a vertical scrollbar covers their last columns.
        width = self.scrollable_content_region.width
        scroll_x = int(self.scroll_offset.x)
        columns = self.ordered_columns
        fixed_width = sum(column.get_render_width(self) for column in columns[: self.fixed_columns])
        start = 0
        for index, column in enumerate(columns):
            column_width = column.get_render_width(self)
            end = start + column_width
            if index >= self.fixed_columns:
                left, right = start - scroll_x, end - scroll_x
                shown_from, shown_to = max(left, fixed_width), min(right, width)
                # A sliver of padding alone shows no character of the value: nothing to mark.
                if shown_to - shown_from >= 2:
                    if right > width:
                        yield shown_to - 1
                    if left < fixed_width:
                        yield shown_from
            start = end


def _mark(strip: Strip, position: int) -> Strip:
    """`strip` with the character at `position` replaced by the cut mark, in its style."""
    if not 0 <= position < strip.cell_length:
        return strip
    under = strip.crop(position, position + 1)
    style = next((segment.style for segment in under if segment.text), None)
    return Strip.join([strip.crop(0, position), Strip([Segment(CUT_MARK, style)]), strip.crop(position + 1)])

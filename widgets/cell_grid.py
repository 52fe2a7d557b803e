"""A small grid of text cells: key/value panels and short tables whose cells carry a tone.

For a handful of rows (facts about a connection, one line per schema) where colour says
something (healthy, needs attention, broken) and the theme decides the colours. Large or
scrollable result sets belong in a DataTable instead.

The grid is one widget that lays its cells out itself, not a widget per cell: the home
screen paints two of these on the console's start path, where a Label per cell cost about
0.1 s of the first paint.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from rich.cells import cell_len
from textual.content import Content
from textual.geometry import Size
from textual.reactive import Reactive, reactive
from textual.widget import Widget

Tone = Literal["success", "warning", "error", "muted", "alert"]
"""What a cell's value means; the stylesheet maps each tone to theme colours."""

GUTTER = 2
"""Spaces between two columns."""


Line = list[tuple[str, tuple[str, ...]]]
"""One line of the grid: pieces of text, each with the component classes it is drawn in."""


@dataclass(frozen=True)
class Cell:
    """One cell: plain text (never markup), an optional tone, right-aligned if numeric."""

    text: str
    tone: Tone | None = None
    numeric: bool = False


class CellGrid(Widget):
    """Rows of cells in columns as wide as their widest cell, with optional column headers.

    Every column is as wide as its widest cell but the last, which takes what is left and
    wraps, so a long value (a socket path) stays readable at 80 columns. A row is as tall
    as its tallest cell. Headers and tones are component classes (`cell-grid--header`,
    `cell-grid--<tone>`), so a stylesheet can restyle them.
    """

    COMPONENT_CLASSES = {
        "cell-grid--header",
        "cell-grid--success",
        "cell-grid--warning",
        "cell-grid--error",
        "cell-grid--muted",
        "cell-grid--alert",
    }

    DEFAULT_CSS = """
    CellGrid { height: auto; }
    CellGrid > .cell-grid--header { text-style: bold; color: $text-muted; }
    CellGrid > .cell-grid--success { color: $text-success; }
    CellGrid > .cell-grid--warning { color: $text-warning; }
    CellGrid > .cell-grid--error { color: $text-error; }
    CellGrid > .cell-grid--muted { color: $text-muted; }
    CellGrid > .cell-grid--alert { color: $text-warning; background: $warning-muted; text-style: bold; }
    """

    rows: Reactive[tuple[tuple[Cell, ...], ...]] = reactive((), layout=True)
    """The cells, row by row; every row has one cell per column."""

    def __init__(
        self,
        columns: int,
        headers: Sequence[str | Cell] = (),
        *,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        if headers and len(headers) != columns:
            raise ValueError(f"{len(headers)} headers for {columns} columns")
        self.columns = columns
        self.headers = tuple(Cell(h) if isinstance(h, str) else h for h in headers)
        """Column headers; a numeric header is right-aligned like its column."""
        self._laid_out: tuple[int, tuple[tuple[Cell, ...], ...], list[Line]] | None = None

    def validate_rows(self, rows: tuple[tuple[Cell, ...], ...]) -> tuple[tuple[Cell, ...], ...]:
        for row in rows:
            if len(row) != self.columns:
                raise ValueError(f"a row of {len(row)} cells in a grid of {self.columns} columns")
        return rows

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self._lines(width))

    def render(self) -> Content:
        # Styles are looked up at each paint, not laid out with the cells: a theme change
        # repaints in the new colours. Whole styles, not Content's ".component" spans: those
        # are partial styles, which lose a component's opaque background (Textual 8.2).
        return Content("\n").join(
            Content.assemble(*((text, self.get_visual_style(*components)) for text, components in line))
            for line in self._lines(self.content_size.width)
        )

    def _lines(self, width: int) -> list[Line]:
        """The grid laid out `width` cells wide (kept until the rows or the width change: the
        layout asks for the height, then the paint for the lines)."""
        if self._laid_out is None or self._laid_out[:2] != (width, self.rows):
            self._laid_out = (width, self.rows, self._lay_out(width))
        return self._laid_out[2]

    def _lay_out(self, width: int) -> list[Line]:
        table = [(self.headers, "cell-grid--header")] if self.headers else []
        table += [(row, "") for row in self.rows]
        if not table:
            return []
        widths = [
            max((_text_width(cells[column].text) for cells, _ in table), default=0)
            for column in range(self.columns - 1)
        ]
        widths.append(max(1, width - sum(widths) - GUTTER * (self.columns - 1)))
        lines: list[Line] = []
        for cells, row_class in table:
            columns = [_cell_lines(cell, widths[index], row_class) for index, cell in enumerate(cells)]
            for y in range(max(len(column) for column in columns)):
                line: Line = []
                for index, column in enumerate(columns):
                    if index:
                        line.append((" " * GUTTER, ()))
                    line.extend(column[y] if y < len(column) else [(" " * widths[index], ())])
                while line and not line[-1][1] and not line[-1][0].strip():
                    line.pop()  # the blank end of a line: nothing drawn there
                lines.append(line)
        return lines


def _text_width(text: str) -> int:
    return max((cell_len(line) for line in text.splitlines()), default=0)


def _cell_lines(cell: Cell, width: int, row_class: str) -> list[Line]:
    """One cell's lines, each exactly `width` wide: wrapped, right-aligned if numeric, and
    drawn in the classes of its row (a header's) and its tone."""
    components = tuple(name for name in (row_class, cell.tone and f"cell-grid--{cell.tone}") if name)
    lines: list[Line] = []
    for line in cell.text.splitlines() or [""]:
        for piece in Content(line).wrap(width):
            text = piece.plain
            room = " " * (width - cell_len(text))
            # A numeric cell's style spans its column (an alert's background), as a text's
            # spans the text.
            lines.append([(room + text, components)] if cell.numeric else [(text, components), (room, ())])
    return lines

"""A small grid of text cells: key/value panels and short tables whose cells carry a tone.

For a handful of rows (facts about a connection, one line per schema) where colour says
something (healthy, needs attention, broken) and the theme decides the colours. Large or
scrollable result sets belong in a DataTable instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from textual.app import ComposeResult
from textual.reactive import Reactive, reactive
from textual.widget import Widget
from textual.widgets import Label

Tone = Literal["success", "warning", "error", "muted", "alert"]
"""What a cell's value means; the stylesheet maps each tone to theme colours."""


@dataclass(frozen=True)
class Cell:
    """One cell: plain text (never markup), an optional tone, right-aligned if numeric."""

    text: str
    tone: Tone | None = None
    numeric: bool = False


class CellGrid(Widget):
    """Rows of cells in columns as wide as their widest cell, with optional column headers.

    Each label gets the classes `-col-N` (its column), `-header` for headers, `-numeric`
    and `-<tone>`, so a screen's stylesheet can style a column or a tone.
    """

    DEFAULT_CSS = """
    CellGrid {
        layout: grid;
        grid-rows: auto;
        grid-gutter: 0 2;
        height: auto;
    }
    CellGrid > .-header { text-style: bold; color: $text-muted; }
    CellGrid > .-numeric { width: 100%; text-align: right; }
    CellGrid > .-success { color: $text-success; }
    CellGrid > .-warning { color: $text-warning; }
    CellGrid > .-error { color: $text-error; }
    CellGrid > .-muted { color: $text-muted; }
    CellGrid > .-alert { color: $text-warning; background: $warning-muted; text-style: bold; }
    """

    rows: Reactive[tuple[tuple[Cell, ...], ...]] = reactive((), recompose=True)
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
        self.styles.grid_size_columns = columns
        # Every column as wide as its widest cell, but the last takes what is left and
        # wraps, so a long value (a socket path) stays readable at 80 columns.
        self.styles.grid_columns = " ".join(["auto"] * (columns - 1) + ["1fr"])

    def compose(self) -> ComposeResult:
        for index, header in enumerate(self.headers):
            yield _label(header, index, "-header")
        for row in self.rows:
            for index, cell in enumerate(row):
                yield _label(cell, index)

    def validate_rows(self, rows: tuple[tuple[Cell, ...], ...]) -> tuple[tuple[Cell, ...], ...]:
        for row in rows:
            if len(row) != self.columns:
                raise ValueError(f"a row of {len(row)} cells in a grid of {self.columns} columns")
        return rows


def _label(cell: Cell, column: int, *extra: str) -> Label:
    classes = [f"-col-{column}", *extra]
    if cell.numeric:
        classes.append("-numeric")
    if cell.tone:
        classes.append(f"-{cell.tone}")
    return Label(cell.text, markup=False, classes=" ".join(classes))

"""How the Tables screen draws a page: each value legibly, pending changes and masks marked.

`Shown` is what the grid shows; plain functions turn the data layer's values (a Page, a
ChangeSet) into Rich Text for it, so the screen itself only moves pages and keys around.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from rich.text import Text

from data.browse import Page, Pager, SortKey, View
from data.catalog import ColumnInfo, TableInfo
from data.edits import DEFAULT, NOTHING, ChangeSet, RowInsert
from data.sensitive import MASK
from data.values import display_value
from widgets.paged_table import GridRow

CELL_WIDTH = 40
"""Longest text a cell shows; the whole value is one key (v) away."""

KIND_STYLES: dict[str, str] = {
    "null": "dim italic",
    "empty": "dim",
    "json": "cyan",
    "array": "cyan",
    "bytes": "magenta",
    "vector": "magenta",
    "boolean": "yellow",
    "enum": "yellow",
    "uuid": "blue",
    "network": "blue",
    "datetime": "green",
    "interval": "green",
}
PENDING_STYLE = "bold black on yellow"
DELETED_STYLE = "strike red"
SOFT_DELETED_STYLE = "dim strike"
INSERTED_STYLE = "green"
MASKED_STYLE = "dim"


@dataclass
class Shown:
    """What the grid shows now: the view, its pager, the page on screen, and which of its
    sensitive values are masked."""

    view: View
    pager: Pager
    page: Page
    masked: frozenset[str]
    revealed: set[tuple[tuple[Any, ...], str]] = field(default_factory=set)
    """(row key, column) of the masked values an admin revealed."""

    def is_masked(self, row: int, column: str) -> bool:
        """Whether the page's row `row` shows `column` masked."""
        if column not in self.masked:
            return False
        key = self.page.keys[row] if self.page.keys else ()
        return (key, column) not in self.revealed

    def value_text(self, row: int, column: str) -> str | None:
        """The text of a value of the page (for prefilled prompts), None for NULL or no row."""
        if row >= len(self.page.rows):
            return None
        value = self.page.rows[row][self.page.columns.index(column)]
        return None if value is None else str(value)


def value_cell(value: Any, column: ColumnInfo | None, *, masked: bool = False) -> Text:
    """One value as the grid shows it: its one-line form, styled by what kind of value it is."""
    if masked and value is not None:
        return Text(MASK, MASKED_STYLE)
    shown = display_value(value, column, width=CELL_WIDTH)
    style = KIND_STYLES.get(shown.kind, "")
    justify = "right" if shown.kind == "number" else "left"
    return Text(shown.text, style=style, justify=justify)


def pending_cell(pending: object) -> Text:
    """A cell whose new value waits to be saved: the new text, marked."""
    if pending is DEFAULT:
        return Text("DEFAULT", PENDING_STYLE)
    if pending is None:
        return Text("NULL", PENDING_STYLE)
    # One line, the empty string as '' (as value_cell): a blank cell would say nothing.
    return Text(display_value(pending, None, width=CELL_WIDTH).text, PENDING_STYLE)


def header_cells(table: TableInfo, sort: SortKey | None, foreign_columns: Collection[str]) -> list[Text]:
    """Column headers: a key mark (⚷), a link mark (→) on foreign keys, the sort arrow."""
    headers = []
    for column in table.columns:
        label = Text(column.name, "bold")
        if column.name in table.key:
            label = Text.assemble(("⚷", "yellow"), label)
        if column.name in foreign_columns:
            label.append("→", "cyan")
        if sort is not None and sort.column == column.name:
            label.append(" ▼" if sort.descending else " ▲", "bold")
        headers.append(label)
    return headers


def page_rows(
    table: TableInfo,
    page: Page,
    changes: ChangeSet | None,
    *,
    masked: Collection[str],
    revealed: Collection[tuple[tuple[Any, ...], str]],
) -> list[GridRow]:
    """The page's rows, with pending edits, deletions and inserts drawn as they will be."""
    rows = [
        GridRow(f"r{index}", row_cells(table, page, index, changes, masked=masked, revealed=revealed))
        for index in range(len(page.rows))
    ]
    if changes is not None:
        rows.extend(GridRow(f"n{number}", insert_cells(table, insert)) for number, insert in enumerate(changes.inserts))
    return rows


def row_cells(
    table: TableInfo,
    page: Page,
    index: int,
    changes: ChangeSet | None,
    *,
    masked: Collection[str],
    revealed: Collection[tuple[tuple[Any, ...], str]],
) -> tuple[Text, ...]:
    """One row of the page: each value, or its pending new value, masked where sensitive."""
    key = page.keys[index] if page.keys else ()
    state = changes.row_state(key) if changes is not None and key else None
    cells = []
    for column, value in zip(table.columns, page.rows[index], strict=True):
        pending = changes.cell_value(key, column.name) if changes is not None and key else NOTHING
        if pending is not NOTHING:
            cell = pending_cell(pending)
        else:
            hidden = column.name in masked and (key, column.name) not in revealed
            cell = value_cell(value, column, masked=hidden)
        if state == "deleted":
            cell.stylize(DELETED_STYLE)
        elif state == "soft-deleted":
            cell.stylize(SOFT_DELETED_STYLE)
        cells.append(cell)
    return tuple(cells)


def insert_cells(table: TableInfo, insert: RowInsert) -> tuple[Text, ...]:
    """A pending new row: the values given, DEFAULT for the rest, all in the insert colour."""
    cells = []
    for column in table.columns:
        value = insert.values.get(column.name, DEFAULT)
        if value is DEFAULT or value is None:
            text = "DEFAULT" if value is DEFAULT else "NULL"
        else:
            text = display_value(value, None, width=CELL_WIDTH).text
        cells.append(Text(text, INSERTED_STYLE + (" italic" if value is DEFAULT else "")))
    if cells:
        cells[0] = Text.assemble(("+ ", "bold green"), cells[0])
    return tuple(cells)


def row_as_mapping(page: Page, index: int) -> Mapping[str, Any]:
    """Row `index` of the page as column -> value."""
    return dict(zip(page.columns, page.rows[index], strict=True))


def key_label(table: TableInfo, key: Sequence[Any]) -> str:
    """`id=7` or `build_power_id=3, slot_index=2`: how a row is named to the user."""
    return ", ".join(f"{name}={value}" for name, value in zip(table.key, key, strict=True))

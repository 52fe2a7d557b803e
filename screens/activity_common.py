"""What every Activity tab shares: the pane each tab is, and how figures are written."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.coordinate import Coordinate
from textual.message import Message
from textual.widgets import DataTable

from data import stats
from screens.base import ConsolePane


class ActivityPane(ConsolePane):
    """One tab of the Activity screen; a pane reads nothing from the server itself.

    The screen hands every reading to every pane's `record`, and draws it (`show`) only in
    the pane in front: redrawing hidden tables (hundreds of index findings, say) on every
    refresh would cost more than the refresh. A pane brought to the front draws the last
    reading then.
    """

    _shown: stats.Reading | None = None

    class RefreshWanted(Message):
        """Something changed on the server (a backend was signalled): refresh now."""

    def record(self, reading: stats.Reading) -> None:
        """Keep what every reading adds, drawn or not (a graph's points); most panes keep nothing."""

    def show(self, reading: stats.Reading) -> None:
        """Draw a reading; the panes override it."""

    def present(self, reading: stats.Reading) -> None:
        """Draw `reading` unless it is the one drawn already."""
        if reading is not self._shown:
            self._shown = reading
            self.show(reading)


def rate_text(rate: float | None) -> str:
    return "-" if rate is None else f"{rate:.1f}/s"


def minute_text(moment: datetime | None) -> str:
    return "never" if moment is None else moment.strftime("%Y-%m-%d %H:%M")


def number_cell(text: str) -> Text:
    """A DataTable cell for a figure: right-aligned, so digits line up down the column."""
    return Text(text, justify="right")


def highlighted_key(table: DataTable[object]) -> str | None:
    """The row key under the table's cursor; None for an empty table."""
    if table.row_count == 0:
        return None
    row = min(table.cursor_row, table.row_count - 1)
    key = table.coordinate_to_cell_key(Coordinate(row, 0)).row_key
    return key.value

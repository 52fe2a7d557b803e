"""The Tables tab: the largest tables' scans, writes and maintenance; unused and duplicate indexes."""

from __future__ import annotations

from datetime import datetime

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Static

from data import stats
from data.formatting import size_text
from screens.activity_common import ActivityPane, minute_text, number_cell
from widgets.data_grid import DataGrid


def last_of(*moments: datetime | None) -> datetime | None:
    """The latest of a manual and an automatic run (a vacuum, an analyze); None if neither ran."""
    return max((moment for moment in moments if moment is not None), default=None)


class TablesPane(ActivityPane):
    """Table usage first; the index findings below it."""

    DEFAULT_CSS = """
    TablesPane DataTable { height: auto; max-height: 1fr; }
    TablesPane .activity-title { color: $text-muted; text-style: bold; margin-top: 1; }
    """

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield DataGrid(id="activity-tables", cursor_type="row")
            yield Static("Unused and duplicate indexes", classes="activity-title")
            yield DataGrid(id="activity-indexes", cursor_type="row")

    def on_mount(self) -> None:
        figures = ("size", "seq scans", "idx scans", "ins", "upd", "del", "live", "dead")
        self.query_one("#activity-tables", DataTable).add_columns(
            "table", *map(number_cell, figures), "last vacuum", "last analyze"
        )
        self.query_one("#activity-indexes", DataTable).add_columns(
            "kind", "table", "indexes", *map(number_cell, ("scans", "size"))
        )

    def show(self, reading: stats.Reading) -> None:
        shot = reading.snapshot
        tables = self.query_one("#activity-tables", DataTable)
        tables.clear()
        for usage in shot.tables:
            figures = (
                size_text(usage.total_bytes),
                f"{usage.seq_scan:,}",
                "-" if usage.idx_scan is None else f"{usage.idx_scan:,}",
                f"{usage.inserted:,}",
                f"{usage.updated:,}",
                f"{usage.deleted:,}",
                f"{usage.live_tuples:,}",
                f"{usage.dead_tuples:,}",
            )
            tables.add_row(
                f"{usage.schema}.{usage.name}",
                *map(number_cell, figures),
                minute_text(last_of(usage.last_vacuum, usage.last_autovacuum)),
                minute_text(last_of(usage.last_analyze, usage.last_autoanalyze)),
            )
        indexes = self.query_one("#activity-indexes", DataTable)
        indexes.clear()
        for finding in (*shot.unused_indexes, *shot.duplicate_indexes):
            indexes.add_row(
                finding.kind,
                f"{finding.schema}.{finding.table}",
                ", ".join(finding.indexes),
                number_cell(f"{finding.scans:,}"),
                number_cell(size_text(finding.bytes)),
            )
        if not shot.unused_indexes and not shot.duplicate_indexes:
            indexes.add_row("none", "", "no unused or duplicate indexes", "", "")

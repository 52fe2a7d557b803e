"""The Database tab: pg_stat_database's counters, and commit and rollback rates over time."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll

from data import stats
from data.formatting import size_text
from screens.activity_common import ActivityPane, rate_text
from widgets.cell_grid import Cell, CellGrid
from widgets.history_graph import HistoryGraph

LOW_HIT_RATIO = 0.9
"""Below this share of reads served from shared buffers, the ratio is a warning."""


def database_facts(shot: stats.Snapshot) -> tuple[tuple[Cell, Cell], ...]:
    db = shot.database
    ratio = db.cache_hit_ratio
    facts = (
        ("Database", Cell(db.name)),
        ("Backends", Cell(str(db.backends))),
        ("Commits", Cell(f"{rate_text(db.commits_per_second)} ({db.commits:,} total)")),
        ("Rollbacks", Cell(f"{rate_text(db.rollbacks_per_second)} ({db.rollbacks:,} total)")),
        ("Cache hit ratio", Cell("-" if ratio is None else f"{ratio:.2%}",
                                 "warning" if ratio is not None and ratio < LOW_HIT_RATIO else None)),
        ("Temp files", Cell(f"{db.temp_files:,} ({size_text(db.temp_bytes)})")),
        ("Deadlocks", Cell(str(db.deadlocks), "error" if db.deadlocks else None)),
        ("Conflicts", Cell(str(db.conflicts), "warning" if db.conflicts else None)),
        ("Server", Cell(f"PostgreSQL {shot.server_version}")),
    )
    return tuple((Cell(label, "muted"), value) for label, value in facts)


class DatabasePane(ActivityPane):
    """The current database's counters; the rates are graphed one point per refresh."""

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield CellGrid(2, id="activity-database")
            yield HistoryGraph("Commits per second", id="activity-commits-graph")
            yield HistoryGraph("Rollbacks per second", id="activity-rollbacks-graph")

    def record(self, reading: stats.Reading) -> None:
        # Every refresh is a point on the graphs, whichever tab is in front. The first
        # snapshot has no rate (nothing to compare it with): no point for it.
        rates = reading.snapshot.database
        for rate, graph in ((rates.commits_per_second, "#activity-commits-graph"),
                            (rates.rollbacks_per_second, "#activity-rollbacks-graph")):
            if rate is not None:
                self.query_one(graph, HistoryGraph).push(rate)

    def show(self, reading: stats.Reading) -> None:
        self.query_one("#activity-database", CellGrid).rows = database_facts(reading.snapshot)

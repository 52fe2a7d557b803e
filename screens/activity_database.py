"""The Database tab: pg_stat_database's counters, commit and rollback rates over time, and
replication: how far behind a standby is, or the standbys streaming from a primary."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll

from data import stats
from data.formatting import age_text, size_text
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
        (
            "Cache hit ratio",
            Cell(
                "-" if ratio is None else f"{ratio:.2%}",
                "warning" if ratio is not None and ratio < LOW_HIT_RATIO else None,
            ),
        ),
        ("Temp files", Cell(f"{db.temp_files:,} ({size_text(db.temp_bytes)})")),
        ("Deadlocks", Cell(str(db.deadlocks), "error" if db.deadlocks else None)),
        ("Conflicts", Cell(str(db.conflicts), "warning" if db.conflicts else None)),
        ("Server", Cell(f"PostgreSQL {shot.server_version}")),
    )
    return tuple((Cell(label, "muted"), value) for label, value in facts)


STANDBY_HEADERS = (
    Cell("Standby"),
    Cell("Client"),
    Cell("State"),
    Cell("Replay lag", numeric=True),
    Cell("Not replayed", numeric=True),
)


def replication_rows(replication: stats.Replication) -> tuple[tuple[Cell, ...], ...]:
    """The Replication panel: a standby's lag, or one row per standby of a primary (five
    columns either way); empty when the server neither is nor has a standby."""
    if replication.in_recovery:
        behind = "-" if replication.replay_behind is None else size_text(int(replication.replay_behind))
        return (
            (
                Cell("this server", "alert"),
                Cell("read replica (hot standby)", "alert"),
                Cell("replaying"),
                Cell(age_text(replication.replayed_ago), numeric=True),
                Cell(behind, numeric=True),
            ),
        )
    return tuple(
        (
            Cell(standby.name),
            Cell(standby.client),
            Cell(standby.state),
            Cell(age_text(standby.replay_lag), numeric=True),
            Cell("-" if standby.behind is None else size_text(int(standby.behind)), numeric=True),
        )
        for standby in replication.standbys
    )


class DatabasePane(ActivityPane):
    """The current database's counters; the rates are graphed one point per refresh."""

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield CellGrid(2, id="activity-database")
            yield CellGrid(5, STANDBY_HEADERS, id="activity-replication")
            yield HistoryGraph("Commits per second", id="activity-commits-graph")
            yield HistoryGraph("Rollbacks per second", id="activity-rollbacks-graph")

    def record(self, reading: stats.Reading) -> None:
        # Every refresh is a point on the graphs, whichever tab is in front. The first
        # snapshot has no rate (nothing to compare it with): no point for it.
        rates = reading.snapshot.database
        for rate, graph in (
            (rates.commits_per_second, "#activity-commits-graph"),
            (rates.rollbacks_per_second, "#activity-rollbacks-graph"),
        ):
            if rate is not None:
                self.query_one(graph, HistoryGraph).push(rate)

    def on_mount(self) -> None:
        replication = self.query_one("#activity-replication", CellGrid)
        replication.border_title = "Replication"
        replication.display = False

    def show(self, reading: stats.Reading) -> None:
        self.query_one("#activity-database", CellGrid).rows = database_facts(reading.snapshot)
        replication = self.query_one("#activity-replication", CellGrid)
        replication.rows = replication_rows(reading.snapshot.replication)
        replication.display = bool(replication.rows)

"""The Pool tab: the console's own connection pool now, and its checkouts over the last minutes."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll

from data import stats
from screens.activity_common import ActivityPane
from widgets.cell_grid import Cell, CellGrid
from widgets.history_graph import HistoryGraph


def pool_facts(pool: stats.PoolStats) -> tuple[tuple[Cell, Cell], ...]:
    waits = f"{pool.waits} ({pool.wait_seconds:.2f}s, longest {pool.longest_wait_seconds:.2f}s)"
    facts = (
        ("Size", Cell(f"{pool.size} (+{pool.max_overflow} overflow)")),
        ("Open", Cell(str(pool.open))),
        ("Checked out", Cell(str(pool.checked_out))),
        ("Idle", Cell(str(pool.idle))),
        ("Overflow", Cell(str(pool.overflow))),
        ("Waiting", Cell(str(pool.waiting), "warning" if pool.waiting else None)),
        ("Connections made", Cell(f"{pool.connections_created:,}")),
        ("Checkouts", Cell(f"{pool.checkouts:,}")),
        ("Waits", Cell(waits)),
    )
    return tuple((Cell(label, "muted"), value) for label, value in facts)


class PoolPane(ActivityPane):
    """Size, checked out, idle, overflow, waits: from the pool's own events."""

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield CellGrid(2, id="activity-pool")
            yield HistoryGraph("Checked out connections", id="activity-pool-graph")

    def show(self, reading: stats.Reading) -> None:
        self.query_one("#activity-pool", CellGrid).rows = pool_facts(reading.snapshot.pool)
        graph = self.query_one("#activity-pool-graph", HistoryGraph)
        graph.replace(float(sample.checked_out) for sample in reading.pool_history)

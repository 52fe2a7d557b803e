"""Activity: the console's pool, the server's backends and blocking chains, database rates,
top statements and table usage, refreshed on a timer by one worker per refresh."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.timer import Timer
from textual.widgets import (
    DataTable,
    Footer,
    Header,
    Sparkline,
    Static,
    TabbedContent,
    TabPane,
    Tree,
)
from textual.widgets.tree import TreeNode
from textual.worker import Worker, WorkerState, get_current_worker

from data import stats
from data.engine import Database
from screens.base import ConsoleScreen
from widgets.cell_grid import Cell, CellGrid
from widgets.dialogs import Confirmation, ConfirmDialog, TextPrompt, TextViewer

REFRESH_GROUP = "activity.refresh"
SIGNAL_GROUP = "activity.signal"
HISTORY = 60

BACKEND_COLUMNS = ("pid", "state", "wait", "duration", "application", "client", "query")


def seconds_text(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 60:
        return f"{seconds:.1f}s"
    if seconds < 3600:
        return f"{int(seconds // 60)}m{int(seconds % 60):02d}s"
    return f"{int(seconds // 3600)}h{int(seconds % 3600 // 60):02d}m"


def bytes_text(size: int) -> str:
    value = float(size)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1024:
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TB"


def rate_text(rate: float | None) -> str:
    return "-" if rate is None else f"{rate:.1f}/s"


def state_cell(backend: stats.Backend) -> Text:
    state = backend.state or "-"
    if state.startswith("idle in transaction"):
        return Text(f"{state} {seconds_text(backend.xact_seconds)}", style="bold black on yellow")
    if state == "active":
        return Text(state, style="green")
    return Text(state)


def wait_text(backend: stats.Backend) -> str:
    if not backend.wait_event_type:
        return ""
    return f"{backend.wait_event_type}:{backend.wait_event or ''}"


def node_label(node: stats.BlockingNode) -> str:
    backend = node.backend
    if backend is None:
        return f"{node.pid} (not in the snapshot)"
    return f"{node.pid} {backend.state or '-'} {seconds_text(backend.duration_seconds)} {backend.query_first_line[:60]}"


class ActivityScreen(ConsoleScreen):
    """What the server is doing now; space pauses the refresh, ctrl+r refreshes now."""

    DEFAULT_CSS = """
    ActivityScreen TabbedContent { height: 1fr; }
    ActivityScreen #activity-backends { height: 1fr; }
    ActivityScreen #activity-blocking { height: 7; border-top: solid $primary-muted; }
    ActivityScreen Sparkline { height: 3; margin: 0 0 1 0; }
    ActivityScreen #activity-status { height: 1; color: $text-muted; }
    ActivityScreen .activity-title { color: $text-muted; text-style: bold; }
    ActivityScreen DataTable { height: auto; max-height: 1fr; }
    ActivityScreen #activity-tables { height: 1fr; }
    """

    BINDINGS = [
        Binding("space", "toggle_pause", "Pause", id="activity.pause",
                tooltip="Pause or resume the automatic refresh"),
        Binding("ctrl+r", "refresh_now", "Refresh", id="activity.refresh",
                tooltip="Take a snapshot of the server's activity now"),
        Binding("slash", "filter", "Filter", id="activity.filter",
                tooltip="Show only the backends whose query, application, user or client contains a text"),
        Binding("o", "cycle_sort", "Sort", id="activity.sort",
                tooltip="Sort the backends by the next key: duration, pid, state, application, wait"),
        Binding("k", "cancel_backend", "Cancel query", id="activity.cancel",
                tooltip="Cancel the highlighted backend's query (admin only, asks for a reason, audited)"),
        Binding("K", "terminate_backend", "Terminate", id="activity.terminate",
                tooltip="Terminate the highlighted backend (admin only, asks for a reason, audited)"),
    ]

    @dataclass
    class Refreshed(Message):
        """A worker took a snapshot and sampled the pool."""

        snapshot: stats.Snapshot
        pool: stats.PoolStats
        pool_history: tuple[stats.PoolStats, ...]

    @dataclass
    class Signalled(Message):
        """A cancel or terminate finished."""

        verb: str
        pid: int
        sent: bool

    def __init__(self, interval: float = 2.0, *, name: str | None = None, id: str | None = None) -> None:
        super().__init__(name=name, id=id)
        self.interval = interval
        self.paused = False
        self.filter_text = ""
        self.sort_by = stats.SORT_KEYS[0]
        self.snapshot: stats.Snapshot | None = None
        self.monitor: stats.PoolMonitor | None = None
        self.commit_history: deque[float] = deque(maxlen=HISTORY)
        self.rollback_history: deque[float] = deque(maxlen=HISTORY)
        self.failure: str | None = None
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with TabbedContent(id="activity-tabs"):
            with TabPane("Activity", id="tab-activity"):
                with Vertical():
                    yield DataTable(id="activity-backends", cursor_type="row", zebra_stripes=True)
                    yield Tree("Blocking chains", id="activity-blocking")
            with TabPane("Pool", id="tab-pool"):
                with VerticalScroll():
                    yield CellGrid(2, id="activity-pool")
                    yield Static("Checked out connections", classes="activity-title")
                    yield Sparkline([], id="activity-pool-spark")
            with TabPane("Database", id="tab-database"):
                with VerticalScroll():
                    yield CellGrid(2, id="activity-database")
                    yield Static("Commits per second", classes="activity-title")
                    yield Sparkline([], id="activity-commits-spark")
                    yield Static("Rollbacks per second", classes="activity-title")
                    yield Sparkline([], id="activity-rollbacks-spark")
            with TabPane("Statements", id="tab-statements"):
                with VerticalScroll():
                    yield Static(id="activity-statements-missing", markup=False)
                    yield DataTable(id="activity-statements", cursor_type="row")
            with TabPane("Tables", id="tab-tables"):
                with VerticalScroll():
                    yield DataTable(id="activity-tables", cursor_type="row")
                    yield Static("Unused and duplicate indexes", classes="activity-title")
                    yield DataTable(id="activity-indexes", cursor_type="row")
        yield Static(id="activity-status", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#activity-backends", DataTable).add_columns(*BACKEND_COLUMNS)
        self.query_one("#activity-statements", DataTable).add_columns(
            "calls", "total ms", "mean ms", "rows", "hit %", "query")
        self.query_one("#activity-tables", DataTable).add_columns(
            "table", "size", "seq scans", "idx scans", "ins", "upd", "del", "live", "dead", "last vacuum")
        self.query_one("#activity-indexes", DataTable).add_columns("kind", "table", "indexes", "scans", "size")
        self.query_one("#activity-blocking", Tree).show_root = False
        self.monitor = stats.monitor_pool(self.console_app.database)
        self._timer = self.set_interval(self.interval, self.tick)
        self.show_status()
        self.action_refresh_now()

    # -- refresh -----------------------------------------------------------------------

    def tick(self) -> None:
        if not self.paused:
            self.action_refresh_now()

    def action_refresh_now(self) -> None:
        """One worker: a snapshot (with the previous one, for rates) and a pool sample."""
        monitor = self.monitor or stats.monitor_pool(self.console_app.database)
        self.take_snapshot(self.console_app.database, monitor, self.snapshot)

    @work(thread=True, exclusive=True, group=REFRESH_GROUP, exit_on_error=False, name="Activity snapshot")
    def take_snapshot(self, database: Database, monitor: stats.PoolMonitor, previous: stats.Snapshot | None) -> None:
        shot = stats.snapshot(database, previous=previous)
        pool = monitor.sample()
        history = monitor.history()
        if not get_current_worker().is_cancelled:
            self.post_message(self.Refreshed(shot, pool, history))

    @on(Refreshed)
    def show_refresh(self, event: Refreshed) -> None:
        self.failure = None
        self.snapshot = event.snapshot
        rates = event.snapshot.database
        if rates.commits_per_second is not None:
            self.commit_history.append(rates.commits_per_second)
        if rates.rollbacks_per_second is not None:
            self.rollback_history.append(rates.rollbacks_per_second)
        self.show_pool(event.pool, event.pool_history)
        self.show_backends()
        self.show_database(event.snapshot)
        self.show_statements(event.snapshot)
        self.show_tables(event.snapshot)
        self.show_status()

    @on(Worker.StateChanged)
    def worker_failed(self, event: Worker.StateChanged) -> None:
        # The App notifies the failure; the status line says what is stale.
        if event.worker.group == REFRESH_GROUP and event.state is WorkerState.ERROR:
            self.failure = "The last refresh failed; what is shown is from the one before."
            self.show_status()
        elif event.worker.group == SIGNAL_GROUP and event.state is WorkerState.ERROR:
            self.action_refresh_now()

    def show_status(self) -> None:
        parts = ["paused (space resumes)" if self.paused else f"refresh every {self.interval:g}s"]
        if self.snapshot is not None:
            shot = self.snapshot
            parts.append(f"{len(shot.backends)} backends")
            parts.append(f"snapshot {shot.server_ms:.0f} ms")
        parts.append(f"sort {self.sort_by}")
        if self.filter_text:
            parts.append(f"filter {self.filter_text!r}")
        if self.failure:
            parts.append(self.failure)
        self.query_one("#activity-status", Static).update(" · ".join(parts))

    def show_pool(self, pool: stats.PoolStats, history: tuple[stats.PoolStats, ...]) -> None:
        facts = [
            ("Size", f"{pool.size} (+{pool.max_overflow} overflow)"),
            ("Open", str(pool.open)),
            ("Checked out", str(pool.checked_out)),
            ("Idle", str(pool.idle)),
            ("Overflow", str(pool.overflow)),
            ("Waiting", str(pool.waiting)),
            ("Connections made", str(pool.connections_created)),
            ("Checkouts", str(pool.checkouts)),
            ("Waits", f"{pool.waits} ({pool.wait_seconds:.2f}s, longest {pool.longest_wait_seconds:.2f}s)"),
        ]
        self.query_one("#activity-pool", CellGrid).rows = tuple(
            (Cell(label, "muted"), Cell(value, "warning" if label == "Waiting" and pool.waiting else None))
            for label, value in facts
        )
        self.query_one("#activity-pool-spark", Sparkline).data = [float(s.checked_out) for s in history] or [0.0]

    def visible_backends(self) -> tuple[stats.Backend, ...]:
        if self.snapshot is None:
            return ()
        kept = stats.filter_backends(self.snapshot.backends, text=self.filter_text)
        return stats.sort_backends(kept, self.sort_by)

    def show_backends(self) -> None:
        table = self.query_one("#activity-backends", DataTable)
        current = self.highlighted_pid()
        table.clear()
        for backend in self.visible_backends():
            table.add_row(
                str(backend.pid),
                state_cell(backend),
                wait_text(backend),
                seconds_text(backend.duration_seconds),
                backend.application_name or "",
                backend.client_addr or "",
                backend.query_first_line[:120],
                key=str(backend.pid),
            )
        if current is not None and str(current) in table.rows:
            table.move_cursor(row=table.get_row_index(str(current)), animate=False)
        self.show_blocking()

    def show_blocking(self) -> None:
        tree = self.query_one("#activity-blocking", Tree)
        tree.clear()
        chains = self.snapshot.blocking if self.snapshot is not None else ()
        if not chains:
            tree.root.add_leaf("no backend is blocked")
        else:
            def add(parent: TreeNode[int], node: stats.BlockingNode) -> None:
                branch = parent.add(node_label(node), data=node.pid, expand=True)
                for child in node.blocked:
                    add(branch, child)
                if not node.blocked:
                    branch.allow_expand = False

            for chain in chains:
                add(tree.root, chain)
        tree.root.expand()

    def show_database(self, shot: stats.Snapshot) -> None:
        db = shot.database
        ratio = db.cache_hit_ratio
        facts = [
            ("Database", Cell(db.name)),
            ("Backends", Cell(str(db.backends))),
            ("Commits", Cell(f"{rate_text(db.commits_per_second)} ({db.commits:,} total)")),
            ("Rollbacks", Cell(f"{rate_text(db.rollbacks_per_second)} ({db.rollbacks:,} total)")),
            ("Cache hit ratio", Cell("-" if ratio is None else f"{ratio:.2%}",
                                     "warning" if ratio is not None and ratio < 0.9 else None)),
            ("Temp files", Cell(f"{db.temp_files:,} ({bytes_text(db.temp_bytes)})")),
            ("Deadlocks", Cell(str(db.deadlocks), "error" if db.deadlocks else None)),
            ("Conflicts", Cell(str(db.conflicts), "warning" if db.conflicts else None)),
            ("Server", Cell(f"PostgreSQL {shot.server_version}")),
        ]
        self.query_one("#activity-database", CellGrid).rows = tuple((Cell(k, "muted"), v) for k, v in facts)
        self.query_one("#activity-commits-spark", Sparkline).data = list(self.commit_history) or [0.0]
        self.query_one("#activity-rollbacks-spark", Sparkline).data = list(self.rollback_history) or [0.0]

    def show_statements(self, shot: stats.Snapshot) -> None:
        missing = self.query_one("#activity-statements-missing", Static)
        table = self.query_one("#activity-statements", DataTable)
        missing.update(shot.statements_missing or "")
        missing.display = shot.statements_missing is not None
        table.display = shot.statements is not None
        table.clear()
        for statement in shot.statements or ():
            blocks = statement.shared_blks_hit + statement.shared_blks_read
            hit = f"{statement.shared_blks_hit / blocks:.0%}" if blocks else "-"
            first = next((line.strip() for line in statement.query.splitlines() if line.strip()), "")
            table.add_row(f"{statement.calls:,}", f"{statement.total_ms:,.1f}", f"{statement.mean_ms:,.2f}",
                          f"{statement.rows:,}", hit, first[:120])

    def show_tables(self, shot: stats.Snapshot) -> None:
        table = self.query_one("#activity-tables", DataTable)
        table.clear()
        for usage in shot.tables:
            vacuum = max((d for d in (usage.last_vacuum, usage.last_autovacuum) if d is not None), default=None)
            table.add_row(f"{usage.schema}.{usage.name}", bytes_text(usage.total_bytes), f"{usage.seq_scan:,}",
                          "-" if usage.idx_scan is None else f"{usage.idx_scan:,}", f"{usage.inserted:,}",
                          f"{usage.updated:,}", f"{usage.deleted:,}", f"{usage.live_tuples:,}",
                          f"{usage.dead_tuples:,}", "never" if vacuum is None else vacuum.strftime("%Y-%m-%d %H:%M"))
        indexes = self.query_one("#activity-indexes", DataTable)
        indexes.clear()
        for finding in (*shot.unused_indexes, *shot.duplicate_indexes):
            indexes.add_row(finding.kind, f"{finding.schema}.{finding.table}", ", ".join(finding.indexes),
                            f"{finding.scans:,}", bytes_text(finding.bytes))
        if not shot.unused_indexes and not shot.duplicate_indexes:
            indexes.add_row("none", "", "no unused or duplicate indexes", "", "")

    # -- keys --------------------------------------------------------------------------

    def action_toggle_pause(self) -> None:
        self.paused = not self.paused
        self.show_status()

    def action_cycle_sort(self) -> None:
        keys = stats.SORT_KEYS
        self.sort_by = keys[(keys.index(self.sort_by) + 1) % len(keys)]
        self.show_backends()
        self.show_status()

    def action_filter(self) -> None:
        def apply(text: str | None) -> None:
            if text is None:
                return
            self.filter_text = text.strip()
            self.show_backends()
            self.show_status()

        self.app.push_screen(
            TextPrompt("Filter backends", "Show backends whose query, application, user or client contains:",
                       self.filter_text, placeholder="empty shows all"),
            apply,
        )

    def highlighted_pid(self) -> int | None:
        table = self.query_one("#activity-backends", DataTable)
        if table.row_count == 0:
            return None
        try:
            key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        except Exception:  # noqa: BLE001 - no valid cursor
            return None
        return int(key.value) if key.value is not None else None

    def highlighted_backend(self) -> stats.Backend | None:
        pid = self.highlighted_pid()
        if pid is None or self.snapshot is None:
            return None
        return next((b for b in self.snapshot.backends if b.pid == pid), None)

    @on(DataTable.RowSelected, "#activity-backends")
    def show_query(self, event: DataTable.RowSelected) -> None:
        if self.snapshot is None or event.row_key.value is None:
            return
        pid = int(event.row_key.value)
        backend = next((b for b in self.snapshot.backends if b.pid == pid), None)
        if backend is not None:
            self.app.push_screen(TextViewer(f"Backend {pid} · {backend.state or '-'}", backend.query, language="sql"))

    def action_cancel_backend(self) -> None:
        self.ask_signal("cancel")

    def action_terminate_backend(self) -> None:
        self.ask_signal("terminate")

    def ask_signal(self, verb: str) -> None:
        settings = self.console_app.database.settings
        if not settings.role.can_cancel_backends:
            self.notify(f"Only an admin can {verb} backends (you are {settings.role.value}).",
                        title=f"Cannot {verb}", severity="warning")
            return
        backend = self.highlighted_backend()
        if backend is None:
            self.notify("Highlight a backend first.", severity="warning")
            return
        pid = backend.pid
        what = "cancel the query of" if verb == "cancel" else "terminate"
        message = (f"{what.capitalize()} backend {pid} ({backend.application_name or 'no application'}, "
                   f"{backend.state or '-'})?\n\n{backend.query_first_line[:200]}")

        def confirmed(answer: Confirmation | None) -> None:
            if answer is not None:
                self.send_signal(self.console_app.database, verb, pid, answer.reason)

        self.app.push_screen(
            ConfirmDialog(f"{verb.capitalize()} backend {pid}", message,
                          confirm_label=verb.capitalize(), ask_reason=True),
            confirmed,
        )

    @work(thread=True, group=SIGNAL_GROUP, exit_on_error=False, name="Signal a backend")
    def send_signal(self, database: Database, verb: str, pid: int, reason: str | None) -> None:
        action = stats.cancel_backend if verb == "cancel" else stats.terminate_backend
        sent = action(database, pid, reason)
        self.post_message(self.Signalled(verb, pid, sent))

    @on(Signalled)
    def signalled(self, event: Signalled) -> None:
        if event.sent:
            done = "cancelled the query of" if event.verb == "cancel" else "terminated"
            self.notify(f"Sent: {done} backend {event.pid}.", title=event.verb.capitalize())
        else:
            self.notify(f"Backend {event.pid} is gone or could not be signalled; nothing was done.",
                        title=event.verb.capitalize(), severity="warning")
        self.action_refresh_now()

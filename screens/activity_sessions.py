"""The Sessions tab: the server's backends (filtered by text and state, sorted by a column),
the blocking chains as a tree, and an admin's cancel and terminate."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable, Static, Tree
from textual.widgets.tree import TreeNode
from textual.worker import Worker, WorkerState

from data import stats
from data.engine import Database
from data.formatting import age_text
from screens.activity_common import ActivityPane, highlighted_key
from widgets.data_grid import DataGrid, clip
from widgets.dialogs import Confirmation, ConfirmDialog, TextPrompt, TextViewer

SIGNAL_GROUP = "activity.signal"

# The query right after how long it has run: at 80 columns it must not be scrolled out of sight.
COLUMNS = ("pid", "state", "duration", "query", "wait", "application", "client")
QUERY_WIDTH = 48
"""The first characters of the query shown in the table; Enter shows the whole of it."""
"""The backends table's columns; those in stats.SORT_KEYS sort the rows when clicked."""


def state_cell(backend: stats.Backend) -> Text:
    if backend.state is None:  # a background process: what kind says more than no state
        return Text(backend.backend_type or "-", style="dim")
    state = backend.state
    if state.startswith("idle in transaction"):
        return Text(f"{state} {age_text(backend.xact_seconds)}", style="bold black on yellow")
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
    return (
        f"{node.pid} {backend.state or '-'} {age_text(backend.duration_seconds)} {clip(backend.query_first_line, 60)}"
    )


def next_of(options: tuple[str, ...], current: str) -> str:
    return options[(options.index(current) + 1) % len(options)]


class SessionsPane(ActivityPane):
    """pg_stat_activity: one row per backend, and who blocks whom."""

    DEFAULT_CSS = """
    SessionsPane #activity-backends { height: 1fr; }
    SessionsPane #activity-blocking { height: 7; border-top: solid $primary-muted; }
    SessionsPane #activity-sessions-status { height: 1; color: $text-muted; }
    """

    BINDINGS = [
        Binding(
            "slash",
            "filter",
            "Filter",
            id="activity.filter",
            tooltip="Show only the backends whose query, application, user or client contains a text",
        ),
        Binding(
            "s",
            "cycle_state",
            "State",
            id="activity.state",
            tooltip="Show only the backends in the next state: all, active, idle in transaction, idle",
        ),
        Binding(
            "o",
            "cycle_sort",
            "Sort",
            id="activity.sort",
            tooltip="Sort the backends by the next key: duration, pid, state, application, wait",
        ),
        Binding(
            "k",
            "cancel_backend",
            "Cancel query",
            id="activity.cancel",
            tooltip="Cancel the highlighted backend's query (admin only, asks for a reason, audited)",
        ),
        Binding(
            "K",
            "terminate_backend",
            "Terminate",
            id="activity.terminate",
            tooltip="Terminate the highlighted backend (admin only, asks for a reason, audited)",
        ),
    ]

    @dataclass
    class Signalled(Message):
        """A cancel or terminate finished."""

        verb: str
        pid: int
        sent: bool

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.backends: tuple[stats.Backend, ...] = ()
        """Every backend of the last reading."""
        self.blocking: tuple[stats.BlockingNode, ...] = ()
        self.filter_text = ""
        self.state_filter = next(iter(stats.STATE_FILTERS))
        self.sort_by = stats.SORT_KEYS[0]

    def compose(self) -> ComposeResult:
        yield DataGrid(id="activity-backends", cursor_type="row", zebra_stripes=True)
        yield Static(id="activity-sessions-status", markup=False)
        yield Tree("Blocking chains", id="activity-blocking")

    def on_mount(self) -> None:
        self.query_one("#activity-blocking", Tree).show_root = False
        self.show_backends()

    def show(self, reading: stats.Reading) -> None:
        self.backends = reading.snapshot.backends
        self.blocking = reading.snapshot.blocking
        self.show_backends()

    # -- the table and the tree --------------------------------------------------------

    def visible_backends(self) -> tuple[stats.Backend, ...]:
        kept = stats.filter_backends(
            self.backends, states=stats.STATE_FILTERS[self.state_filter], text=self.filter_text
        )
        return stats.sort_backends(kept, self.sort_by)

    def show_backends(self) -> None:
        table = self.query_one("#activity-backends", DataTable)
        current = highlighted_key(table)
        table.clear(columns=True)
        for column in COLUMNS:
            # The sorted column says so in its header; every sort but duration is ascending.
            arrow = (" ▼" if column == "duration" else " ▲") if column == self.sort_by else ""
            table.add_column(f"{column}{arrow}", key=column)
        shown = self.visible_backends()
        for backend in shown:
            table.add_row(
                str(backend.pid),
                state_cell(backend),
                age_text(backend.duration_seconds),
                clip(backend.query_first_line, QUERY_WIDTH),
                wait_text(backend),
                backend.application_name or "",
                backend.client_addr or "",
                key=str(backend.pid),
            )
        if current is not None and current in table.rows:
            table.move_cursor(row=table.get_row_index(current), animate=False)
        parts = [f"{len(shown)} of {len(self.backends)} backends", f"state {self.state_filter}", f"sort {self.sort_by}"]
        if self.filter_text:
            parts.append(f"filter {self.filter_text!r}")
        self.query_one("#activity-sessions-status", Static).update(" · ".join(parts))
        self.show_blocking()

    def show_blocking(self) -> None:
        tree = self.query_one("#activity-blocking", Tree)
        tree.clear()
        if not self.blocking:
            tree.root.add_leaf("no backend is blocked")

        def add(parent: TreeNode[int], node: stats.BlockingNode) -> None:
            branch = parent.add(node_label(node), data=node.pid, expand=True)
            for child in node.blocked:
                add(branch, child)
            if not node.blocked:
                branch.allow_expand = False

        for chain in self.blocking:
            add(tree.root, chain)
        tree.root.expand()

    # -- filter and sort ---------------------------------------------------------------

    def action_cycle_sort(self) -> None:
        self.sort_by = next_of(stats.SORT_KEYS, self.sort_by)
        self.show_backends()

    @on(DataTable.HeaderSelected, "#activity-backends")
    def sort_by_column(self, event: DataTable.HeaderSelected) -> None:
        column = str(event.column_key.value)
        if column not in stats.SORT_KEYS:
            self.notify(f"Sort by {', '.join(stats.SORT_KEYS)}; not by {column}.", severity="warning")
            return
        self.sort_by = column
        self.show_backends()

    def action_cycle_state(self) -> None:
        self.state_filter = next_of(tuple(stats.STATE_FILTERS), self.state_filter)
        self.show_backends()

    def action_filter(self) -> None:
        def apply(text: str | None) -> None:
            if text is None:
                return
            self.filter_text = text.strip()
            self.show_backends()

        self.app.push_screen(
            TextPrompt(
                "Filter backends",
                "Show backends whose query, application, user or client contains:",
                self.filter_text,
                placeholder="empty shows all",
            ),
            apply,
        )

    # -- the highlighted backend -------------------------------------------------------

    def backend(self, pid: int) -> stats.Backend | None:
        return next((b for b in self.backends if b.pid == pid), None)

    def highlighted_backend(self) -> stats.Backend | None:
        key = highlighted_key(self.query_one("#activity-backends", DataTable))
        return None if key is None else self.backend(int(key))

    @on(DataTable.RowSelected, "#activity-backends")
    def show_query(self, event: DataTable.RowSelected) -> None:
        backend = None if event.row_key.value is None else self.backend(int(event.row_key.value))
        if backend is not None:
            self.app.push_screen(
                TextViewer(f"Backend {backend.pid} · {backend.state or '-'}", backend.query, language="sql")
            )

    def action_cancel_backend(self) -> None:
        self.ask_signal("cancel")

    def action_terminate_backend(self) -> None:
        self.ask_signal("terminate")

    def ask_signal(self, verb: str) -> None:
        settings = self.console_app.database.settings
        if not settings.role.can_cancel_backends:
            self.notify(
                f"Only an admin can {verb} backends (you are {settings.role.value}).",
                title=f"Cannot {verb}",
                severity="warning",
            )
            return
        backend = self.highlighted_backend()
        if backend is None:
            self.notify("Highlight a backend first.", severity="warning")
            return
        pid = backend.pid
        what = "cancel the query of" if verb == "cancel" else "terminate"
        message = (
            f"{what.capitalize()} backend {pid} ({backend.application_name or 'no application'}, "
            f"{backend.state or '-'})?\n\n{backend.query_first_line[:200]}"
        )

        def confirmed(answer: Confirmation | None) -> None:
            if answer is not None:
                self.send_signal(self.console_app.database, verb, pid, answer.reason)

        self.app.push_screen(
            ConfirmDialog(
                f"{verb.capitalize()} backend {pid}", message, confirm_label=verb.capitalize(), ask_reason=True
            ),
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
            self.notify(
                f"Backend {event.pid} is gone or could not be signalled; nothing was done.",
                title=event.verb.capitalize(),
                severity="warning",
            )
        self.post_message(self.RefreshWanted())

    @on(Worker.StateChanged)
    def signal_failed(self, event: Worker.StateChanged) -> None:
        # The App reports the failure; what the server shows now may still have changed.
        if event.worker.group == SIGNAL_GROUP and event.state is WorkerState.ERROR:
            self.post_message(self.RefreshWanted())

"""Activity: the console's pool, the server's sessions and blocking chains, database rates,
top statements and table usage, refreshed on a timer by one worker per refresh.

Each tab is a pane of its own (screens/activity_*.py). The screen alone takes readings,
from a source: live from the server by default, or any `stats.ActivitySource` (a frozen,
hand-made one makes the screen draw the same thing every time).
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Static, TabbedContent, TabPane
from textual.worker import Worker, WorkerState, get_current_worker

from data import stats
from screens.activity_common import ActivityPane
from screens.activity_database import DatabasePane
from screens.activity_pool import PoolPane
from screens.activity_sessions import SessionsPane
from screens.activity_statements import StatementsPane
from screens.activity_tables import TablesPane
from screens.base import TabbedScreen
from widgets.dialogs import TextPrompt
from widgets.key_bar import KeyBar
from widgets.title_bar import TitleBar

REFRESH_GROUP = "activity.refresh"
INTERVALS = (0.5, 3600.0)
"""The shortest and longest refresh interval, in seconds."""


def parse_interval(text: str) -> str:
    """TextPrompt validation: a number of seconds within INTERVALS."""
    try:
        seconds = float(text.strip().removesuffix("s"))
    except ValueError:
        raise ValueError(f"Give the seconds between refreshes as a number, not {text.strip()!r}.") from None
    low, high = INTERVALS
    if not low <= seconds <= high:
        raise ValueError(f"Refresh every {low:g} to {high:g} seconds, not {seconds:g}.")
    return f"{seconds:g}"


class ActivityScreen(TabbedScreen):
    """What the server is doing now; space pauses the refresh, ctrl+r refreshes now."""

    DEFAULT_CSS = """
    ActivityScreen TabbedContent { height: 1fr; }
    ActivityScreen #activity-status { height: 1; color: $text-muted; }
    """

    BINDINGS = [
        # One key, two footer labels: check_action shows the one that applies.
        Binding("space", "pause", "Pause", id="activity.pause", tooltip="Pause the automatic refresh"),
        Binding("space", "resume", "Resume", id="activity.resume", tooltip="Resume the automatic refresh"),
        Binding(
            "ctrl+r",
            "refresh_now",
            "Refresh",
            id="activity.refresh",
            tooltip="Take a snapshot of the server's activity now",
        ),
        Binding(
            "i",
            "ask_interval",
            "Interval",
            id="activity.interval",
            tooltip="Set the seconds between automatic refreshes",
        ),
    ]

    @dataclass
    class Refreshed(Message):
        """A worker took a reading."""

        reading: stats.Reading

    def __init__(
        self,
        interval: float = 2.0,
        *,
        source: stats.ActivitySource | None = None,
        name: str | None = None,
        id: str | None = None,
    ) -> None:
        """Args:
        interval: seconds between automatic refreshes.
        source: where readings come from; None reads the app's database live.
        """
        super().__init__(name=name, id=id)
        self.interval = interval
        self.source = source
        self.paused = False
        self.reading: stats.Reading | None = None
        """The last reading."""
        self.snapshot: stats.Snapshot | None = None
        """The last reading's snapshot: the next one's rates are counted from it."""
        self.failure: str | None = None
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield TitleBar()
        with TabbedContent(id="activity-tabs"):
            with TabPane("Sessions", id="tab-sessions"):
                yield SessionsPane(id="activity-sessions")
            with TabPane("Pool", id="tab-pool"):
                yield PoolPane(id="activity-pool-pane")
            with TabPane("Database", id="tab-database"):
                yield DatabasePane(id="activity-database-pane")
            with TabPane("Statements", id="tab-statements"):
                yield StatementsPane(id="activity-statements-pane")
            with TabPane("Tables", id="tab-tables"):
                yield TablesPane(id="activity-tables-pane")
        yield Static(id="activity-status", markup=False)
        yield KeyBar()

    def on_mount(self) -> None:
        if self.source is None:
            self.source = stats.LiveActivity(self.console_app.database)
        self._timer = self.set_interval(self.interval, self.tick)
        self.show_status()
        self.action_refresh_now()

    @on(TabbedContent.TabActivated)
    def tab_in_front(self, event: TabbedContent.TabActivated) -> None:
        self.show_front_pane()
        # The tab's keys (the sessions' filter and cancel, say) follow the focus into it.
        inside = [widget for widget in self.focus_chain if event.pane in widget.ancestors]
        if inside:
            inside[0].focus()

    # -- refresh -----------------------------------------------------------------------

    def tick(self) -> None:
        # A reading slower than the interval (a busy server) is left to finish: the next one
        # would cancel it (the workers are exclusive), and on a server that slow no reading
        # would ever be shown.
        if not self.paused and not self._reading_underway():
            self.action_refresh_now()

    def _reading_underway(self) -> bool:
        return any(
            worker.group == REFRESH_GROUP and worker.state in (WorkerState.PENDING, WorkerState.RUNNING)
            for worker in self.workers
        )

    def action_refresh_now(self) -> None:
        """One worker takes a reading (with the previous snapshot, for rates)."""
        if self.source is not None:
            self.take_reading(self.source, self.snapshot)

    @on(ActivityPane.RefreshWanted)
    def pane_wants_refresh(self, event: ActivityPane.RefreshWanted) -> None:
        event.stop()
        self.action_refresh_now()

    @work(thread=True, exclusive=True, group=REFRESH_GROUP, exit_on_error=False, name="Activity snapshot")
    def take_reading(self, source: stats.ActivitySource, previous: stats.Snapshot | None) -> None:
        reading = source.read(previous)
        if not get_current_worker().is_cancelled:
            self.post_message(self.Refreshed(reading))

    @on(Refreshed)
    def show_reading(self, event: Refreshed) -> None:
        self.failure = None
        self.reading = event.reading
        self.snapshot = event.reading.snapshot
        for pane in self.query(ActivityPane):
            pane.record(event.reading)
        self.show_front_pane()
        self.show_status()

    def show_front_pane(self) -> None:
        """Draw the last reading in the tab in front (the others draw it when they come forward)."""
        front = self.query_one(TabbedContent).active_pane
        if front is not None and self.reading is not None:
            front.query_one(ActivityPane).present(self.reading)

    @on(Worker.StateChanged)
    def refresh_failed(self, event: Worker.StateChanged) -> None:
        # The App notifies the failure; the status line says what is stale.
        if event.worker.group == REFRESH_GROUP and event.state is WorkerState.ERROR:
            self.failure = "The last refresh failed; what is shown is from the one before."
            self.show_status()

    def show_status(self) -> None:
        parts = ["paused (space resumes)" if self.paused else f"refresh every {self.interval:g}s"]
        if self.snapshot is None:
            parts.append("waiting for the first snapshot")
        else:
            parts.append(f"{len(self.snapshot.backends)} backends")
            parts.append(f"snapshot {self.snapshot.server_ms:.0f} ms in {self.snapshot.queries} queries")
        if self.failure:
            parts.append(self.failure)
        self.query_one("#activity-status", Static).update(" · ".join(parts))

    # -- keys --------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "pause":
            return not self.paused
        if action == "resume":
            return self.paused
        return True

    def action_pause(self) -> None:
        self.paused = True
        self.show_status()
        self.refresh_bindings()

    def action_resume(self) -> None:
        self.paused = False
        self.show_status()
        self.refresh_bindings()

    def action_ask_interval(self) -> None:
        def apply(text: str | None) -> None:
            if text is not None:
                self.set_refresh_interval(float(text))

        low, high = INTERVALS
        self.app.push_screen(
            TextPrompt(
                "Refresh interval",
                f"Seconds between refreshes ({low:g} to {high:g}):",
                f"{self.interval:g}",
                validate=parse_interval,
            ),
            apply,
        )

    def set_refresh_interval(self, seconds: float) -> None:
        self.interval = seconds
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_interval(seconds, self.tick)
        self.show_status()

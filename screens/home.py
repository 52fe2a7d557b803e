"""Home: which server and database this is, who we are on it, and the state of our schemas."""

from __future__ import annotations

from dataclasses import dataclass

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.reactive import Reactive, reactive
from textual.widgets import Static
from textual.worker import Worker, WorkerState, get_current_worker

from data import pooler
from data.engine import Database
from data.formatting import age_text
from data.overview import SchemaSummary, ServerOverview, server_address, server_overview
from screens.base import ConsoleScreen
from widgets.cell_grid import Cell, CellGrid, Tone
from widgets.key_bar import KeyBar
from widgets.title_bar import TitleBar

OVERVIEW_GROUP = "home.overview"

MIGRATION_TONES: dict[str, Tone] = {
    "at head": "success",
    "behind": "warning",
    "missing": "error",
    "unknown": "error",
}

SCHEMA_HEADERS = (
    Cell("Schema"),
    Cell("Tables", numeric=True),
    Cell("Est. rows", numeric=True),
    Cell("Migrations"),
)


class HomeScreen(ConsoleScreen):
    """The connection and our schemas at a glance; ctrl+r loads them again, as on every screen."""

    BINDINGS = [
        Binding(
            "ctrl+r",
            "refresh_overview",
            "Refresh",
            id="home.refresh",
            tooltip="Ask the server again: version, access, tables, migration state",
        ),
    ]

    overview: Reactive[ServerOverview | None] = reactive(None)
    """The last overview loaded; None until the first load finishes."""

    failure: Reactive[str | None] = reactive(None)
    """Why the last load failed, or None when it succeeded (or is still running)."""

    @dataclass
    class OverviewLoaded(Message):
        """A worker finished reading the server overview."""

        overview: ServerOverview

    def compose(self) -> ComposeResult:
        yield TitleBar()
        with VerticalScroll(id="home"):
            yield CellGrid(2, id="home-connection")
            yield CellGrid(4, SCHEMA_HEADERS, id="home-schemas")
            yield Static(id="home-status", markup=False)
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#home-connection").border_title = "Connection"
        self.query_one("#home-schemas").border_title = "Schemas"
        app = self.console_app
        first, app.first_overview = app.first_overview, None
        if first is not None:
            self.overview = first  # read with the connection's check: painted at once
        else:
            self.action_refresh_overview()

    def action_refresh_overview(self) -> None:
        """Load the overview again in a worker; the current one stays until it arrives."""
        self.query_one("#home", VerticalScroll).loading = True
        self.load_overview(self.console_app.database)

    @work(thread=True, exclusive=True, group=OVERVIEW_GROUP, exit_on_error=False, name="Server overview")
    def load_overview(self, database: Database) -> None:
        overview = server_overview(database)
        if not get_current_worker().is_cancelled:
            self.post_message(self.OverviewLoaded(overview))

    @on(OverviewLoaded)
    def show_overview(self, event: OverviewLoaded) -> None:
        self.query_one("#home", VerticalScroll).loading = False
        self.failure = None
        self.overview = event.overview

    @on(Worker.StateChanged)
    def overview_failed(self, event: Worker.StateChanged) -> None:
        # The App notifies the user; here the screen stops waiting and says what is stale.
        if event.worker.group == OVERVIEW_GROUP and event.state is WorkerState.ERROR:
            self.query_one("#home", VerticalScroll).loading = False
            app = self.console_app
            server = app.note or server_address(app.database.settings.url)
            stale = "; what is shown is from the last load" if self.overview else ""
            self.failure = f"Could not load the overview from {server}{stale}. Press ctrl+r to try again."

    def watch_overview(self, overview: ServerOverview | None) -> None:
        if overview is None:
            return
        self.query_one("#home-connection", CellGrid).rows = connection_rows(overview, self.console_app.note)
        self.query_one("#home-schemas", CellGrid).rows = tuple(schema_row(schema) for schema in overview.schemas)

    def watch_failure(self, failure: str | None) -> None:
        status = self.query_one("#home-status", Static)
        status.update(failure or "")
        status.display = failure is not None


def connection_rows(overview: ServerOverview, note: str | None) -> tuple[tuple[Cell, ...], ...]:
    """The Connection panel: one (label, value) row per fact."""
    facts: list[tuple[str, Cell]] = [
        ("Server", Cell(note or overview.server)),
        ("Version", Cell(f"PostgreSQL {overview.version}")),
        ("Database", Cell(overview.database)),
        ("User", Cell(overview.user)),
        ("Role", Cell(overview.login.describe(overview.role))),
        ("Profile", Cell(overview.profile)),
        (
            "Access",
            Cell("READ ONLY (the server refuses writes)", "alert") if overview.read_only else Cell("read-write"),
        ),
        (
            "Production",
            Cell("PRODUCTION", "alert") if overview.production else Cell("no", "muted"),
        ),
    ]
    replication = replication_text(overview)
    if replication is not None:
        facts.insert(-1, ("Replication", Cell(replication, "alert" if overview.in_recovery else None)))
    if overview.pooler is not None:
        facts.insert(1, ("Pooler", Cell(pooler.describe(overview.pooler))))
    return tuple((Cell(label, "muted"), value) for label, value in facts)


def replication_text(overview: ServerOverview) -> str | None:
    """A read replica and how far behind it is, or a primary's standbys; None for neither."""
    if overview.in_recovery:
        lag = (
            f"last replayed transaction {age_text(overview.replayed_ago)} old"
            if overview.replayed_ago is not None
            else "nothing replayed yet"
        )
        return f"read replica (hot standby, writes refused) · {lag}"
    if overview.standbys:
        return f"primary · {overview.standbys} standby{'s' if overview.standbys > 1 else ''} streaming"
    return None


def schema_row(schema: SchemaSummary) -> tuple[Cell, ...]:
    """One line of the Schemas table: name, tables, estimated rows, migration state."""
    name = schema.schema
    if schema.real_schema != schema.schema:
        name = f"{schema.schema} → {schema.real_schema}"
    if not schema.exists:
        return (
            Cell(name),
            Cell("-", "muted", numeric=True),
            Cell("-", "muted", numeric=True),
            migration_cell(schema),
        )
    return (
        Cell(name),
        Cell(f"{schema.tables:,}", numeric=True),
        rows_cell(schema),
        migration_cell(schema),
    )


def rows_cell(schema: SchemaSummary) -> Cell:
    """The estimated rows: a lower bound (≥) when some table was never analysed."""
    if schema.estimated_rows is None:
        return Cell("unknown", "muted", numeric=True)
    prefix = "" if schema.rows_complete else "≥ "
    return Cell(f"{prefix}{schema.estimated_rows:,}", numeric=True)


def migration_cell(schema: SchemaSummary) -> Cell:
    """The migration state, with the revisions that explain it."""
    state = schema.migration_state
    if state is None:
        return Cell("no migration branch", "muted")
    detail = {
        "at head": schema.head,
        "behind": f"{schema.revision} → {schema.head}",
        "missing": f"head {schema.head}",
        # An unknown revision cannot be placed on a branch, so often there is none to name.
        "unknown": f"revision {schema.revision}" if schema.revision else "unrecognised revision",
    }.get(state)
    text = f"{state}  {detail}" if detail else state
    return Cell(text, MIGRATION_TONES.get(state))

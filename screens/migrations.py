"""Migrations: the Alembic history per system, upgrade and downgrade with the SQL first, drift.

Left, a tree of the branches (console, heroes, accounts, metaserver, stories, gacha), each
with its revisions newest first: ● applied, ○ not, "current" where the branch stands,
"head" and "branch point" marked. Right, the selected revision, the log of the last run and
the drift check.

`u` upgrades to the selected revision. `d` downgrades so that the selected revision and
everything above it in its branch are removed (to `branch@<its down revision>`, which moves
that branch alone). Both first show the SQL (Alembic's offline mode, narrowed to
the steps that really move); a downgrade that would drop data says how many rows and asks
for the branch name typed. The run streams Alembic's log into the screen. Only an admin
runs migrations; a developer's `u`/`d` show the SQL alone. `c` compares the models with the
database (autogenerate) and lists the differences per schema with the SQL that fixes each.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Log, Static, Tree
from textual.worker import Worker, WorkerState

from data import migration_plan
from data.engine import Database
from data.migrate.drift import DriftItem, drift_of
from data.migrate.history import RevisionInfo
from data.migrate.run import BranchOutcome, run_migration
from data.migration_plan import Overview, Plan, load_overview
from screens.base import ConsoleScreen
from widgets.dialogs import Confirmation, ConfirmDialog, TextViewer
from widgets.key_bar import KeyBar
from widgets.title_bar import TitleBar

HISTORY_GROUP = "migrations.history"
PREVIEW_GROUP = "migrations.preview"
RUN_GROUP = "migrations.run"
DRIFT_GROUP = "migrations.drift"


def revision_label(info: RevisionInfo, overview: Overview, points: set[str]) -> str:
    current = {state.schema: state.current for state in overview.states}
    marks = ["●" if info.applied else "○", info.revision]
    tags = []
    if current.get(info.branch) == info.revision:
        tags.append("current")
    if info.is_head:
        tags.append("head")
    if info.revision in points:
        tags.append("branch point")
    if tags:
        marks.append("[" + ", ".join(tags) + "]")
    marks.append(overview.dates.get(info.revision, "")[:10])
    marks.append(info.message.split(":", 1)[-1].strip() if ":" in info.message else info.message)
    return " ".join(part for part in marks if part)


class MigrationsScreen(ConsoleScreen):
    """The migration history per system; upgrade, downgrade and a drift check."""

    DEFAULT_CSS = """
    MigrationsScreen #migrations-tree { width: 1fr; min-width: 40; }
    MigrationsScreen #migrations-side { width: 1fr; }
    MigrationsScreen #migrations-details { height: auto; max-height: 12; border: round $primary-muted; }
    MigrationsScreen #migrations-log { height: 1fr; border: round $primary-muted; }
    MigrationsScreen #migrations-drift { height: 1fr; border: round $primary-muted; }
    MigrationsScreen #migrations-status { height: auto; }
    """

    BINDINGS = [
        Binding(
            "u",
            "upgrade",
            "Upgrade",
            id="migrations.upgrade",
            tooltip="Upgrade to the selected revision (shows the SQL first; admin only)",
        ),
        Binding(
            "d",
            "downgrade",
            "Downgrade",
            id="migrations.downgrade",
            tooltip="Remove the selected revision and those above it in its branch (SQL and rows lost first; admin only)",
        ),
        Binding(
            "s",
            "show_sql",
            "SQL",
            id="migrations.sql",
            tooltip="The SQL an upgrade to (or, when applied, a downgrade below) the selected revision would run",
        ),
        Binding(
            "c",
            "drift",
            "Drift",
            id="migrations.drift",
            tooltip="Compare the models with the database: the differences per schema and the SQL that fixes each",
        ),
        Binding(
            "ctrl+r",
            "refresh",
            "Refresh",
            id="migrations.refresh",
            tooltip="Read the history and the applied revisions again",
        ),
    ]

    @dataclass
    class OverviewLoaded(Message):
        overview: Overview

    @dataclass
    class PlanReady(Message):
        plan: Plan
        run: bool

    @dataclass
    class LogLine(Message):
        line: str

    @dataclass
    class RunFinished(Message):
        plan: Plan
        outcomes: list[BranchOutcome]

    @dataclass
    class DriftFound(Message):
        items: list[DriftItem]

    def __init__(self) -> None:
        super().__init__()
        self.overview: Overview | None = None

    def compose(self) -> ComposeResult:
        yield TitleBar()
        with Horizontal(id="migrations"):
            tree: Tree[RevisionInfo | None] = Tree("history", id="migrations-tree")
            tree.show_root = False
            yield tree
            with Vertical(id="migrations-side"):
                with VerticalScroll(id="migrations-details"):
                    yield Static("Select a revision.", id="migrations-revision", markup=False)
                yield Log(id="migrations-log", highlight=False)
                with VerticalScroll(id="migrations-drift"):
                    yield Static(id="migrations-drift-text", markup=False)
                yield Static(id="migrations-status", markup=False)
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#migrations-tree").border_title = "History"
        self.query_one("#migrations-details").border_title = "Revision"
        self.query_one("#migrations-log").border_title = "Log"
        self.query_one("#migrations-drift").border_title = "Drift"
        self.query_one("#migrations-drift").display = False
        self.action_refresh()

    # --- the history -------------------------------------------------------------------

    def action_refresh(self) -> None:
        self.read_history(self.console_app.database)

    @work(thread=True, exclusive=True, group=HISTORY_GROUP, exit_on_error=False, name="Migration history")
    def read_history(self, database: Database) -> None:
        self.post_message(self.OverviewLoaded(load_overview(database)))

    @on(OverviewLoaded)
    def show_history(self, event: OverviewLoaded) -> None:
        self.overview = overview = event.overview
        tree = self.query_one("#migrations-tree", Tree)
        selected = self.selected()
        tree.clear()
        points = migration_plan.branch_points(overview.revisions)
        to_select = None
        for state in overview.states:
            detail = {
                "at head": state.current,
                "behind": f"{state.current} → {state.head}",
                "missing": "not applied",
                "unknown": f"unknown {state.current}",
            }[state.state]
            node = tree.root.add(Text(f"{state.schema}  {state.state}  {detail}"), data=None, expand=True)
            for info in overview.revisions:  # history() is newest first
                if info.branch == state.schema:
                    leaf = node.add_leaf(Text(revision_label(info, overview, points)), data=info)
                    if selected is not None and info.revision == selected.revision:
                        to_select = leaf
        if to_select is not None:
            tree.move_cursor(to_select)
        self.show_revision(self.selected())

    def selected(self) -> RevisionInfo | None:
        node = self.query_one("#migrations-tree", Tree).cursor_node
        return node.data if node is not None else None

    @on(Tree.NodeHighlighted, "#migrations-tree")
    def revision_highlighted(self, event: Tree.NodeHighlighted[RevisionInfo | None]) -> None:
        self.show_revision(event.node.data)

    def show_revision(self, info: RevisionInfo | None) -> None:
        widget = self.query_one("#migrations-revision", Static)
        if info is None or self.overview is None:
            widget.update("Select a revision (u upgrades to it, d downgrades below it, s shows the SQL).")
            return
        lines = [
            f"Revision   {info.revision}",
            f"Branch     {info.branch}",
            f"Revises    {', '.join(info.down_revisions) or '(base)'}",
            f"Date       {self.overview.dates.get(info.revision, 'unknown')}",
            f"Applied    {'yes' if info.applied else 'no'}",
            f"Head       {'yes' if info.is_head else 'no'}",
            "",
            info.message,
        ]
        widget.update("\n".join(lines))

    # --- preview and run ---------------------------------------------------------------

    def action_upgrade(self) -> None:
        self.start_plan("upgrade")

    def action_downgrade(self) -> None:
        self.start_plan("downgrade")

    def action_show_sql(self) -> None:
        info = self.selected()
        if info is not None:
            self.start_plan("downgrade" if info.applied else "upgrade", run=False)

    def start_plan(self, direction: str, *, run: bool = True) -> None:
        info = self.selected()
        if info is None or self.overview is None:
            self.notify("Select a revision first.", severity="warning")
            return
        if run and not self.console_app.database.settings.role.can_migrate:
            role = self.console_app.database.settings.role.value
            self.notify(
                f"Only an admin can run migrations (you are {role}); here is the SQL it would run.",
                title="Refused",
                severity="warning",
            )
            run = False
        self.make_plan(self.console_app.database, self.overview, info, direction, run)

    @work(thread=True, exclusive=True, group=PREVIEW_GROUP, exit_on_error=False, name="Migration SQL")
    def make_plan(self, database: Database, overview: Overview, info: RevisionInfo, direction: str, run: bool) -> None:
        self.post_message(self.PlanReady(migration_plan.plan_for_revision(database, overview, info, direction), run))

    @on(PlanReady)
    def confirm_plan(self, event: PlanReady) -> None:
        chosen = event.plan
        title = f"{chosen.direction} to {chosen.target}"
        if not event.run:
            self.app.push_screen(TextViewer(f"SQL: {title}", chosen.sql, language="sql"))
            return
        lost = "".join(f"\n  {name}: {count:,} rows" for name, count in chosen.lost)
        head = (f"This drops data:{lost}\n\n" if lost else "") + f"It runs (offline rendering):\n\n{chosen.sql}"
        settings = self.console_app.database.settings
        if settings.production:
            head = f"On the PRODUCTION database {settings.url.database}.\n\n{head}"

        def answered(answer: Confirmation | None) -> None:
            if answer is not None:
                self.run_plan(chosen, answer.reason)

        settings = self.console_app.database.settings
        production = settings.production
        # On production the typed word is the database's name, as for every write there.
        word = (settings.url.database or "PRODUCTION") if production else (chosen.branch if chosen.lost else None)
        self.app.push_screen(
            ConfirmDialog(
                title.capitalize() + (" on the PRODUCTION database" if production else ""),
                head,
                confirm_label=chosen.direction.capitalize(),
                confirm_word=word,
                ask_reason=production,
            ),
            answered,
        )

    def run_plan(self, chosen: Plan, reason: str | None = None) -> None:
        log = self.query_one("#migrations-log", Log)
        log.clear()
        self.query_one("#migrations-status", Static).update(f"Running {chosen.direction} to {chosen.target}…")
        self.migrate_in_worker(self.console_app.database, chosen, reason)

    @work(thread=True, exclusive=True, group=RUN_GROUP, exit_on_error=False, name="Migration")
    def migrate_in_worker(self, database: Database, chosen: Plan, reason: str | None) -> None:
        outcomes = run_migration(
            database,
            chosen.direction,
            chosen.target,
            log=lambda line: self.post_message(self.LogLine(line)),
            reason=reason,
        )
        self.post_message(self.RunFinished(chosen, outcomes))

    @on(LogLine)
    def log_line(self, event: LogLine) -> None:
        self.query_one("#migrations-log", Log).write_line(event.line)

    @on(RunFinished)
    def run_finished(self, event: RunFinished) -> None:
        failed = [outcome for outcome in event.outcomes if not outcome.ok]
        status = self.query_one("#migrations-status", Static)
        if failed:
            text = "; ".join(f"{o.branch}: {o.error}" for o in failed)
            status.update(f"Failed, rolled back: {text}")
            self.notify(text, title=f"{event.plan.direction.capitalize()} failed", severity="error")
        else:
            status.update(f"Done: {event.plan.direction} to {event.plan.target}.")
            self.notify(f"{event.plan.direction} to {event.plan.target}", title="Migrated")
        self.action_refresh()

    @on(Worker.StateChanged)
    def run_failed(self, event: Worker.StateChanged) -> None:
        # The App reports the error; the status line stops saying "Running".
        if event.worker.group == RUN_GROUP and event.state is WorkerState.ERROR:
            self.query_one("#migrations-status", Static).update("The migration could not run.")
            self.action_refresh()

    # --- drift ---------------------------------------------------------------------------

    def action_drift(self) -> None:
        self.query_one("#migrations-status", Static).update("Comparing the models with the database…")
        self.check_drift(self.console_app.database)

    @work(thread=True, exclusive=True, group=DRIFT_GROUP, exit_on_error=False, name="Drift check")
    def check_drift(self, database: Database) -> None:
        self.post_message(self.DriftFound(drift_of(database)))

    @on(DriftFound)
    def show_drift(self, event: DriftFound) -> None:
        pane = self.query_one("#migrations-drift")
        pane.display = True
        self.query_one("#migrations-status", Static).update(
            f"Drift: {len(event.items)} difference(s)." if event.items else "No drift: the database matches the models."
        )
        lines: list[str] = []
        schema = None
        for item in event.items:
            if item.schema != schema:
                schema = item.schema
                lines.append(f"{schema}:" if not lines else f"\n{schema}:")
            lines.append(f"  {item.description}")
            lines.extend(f"    {sql}" for sql in item.sql.splitlines())
        self.query_one("#migrations-drift-text", Static).update("\n".join(lines) or "No differences.")

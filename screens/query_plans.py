"""Query plans: write a statement, EXPLAIN it, read the plan as pev2 would, fix it, compare.

Top, the SQL editor (highlighted; ctrl+up/down walk the session's history) beside the
session's plans; under it the EXPLAIN options and the statement_timeout. F5 runs EXPLAIN in
a transaction that is always rolled back; F6 cancels a run. The plan tree shows per node
the share of time, exclusive and inclusive time, rows against the estimate and warnings;
the pane under it every figure of the node under the cursor. F3 fills the editor with a
preset, F7 reads a plan pasted or from a file (JSON or psql's text), F8 offers an index for
a scan that warns and tries it (created and rolled back), F9 compares the shown plan with
another of the session, ctrl+s saves the session's plans to a file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import Checkbox, ContentSwitcher, Input, OptionList, Static, TextArea
from textual.widgets.option_list import Option

from data.engine import Database
from data.explain import DEFAULT_TIMEOUT_MS
from data.explain.advice import IndexAdvice, advise_indexes
from data.explain.compare import compare_plans
from data.explain.files import load_plans, plans_from_text, save_plans
from data.explain.presets import PRESETS, fill_preset
from data.explain.render import format_change_ms, format_ms, plan_summary
from data.explain.runner import (
    ExplainError,
    ExplainOptions,
    ExplainResult,
    ExplainRun,
    explain_with_index,
    parameter_count,
    schema_lookup,
)
from screens.base import ConsoleScreen, confirm_replace
from widgets.dialogs import ChoiceDialog, TextEntry, TextPrompt, set_language, show_status
from widgets.key_bar import KeyBar
from widgets.plan_tree import PlanComparisonTable, PlanNodeDetails, PlanTree
from widgets.title_bar import TitleBar

RUN_GROUP = "query_plans.run"
OPTION_NAMES = ("analyze", "buffers", "verbose", "settings", "wal")


def plan_label(result: ExplainResult, number: int) -> str:
    took = format_ms(result.analysis.execution_ms) + " ms" if result.analysis.execution_ms is not None else "estimate"
    how = result.options.describe() if result.options else "read"
    name = result.label or (result.sql.split(None, 1)[0].upper() if result.sql else "plan")
    return f"{number}. {name[:40]} · {how} · {took}"


class QueryPlansScreen(ConsoleScreen):
    """The EXPLAIN inspector."""

    DEFAULT_CSS = """
    /* At 80x24 the fixed rows leave 13: the plan takes two parts, the node one. */
    QueryPlansScreen #plans-top { height: 7; }
    QueryPlansScreen #plans-editor { width: 1fr; border: round $primary-muted; }
    QueryPlansScreen #plans-session { width: 34; border: round $primary-muted; }
    QueryPlansScreen #plans-options { height: 1; }
    QueryPlansScreen #plans-options Checkbox { border: none; padding: 0; height: 1; margin-right: 1; background: transparent; }
    QueryPlansScreen #plans-options Input { border: none; padding: 0; height: 1; width: 8; }
    QueryPlansScreen #plans-options .plans-label { width: auto; height: 1; color: $text-muted; padding: 0 1; }
    QueryPlansScreen #plans-status { height: 1; padding: 0 1; }
    QueryPlansScreen #plans-view { height: 2fr; min-height: 5; border: round $primary-muted; }
    QueryPlansScreen #plans-details { height: 1fr; min-height: 3; max-height: 12; border: round $primary-muted; }
    QueryPlansScreen .dialog--error { color: $text-error; }
    QueryPlansScreen .dialog--success { color: $text-success; }
    QueryPlansScreen .dialog--muted { color: $text-muted; }
    """

    BINDINGS = [
        Binding("f5", "run", "Run", id="query_plans.run", tooltip="EXPLAIN the statement (rolled back)", priority=True),
        Binding(
            "f6", "cancel_run", "Cancel", id="query_plans.cancel", tooltip="Cancel the running statement", priority=True
        ),
        Binding(
            "f3",
            "preset",
            "Presets",
            id="query_plans.preset",
            tooltip="Fill the editor with a preset query",
            priority=True,
        ),
        Binding(
            "f7",
            "read_plan",
            "Read plan",
            id="query_plans.read",
            tooltip="Read a plan pasted or from a file (JSON or text)",
            priority=True,
        ),
        Binding(
            "f8",
            "advice",
            "Index advice",
            id="query_plans.advice",
            tooltip="Suggest an index for the scans that warn, and try it",
            priority=True,
        ),
        Binding(
            "f9",
            "compare",
            "Compare",
            id="query_plans.compare",
            tooltip="Compare the shown plan with another of this session",
            priority=True,
        ),
        Binding(
            "ctrl+s", "save", "Save", id="query_plans.save", tooltip="Save the session's plans to a file", priority=True
        ),
        Binding(
            "ctrl+up",
            "history(-1)",
            "Previous",
            id="query_plans.history_back",
            show=False,
            tooltip="The previous statement of this session",
        ),
        Binding(
            "ctrl+down",
            "history(1)",
            "Next",
            id="query_plans.history_forward",
            show=False,
            tooltip="The next statement of this session",
        ),
    ]

    @dataclass
    class PlanReady(Message):
        results: list[ExplainResult]
        compare_with: int | None = None

    @dataclass
    class Failed(Message):
        text: str

    @dataclass
    class PresetFilled(Message):
        sql: str
        title: str

    @dataclass
    class AdviceReady(Message):
        result: ExplainResult
        advice: list[IndexAdvice]

    def __init__(self) -> None:
        super().__init__()
        self.plans: list[ExplainResult] = []
        self.shown: int | None = None
        self.history: list[str] = []
        self.history_at = 0
        self.running: ExplainRun | None = None

    def compose(self) -> ComposeResult:
        yield TitleBar()
        with Horizontal(id="plans-top"):
            yield TextArea(id="plans-editor", soft_wrap=True, show_line_numbers=False, tab_behavior="indent")
            yield OptionList(id="plans-session")
        with Horizontal(id="plans-options"):
            for name in OPTION_NAMES:
                yield Checkbox(name.upper(), value=name in ("analyze", "buffers"), id=f"plans-{name}", compact=True)
            yield Static("timeout s", classes="plans-label")
            yield Input(str(DEFAULT_TIMEOUT_MS // 1000), id="plans-timeout", type="integer", compact=True)
        yield Static(id="plans-status", markup=False)
        with ContentSwitcher(initial="plans-tree", id="plans-view"):
            yield PlanTree(id="plans-tree")
            yield PlanComparisonTable(id="plans-comparison")
        with VerticalScroll(id="plans-details"):
            yield PlanNodeDetails(id="plans-node", markup=False)
        yield KeyBar()

    def on_mount(self) -> None:
        editor = self.query_one("#plans-editor", TextArea)
        set_language(editor, "sql")
        editor.border_title = "SQL"
        self.query_one("#plans-session").border_title = "Plans of this session"
        self.query_one("#plans-view").border_title = "Plan"
        self.query_one("#plans-details").border_title = "Node"
        self.say("Write a statement and press F5, or F3 for a preset. Every run is rolled back.", "muted")
        editor.focus()

    def say(self, text: str, tone: str = "error") -> None:
        show_status(self.query_one("#plans-status", Static), text, tone)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel_run":
            return self.running is not None
        if action == "run":
            return self.running is None or None
        if action in ("advice", "compare"):
            return self.shown is not None or None
        if action == "save":
            return bool(self.plans) or None
        return True

    # --- running -----------------------------------------------------------------------

    def options(self) -> ExplainOptions:
        flags = {name: self.query_one(f"#plans-{name}", Checkbox).value for name in OPTION_NAMES}
        raw = self.query_one("#plans-timeout", Input).value.strip()
        seconds = int(raw) if raw.isdigit() and int(raw) > 0 else DEFAULT_TIMEOUT_MS // 1000
        return ExplainOptions(timeout_ms=seconds * 1000, **flags)

    @property
    def sql(self) -> str:
        return self.query_one("#plans-editor", TextArea).text

    def set_sql(self, sql: str) -> None:
        """Put a statement in the editor (a preset, a history entry, a statement from Activity)."""
        editor = self.query_one("#plans-editor", TextArea)
        editor.text = sql
        editor.move_cursor(editor.document.end)

    def take_statement(self, sql: str) -> None:
        """A statement from another screen (the activity screen's top statements)."""
        self.set_sql(sql)
        self.query_one("#plans-editor", TextArea).focus()
        generic = (
            " Its $1 parameters make it a generic plan: the plan for any value, without ANALYZE."
            if parameter_count(sql)
            else ""
        )
        self.say(f"From the activity screen: F5 explains it.{generic}", "muted")

    def action_run(self) -> None:
        sql = self.sql
        if not sql.strip():
            self.say("Nothing to explain: write a statement first (F3 offers presets).")
            return
        if not self.history or self.history[-1] != sql:
            self.history.append(sql)
        self.history_at = len(self.history)
        self.running = ExplainRun(self.console_app.database)
        self.refresh_bindings()
        options = self.options()
        self.say(f"Running EXPLAIN {options.describe()}… (F6 cancels)", "muted")
        self.explain(self.running, sql, options)

    @work(thread=True, exclusive=True, group=RUN_GROUP, exit_on_error=False, name="EXPLAIN")
    def explain(self, run: ExplainRun, sql: str, options: ExplainOptions) -> None:
        try:
            self.post_message(self.PlanReady([run.run(sql, options)]))
        except ExplainError as error:
            self.post_message(self.Failed(str(error)))

    def action_cancel_run(self) -> None:
        if self.running is not None:
            self.say("Cancelling…", "muted")
            self.cancel_run(self.running)

    @work(thread=True, group="query_plans.cancel", exit_on_error=False, name="Cancel EXPLAIN")
    def cancel_run(self, run: ExplainRun) -> None:
        # Off the UI thread: the cancel asks the server until the statement has stopped.
        run.cancel()

    @on(PlanReady)
    def plan_ready(self, event: PlanReady) -> None:
        self.running = None
        first = len(self.plans)
        for result in event.results:
            self.plans.append(result)
        self._list_plans()
        self.show_plan(len(self.plans) - 1)
        latest = self.plans[-1]
        rolled = (
            " · rolled back (it changes data)"
            if latest.changes_data and latest.options and latest.options.analyze
            else ""
        )
        read = f" · {len(event.results)} plans read" if len(event.results) > 1 else ""
        self.say(plan_summary(latest.analysis) + rolled + read, "success")
        if event.compare_with is not None:
            self.show_comparison(event.compare_with, first)
        self.refresh_bindings()

    @on(Failed)
    def run_failed(self, event: Failed) -> None:
        self.running = None
        self.say(event.text)
        self.refresh_bindings()

    def _list_plans(self) -> None:
        session = self.query_one("#plans-session", OptionList)
        session.clear_options()
        session.add_options([Option(plan_label(p, i + 1), id=str(i)) for i, p in enumerate(self.plans)])

    def show_plan(self, index: int) -> None:
        self.shown = index
        result = self.plans[index]
        self.query_one("#plans-session", OptionList).highlighted = index
        self.query_one("#plans-view", ContentSwitcher).current = "plans-tree"
        self.query_one("#plans-view").border_title = f"Plan {index + 1}: {plan_summary(result.analysis)}"
        self.query_one("#plans-tree", PlanTree).show_plan(result.analysis)
        self.refresh_bindings()

    @on(OptionList.OptionSelected, "#plans-session")
    def plan_chosen(self, event: OptionList.OptionSelected) -> None:
        self.show_plan(event.option_index)

    @on(PlanTree.NodeChosen)
    def node_chosen(self, event: PlanTree.NodeChosen) -> None:
        self.query_one("#plans-node", PlanNodeDetails).show_node(event.node, event.tree.analysis)

    # --- history and presets -----------------------------------------------------------

    def action_history(self, step: int) -> None:
        if not self.history:
            return
        self.history_at = max(0, min(len(self.history), self.history_at + step))
        self.set_sql(self.history[self.history_at] if self.history_at < len(self.history) else "")

    def action_preset(self) -> None:
        titles = [f"{p.title}: {p.why}" for p in PRESETS]

        def chosen(index: int | None) -> None:
            if index is not None:
                self.fill(self.console_app.database, index)

        self.app.push_screen(ChoiceDialog("Preset queries", titles), chosen)

    @work(thread=True, exit_on_error=False, name="Preset parameters")
    def fill(self, database: Database, index: int) -> None:
        preset = PRESETS[index]
        self.post_message(self.PresetFilled(fill_preset(preset, database), preset.title))

    @on(PresetFilled)
    def preset_filled(self, event: PresetFilled) -> None:
        self.set_sql(event.sql)
        self.say(f"{event.title}: parameters filled from the data. F5 runs it.", "muted")

    # --- plans from elsewhere, saving ----------------------------------------------------

    def action_read_plan(self) -> None:
        def chosen(index: int | None) -> None:
            if index == 0:
                self.app.push_screen(
                    TextEntry(
                        "Paste a plan",
                        "A plan in JSON or as psql or auto_explain print it "
                        "(frames and + markers are fine). ctrl+s reads it.",
                        validate=plans_from_text,
                    ),
                    self._pasted,
                )
            elif index == 1:
                self.app.push_screen(
                    TextPrompt("Read a plan file", "The file's path:", validate=_existing_file), self._file_chosen
                )

        self.app.push_screen(ChoiceDialog("Read a plan", ["Paste it", "From a file"]), chosen)

    def _pasted(self, text: str | None) -> None:
        if text is not None:
            self.post_message(self.PlanReady(plans_from_text(text)))

    def _file_chosen(self, path: str | None) -> None:
        if path is not None:
            try:
                self.post_message(self.PlanReady(load_plans(Path(path).expanduser())))
            except ValueError as error:
                self.say(str(error))

    def action_save(self) -> None:
        plans = list(self.plans)

        def save(target: Path, replacing: bool) -> None:
            try:
                save_plans(target, plans, replace=replacing)
            except OSError as error:
                self.say(f"cannot write {target}: {error.strerror or error}")
                return
            self.say(f"saved {len(plans)} plan{'s' if len(plans) != 1 else ''} to {target}", "success")

        def chosen(path: str | None) -> None:
            if path is not None:
                target = Path(path).expanduser()
                confirm_replace(self, target, lambda replacing: save(target, replacing))

        self.app.push_screen(
            TextPrompt("Save the session's plans", "Write them to (a JSON file):", "plans.json"), chosen
        )

    # --- advice and comparison ----------------------------------------------------------

    def action_advice(self) -> None:
        if self.shown is not None:
            self.find_advice(self.console_app.database, self.plans[self.shown])

    @work(thread=True, exit_on_error=False, name="Index advice")
    def find_advice(self, database: Database, result: ExplainResult) -> None:
        self.post_message(self.AdviceReady(result, advise_indexes(result.analysis, schema_lookup(database))))

    @on(AdviceReady)
    def advice_ready(self, event: AdviceReady) -> None:
        if not event.advice:
            self.say("No index advice: no scan in this plan warns in a way one index would fix.", "muted")
            return
        if not event.result.sql:
            self.say("Advice for a plan read from elsewhere: " + "; ".join(a.sql for a in event.advice), "muted")
            return
        why = "\n\n".join(f"{a.sql}\n  {a.why}" for a in event.advice)
        options = [f"Try: {a.sql}" for a in event.advice]

        def chosen(index: int | None) -> None:
            if index is not None:
                self.try_index(event.result, event.advice[index])

        self.app.push_screen(
            ChoiceDialog(
                "Index advice",
                options,
                message=why + "\n\nTrying creates the index in a transaction that is rolled back, and EXPLAINs again.",
            ),
            chosen,
        )

    def try_index(self, result: ExplainResult, advice: IndexAdvice) -> None:
        self.running = ExplainRun(self.console_app.database)
        self.refresh_bindings()
        self.say(f"Trying {advice.sql}… (rolled back; F6 cancels)", "muted")
        self.explain_with(self.running, result, advice.sql, self.plans.index(result))

    @work(thread=True, exclusive=True, group=RUN_GROUP, exit_on_error=False, name="EXPLAIN with an index")
    def explain_with(self, run: ExplainRun, result: ExplainResult, sql: str, original: int) -> None:
        try:
            self.post_message(self.PlanReady([explain_with_index(run, result, sql)], compare_with=original))
        except ExplainError as error:
            self.post_message(self.Failed(str(error)))

    def action_compare(self) -> None:
        if self.shown is None or len(self.plans) < 2:
            self.say("Comparing needs two plans: run or read another first.", "muted")
            return
        shown = self.shown
        others = [i for i in range(len(self.plans)) if i != shown]

        def chosen(index: int | None) -> None:
            if index is not None:
                self.show_comparison(shown, others[index])

        self.app.push_screen(
            ChoiceDialog(f"Compare plan {shown + 1} with", [plan_label(self.plans[i], i + 1) for i in others]), chosen
        )

    def show_comparison(self, left: int, right: int) -> None:
        comparison = compare_plans(self.plans[left].analysis, self.plans[right].analysis)
        table = self.query_one("#plans-comparison", PlanComparisonTable)
        table.show_comparison(comparison)
        self.query_one("#plans-view", ContentSwitcher).current = "plans-comparison"
        change = comparison.total_change_ms
        total = (
            f"execution {format_change_ms(change)} ms" if change is not None else f"cost {comparison.cost_change:+,.2f}"
        )
        self.query_one("#plans-view").border_title = f"Plan {left + 1} → plan {right + 1}: {total}"
        table.focus()


def _existing_file(text: str) -> str:
    path = Path(text.strip()).expanduser()
    if not path.is_file():
        raise ValueError(f"no such file: {path}")
    return str(path)

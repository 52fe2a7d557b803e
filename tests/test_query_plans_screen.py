"""The query plans screen (key 7) with Pilot on the demo data: a preset run, a cancel, a
data-changing statement rolled back, index advice tried and compared, a pasted plan, saving,
and snapshots of the tree read from a fixture plan (fixed figures)."""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from sqlalchemy import text
from textual.pilot import Pilot
from textual.widgets import ContentSwitcher, Input, OptionList, Static, TextArea

from console.app import ConsoleApp
from data.engine import Database
from screens.query_plans import QueryPlansScreen
from tests.app_factory import make_app, run_screen, settle, visible_text, write_over
from tests.conftest import SLOW_READING, load_readings
from widgets.dialogs import ChoiceDialog, TextEntry
from widgets.plan_tree import PlanComparisonTable, PlanTree

SIZE = (120, 40)
PLAN_FILE = Path(__file__).parent / "fixtures" / "query_plans" / "collection.json"


def status(app: ConsoleApp) -> str:
    return str(app.screen.query_one("#plans-status", Static).render())


def tree_nodes(app: ConsoleApp) -> list[str]:
    tree = app.screen.query_one(PlanTree)
    return [str(tree.get_row_at(row)[-1]) for row in range(tree.row_count)]


async def until(
    pilot: Pilot[None], condition: Callable[[], bool], timeout: float = 30.0, *, then_settle: bool = True
) -> None:
    """Wait for `condition`; then for the app to be quiet, unless a worker is meant to go on
    running (settle waits for every worker, a 30 s statement included)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await pilot.pause(0.02)
    if then_settle:
        await settle(pilot)


async def run_sql(pilot: Pilot[None], app: ConsoleApp, sql: str) -> None:
    screen = app.screen
    assert isinstance(screen, QueryPlansScreen)
    plans = len(screen.plans)
    screen.set_sql(sql)
    await pilot.press("f5")
    await until(pilot, lambda: len(screen.plans) > plans or screen.running is None and "Running" not in status(app))


async def choose(pilot: Pilot[None], starting: str) -> None:
    dialog = pilot.app.screen
    assert isinstance(dialog, ChoiceDialog), dialog
    options = dialog.query_one(OptionList)
    options.highlighted = next(
        i for i in range(options.option_count) if str(options.get_option_at_index(i).prompt).startswith(starting)
    )
    await pilot.press("enter")
    await settle(pilot)


def test_a_preset_runs_with_its_parameters_filled_from_the_demo_data(database: Database) -> None:
    async def scenario(pilot: Pilot[None], app: ConsoleApp) -> None:
        assert isinstance(app.screen, QueryPlansScreen)
        await pilot.press("f3")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ChoiceDialog)
        first = str(dialog.query_one(OptionList).get_option_at_index(0).prompt)
        await pilot.press("enter")
        await settle(pilot)
        sql = app.screen.query_one("#plans-editor", TextArea).text
        assert sql.strip() and ":" not in sql.replace("::", ""), "every parameter is filled"
        assert first.split(":")[0] in status(app) and "F5 runs it" in status(app)
        await pilot.press("f5")
        await until(pilot, lambda: bool(app.screen.plans))  # type: ignore[attr-defined]
        assert status(app).startswith("planning ") and tree_nodes(app)
        session = app.screen.query_one("#plans-session", OptionList)
        assert session.option_count == 1 and "ANALYZE BUFFERS" in str(session.get_option_at_index(0).prompt)

    run_screen(database, "7", scenario, SIZE)


def test_a_long_statement_is_cancelled_and_a_change_is_rolled_back(database: Database) -> None:
    with database.connect() as connection:
        before = connection.execute(text("SELECT count(*) FROM gacha.currency_ledger")).scalar_one()

    async def scenario(pilot: Pilot[None], app: ConsoleApp) -> None:
        screen = app.screen
        assert isinstance(screen, QueryPlansScreen)
        screen.set_sql("SELECT pg_sleep(30)")
        await pilot.press("f5")
        await until(pilot, lambda: "F6 cancels" in status(app), then_settle=False)
        started = time.monotonic()
        await pilot.press("f6")
        await until(pilot, lambda: screen.running is None)
        assert time.monotonic() - started < 10
        assert status(app) == "cancelled: the statement was stopped and rolled back"
        await run_sql(pilot, app, "DELETE FROM gacha.currency_ledger")
        assert "rolled back (it changes data)" in status(app)
        assert any("ModifyTable" in node or "Delete on" in node for node in tree_nodes(app))
        # ctrl+up and ctrl+down walk the statements of the session, back to a blank editor.
        editor = screen.query_one("#plans-editor", TextArea)
        editor.focus()
        walked = []
        for key in ("ctrl+up", "ctrl+up", "ctrl+down", "ctrl+down"):
            await pilot.press(key)
            walked.append(editor.text)
        assert walked == [
            "DELETE FROM gacha.currency_ledger",
            "SELECT pg_sleep(30)",
            "DELETE FROM gacha.currency_ledger",
            "",
        ]

    run_screen(database, "7", scenario, SIZE)
    with database.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM gacha.currency_ledger")).scalar_one() == before


def test_index_advice_is_tried_rolled_back_and_compared(database: Database) -> None:
    load_readings(database)

    async def scenario(pilot: Pilot[None], app: ConsoleApp) -> None:
        screen = app.screen
        assert isinstance(screen, QueryPlansScreen)
        await run_sql(pilot, app, SLOW_READING)
        assert any("Seq Scan on readings" in node for node in tree_nodes(app))
        await pilot.press("f8")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ChoiceDialog) and "CREATE INDEX ON public.readings" in visible_text(app)
        await pilot.press("enter")
        await until(pilot, lambda: len(screen.plans) == 2)
        # The tried plan is compared with the first at once: the scan is gone, time is saved.
        assert screen.query_one("#plans-view", ContentSwitcher).current == "plans-comparison"
        comparison = screen.query_one(PlanComparisonTable)
        cells = [[str(cell) for cell in comparison.get_row_at(row)] for row in range(comparison.row_count)]
        assert any("Seq Scan on readings" in row[0] for row in cells)
        assert any("Index" in row[3] and "readings" in row[3] for row in cells)
        assert str(screen.query_one("#plans-view").border_title).startswith("Plan 1 → plan 2: execution -")
        # F9 compares again, the other way round, from the plan list.
        screen.show_plan(1)
        await pilot.press("f9")
        await settle(pilot)
        await choose(pilot, "1.")
        assert str(screen.query_one("#plans-view").border_title).startswith("Plan 2 → plan 1: execution +")

    run_screen(database, "7", scenario, SIZE)
    with database.connect() as connection:  # the index was rolled back
        assert connection.execute(text("SELECT count(*) FROM pg_indexes WHERE tablename = 'readings'")).scalar() == 0


def test_a_pasted_plan_is_read_and_the_session_is_saved_asking_before_replacing(
    database: Database, tmp_path: Path
) -> None:
    saved = tmp_path / "plans.json"
    saved.write_text("mine")

    async def scenario(pilot: Pilot[None], app: ConsoleApp) -> None:
        screen = app.screen
        assert isinstance(screen, QueryPlansScreen)
        await pilot.press("f7")
        await settle(pilot)
        await choose(pilot, "Paste it")
        assert isinstance(app.screen, TextEntry)
        app.screen.query_one(TextArea).text = PLAN_FILE.read_text()
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert len(screen.plans) == 1 and tree_nodes(app)
        for answer in ("escape", "enter"):
            await write_over(pilot, "ctrl+s", saved, answer)
        assert json.loads(saved.read_text())["console_plan"] == 1
        assert status(app) == f"saved 1 plan to {saved}"

    run_screen(database, "7", scenario, SIZE)


def read_fixture_plan(*keys: str) -> Callable[[Pilot[None]], Awaitable[None]]:
    """A run_before: the query plans screen with the fixture plan read from its file."""

    async def run_before(pilot: Pilot[None]) -> None:
        await pilot.press("7")
        await settle(pilot)
        await pilot.press("f7")
        await settle(pilot)
        await choose(pilot, "From a file")
        pilot.app.screen.query_one(Input).value = str(PLAN_FILE)
        await pilot.press("enter")
        await settle(pilot)
        pilot.app.screen.query_one(PlanTree).focus()
        for key in keys:
            await pilot.press(key)
        await settle(pilot)

    return run_before


def test_snapshot_of_a_plan_at_80x24(snap_compare, snapshot_database: Database) -> None:
    assert snap_compare(make_app(snapshot_database), terminal_size=(80, 24), run_before=read_fixture_plan())


def test_snapshot_of_a_plan_at_120x40_with_a_node_chosen(snap_compare, snapshot_database: Database) -> None:
    assert snap_compare(make_app(snapshot_database), terminal_size=(120, 40), run_before=read_fixture_plan("down"))


def test_a_top_statement_of_the_activity_screen_is_explained_as_a_generic_plan(database: Database) -> None:
    """`e` on a statement pg_stat_statements lists (its constants shown as $1) opens it in
    the query plans screen, where F5 gives its plan for any value."""
    from textual.widgets import DataTable, TabbedContent

    with database.connect() as connection:
        connection.execute(text("SELECT academy_name FROM gacha.users WHERE id = 5 AND quartzs > 10"))

    async def scenario(pilot: Pilot[None], app: ConsoleApp) -> None:
        await pilot.press("6")
        await settle(pilot)
        app.screen.query_one(TabbedContent).active = "tab-statements"
        table = app.screen.query_one("#activity-statements", DataTable)

        def our_row() -> int | None:
            texts = [str(table.get_row_at(row)[-1]) for row in range(table.row_count)]
            return next((i for i, t in enumerate(texts) if "academy_name FROM gacha.users WHERE id = $1" in t), None)

        await until(pilot, lambda: our_row() is not None, then_settle=False)
        table.focus()
        table.move_cursor(row=our_row())
        await pilot.press("e")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, QueryPlansScreen)
        sql = screen.query_one("#plans-editor", TextArea).text
        assert "WHERE id = $1 AND quartzs > $2" in sql and "generic plan" in status(app)
        await pilot.press("f5")
        await until(pilot, lambda: bool(screen.plans))
        assert "generic plan" in str(screen.query_one("#plans-session", OptionList).get_option_at_index(0).prompt)
        assert any("users" in node for node in tree_nodes(app))

    run_screen(database, "1", scenario, SIZE)

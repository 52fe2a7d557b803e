"""The imports screen with Pilot: run with progress, cancel mid-run, roles, and a snapshot."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from sqlalchemy import text
from textual.widgets import DataTable, DirectoryTree, Input, ProgressBar, Static

from data.engine import ConnectionSettings, Database
from data.roles import Role
from screens.imports import ImportsScreen
from tests.app_factory import make_app, run_screen, settle, visible_text

FIXTURES = Path(__file__).parent / "fixtures" / "imports"
SIZE = (120, 40)


def many_records(path: Path, count: int) -> Path:
    records = [
        {
            "Name": f"Screen_{i}",
            "PowersetName": "Pool.Fighting",
            "Level": 1 + i % 50,
            "Effects": {"damage_type": "smashing"},
        }
        for i in range(count)
    ]
    path.write_text(json.dumps(records))
    return path


def finished(app) -> bool:
    return "written," in visible_text(app) or "refused:" in visible_text(app)


async def until(pilot, condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await pilot.pause(0.02)
    await settle(pilot)


def test_an_admin_runs_an_i12_import_and_sees_it_in_the_history(database: Database) -> None:
    async def scenario(pilot, app) -> None:
        app.screen.query_one("#imports-path", Input).value = str(FIXTURES / "i12_malformed.json")
        app.screen.query_one("#imports-batch", Input).value = "4"
        await pilot.press("f5")
        await until(pilot, lambda: finished(app))
        shown = visible_text(app)
        assert "completed: 11 written, 1 rejected" in shown
        assert app.screen.query_one("#imports-bar", ProgressBar).progress == 100
        history = app.screen.query_one("#imports-history", DataTable)
        first = history.get_row_at(0)
        assert first[1:5] == ["i12", "completed", "11", "1"] and "record 5: Accuracy" in first[7]

    run_screen(database, "9", scenario, SIZE)


def test_a_file_that_is_not_json_is_refused_in_one_line(database: Database, tmp_path: Path) -> None:
    bad = tmp_path / "notes.json"
    bad.write_text("this is not JSON")

    async def scenario(pilot, app) -> None:
        app.screen.query_one("#imports-path", Input).value = str(bad)
        await pilot.press("f5")
        await until(pilot, lambda: finished(app) or "failed" in visible_text(app))
        status = str(app.screen.query_one("#imports-status", Static).render())
        assert "\n" not in status and "Traceback" not in visible_text(app)
        assert "JSON" in status

    run_screen(database, "9", scenario, SIZE)


def test_the_file_picker_fills_the_path(database: Database) -> None:
    async def scenario(pilot, app) -> None:
        tree = app.screen.query_one("#imports-picker", DirectoryTree)
        await until(pilot, lambda: tree.root.children)
        tree.focus()
        tree.cursor_line = 1
        await pilot.press("enter")
        await pilot.pause()
        chosen = tree.cursor_node.data.path
        assert app.screen.query_one("#imports-path", Input).value == str(chosen)

    run_screen(database, "9", scenario, SIZE)


def test_progress_then_cancel_keeps_whole_batches(database: Database, tmp_path: Path) -> None:
    path = many_records(tmp_path / "powers.json", 60_000)

    async def scenario(pilot, app) -> None:
        app.screen.query_one("#imports-path", Input).value = str(path)
        app.screen.query_one("#imports-batch", Input).value = "500"
        await pilot.press("f5")
        bar = app.screen.query_one("#imports-bar", ProgressBar)
        deadline = time.monotonic() + 30
        while not (bar.progress or 0) > 0:
            assert time.monotonic() < deadline
            await pilot.pause(0.02)
        assert 0 < (bar.progress or 0) < 100
        assert "/s" in visible_text(app) and "records" in visible_text(app)
        await pilot.press("ctrl+k")
        await until(pilot, lambda: finished(app))
        assert "cancelled:" in visible_text(app) and "resume from" in visible_text(app)

    run_screen(database, "9", scenario, SIZE)
    with database.connect() as connection:
        log = connection.execute(text("SELECT * FROM heroes.import_logs ORDER BY id DESC LIMIT 1")).one()
        written = connection.execute(text("SELECT count(*) FROM heroes.powers WHERE name LIKE 'Screen_%'")).scalar_one()
    # The database holds exactly the batches the log counts, each of them whole.
    assert log.status == "cancelled" and written == log.records_processed and written % 500 == 0
    assert 0 < written < 60_000


@pytest.mark.parametrize("role", [Role.DEVELOPER, Role.SUPPORT])
def test_other_roles_see_the_history_only(database: Database, database_url, role: Role) -> None:
    from data.imports import import_i12

    import_i12(database, FIXTURES / "i12_powers.json")

    async def scenario(pilot, app) -> None:
        assert "running one is for the admin role" in visible_text(app)
        assert not app.screen.query_one("#imports-path", Input).display
        await pilot.press("f5")
        await settle(pilot)
        assert app.screen.query_one("#imports-history", DataTable).get_row_at(0)[1:3] == ["i12", "completed"]

    with Database(ConnectionSettings(url=database_url, role=role)) as other:
        run_screen(other, "9", scenario, SIZE)


def test_snapshot_of_the_imports_screen(snap_compare, snapshot_database: Database) -> None:
    async def open_it(pilot) -> None:
        # The picker opens on the fixtures: the working directory differs from one clone to another.
        await pilot.app.push_screen(ImportsScreen(start_dir=FIXTURES))
        await settle(pilot)

    assert snap_compare(make_app(snapshot_database), terminal_size=(120, 40), run_before=open_it)


def test_each_kind_shows_its_own_labelled_options_and_bad_numbers_are_refused(database: Database) -> None:
    """At 80x24 every control is on screen; I12 shows batch size, resume point and what to
    do with a bad record, a table import its table, the others no options."""
    from textual.widgets import Button, Select

    async def scenario(pilot, app) -> None:
        screen = app.screen
        size = screen.size

        def shown(selector: str) -> bool:
            widget = screen.query_one(selector)
            region = widget.region
            return widget.display and widget.parent.display and region.height > 0 and region.bottom <= size.height

        assert all(
            shown(s)
            for s in (
                "#imports-batch",
                "#imports-resume",
                "#imports-on-error",
                "#imports-run",
                "#imports-cancel",
                "#imports-bar",
                "#imports-history",
            )
        )
        assert not screen.query_one("#imports-table").display
        assert screen.query_one("#imports-batch", Input).border_title == "batch size"
        for kind, visible in (("csv", {"#imports-table"}), ("cod", set()), ("i12", {"#imports-batch"})):
            screen.query_one("#imports-kind", Select).value = kind
            await settle(pilot)
            for selector in ("#imports-table", "#imports-batch"):
                assert shown(selector) == (selector in visible), (kind, selector)
        screen.query_one("#imports-path", Input).value = str(FIXTURES / "i12_powers.json")
        screen.query_one("#imports-batch", Input).value = "１２"
        await pilot.press("f5")
        await settle(pilot)
        status = str(screen.query_one("#imports-status", Static).render())
        assert status.startswith("the batch size must be a whole number written with the digits 0-9")
        assert not screen.query_one("#imports-run", Button).disabled, "nothing started"

    run_screen(database, "9", scenario, (80, 24))

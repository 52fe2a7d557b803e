"""Editing, exporting and reading types in the Tables screen, driven with Pilot.

Each test opens the app on its own copy of the demo database, does what a user would do
(keys, typing into the dialogs) and checks both what the screen shows and what the
database holds afterwards.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from rich.text import Text
from sqlalchemy import text
from sqlalchemy.engine import URL
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, OptionList, Static, TextArea, Tree

from console.app import ConsoleApp
from data.engine import ConnectionSettings, Database
from screens.tables import TablesScreen
from tests.app_factory import visible_text
from tests.conftest import SMALL_POOL
from tests.test_tables_screen import (
    column_values,
    grid,
    open_table,
    run,
    scalar,
    settle,
    status,
    tables,
    to_column,
    toasts,
    type_into_dialog,
)
from widgets.dialogs import ConfirmDialog, ProgressDialog, TextPrompt, TextViewer
from widgets.pending_changes import PendingChangesView
from widgets.row_form import RowForm
from widgets.value_editor import ValueEditor

# ---- helpers ------------------------------------------------------------------------------


def rows(database: Database, sql: str, **params: object) -> list[Any]:
    with database.connect() as connection:
        return list(connection.execute(text(sql), params).all())


def cell(app: ConsoleApp, row: int, column: str) -> Text:
    """One cell of the grid as drawn (text and style)."""
    table = grid(app)
    names = [col.label.plain.lstrip("⚷").rstrip("→ ▲▼") for col in table.ordered_columns]
    return table.get_cell_at((row, names.index(column)))


def styles_of(drawn: Text) -> str:
    """Every style on a drawn cell, as one string (e.g. "strike red")."""
    return " ".join([str(drawn.style), *(str(span.style) for span in drawn.spans)])


async def edit(pilot: Pilot[None], app: ConsoleApp, column: str, row: int = 0) -> ValueEditor:
    """Put the cursor on (row, column), press e, and return the editor it opens."""
    await to_column(pilot, app, column)
    grid(app).move_cursor(row=row)
    await pilot.press("e")
    await settle(pilot)
    editor = app.screen
    assert isinstance(editor, ValueEditor), editor
    return editor


def editor_status(app: ConsoleApp) -> str:
    widget = app.screen.query_one("#value-status", Static)
    return str(widget.render()) if widget.display else ""


async def save(pilot: Pilot[None]) -> None:
    await pilot.press("ctrl+s")
    await settle(pilot)


def audit(database: Database, action: str) -> list[Any]:
    return rows(
        database,
        "SELECT schema_name, table_name, primary_key, before, after, reason FROM console.audit_log"
        " WHERE action = :action ORDER BY id",
        action=action,
    )


# ---- 1. an editor per type ------------------------------------------------------------


def test_json_is_checked_in_the_editor_and_saved_as_typed(database: Database) -> None:
    node_id, before = rows(database, "SELECT id, metadata FROM stories.nodes ORDER BY id LIMIT 1")[0]
    typed = '{"mood": "calm", "votes": 12, "tags": ["a", "b"], "ratio": 0.25}'

    async def scenario(pilot: Pilot[None], app: ConsoleApp) -> None:
        await open_table(pilot, app, "stories.nodes")
        await edit(pilot, app, "metadata")
        area = app.screen.query_one("#value-editor", TextArea)
        assert json.loads(area.text) == before  # it starts from the value read
        area.text = '{"mood": "calm", "votes": 12,'
        await pilot.pause()
        assert "not valid JSON" in editor_status(app)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ValueEditor), "invalid JSON must not close the editor"
        assert "not valid JSON" in editor_status(app)
        area.text = typed
        await pilot.pause()
        assert editor_status(app) == "valid JSON"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, ValueEditor)
        assert "1 pending change" in status(app)
        assert scalar(database, "SELECT metadata FROM stories.nodes WHERE id = :id", id=node_id) == before
        await save(pilot)
        assert "Saved: 1 updated" in toasts(app)
        assert scalar(database, "SELECT metadata FROM stories.nodes WHERE id = :id", id=node_id) == json.loads(typed)

    run(database, scenario)


def test_a_boolean_is_picked_from_a_list(database: Database) -> None:
    users = [row.id for row in rows(database, "SELECT id FROM accounts.users ORDER BY id")]
    inactive = scalar(database, "SELECT id FROM accounts.users WHERE NOT is_active ORDER BY id LIMIT 1")
    assert inactive is not None and len(users) <= 100  # one page

    async def scenario(pilot: Pilot[None], app: ConsoleApp) -> None:
        await open_table(pilot, app, "accounts.users")
        row = users.index(inactive)
        await edit(pilot, app, "is_active", row=row)
        options = app.screen.query_one("#value-editor", OptionList)
        labels = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert labels == ["true", "false"]
        assert options.highlighted == 1  # on the current value
        await pilot.press("up", "enter")
        await settle(pilot)
        assert column_values(app, "is_active")[row] == "true"
        await save(pilot)
        assert scalar(database, "SELECT is_active FROM accounts.users WHERE id = :id", id=inactive) is True

    run(database, scenario)


def test_a_bad_timestamp_is_refused_in_one_line_and_a_good_one_saved(database: Database) -> None:
    async def scenario(pilot: Pilot[None], app: ConsoleApp) -> None:
        await open_table(pilot, app, "gacha.users")
        await edit(pilot, app, "created_at")
        field = app.screen.query_one("#value-editor", Input)
        field.value = "2026-13-45 10:00"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ValueEditor)
        assert editor_status(app) == "created_at: not a timestamp (use 2026-11-22 14:05:00)"
        field.value = "2026-02-03 04:05:06+02"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "takes no time zone offset" in editor_status(app)
        assert "\n" not in editor_status(app)
        field.value = "2025-02-03 04:05:06"
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(app.screen, ValueEditor)
        await save(pilot)
        saved = scalar(database, "SELECT created_at::text FROM gacha.users WHERE id = 1")
        assert saved == "2025-02-03 04:05:06"
        assert column_values(app, "created_at")[0] == "2025-02-03 04:05:06"

    run(database, scenario)


def test_an_enum_offers_its_labels_in_their_order(database: Database) -> None:
    with database.connect() as connection:
        connection.execute(text("CREATE TYPE public.ticket_status AS ENUM ('open', 'waiting', 'closed')"))
    with database.connect() as connection:
        # A label added in the middle: its order is not the order of creation.
        connection.execute(text("ALTER TYPE public.ticket_status ADD VALUE 'in_progress' BEFORE 'waiting'"))
    with database.connect() as connection:
        connection.execute(
            text(
                "CREATE TABLE public.tickets (id serial PRIMARY KEY, status public.ticket_status NOT NULL DEFAULT 'open')"
            )
        )
        connection.execute(text("INSERT INTO public.tickets (status) VALUES ('open'), ('waiting')"))

    async def scenario(pilot: Pilot[None], app: ConsoleApp) -> None:
        await open_table(pilot, app, "public.tickets")
        await edit(pilot, app, "status", row=1)
        options = app.screen.query_one("#value-editor", OptionList)
        labels = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert labels == ["open", "in_progress", "waiting", "closed"]
        assert options.highlighted == 2
        await pilot.press("down", "enter")
        await settle(pilot)
        assert column_values(app, "status") == ["open", "closed"]
        await save(pilot)
        assert scalar(database, "SELECT status::text FROM public.tickets WHERE id = 2") == "closed"

    run(database, scenario)


def test_null_and_the_empty_string_are_saved_and_shown_apart(database: Database) -> None:
    async def scenario(pilot: Pilot[None], app: ConsoleApp) -> None:
        await open_table(pilot, app, "gacha.users")
        await edit(pilot, app, "academy_name", row=0)
        app.screen.query_one("#value-editor", TextArea).text = ""
        await pilot.press("ctrl+s")
        await settle(pilot)
        await edit(pilot, app, "academy_name", row=1)
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert column_values(app, "academy_name")[:2] == ["''", "NULL"]  # pending, already apart
        await save(pilot)
        assert rows(database, "SELECT academy_name FROM gacha.users WHERE id IN (1, 2) ORDER BY id") == [("",), (None,)]
        assert column_values(app, "academy_name")[:2] == ["''", "NULL"]
        # The editor says which of the two a blank value is.
        await edit(pilot, app, "academy_name", row=1)
        assert "currently NULL" in str(app.screen.query_one("#value-null").render())

    run(database, scenario)


def test_default_sets_the_column_default(database: Database) -> None:
    user_id = scalar(database, "SELECT min(id) FROM gacha.users WHERE sakura_crystals <> 2000")

    async def scenario(pilot: Pilot[None], app: ConsoleApp) -> None:
        await open_table(pilot, app, "gacha.users")
        row = column_values(app, "id").index(str(user_id))
        editor = await edit(pilot, app, "sakura_crystals", row=row)
        assert "default 2000" in str(editor.query_one("#value-type").render())
        await pilot.press("ctrl+d")
        await settle(pilot)
        assert column_values(app, "sakura_crystals")[row] == "DEFAULT"
        await save(pilot)
        assert scalar(database, "SELECT sakura_crystals FROM gacha.users WHERE id = :id", id=user_id) == 2000
        assert column_values(app, "sakura_crystals")[row] == "2000"

    run(database, scenario)


# ---- 2-4. insert, delete, soft-delete -------------------------------------------------


def test_inserting_a_row_shows_defaults_then_writes_the_row_and_its_audit(database: Database) -> None:
    async def scenario(pilot: Pilot[None], app: ConsoleApp) -> None:
        await open_table(pilot, app, "gacha.users")
        await pilot.press("i")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, RowForm), form
        names = [field.name for field in form.fields]
        placeholders = {
            name: str(form.query_one(f"#field-{index}", Input).placeholder) for index, name in enumerate(names)
        }
        assert placeholders["sakura_crystals"] == "default: 2000"
        assert placeholders["academy_name"] == "NULL"
        assert placeholders["discord_id"].startswith("required")
        # A required field left empty keeps the form open and says so.
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, RowForm)
        assert "discord_id: a value is required" in str(form.query_one("#row-form-errors").render())
        form.query_one(f"#field-{names.index('discord_id')}", Input).value = "new-player-1"
        form.query_one(f"#field-{names.index('quartzs')}", Input).value = "77"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, RowForm)
        # The pending row is drawn after the page, marked "+", defaults spelled out.
        last = grid(app).row_count - 1
        assert cell(app, last, "id").plain == "+ DEFAULT"
        assert cell(app, last, "discord_id").plain == "new-player-1"
        assert cell(app, last, "sakura_crystals").plain == "DEFAULT"
        assert "1 pending change" in status(app)
        # A pending row is not edited in place: e on it says how to change it.
        grid(app).move_cursor(row=last)
        await pilot.press("e")
        await settle(pilot)
        assert "A pending new row is changed by undoing it (u) and inserting again." in toasts(app)
        assert scalar(database, "SELECT count(*) FROM gacha.users WHERE discord_id = 'new-player-1'") == 0
        await save(pilot)
        assert "1 inserted" in toasts(app)
        assert rows(
            database, "SELECT quartzs, sakura_crystals, academy_name FROM gacha.users WHERE discord_id = 'new-player-1'"
        ) == [(77, 2000, None)]
        [entry] = audit(database, "insert")
        assert entry.table_name == "users" and entry.before is None
        assert entry.after["discord_id"] == "new-player-1" and entry.after["sakura_crystals"] == 2000

    run(database, scenario)


def test_deleting_a_row_is_struck_through_can_be_taken_back_and_is_audited(database: Database) -> None:
    first_id = scalar(database, "SELECT min(id) FROM gacha.user_waifus")

    async def scenario(pilot: Pilot[None], app: ConsoleApp) -> None:
        await open_table(pilot, app, "gacha.user_waifus")
        await pilot.press("delete")
        await pilot.pause()
        assert "strike" in styles_of(cell(app, 0, "waifu_id"))
        assert "1 pending change" in status(app)
        await pilot.press("delete")  # again: the deletion is taken back
        await pilot.pause()
        assert "strike" not in styles_of(cell(app, 0, "waifu_id"))
        assert "pending" not in status(app)
        await pilot.press("delete")
        await save(pilot)
        assert "1 deleted" in toasts(app)
        assert scalar(database, "SELECT count(*) FROM gacha.user_waifus WHERE id = :id", id=first_id) == 0
        [entry] = audit(database, "delete")
        assert entry.primary_key == {"id": first_id} and entry.before["id"] == first_id and entry.after is None
        assert column_values(app, "id")[0] != str(first_id)

    run(database, scenario)


def test_soft_delete_and_restore_set_and_clear_the_flag_and_the_time(database: Database) -> None:
    user_id = scalar(database, "SELECT id FROM accounts.users ORDER BY id LIMIT 1")
    assert scalar(database, "SELECT is_deleted FROM accounts.users WHERE id = :id", id=user_id) is False

    def flags() -> tuple[Any, ...]:
        return tuple(
            rows(database, "SELECT is_deleted, deleted_at IS NOT NULL FROM accounts.users WHERE id = :id", id=user_id)[
                0
            ]
        )

    async def scenario(pilot: Pilot[None], app: ConsoleApp) -> None:
        await open_table(pilot, app, "accounts.users")
        await pilot.press("z")
        await pilot.pause()
        assert "strike" in styles_of(cell(app, 0, "email"))
        await pilot.press("z")  # again: the pending soft-delete is taken back
        await pilot.pause()
        assert "strike" not in styles_of(cell(app, 0, "email"))
        assert "pending" not in status(app)
        await pilot.press("z")
        await pilot.pause()
        assert flags() == (False, False)
        await save(pilot)
        assert flags() == (True, True)
        assert column_values(app, "is_deleted")[0] == "true"
        await pilot.press("z")
        await save(pilot)
        assert flags() == (False, False)
        assert column_values(app, "deleted_at")[0] == "NULL"
        soft, restore = audit(database, "soft-delete"), audit(database, "restore")
        assert len(soft) == 1 and soft[0].after["is_deleted"] is True and soft[0].after["deleted_at"] is not None
        assert len(restore) == 1 and restore[0].after["is_deleted"] is False and restore[0].after["deleted_at"] is None

    run(database, scenario)


# ---- 5. the pending changes view --------------------------------------------------------


async def edit_two_users(pilot: Pilot[None], app: ConsoleApp) -> None:
    """Pending: quartzs of id=1 to 4242, academy_name of id=2 to "Second Academy"."""
    await open_table(pilot, app, "gacha.users")
    await edit(pilot, app, "quartzs", row=0)
    app.screen.query_one("#value-editor", Input).value = "4242"
    await pilot.press("enter")
    await edit(pilot, app, "academy_name", row=1)
    app.screen.query_one("#value-editor", TextArea).text = "Second Academy"
    await pilot.press("ctrl+s")
    await settle(pilot)
    assert "2 pending changes" in status(app)


def diff_lines(app: ConsoleApp) -> list[tuple[str, ...]]:
    table = app.screen.query_one("#pending-diff", DataTable)
    return [tuple(str(c) for c in table.get_row_at(row)) for row in range(table.row_count)]


def test_the_pending_view_shows_the_diff_and_the_guarded_sql_and_undoes_one_change(database: Database) -> None:
    quartzs, name = rows(database, "SELECT quartzs, academy_name FROM gacha.users WHERE id = 1")[0]
    second = scalar(database, "SELECT academy_name FROM gacha.users WHERE id = 2")

    async def scenario(pilot: Pilot[None], app: ConsoleApp) -> None:
        await edit_two_users(pilot, app)
        screen = tables(app)
        await pilot.press("p")
        await settle(pilot)
        assert isinstance(app.screen, PendingChangesView)
        assert diff_lines(app) == [
            ("update", "id=1", "quartzs", str(quartzs), "4242"),
            ("update", "id=2", "academy_name", second, "Second Academy"),
        ]
        await pilot.press("tab")
        await pilot.pause()
        sql = app.screen.query_one("#pending-sql", TextArea)
        assert sql.has_focus
        versions = [
            str(v) for (v,) in rows(database, "SELECT xmin::text FROM gacha.users WHERE id IN (1, 2) ORDER BY id")
        ]
        assert sql.text.split("\n\n") == [
            f'UPDATE "gacha"."users" SET "quartzs" = \'4242\' WHERE "id" = 1 AND xmin = \'{versions[0]}\';',
            f'UPDATE "gacha"."users" SET "academy_name" = \'Second Academy\' WHERE "id" = 2'
            f" AND xmin = '{versions[1]}';",
        ]
        await pilot.press("tab")
        await pilot.pause()
        await pilot.press("down", "u")
        await settle(pilot)
        # The view comes back with what is left: the change of the highlighted line is gone.
        assert isinstance(app.screen, PendingChangesView)
        assert diff_lines(app) == [("update", "id=1", "quartzs", str(quartzs), "4242")]
        assert "1 pending change (" in str(screen.query_one("#tables-status").render())
        # Discard asks first; Escape keeps the changes, Enter forgets them.
        await pilot.press("ctrl+x")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("escape")
        await settle(pilot)
        assert "1 pending change (" in status(app)
        await pilot.press("p", "ctrl+x")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(app.screen, PendingChangesView)
        assert "pending" not in status(app)
        assert column_values(app, "quartzs")[0] == str(quartzs)
        assert column_values(app, "academy_name")[1] == second
        assert rows(database, "SELECT quartzs, academy_name FROM gacha.users WHERE id = 1") == [(quartzs, name)]
        assert scalar(database, "SELECT count(*) FROM console.audit_log") == 0

    run(database, scenario)


def test_saving_from_the_pending_view_writes_every_change(database: Database) -> None:
    async def scenario(pilot: Pilot[None], app: ConsoleApp) -> None:
        await edit_two_users(pilot, app)
        await pilot.press("p")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, PendingChangesView)
        assert "Saved: 2 updated" in toasts(app)
        assert rows(database, "SELECT quartzs FROM gacha.users WHERE id = 1") == [(4242,)]
        assert rows(database, "SELECT academy_name FROM gacha.users WHERE id = 2") == [("Second Academy",)]
        assert scalar(database, "SELECT count(*) FROM console.audit_log WHERE action = 'update'") == 2
        assert "pending" not in status(app)

    run(database, scenario)


def test_pending_changes_stay_with_their_table_when_another_is_opened(database: Database) -> None:
    async def scenario(pilot: Pilot[None], app: ConsoleApp) -> None:
        await open_table(pilot, app, "gacha.users")
        await pilot.press("delete")  # gacha.users id=1
        await open_table(pilot, app, "gacha.user_waifus")
        # Asked first: the change stays pending while another table is shown.
        assert isinstance(app.screen, ConfirmDialog)
        assert "Not saved: 1 pending change to gacha.users" in visible_text(app)
        await pilot.press("escape")  # no: the table stays
        await settle(pilot)
        assert tables(app).shown.view.table.ref.name == "users"
        await open_table(pilot, app, "gacha.user_waifus")
        await pilot.press("enter")
        await settle(pilot)
        # Not drawn on the other table's row with the same key, and not joined by its edits.
        assert "strike" not in styles_of(cell(app, 0, "waifu_id"))
        assert "1 pending change to gacha.users" in status(app)
        grid(app).move_cursor(row=4)
        await pilot.press("delete")
        await settle(pilot)
        assert "changes to gacha.users are pending" in toasts(app)
        assert "1 pending change to gacha.users" in status(app)
        await open_table(pilot, app, "gacha.users")
        assert "strike" in styles_of(cell(app, 0, "discord_id"))
        await pilot.press("delete")  # taken back
        await pilot.pause()
        assert "pending" not in status(app)
        assert rows(database, "SELECT count(*) FROM gacha.users WHERE id IN (1, 5)") == [(2,)]
        assert rows(database, "SELECT count(*) FROM gacha.user_waifus WHERE id = 5") == [(1,)]

    run(database, scenario)


def test_an_edit_made_while_a_save_runs_stays_pending(database: Database) -> None:
    async def scenario(pilot: Pilot[None], app: ConsoleApp) -> None:
        await open_table(pilot, app, "gacha.users")
        await edit(pilot, app, "quartzs", row=0)
        app.screen.query_one("#value-editor", Input).value = "4242"
        await pilot.press("enter")
        # Another session holds row 1: the save waits for it.
        with database.engine.connect() as other:
            other.execute(text("SELECT 1 FROM gacha.users WHERE id = 1 FOR UPDATE"))
            await pilot.press("ctrl+s")
            await pilot.pause(0.2)
            await to_column(pilot, app, "quartzs")
            grid(app).move_cursor(row=1)
            await pilot.press("e")
            await pilot.pause()
            app.screen.query_one("#value-editor", Input).value = "555"
            await pilot.press("enter")
            await pilot.pause()
            await pilot.press("ctrl+s")  # a second save of the same changes is refused
            await pilot.pause()
            assert "A save is running" in toasts(app)
            other.rollback()
        await settle(pilot)
        assert "Saved: 1 updated" in toasts(app)
        assert rows(database, "SELECT quartzs FROM gacha.users WHERE id IN (1, 2) ORDER BY id")[0] == (4242,)
        assert "1 pending change" in status(app)
        assert column_values(app, "quartzs")[:2] == ["4242", "555"]
        await save(pilot)
        assert rows(database, "SELECT quartzs FROM gacha.users WHERE id IN (1, 2) ORDER BY id") == [(4242,), (555,)]
        assert scalar(database, "SELECT count(*) FROM console.audit_log") == 2

    run(database, scenario)


def test_editing_where_there_is_no_row_says_so(database: Database) -> None:
    async def scenario(pilot: Pilot[None], app: ConsoleApp) -> None:
        await open_table(pilot, app, "gacha.users")
        await pilot.press("w")
        await type_into_dialog(pilot, "false")
        assert "no rows match" in status(app)
        await pilot.press("e")
        await settle(pilot)
        assert "There is no row here to change." in toasts(app)
        assert "pending new row" not in toasts(app)

    run(database, scenario)


# ---- 6-7. production and read-only profiles --------------------------------------------


def test_production_asks_a_reason_and_the_database_name_before_saving(database_url: URL) -> None:
    settings = ConnectionSettings(url=database_url, production=True, pool=SMALL_POOL)
    with Database(settings) as production:

        async def scenario(pilot: Pilot[None], app: ConsoleApp) -> None:
            await open_table(pilot, app, "gacha.users")
            await edit(pilot, app, "quartzs")
            app.screen.query_one("#value-editor", Input).value = "4242"
            await pilot.press("enter")
            await save(pilot)
            dialog = app.screen
            assert isinstance(dialog, ConfirmDialog), dialog
            assert database_url.database in str(dialog.query_one(".dialog--message").render())
            dialog.query_one("#confirm-reason", Input).value = "ticket 1234: refund"
            dialog.query_one("#confirm-word", Input).value = "PRODUCTION"
            await pilot.press("enter")
            await settle(pilot)
            assert app.screen is dialog
            assert f"Type {database_url.database} exactly" in str(dialog.query_one("#confirm-error").render())
            assert scalar(production, "SELECT quartzs FROM gacha.users WHERE id = 1") != 4242
            dialog.query_one("#confirm-word", Input).value = str(database_url.database)
            await pilot.press("enter")
            await settle(pilot)
            assert "Saved: 1 updated" in toasts(app)
            assert scalar(production, "SELECT quartzs FROM gacha.users WHERE id = 1") == 4242
            [entry] = audit(production, "update")
            assert entry.reason == "ticket 1234: refund"

        run(production, scenario)


def test_a_read_only_profile_refuses_every_edit_with_a_notice(database_url: URL) -> None:
    settings = ConnectionSettings(url=database_url, read_only=True, pool=SMALL_POOL)
    with Database(settings) as read_only:

        async def scenario(pilot: Pilot[None], app: ConsoleApp) -> None:
            await open_table(pilot, app, "accounts.users")
            for key, refused in (
                ("e", "Cannot edit"),
                ("i", "Cannot insert"),
                ("delete", "Cannot edit"),
                ("z", "Cannot edit"),
            ):
                app.clear_notifications()
                await pilot.press(key)
                await settle(pilot)
                assert isinstance(app.screen, TablesScreen), f"{key} opened {app.screen}"
                assert f"{refused}: this connection is read-only." in toasts(app), key
            assert "pending" not in status(app)

        run(read_only, scenario)


# ---- 8. export --------------------------------------------------------------------------


async def export_to(pilot: Pilot[None], app: ConsoleApp, path: Path) -> ProgressDialog:
    """Press x, type `path`, and wait for the export to finish."""
    await pilot.press("x")
    await settle(pilot)
    assert isinstance(app.screen, TextPrompt)
    await type_into_dialog(pilot, str(path))
    dialog = app.screen
    assert isinstance(dialog, ProgressDialog), dialog
    await settle(pilot)
    assert dialog.outcome is not None
    return dialog


def test_export_writes_the_whole_filtered_result_to_csv_and_json(database: Database, tmp_path: Path) -> None:
    where = "user_id <= 6"
    expected = [row.id for row in rows(database, f"SELECT id FROM gacha.user_waifus WHERE {where} ORDER BY id")]
    assert len(expected) > 100, "the filtered result must be more than one page"

    async def scenario(pilot: Pilot[None], app: ConsoleApp) -> None:
        await open_table(pilot, app, "gacha.user_waifus")
        await pilot.press("w")
        await type_into_dialog(pilot, where)
        assert "of more" in status(app)
        dialog = await export_to(pilot, app, tmp_path / "waifus.csv")
        outcome = str(dialog.query_one("#progress-outcome").render())
        assert outcome.startswith(f"Exported {len(expected):,} rows")
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(app.screen, ProgressDialog)
        with (tmp_path / "waifus.csv").open(newline="", encoding="utf-8") as exported:
            lines = list(csv.reader(exported))
        assert lines[0][:3] == ["id", "user_id", "waifu_id"]
        assert [int(line[0]) for line in lines[1:]] == expected
        dialog = await export_to(pilot, app, tmp_path / "waifus.json")
        assert str(dialog.query_one("#progress-outcome").render()).startswith(f"Exported {len(expected):,} rows")
        exported_json = json.loads((tmp_path / "waifus.json").read_text(encoding="utf-8"))
        assert [item["id"] for item in exported_json] == expected

    run(database, scenario)


def test_export_refuses_a_file_name_that_is_neither_csv_nor_json(database: Database, tmp_path: Path) -> None:
    async def scenario(pilot: Pilot[None], app: ConsoleApp) -> None:
        await open_table(pilot, app, "gacha.users")
        await pilot.press("x")
        await settle(pilot)
        await type_into_dialog(pilot, str(tmp_path / "users.txt"))
        assert isinstance(app.screen, TextPrompt)
        assert "must end in .csv or .json" in str(app.screen.query_one("#prompt-error").render())
        assert list(tmp_path.iterdir()) == []

    run(database, scenario)


def test_export_masks_the_sensitive_columns_the_grid_masks(database: Database, tmp_path: Path) -> None:
    async def scenario(pilot: Pilot[None], app: ConsoleApp) -> None:
        await open_table(pilot, app, "accounts.users")
        assert set(column_values(app, "hashed_password")) == {"********"}
        await export_to(pilot, app, tmp_path / "accounts.csv")
        with (tmp_path / "accounts.csv").open(newline="", encoding="utf-8") as exported:
            written = list(csv.DictReader(exported))
        assert len(written) == scalar(database, "SELECT count(*) FROM accounts.users")
        assert {line["hashed_password"] for line in written} == {"********"}
        assert {line["email"] for line in written} == {
            email for (email,) in rows(database, "SELECT email FROM accounts.users")
        }

    run(database, scenario)


# ---- 9. types in the grid ------------------------------------------------------------------


def test_json_and_vectors_are_folded_in_the_grid_and_json_opens_pretty_printed(database: Database) -> None:
    node_rows = rows(
        database, "SELECT metadata, embedding IS NOT NULL AS filled FROM stories.nodes ORDER BY id LIMIT 100"
    )
    filled = next(index for index, row in enumerate(node_rows) if row.filled)
    metadata = node_rows[0].metadata

    async def scenario(pilot: Pilot[None], app: ConsoleApp) -> None:
        await open_table(pilot, app, "stories.nodes")
        shown = column_values(app, "metadata")[0]
        assert shown.startswith(f"{{{len(metadata)} keys}} {{")
        assert len(shown) <= 40
        assert column_values(app, "embedding")[filled].startswith("vector(768) [")
        await to_column(pilot, app, "metadata")
        await pilot.press("v")
        await settle(pilot)
        viewer = app.screen
        assert isinstance(viewer, TextViewer), viewer
        assert viewer.query_one("#viewer-text", TextArea).text == json.dumps(metadata, indent=2, ensure_ascii=False)

    run(database, scenario)


# ---- 10. partitioned tables in the tree ------------------------------------------------


def test_the_tree_shows_a_partitioned_table_with_its_partitions_under_it(database: Database) -> None:
    with database.connect() as connection:
        connection.execute(
            text(
                "CREATE TABLE public.events (id int, at date, what text, PRIMARY KEY (id, at)) PARTITION BY RANGE (at)"
            )
        )
        connection.execute(
            text(
                "CREATE TABLE public.events_2025 PARTITION OF public.events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')"
            )
        )
        connection.execute(
            text(
                "CREATE TABLE public.events_2026 PARTITION OF public.events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO public.events VALUES (1, '2025-03-01', 'old'), (2, '2026-03-01', 'new'), (3, '2026-04-01', 'newer')"
            )
        )

    def names(node: Any) -> list[str]:
        return [str(child.label).split()[1] for child in node.children]

    async def scenario(pilot: Pilot[None], app: ConsoleApp) -> None:
        tree = tables(app).query_one(Tree)
        public = next(node for node in tree.root.children if str(node.label).split()[0] == "public")
        tree.focus()
        tree.move_cursor(public)
        await pilot.press("space")
        await settle(pilot)
        assert "events" in names(public)
        assert "events_2025" not in names(public) and "events_2026" not in names(public)
        events = public.children[names(public).index("events")]
        assert str(events.label).startswith("P events")
        tree.move_cursor(events)
        await pilot.press("space")
        await settle(pilot)
        assert names(events) == ["events_2025", "events_2026"]
        tree.move_cursor(events.children[1])
        await pilot.press("enter")
        await settle(pilot)
        assert str(tables(app).query_one("#tables-title").render()).startswith("public.events_2026 · table")
        assert column_values(app, "what") == ["new", "newer"]

    run(database, scenario)


def test_quitting_with_a_pending_edit_asks_first_and_switching_screens_keeps_it(database: Database) -> None:
    async def scenario(pilot: Pilot[None], app: ConsoleApp) -> None:
        await open_table(pilot, app, "gacha.users")
        await pilot.press("delete")
        await pilot.press("1")  # Home, and back: the edit is still there
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        assert "1 pending change" in status(app)
        for quit_key in ("q", "ctrl+q"):
            await pilot.press(quit_key)
            await settle(pilot)
            assert isinstance(app.screen, ConfirmDialog), quit_key
            assert "1 pending change to gacha.users" in visible_text(app)
            await pilot.press("escape")
            await settle(pilot)
            assert app.is_running and "1 pending change" in status(app)
        await pilot.press("q")
        await settle(pilot)
        await pilot.press("enter")  # quit and lose it
        await settle(pilot)
        assert app.return_code == 0 and not app.is_running

    run(database, scenario)


def test_quitting_with_nothing_pending_does_not_ask(database: Database) -> None:
    async def scenario(pilot: Pilot[None], app: ConsoleApp) -> None:
        await open_table(pilot, app, "gacha.users")
        await pilot.press("q")
        await settle(pilot)
        assert not app.is_running

    run(database, scenario)


def test_export_over_an_existing_file_asks_and_a_no_leaves_it(database: Database, tmp_path: Path) -> None:
    keep = tmp_path / "keep.csv"
    keep.write_text("precious\n")

    async def scenario(pilot: Pilot[None], app: ConsoleApp) -> None:
        await open_table(pilot, app, "gacha.users")
        await pilot.press("x")
        await settle(pilot)
        await type_into_dialog(pilot, str(keep))
        assert isinstance(app.screen, ConfirmDialog) and "keep.csv exists" in visible_text(app)
        await pilot.press("escape")
        await settle(pilot)
        assert keep.read_text() == "precious\n"
        await pilot.press("x")
        await settle(pilot)
        await type_into_dialog(pilot, str(keep))
        await pilot.press("enter")  # replace
        await settle(pilot)
        assert isinstance(app.screen, ProgressDialog)
        assert str(app.screen.query_one("#progress-outcome").render()).startswith("Exported")
        assert keep.read_text().startswith("id,")

    run(database, scenario)

"""The Tables screen's dialogs, driven with Pilot at 80x24; no database needed.

Each test pushes one dialog on a bare App, presses keys, and checks both what the user
sees (status lines, key hints, cells) and what the dialog answers through dismiss.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Awaitable, Callable
from typing import Any

from rich.style import Style
from textual.app import App
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import DataTable, Input, OptionList, TabbedContent, TextArea

from data.formatting import eta_text
from tests.app_factory import visible_text
from widgets.dialogs import (
    ChoiceDialog,
    Confirmation,
    ConfirmDialog,
    KeyHints,
    ProgressDialog,
    TextPrompt,
    TextViewer,
)
from widgets.pending_changes import PendingAction, PendingChangesView, PendingRow
from widgets.row_form import FormField, RowForm
from widgets.value_editor import EditOutcome, ValueEditor

SIZE = (80, 24)

# No async test plugin is installed: each test runs its Pilot scenario with asyncio.run.


class DialogApp(App[None]):
    """A bare app that opens one dialog and records what it answers."""

    def __init__(self, dialog: Screen[Any]) -> None:
        super().__init__()
        self.dialog = dialog
        self.answers: list[Any] = []
        """What the dialog dismissed with; empty while it is open."""

    def on_mount(self) -> None:
        self.push_screen(self.dialog, callback=self.answers.append)


Scenario = Callable[[Pilot[None], DialogApp], Awaitable[None]]


def drive(dialog: Screen[Any], scenario: Scenario, *, keymap: dict[str, str] | None = None) -> None:
    """Run `scenario` against `dialog` at 80x24, after checking that the dialog fits."""

    async def main() -> None:
        app = DialogApp(dialog)
        if keymap:
            app.set_keymap(keymap)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            assert_fits(app)
            await scenario(pilot, app)

    asyncio.run(main())


def assert_fits(app: DialogApp) -> None:
    """The frame is on screen whole, the screen does not scroll, and the keys line shows."""
    screen = app.screen
    frame = screen.query_one(".dialog--frame")
    width, height = SIZE
    assert frame.region.right <= width and frame.region.bottom <= height, frame.region
    assert screen.max_scroll_y == 0
    hints = screen.query_one(KeyHints)
    assert hints.region.height >= 1 and frame.region.contains_region(hints.region)
    assert str(hints.render()).strip()


def hints_of(app: App[Any]) -> str:
    return str(app.screen.query_one(KeyHints).render())


async def typed(pilot: Pilot[None], text: str) -> None:
    await pilot.press(*text)


def invalid_json(text: str) -> str:
    """Parse like the screen does: compact JSON back, or the parser's one-line complaint."""
    try:
        return json.dumps(json.loads(text), separators=(",", ":"))
    except json.JSONDecodeError as error:
        raise ValueError(f"invalid JSON: {error}") from None


def whole_number(text: str) -> str:
    try:
        return str(int(text))
    except ValueError:
        raise ValueError(f"{text!r} is not a whole number") from None


# TextPrompt ---------------------------------------------------------------------------


def test_text_prompt_shows_the_validation_error_then_answers_the_validated_text() -> None:
    def validate(text: str) -> str:
        if not text.strip():
            raise ValueError("a name cannot be blank\nsecond line never shown")
        return text.strip().lower()

    async def scenario(pilot: Pilot[None], app: DialogApp) -> None:
        assert "New name" in visible_text(app)
        assert "OK" in hints_of(app) and "Cancel" in hints_of(app)
        await pilot.press("ctrl+u", "space", "enter")
        seen = visible_text(app)
        assert "a name cannot be blank" in seen and "second line" not in seen
        assert app.answers == []
        await typed(pilot, "Big Spenders")
        await pilot.press("enter")
        await pilot.pause()
        assert app.answers == ["big spenders"]

    drive(TextPrompt("Save filter", "New name", "old", validate=validate), scenario)


def test_text_prompt_escape_answers_none() -> None:
    async def scenario(pilot: Pilot[None], app: DialogApp) -> None:
        await typed(pilot, "abc")
        await pilot.press("escape")
        await pilot.pause()
        assert app.answers == [None]

    drive(TextPrompt("Save filter", "New name"), scenario)


# ConfirmDialog ------------------------------------------------------------------------


def test_confirm_needs_a_reason_and_the_exact_word() -> None:
    async def scenario(pilot: Pilot[None], app: DialogApp) -> None:
        seen = visible_text(app)
        assert "Delete 3 rows from gacha.users?\nThis cannot be undone." in seen
        assert "Type PRODUCTION to confirm" in seen
        assert "Delete 3 rows" in hints_of(app)
        await pilot.press("enter")
        assert "Give a reason first" in visible_text(app)
        assert app.answers == []
        await typed(pilot, "  ticket 42 ")
        await pilot.press("ctrl+s")
        assert "Type PRODUCTION exactly to confirm." in visible_text(app)
        assert app.focused is app.screen.query_one("#confirm-word")
        await typed(pilot, "production")
        await pilot.press("enter")
        assert app.answers == []  # the case matters
        await pilot.press("ctrl+u")
        await typed(pilot, "PRODUCTION")
        await pilot.press("enter")
        await pilot.pause()
        assert app.answers == [Confirmation(reason="ticket 42")]

    dialog = ConfirmDialog(
        "Delete rows",
        "Delete 3 rows from gacha.users?\nThis cannot be undone.",
        confirm_label="Delete 3 rows",
        confirm_word="PRODUCTION",
        ask_reason=True,
    )
    drive(dialog, scenario)


def test_plain_confirm_and_cancel() -> None:
    async def confirm(pilot: Pilot[None], app: DialogApp) -> None:
        await pilot.press("enter")
        await pilot.pause()
        assert app.answers == [Confirmation(reason=None)]

    async def cancel(pilot: Pilot[None], app: DialogApp) -> None:
        await pilot.press("escape")
        await pilot.pause()
        assert app.answers == [None]

    async def click(pilot: Pilot[None], app: DialogApp) -> None:
        assert hints_of(app).startswith("⏎/^s Discard")
        await pilot.click(KeyHints, offset=(2, 0))  # the mouse works too: keys are links
        await pilot.pause()
        assert app.answers == [Confirmation(reason=None)]

    drive(ConfirmDialog("Discard", "Discard 2 changes?"), confirm)
    drive(ConfirmDialog("Discard", "Discard 2 changes?", confirm_word="YES"), cancel)
    drive(ConfirmDialog("Discard", "Discard 2 changes?", confirm_label="Discard"), click)


# ChoiceDialog -------------------------------------------------------------------------


def test_choice_skips_disabled_options_and_answers_the_index() -> None:
    async def scenario(pilot: Pilot[None], app: DialogApp) -> None:
        assert "Which format?" in visible_text(app)
        options = app.screen.query_one(OptionList)
        assert options.get_option_at_index(1).disabled
        await pilot.press("down")  # over the disabled JSON
        assert options.highlighted == 2
        await pilot.press("enter")
        await pilot.pause()
        assert app.answers == [2]

    drive(ChoiceDialog("Export", ["CSV", ("JSON", False), "SQL inserts"], message="Which format?"), scenario)


def test_choice_escape_answers_none() -> None:
    async def scenario(pilot: Pilot[None], app: DialogApp) -> None:
        await pilot.press("down", "escape")
        await pilot.pause()
        assert app.answers == [None]

    drive(ChoiceDialog("Export", ["CSV", "SQL"]), scenario)


# TextViewer ---------------------------------------------------------------------------


def test_text_viewer_is_read_only_copies_and_closes_with_q() -> None:
    text = '{"a": 1,\n "b": [1, 2, 3]}'

    async def scenario(pilot: Pilot[None], app: DialogApp) -> None:
        area = app.screen.query_one(TextArea)
        assert area.read_only and app.focused is area
        await typed(pilot, "xyz")
        assert area.text == text
        await pilot.press("f7", "ctrl+c")
        assert app.clipboard == text
        assert "Close" in hints_of(app)
        await pilot.press("q")
        await pilot.pause()
        assert app.answers == [None]

    drive(TextViewer("gacha.users id=7 · profile", text, language="json"), scenario)


# ProgressDialog -----------------------------------------------------------------------


def test_progress_shows_rows_rate_and_time_left_then_the_outcome() -> None:
    now = [100.0]
    dialog = ProgressDialog("Importing", total=1_000, clock=lambda: now[0])

    async def scenario(pilot: Pilot[None], app: DialogApp) -> None:
        assert "0 of 1,000 rows" in visible_text(app)
        now[0] = 105.0
        dialog.update_progress(500)
        await pilot.pause()
        assert "500 of 1,000 rows · 100 rows/s · about 5 s left" in visible_text(app)
        await pilot.press("enter")  # the job is running: Enter does not close
        assert app.answers == []
        dialog.finish("Imported 1,000 rows")
        dialog.update_progress(1_000)
        await pilot.pause()
        assert "Imported 1,000 rows" in visible_text(app)
        assert "Close" in hints_of(app)
        await pilot.press("enter")
        await pilot.pause()
        assert app.answers == [True]

    drive(dialog, scenario)


def test_progress_escape_asks_the_worker_to_stop_and_answers_false() -> None:
    dialog = ProgressDialog("Exporting")  # no total: indeterminate
    stopped = threading.Event()

    def job(app: App[Any]) -> None:
        done = 0
        # Bounded, so that a dialog which never sets the event fails the test, not hangs it.
        for _ in range(300):
            if dialog.cancel_requested.wait(0.01):
                break
            done += 1_000
            app.call_from_thread(dialog.update_progress, done)
        app.call_from_thread(dialog.finish, f"Stopped after {done:,} rows")
        stopped.set()

    async def scenario(pilot: Pilot[None], app: DialogApp) -> None:
        app.run_worker(lambda: job(app), thread=True)
        await pilot.pause(0.1)
        assert " rows/s" in visible_text(app) and " left" not in visible_text(app)
        await pilot.press("escape")
        assert dialog.cancel_requested.is_set()
        await asyncio.wait_for(app.workers.wait_for_complete(), 1)
        await pilot.pause()
        assert stopped.is_set()
        assert app.answers == []  # still showing how it ended
        assert "Stopped after" in visible_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert app.answers == [False]

    drive(dialog, scenario)


def test_progress_failure_answers_false_and_durations_read_well() -> None:
    dialog = ProgressDialog("Importing", total=10)

    async def scenario(pilot: Pilot[None], app: DialogApp) -> None:
        dialog.finish("Line 7: invalid input syntax for type integer", failed=True)
        await pilot.pause()
        outcome = app.screen.query_one("#progress-outcome")
        assert outcome.has_class("dialog--error")
        await pilot.press("enter")
        await pilot.pause()
        assert app.answers == [False]

    drive(dialog, scenario)
    assert [eta_text(s) for s in (0.2, 59.5, 125, 3_700)] == ["1 s", "1 min", "2 min 5 s", "1 h 1 min"]


def test_progress_reported_before_the_dialog_shows_is_not_lost() -> None:
    # A quick job can report and finish before the pushed dialog has mounted.
    dialog = ProgressDialog("Importing", total=5)
    dialog.update_progress(5)
    dialog.finish("Imported 5 rows")

    async def scenario(pilot: Pilot[None], app: DialogApp) -> None:
        seen = visible_text(app)
        assert "5 of 5 rows" in seen and "Imported 5 rows" in seen
        await pilot.press("enter")
        await pilot.pause()
        assert app.answers == [True]

    drive(dialog, scenario)


# ValueEditor --------------------------------------------------------------------------


def test_json_editor_refuses_invalid_json_and_saves_the_validated_text() -> None:
    async def scenario(pilot: Pilot[None], app: DialogApp) -> None:
        assert "valid JSON" in visible_text(app)
        assert "jsonb · nullable · default '{}'::jsonb" in visible_text(app)
        await pilot.press("end", "x")
        assert "invalid JSON: Extra data" in visible_text(app)
        await pilot.press("ctrl+s")
        assert app.answers == []
        await pilot.press("backspace", "tab")  # tab indents JSON, it does not leave
        assert app.screen.query_one(TextArea).text == '{"a": 1}    '
        assert "valid JSON" in visible_text(app)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.answers == [EditOutcome('{"a":1}')]

    editor = ValueEditor(
        "gacha.users id=7 · profile",
        "json",
        '{"a": 1}',
        type_label="jsonb",
        nullable=True,
        default="'{}'::jsonb",
        validate=invalid_json,
    )
    drive(editor, scenario)


def test_escape_cancels_even_from_the_json_editor() -> None:
    async def scenario(pilot: Pilot[None], app: DialogApp) -> None:
        assert isinstance(app.focused, TextArea)
        await pilot.press("escape")
        await pilot.pause()
        assert app.answers == [None]

    drive(ValueEditor("t · c", "json", "{}", type_label="json", nullable=True, validate=invalid_json), scenario)


def test_boolean_editor_picks_and_refuses_null_on_a_not_null_column() -> None:
    async def scenario(pilot: Pilot[None], app: DialogApp) -> None:
        assert "currently NULL" in visible_text(app)
        assert "boolean · NOT NULL" in visible_text(app)
        await pilot.press("ctrl+n")
        assert "This column is NOT NULL" in visible_text(app)
        await pilot.press("ctrl+d")
        assert "This column has no DEFAULT" in visible_text(app)
        assert app.answers == []
        await pilot.press("down", "enter")
        await pilot.pause()
        assert app.answers == [EditOutcome("false")]

    drive(ValueEditor("gacha.users id=7 · active", "boolean", None, type_label="boolean", nullable=False), scenario)


def test_enum_editor_starts_on_the_current_label() -> None:
    choices = ["common", "rare", "epic"]

    async def keep(pilot: Pilot[None], app: DialogApp) -> None:
        assert app.screen.query_one(OptionList).highlighted == 1
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.answers == [EditOutcome("rare")]

    async def next_one(pilot: Pilot[None], app: DialogApp) -> None:
        await pilot.press("down", "enter")
        await pilot.pause()
        assert app.answers == [EditOutcome("epic")]

    for scenario in (keep, next_one):
        drive(ValueEditor("t · rarity", "enum", "rare", type_label="rarity", nullable=False, choices=choices), scenario)


def test_text_editor_tells_the_empty_string_from_null() -> None:
    async def empty_from_null(pilot: Pilot[None], app: DialogApp) -> None:
        assert "currently NULL" in visible_text(app)
        assert app.screen.query_one(TextArea).text == ""
        await pilot.press("ctrl+s")  # an empty editor saves the empty string, not NULL
        await pilot.pause()
        assert app.answers == [EditOutcome("")]

    async def null_from_empty(pilot: Pilot[None], app: DialogApp) -> None:
        seen = visible_text(app)
        assert "currently the empty string" in seen and "currently NULL" not in seen
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert app.answers == [EditOutcome(None)]

    drive(ValueEditor("t · note", "text", None, type_label="text", nullable=True), empty_from_null)
    drive(ValueEditor("t · note", "text", "", type_label="text", nullable=True), null_from_empty)


def test_default_and_enter_in_one_line_editors() -> None:
    async def default(pilot: Pilot[None], app: DialogApp) -> None:
        await typed(pilot, "12")
        await pilot.press("ctrl+d")
        await pilot.pause()
        assert app.answers == [EditOutcome(None, use_default=True)]

    async def enter_validates(pilot: Pilot[None], app: DialogApp) -> None:
        field = app.screen.query_one(Input)
        assert field.placeholder == "42"  # an integer column: no decimals suggested
        await pilot.press("ctrl+u")
        await typed(pilot, "1.5")
        await pilot.press("enter")
        assert "'1.5' is not a whole number" in visible_text(app)
        assert app.answers == []
        await pilot.press("backspace", "backspace")
        await pilot.press("enter")
        await pilot.pause()
        assert app.answers == [EditOutcome("1")]

    def editor() -> ValueEditor:
        return ValueEditor(
            "gacha.users id=7 · quartzs",
            "number",
            "100",
            type_label="integer",
            nullable=False,
            default="0",
            validate=whole_number,
        )

    drive(editor(), default)
    drive(editor(), enter_validates)


def test_timestamp_placeholder_follows_the_time_zone_and_keys_follow_the_keymap() -> None:
    async def scenario(pilot: Pilot[None], app: DialogApp) -> None:
        assert app.screen.query_one(Input).placeholder == "2026-11-22 14:05:00+00"
        assert "f2 Apply" in hints_of(app)
        await pilot.press("f2")
        await pilot.pause()
        assert app.answers == [EditOutcome("2026-01-01 00:00:00+00")]

    editor = ValueEditor(
        "t · created",
        "timestamp",
        "2026-01-01 00:00:00+00",
        type_label="timestamp with time zone",
        nullable=False,
        default="now()",
    )
    drive(editor, scenario, keymap={"value_editor.apply": "f2"})


# RowForm ------------------------------------------------------------------------------

FIELDS = [
    FormField("id", "bigint", "number", False, "nextval('gacha.users_id_seq'::regclass)", validate=whole_number),
    FormField("name", "text", "text", False, None, required=True),
    FormField("nickname", "text", "text", True, None),
    FormField("motto", "text", "text", False, "''::text"),
    FormField("rarity", "rarity", "enum", True, None, choices=("common", "rare")),
    FormField("level", "integer", "number", False, None, validate=whole_number, required=True),
    # Required although the column could be NULL: the screen insists on a value.
    FormField("email", "text", "text", True, None, required=True),
]


def test_row_form_lists_every_error_then_answers_every_field() -> None:
    async def scenario(pilot: Pilot[None], app: DialogApp) -> None:
        screen = app.screen
        assert screen.query_one("#field-0", Input).placeholder == "default: nextval('gacha.users_id_…"
        assert screen.query_one("#field-2", Input).placeholder == "NULL"
        assert "'' = empty string" in visible_text(app)
        await pilot.press("ctrl+s")
        seen = visible_text(app)
        assert "name: a value is required" in seen and "level: a value is required" in seen
        assert "email: a value is required" in seen
        assert "id:" not in seen and "nickname:" not in seen
        assert app.focused is screen.query_one("#field-1")
        assert app.answers == []
        await typed(pilot, "Ann")
        await pilot.press("enter")  # Enter moves to the next field, it does not save
        assert app.focused is screen.query_one("#field-2")
        await typed(pilot, "''")
        screen.query_one("#field-5", Input).value = "x"
        screen.query_one("#field-6", Input).value = "ann@example.com"
        await pilot.press("ctrl+s")
        seen = visible_text(app)
        assert "level: 'x' is not a whole number" in seen and "name:" not in seen
        assert app.focused is screen.query_one("#field-5")
        await pilot.press("backspace")
        await typed(pilot, "3")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.answers == [
            {
                "id": EditOutcome(None, use_default=True),
                "name": EditOutcome("Ann"),
                "nickname": EditOutcome(""),
                "motto": EditOutcome(None, use_default=True),
                "rarity": EditOutcome(None),
                "level": EditOutcome("3"),
                "email": EditOutcome("ann@example.com"),
            }
        ]

    drive(RowForm("New row in gacha.users", FIELDS), scenario)


def test_row_form_names_a_field_once_and_suggests_no_decimals_for_a_whole_number() -> None:
    def amount(text: str) -> str:
        raise ValueError(f"amount must be a whole number, not {text!r}")

    fields = [
        FormField("amount", "whole number", "number", False, None, validate=amount, required=True),
        FormField("price", "numeric", "number", False, None, validate=amount, required=True),
    ]

    async def scenario(pilot: Pilot[None], app: DialogApp) -> None:
        screen = app.screen
        assert screen.query_one("#field-0", Input).placeholder == "required, e.g. 42"
        assert screen.query_one("#field-1", Input).placeholder == "required, e.g. 42 or -3.14"
        screen.query_one("#field-0", Input).value = "1.5"
        screen.query_one("#field-1", Input).value = "2"
        await pilot.press("ctrl+s")
        seen = visible_text(app)
        assert "amount must be a whole number, not '1.5'" in seen and "amount: amount" not in seen
        assert "price: amount must be" in seen  # a message that names another field is prefixed

    drive(RowForm("Grant", fields), scenario)


def test_row_form_select_and_escape() -> None:
    async def pick(pilot: Pilot[None], app: DialogApp) -> None:
        screen = app.screen
        screen.query_one("#field-4").focus()
        await pilot.press("enter", "down", "down", "enter")  # past the blank, onto "rare"
        screen.query_one("#field-1", Input).value = "Bo"
        screen.query_one("#field-5", Input).value = "1"
        screen.query_one("#field-6", Input).value = "bo@example.com"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.answers[0]["rarity"] == EditOutcome("rare")

    async def cancel(pilot: Pilot[None], app: DialogApp) -> None:
        await typed(pilot, "7")
        await pilot.press("escape")
        await pilot.pause()
        assert app.answers == [None]

    drive(RowForm("New row", FIELDS), pick)
    drive(RowForm("New row", FIELDS), cancel)


# PendingChangesView -------------------------------------------------------------------

ROWS = [
    PendingRow("update", "id=7", "quartzs", "100", "250"),
    PendingRow("update", "id=7", "name", "Bob", "Robert [b]the[/b] great"),
    PendingRow("insert", "id=new", None, None, "(8, 'Ann', 0)"),
    PendingRow("delete", "id=3", None, "(3, 'Zed', 5)", None),
]
SQL = [
    "UPDATE gacha.users SET quartzs = 250, name = 'Robert' WHERE id = 7;",
    "INSERT INTO gacha.users (id, name) VALUES (8, 'Ann');",
    "DELETE FROM gacha.users WHERE id = 3;",
]


def pending_view() -> PendingChangesView:
    return PendingChangesView("gacha.users", ROWS, SQL, change_of_row=[0, 0, 1, 2])


def test_pending_diff_is_coloured_and_undo_answers_the_change_of_the_row() -> None:
    async def scenario(pilot: Pilot[None], app: DialogApp) -> None:
        assert "3 pending changes to gacha.users" in visible_text(app)
        table = app.screen.query_one(DataTable)
        assert table.row_count == 4
        theme = app.theme_variables
        action, _key, _column, before, after = table.get_row_at(0)
        assert before.style.strike and after.style.color.name.lower() == theme["text-success"].lower()
        assert str(table.get_row_at(1)[4]) == "Robert [b]the[/b] great"  # data, not markup
        delete_action = table.get_row_at(3)[0]
        assert delete_action.style.color.name.lower() == theme["text-error"].lower()
        await pilot.press("down", "down", "u")
        await pilot.pause()
        assert app.answers == [PendingAction("undo", 1)]

    drive(pending_view(), scenario)


def test_pending_sql_view_shows_the_statements_and_undo_asks_for_the_diff() -> None:
    async def scenario(pilot: Pilot[None], app: DialogApp) -> None:
        await pilot.press("tab")
        views = app.screen.query_one(TabbedContent)
        assert views.active == "sql"
        area = app.screen.query_one("#pending-sql", TextArea)
        assert area.read_only and app.focused is area
        assert area.text == "\n\n".join(SQL)
        await pilot.press("u")
        assert "press tab to show it" in visible_text(app)
        assert app.answers == []
        await pilot.press("ctrl+t")
        assert views.active == "diff" and isinstance(app.focused, DataTable)
        await pilot.press("ctrl+t")
        assert app.focused is area
        await pilot.press("ctrl+x")  # ours even though the SQL area would cut with it
        await pilot.pause()
        assert app.answers == [PendingAction("discard")]

    drive(pending_view(), scenario)


def test_pending_save_and_close() -> None:
    async def save(pilot: Pilot[None], app: DialogApp) -> None:
        assert "Save all" in hints_of(app) and "Discard all" in hints_of(app)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.answers == [PendingAction("save")]

    async def close(pilot: Pilot[None], app: DialogApp) -> None:
        await pilot.press("escape")
        await pilot.pause()
        assert app.answers == [None]

    drive(pending_view(), save)
    drive(PendingChangesView("gacha.users", ROWS[:1], SQL[:1]), close)


def test_one_change_is_singular_and_style_helpers_keep_data_plain() -> None:
    async def scenario(pilot: Pilot[None], app: DialogApp) -> None:
        assert "1 pending change to gacha.users" in visible_text(app)
        cell = app.screen.query_one(DataTable).get_row_at(0)[4]
        assert str(cell) == "NULL" and cell.style != Style()

    drive(PendingChangesView("gacha.users", [PendingRow("update", "id=1", "note", "x", None)], ["UPDATE …;"]), scenario)

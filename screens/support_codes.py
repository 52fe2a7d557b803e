"""Support desk, Gift codes tab: every code with its redemptions; create, deactivate, activate.

Each call is one function of data/support/giftcodes.py in a thread worker; creation and
(de)activation are audited there. Refusals (a code that exists in another case, a bad
reward) reach the user through the App's worker-failure notification.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable
from textual.worker import get_current_worker

from data import inputs
from data.engine import Database
from data.inputs import CURRENCIES
from data.support import giftcodes
from screens.support_common import DeskPane, ask_reason, when
from screens.support_players import require_amount, require_code
from widgets.data_grid import DataGrid
from widgets.row_form import FormField, RowForm
from widgets.value_editor import EditOutcome


class GiftCodesPane(DeskPane):
    """Gift codes: reward, limit, redemptions, expiry and state, with create and (de)activate."""

    DEFAULT_CSS = """
    GiftCodesPane { height: 1fr; }
    GiftCodesPane DataTable {
        height: 1fr;
        border-top: solid $border-blurred;
        border-title-color: $text-muted;
        border-title-style: bold;
    }
    GiftCodesPane DataTable:focus { border-top: solid $border; border-title-color: $text-accent; }
    """

    BINDINGS = [
        Binding("n", "create", "New code", id="codes.create", tooltip="Create a gift code"),
        Binding(
            "x",
            "toggle_active",
            "(De)activate",
            id="codes.toggle",
            tooltip="Deactivate the highlighted code, or activate it again",
        ),
        Binding("ctrl+r", "reload", "Reload", id="codes.reload", tooltip="Read the codes again", show=False),
    ]
    WRITES = frozenset({"create", "toggle_active"})

    @dataclass
    class CodesLoaded(Message):
        codes: list[giftcodes.GiftCodeInfo]

    def __init__(self) -> None:
        super().__init__(id="codes")
        self.codes: dict[str, giftcodes.GiftCodeInfo] = {}

    def compose(self) -> ComposeResult:
        yield DataGrid(cursor_type="row", zebra_stripes=True, id="codes-list")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Code", "Reward", "Used", "Limit", "Expires", "State")
        table.border_title = "Gift codes"
        self.action_reload()

    def action_reload(self) -> None:
        self.load(self.console_app.database)

    @work(thread=True, exclusive=True, group="codes.list", exit_on_error=False, name="Gift codes")
    def load(self, database: Database) -> None:
        codes = giftcodes.list_codes(database)
        if not get_current_worker().is_cancelled:
            self.post_message(self.CodesLoaded(codes))

    @on(CodesLoaded)
    def show_codes(self, event: CodesLoaded) -> None:
        table = self.query_one(DataTable)
        keep = table.cursor_row
        table.clear()
        self.codes = {code.code: code for code in event.codes}
        for code in event.codes:
            table.add_row(*code_cells(code), key=code.code)
        live = sum(code.status == "active" for code in event.codes)
        table.border_title = f"Gift codes · {live} live of {len(event.codes)}"
        if event.codes:
            table.move_cursor(row=min(keep, len(event.codes) - 1))

    def highlighted(self) -> giftcodes.GiftCodeInfo | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self.codes.get(key or "")

    def action_create(self) -> None:
        def write(values: dict[str, EditOutcome]) -> None:
            ask_reason(
                self,
                "New gift code",
                f"Create the gift code {values['code'].text or ''!r}",
                lambda reason: self.create(self.console_app.database, form, values, reason),
                cancelled=form.kept,
            )

        form = RowForm("New gift code", code_fields(), write=write)
        self.app.push_screen(form)

    @work(thread=True, group="codes.act", exit_on_error=False, name="Create gift code")
    def create(self, database: Database, form: RowForm, values: dict[str, EditOutcome], reason: str) -> None:
        limit = values["usage_limit"]
        expires = values["expires_at"].text
        code = self.write_for(
            form,
            lambda: giftcodes.create_code(
                database,
                values["code"].text or "",
                values["reward_type"].text or "",
                int(values["reward_value"].text or 0),
                usage_limit=-1 if limit.use_default or limit.text is None else int(limit.text),
                expires_at=inputs.moment(expires, "expires_at") if expires else None,
                active=values["is_active"].use_default or values["is_active"].text == "true",
                reason=reason,
            ),
        )
        if code is None:
            return
        self.done("Gift code created", f"{code.code}: {describe(code)}.")

    def action_toggle_active(self) -> None:
        code = self.highlighted()
        if code is None:
            self.notify("There is no code here.", severity="warning")
            return
        verb = "Deactivate" if code.is_active else "Activate"
        ask_reason(
            self,
            f"{verb} {code.code}",
            f"{verb} the gift code {code.code} ({describe(code)})",
            lambda reason: self.set_active(self.console_app.database, code.code, not code.is_active, reason),
        )

    @work(thread=True, group="codes.act", exit_on_error=False, name="Change gift code")
    def set_active(self, database: Database, code: str, active: bool, reason: str) -> None:
        info = (giftcodes.activate_code if active else giftcodes.deactivate_code)(database, code, reason)
        self.done("Gift code changed", f"{info.code} is now {info.status}.")


STATE_STYLES = {"active": "green", "inactive": "dim", "expired": "yellow", "used up": "yellow"}


def code_cells(code: giftcodes.GiftCodeInfo) -> tuple[Text | str, ...]:
    state = code.status
    return (
        Text(code.code, "bold"),
        f"{code.reward_value:,} {code.reward_type}",
        Text(f"{code.redemptions:,}", justify="right"),
        Text("unlimited" if code.unlimited else f"{code.usage_limit:,}", justify="right"),
        when(code.expires_at) or "never",
        Text(state, STATE_STYLES[state]),
    )


def describe(code: giftcodes.GiftCodeInfo) -> str:
    limit = "unlimited" if code.unlimited else f"limit {code.usage_limit}"
    return f"{code.reward_value:,} {code.reward_type}, {limit}, used {code.redemptions}"


def require_limit(text: str) -> str:
    return str(inputs.usage_limit(inputs.whole_number(text, "usage_limit", low=-1)))


def require_time(text: str) -> str:
    return inputs.moment(text, "expires_at").isoformat()


def code_fields() -> list[FormField]:
    """The new-code form."""
    return [
        FormField("code", "text", "text", nullable=False, default=None, required=True, validate=require_code),
        FormField("reward_type", "currency", "enum", nullable=False, default=None, choices=CURRENCIES, required=True),
        FormField(
            "reward_value",
            "whole number",
            "number",
            nullable=False,
            default=None,
            validate=require_amount,
            required=True,
        ),
        FormField(
            "usage_limit", "whole number", "number", nullable=False, default="-1 (unlimited)", validate=require_limit
        ),
        FormField(
            "expires_at", "timestamp with time zone", "timestamp", nullable=True, default=None, validate=require_time
        ),
        FormField("is_active", "boolean", "boolean", nullable=False, default="true"),
    ]

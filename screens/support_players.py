"""Support desk, Players tab: find a Geminya player, read their account, grant, deduct, redeem.

Every database call is one function of data/support/ (players, currency, giftcodes) in a
thread worker. Grants and redemptions lock the player's row, write the ledger and the audit
row in one transaction; their refusals (below zero, over the limit, a used-up code) reach
the user through the App's worker-failure notification, titled by the rule that refused.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.reactive import Reactive, reactive
from textual.widgets import DataTable, Input, Static
from textual.worker import get_current_worker

from data import inputs
from data.engine import Database
from data.inputs import CURRENCIES
from data.support import currency, giftcodes, players
from screens.base import confirm_write
from screens.support_common import DeskPane, require_reason, when
from widgets.cell_grid import Cell, CellGrid
from widgets.data_grid import DataGrid
from widgets.dialogs import TextPrompt
from widgets.row_form import FormField, RowForm
from widgets.value_editor import EditOutcome

SEARCH_LIMIT = 50


class PlayersPane(DeskPane):
    """Geminya players: balances, recent ledger, collection; grants, deductions, redemptions."""

    DEFAULT_CSS = """
    PlayersPane { height: 1fr; }
    PlayersPane #players-search { margin: 0 1; }
    PlayersPane DataTable { height: 1fr; scrollbar-size-vertical: 1; }
    PlayersPane DataTable, PlayersPane CellGrid {
        border-top: solid $border-blurred;
        border-title-color: $text-muted;
        border-title-style: bold;
    }
    PlayersPane DataTable:focus { border-top: solid $border; border-title-color: $text-accent; }
    PlayersPane #players-profile { padding: 0 1; }
    PlayersPane #players-summary { padding: 0 1; color: $text-muted; height: auto; }
    """

    BINDINGS = [
        Binding(
            "slash",
            "focus_search",
            "Search",
            id="players.search",
            tooltip="Find players by id, discord_id or academy name prefix",
            show=False,
        ),
        Binding(
            "g",
            "change_balance('grant')",
            "Grant",
            id="players.grant",
            tooltip="Give the highlighted player currency (asks amount, currency and reason)",
        ),
        Binding(
            "D",
            "change_balance('deduct')",
            "Deduct",
            id="players.deduct",
            tooltip="Take currency from the highlighted player (never below zero)",
        ),
        Binding(
            "c", "redeem", "Redeem code", id="players.redeem", tooltip="Redeem a gift code for the highlighted player"
        ),
        Binding("ctrl+r", "reload", "Reload", id="players.reload", tooltip="Read the player again", show=False),
    ]

    WRITES = frozenset({"change_balance", "redeem"})

    player_id: Reactive[int | None] = reactive(None, init=False)
    """The highlighted player's id."""

    @dataclass
    class PlayersFound(Message):
        query: str
        hits: list[players.PlayerHit]

    @dataclass
    class ProfileLoaded(Message):
        profile: players.PlayerProfile

    def __init__(self) -> None:
        super().__init__(id="players")
        self.profile: players.PlayerProfile | None = None

    def compose(self) -> ComposeResult:
        yield Input(
            placeholder="Player id, discord_id or academy name, Enter searches", compact=True, id="players-search"
        )
        yield DataGrid(cursor_type="row", zebra_stripes=True, id="players-found")
        yield CellGrid(4, id="players-profile")
        yield Static(id="players-summary", markup=False)
        yield DataGrid(cursor_type="row", id="players-ledger")

    def on_mount(self) -> None:
        found = self.query_one("#players-found", DataTable)
        found.add_columns("ID", "Academy", "Discord ID", "Rank", "Crystals", "Quartzs", "Daphine")
        found.border_title = "Players"
        ledger = self.query_one("#players-ledger", DataTable)
        ledger.add_columns("When", "Currency", "Change", "Balance", "Reason", "By")
        ledger.border_title = "Recent ledger"
        self.query_one(CellGrid).border_title = "Player"

    # ---- finding and reading ------------------------------------------------------------

    @on(Input.Submitted, "#players-search")
    def search_submitted(self, event: Input.Submitted) -> None:
        self.search(event.value.strip())
        self.query_one("#players-found", DataTable).focus()

    def search(self, text: str) -> None:
        self.query_one("#players-found", DataTable).border_title = "Players · searching…"
        self.find(self.console_app.database, text)

    @work(thread=True, exclusive=True, group="players.find", exit_on_error=False, name="Find players")
    def find(self, database: Database, text: str) -> None:
        hits = players.find_players(database, text, limit=SEARCH_LIMIT)
        if not get_current_worker().is_cancelled:
            self.post_message(self.PlayersFound(text, hits))

    @on(PlayersFound)
    def show_players(self, event: PlayersFound) -> None:
        table = self.query_one("#players-found", DataTable)
        keep = self.player_id
        table.clear()
        for hit in event.hits:
            table.add_row(
                Text(str(hit.id), justify="right"),
                hit.academy_name or Text("NULL", "dim italic"),
                hit.discord_id,
                *(
                    Text(f"{value:,}", justify="right")
                    for value in (hit.collector_rank, hit.sakura_crystals, hit.quartzs, hit.daphine)
                ),
                key=str(hit.id),
            )
        found = f"{len(event.hits)} found" + (" (refine the search)" if len(event.hits) == SEARCH_LIMIT else "")
        if not event.query:
            found = "type an id, a discord_id or the start of an academy name"
        table.border_title = f"Players matching {event.query!r} · {found}" if event.query else f"Players · {found}"
        ids = [hit.id for hit in event.hits]
        if keep in ids:
            table.move_cursor(row=ids.index(keep))
            self.load_profile()
        else:
            self.player_id = ids[0] if ids else None

    @on(DataTable.RowHighlighted, "#players-found")
    def player_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key.value is not None:
            self.player_id = int(event.row_key.value)

    def watch_player_id(self) -> None:
        self.load_profile()

    def load_profile(self) -> None:
        self.profile = None
        if self.player_id is not None:
            self.read_profile(self.console_app.database, self.player_id)

    @work(thread=True, exclusive=True, group="players.profile", exit_on_error=False, name="Player")
    def read_profile(self, database: Database, user_id: int) -> None:
        profile = players.player_profile(database, user_id)
        if not get_current_worker().is_cancelled:
            self.post_message(self.ProfileLoaded(profile))

    @on(ProfileLoaded)
    def show_profile(self, event: ProfileLoaded) -> None:
        profile = event.profile
        if profile.id != self.player_id:
            return
        self.profile = profile
        self.query_one(CellGrid).rows = profile_rows(profile)
        self.query_one("#players-summary", Static).update(profile_summary(profile))
        ledger = self.query_one("#players-ledger", DataTable)
        ledger.clear()
        for entry in profile.ledger:
            change = Text(f"{entry.delta:+,}", "green" if entry.delta > 0 else "red", justify="right")
            ledger.add_row(
                when(entry.created_at),
                entry.currency,
                change,
                Text(f"{entry.balance_after:,}", justify="right"),
                entry.reason,
                entry.operator,
            )
        ledger.border_title = f"Recent ledger of {profile.academy_name or profile.discord_id}"

    # ---- acting -------------------------------------------------------------------------

    def action_focus_search(self) -> None:
        self.query_one("#players-search", Input).focus()

    def action_reload(self) -> None:
        self.search(self.query_one("#players-search", Input).value.strip())

    def chosen_player(self) -> players.PlayerProfile | None:
        if self.profile is None:
            self.notify("Find and highlight a player first.", severity="warning")
        return self.profile

    def action_change_balance(self, kind: str) -> None:
        profile = self.chosen_player()
        if profile is None:
            return
        name = profile.academy_name or profile.discord_id

        def write(values: dict[str, EditOutcome]) -> None:
            currency_name, amount = values["currency"].text or "", int(values["amount"].text or 0)
            confirm_write(
                self,
                f"{kind.capitalize()} {amount:,} {currency_name} for {name} (id {profile.id})",
                lambda reason: self.change_balance(
                    self.console_app.database,
                    form,
                    profile.id,
                    currency_name,
                    amount,
                    reason or "",
                    grant=kind == "grant",
                ),
                reason=values["reason"].text or "",
                cancelled=form.kept,
            )

        form = RowForm(f"{kind.capitalize()} for {name} (id {profile.id})", balance_fields(), write=write)
        self.app.push_screen(form)

    @work(thread=True, group="players.act", exit_on_error=False, name="Balance change")
    def change_balance(
        self,
        database: Database,
        form: RowForm,
        user_id: int,
        currency_name: str,
        amount: int,
        reason: str,
        *,
        grant: bool,
    ) -> None:
        change = currency.grant if grant else currency.deduct
        entry = self.write_for(form, lambda: change(database, user_id, currency_name, amount, reason))
        if entry is None:
            return
        self.done(
            "Granted" if grant else "Deducted",
            f"{entry.delta:+,} {entry.currency} for player {user_id}: balance now {entry.balance_after:,}.",
        )

    def action_redeem(self) -> None:
        profile = self.chosen_player()
        if profile is None:
            return

        def entered(code: str | None) -> None:
            if code:
                confirm_write(
                    self,
                    f"Redeem {code.strip()!r} for player {profile.id}",
                    lambda reason: self.redeem(self.console_app.database, code.strip(), profile.id),
                    reason=f"Gift code {code.strip()}",
                )

        self.app.push_screen(
            TextPrompt(
                f"Redeem a gift code for {profile.academy_name or profile.discord_id}",
                "The code, in any case",
                validate=require_code,
            ),
            entered,
        )

    @work(thread=True, group="players.act", exit_on_error=False, name="Redeem")
    def redeem(self, database: Database, code: str, user_id: int) -> None:
        done = giftcodes.redeem(database, code, user_id)
        self.done("Redeemed", f"{done.code}: +{done.reward_value:,} {done.reward_type} for player {user_id}.")


def require_code(text: str) -> str:
    if not text.strip():
        raise ValueError("Type the code.")
    return inputs.gift_code_text(text)


def require_amount(text: str) -> str:
    """A positive whole number; the grant limit and balances are checked by the data layer."""
    if text.strip().startswith("-"):
        raise ValueError("amount must be more than zero (Deduct takes currency away)")
    return str(inputs.whole_number(text, "amount", low=1))


def balance_fields() -> list[FormField]:
    """The grant and deduct form: currency, amount, reason."""
    return [
        FormField("currency", "currency", "enum", nullable=False, default=None, choices=CURRENCIES, required=True),
        FormField(
            "amount", "whole number", "number", nullable=False, default=None, validate=require_amount, required=True
        ),
        FormField("reason", "text", "text", nullable=False, default=None, validate=require_reason, required=True),
    ]


def profile_rows(profile: players.PlayerProfile) -> tuple[tuple[Cell, ...], ...]:
    """The player panel: who, balances, gacha state."""
    return (
        (
            Cell("Player", "muted"),
            Cell(f"{profile.academy_name or '(no academy)'} · id {profile.id}"),
            Cell("Discord", "muted"),
            Cell(profile.discord_id),
        ),
        (
            Cell("Crystals", "muted"),
            Cell(f"{profile.sakura_crystals:,}"),
            Cell("Quartzs", "muted"),
            Cell(f"{profile.quartzs:,}"),
        ),
        (
            Cell("Daphine", "muted"),
            Cell(f"{profile.daphine:,}"),
            Cell("Pity · rank", "muted"),
            Cell(f"{profile.pity_counter} · rank {profile.collector_rank}"),
        ),
    )


def profile_summary(profile: players.PlayerProfile) -> str:
    """Collection by rarity, equipment, expeditions and codes, in two lines."""
    collection = ", ".join(f"{'★' * entry.rarity} {entry.count}" for entry in profile.collection) or "none"
    expeditions = ", ".join(f"{item.name} (due {when(item.due_at)})" for item in profile.expeditions) or "none"
    codes = ", ".join(code.code for code in profile.redeemed_codes) or "none"
    return (
        f"Collection: {collection} · equipment {profile.equipment_count}\n"
        f"Expeditions: {expeditions} · codes redeemed: {codes}"
    )

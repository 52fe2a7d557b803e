"""Support desk, Accounts tab: find HypertroQ users, soft-delete and restore them with a reason.

Every database call is one function of data/support/accounts.py in a thread worker. The
data layer never returns the password hash, so nothing here can show it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.reactive import Reactive, reactive
from textual.widgets import Checkbox, DataTable, Input, Static
from textual.worker import Worker, WorkerState, get_current_worker

from data.engine import Database
from data.support import accounts
from screens.support_common import DeskPane, ask_reason, toned, when
from widgets.data_grid import DataGrid

LIST_LIMIT = 200


class AccountsPane(DeskPane):
    """HypertroQ accounts: search by email, name or id; soft-delete and restore."""

    DEFAULT_CSS = """
    AccountsPane { height: 1fr; }
    AccountsPane #accounts-bar { height: 1; margin: 0 1; }
    AccountsPane #accounts-search { width: 1fr; }
    AccountsPane #accounts-deleted { margin-left: 2; }
    AccountsPane DataTable {
        height: 1fr;
        scrollbar-size-vertical: 1;
        border-top: solid $border-blurred;
        border-title-color: $text-muted;
        border-title-style: bold;
    }
    AccountsPane DataTable:focus { border-top: solid $border; border-title-color: $text-accent; }
    AccountsPane #accounts-detail { height: 2; padding: 0 1; color: $text-muted; }
    """

    BINDINGS = [
        Binding(
            "slash",
            "focus_search",
            "Search",
            id="accounts.search",
            tooltip="Find accounts by email or name prefix, or by id",
            show=False,
        ),
        Binding(
            "h",
            "toggle_deleted",
            "Show deleted",
            id="accounts.show_deleted",
            tooltip="Show or hide soft-deleted accounts",
        ),
        Binding(
            "z",
            "delete_or_restore",
            "Delete/restore",
            id="accounts.delete_restore",
            tooltip="Soft-delete the highlighted account, or restore it if deleted (asks a reason)",
        ),
        Binding("ctrl+r", "reload", "Reload", id="accounts.reload", tooltip="Read the list again", show=False),
    ]
    WRITES = frozenset({"delete_or_restore"})

    show_deleted: Reactive[bool] = reactive(False, init=False)
    """Whether soft-deleted accounts are listed too."""

    @dataclass
    class AccountsFound(Message):
        query: str
        rows: list[accounts.AccountRow]

    def __init__(self) -> None:
        super().__init__(id="accounts")
        self.query_text = ""
        """The search the table shows."""
        self.rows: dict[str, accounts.AccountRow] = {}
        self.keep: str | None = None
        """The account to put the cursor back on once the list is read again."""

    def compose(self) -> ComposeResult:
        with Horizontal(id="accounts-bar"):
            yield Input(
                placeholder="Email or name prefix, or an id; Enter searches", compact=True, id="accounts-search"
            )
            yield Checkbox("Show deleted", compact=True, id="accounts-deleted")
        yield DataGrid(cursor_type="row", zebra_stripes=True, id="accounts-table")
        yield Static(id="accounts-detail", markup=False)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("Email")
        # A fixed name width keeps the row within 80 columns; the detail lines show it whole.
        table.add_column("Name", width=13)
        table.add_columns("Active", "Deleted", "Created")
        table.border_title = "Accounts"
        self.action_reload()

    @on(Input.Submitted, "#accounts-search")
    def search_submitted(self, event: Input.Submitted) -> None:
        self.query_text = event.value.strip()
        self.action_reload()
        self.query_one(DataTable).focus()

    def action_reload(self) -> None:
        table = self.query_one(DataTable)
        if table.row_count and self.keep is None:
            self.keep = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        # Not `loading`: a loading widget cannot take the focus the user just gave it.
        table.border_title = "Accounts · reading…"
        self.list_accounts(self.console_app.database, self.query_text, self.show_deleted)

    @work(thread=True, exclusive=True, group="accounts.list", exit_on_error=False, name="List accounts")
    def list_accounts(self, database: Database, text: str, include_deleted: bool) -> None:
        rows = accounts.list_account_users(database, search=text, include_deleted=include_deleted, limit=LIST_LIMIT + 1)
        if not get_current_worker().is_cancelled:
            self.post_message(self.AccountsFound(text, rows))

    @on(AccountsFound)
    def show_accounts(self, event: AccountsFound) -> None:
        table = self.query_one(DataTable)
        shown = event.rows[:LIST_LIMIT]
        self.rows = {str(row.id): row for row in shown}
        table.clear()
        theme = self.app.theme_variables
        for row in shown:
            table.add_row(*account_cells(row, theme), key=str(row.id))
        keep, self.keep = self.keep, None
        if keep in self.rows:
            table.move_cursor(row=table.get_row_index(keep))
        which = "accounts" if self.show_deleted else "live accounts"
        count = f"first {LIST_LIMIT}, refine the search" if len(event.rows) > LIST_LIMIT else f"{len(shown)}"
        matching = f" matching {event.query!r}" if event.query else ""
        table.border_title = f"{which.capitalize()}{matching} · {count}"
        self.show_detail()

    @on(Worker.StateChanged)
    def read_failed(self, event: Worker.StateChanged) -> None:
        # The App tells the user why; here the table stops saying it is reading.
        if event.worker.group == "accounts.list" and event.state is WorkerState.ERROR:
            self.query_one(DataTable).border_title = "Accounts · could not be read (ctrl+r tries again)"

    @on(DataTable.RowHighlighted, "#accounts-table")
    def row_highlighted(self) -> None:
        self.show_detail()

    def show_detail(self) -> None:
        """The highlighted account's full name, id and times, below the table."""
        row = self.highlighted()
        detail = self.query_one("#accounts-detail", Static)
        if row is None:
            detail.update("No account here." if not self.rows else "")
            return
        first = [row.full_name or "(no name)", "superuser" if row.is_superuser else "", f"id {row.id}"]
        second = [
            f"created {when(row.created_at)}",
            f"updated {when(row.updated_at)}",
            f"deleted {when(row.deleted_at)}" if row.deleted_at else "",
        ]
        detail.update("\n".join(" · ".join(part for part in line if part) for line in (first, second)))

    def highlighted(self) -> accounts.AccountRow | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self.rows.get(key or "")

    @on(Checkbox.Changed, "#accounts-deleted")
    def deleted_toggled(self, event: Checkbox.Changed) -> None:
        self.show_deleted = event.value

    def action_toggle_deleted(self) -> None:
        self.query_one(Checkbox).toggle()

    def watch_show_deleted(self) -> None:
        self.action_reload()

    def action_focus_search(self) -> None:
        self.query_one("#accounts-search", Input).focus()

    def action_delete_or_restore(self) -> None:
        row = self.highlighted()
        if row is None:
            self.notify("Highlight an account first.", severity="warning")
            return
        database = self.console_app.database
        if row.is_deleted:
            prompt = f"Restore the account {row.email} (deleted {when(row.deleted_at)})?"
            ask_reason(self, "Restore account", prompt, lambda reason: self.change(database, row, reason))
        else:
            prompt = f"Soft-delete the account {row.email}? It can be restored later."
            ask_reason(self, "Soft-delete account", prompt, lambda reason: self.change(database, row, reason))

    # A write is never exclusive: a second action must not hide the outcome of the first.
    @work(thread=True, group="accounts.action", exit_on_error=False, name="Soft-delete or restore")
    def change(self, database: Database, row: accounts.AccountRow, reason: str) -> None:
        if row.is_deleted:
            accounts.restore_user(database, row.id, reason)
            self.done("Account restored", f"{row.email} is restored.", keep=str(row.id))
        else:
            accounts.soft_delete_user(database, row.id, reason)
            self.done("Account deleted", f"{row.email} is soft-deleted.", keep=str(row.id))

    def done_note(self, event: DeskPane.ActionDone) -> str:
        self.keep = event.keep
        return "" if self.show_deleted or event.title != "Account deleted" else " (h shows deleted accounts)"


def account_cells(row: accounts.AccountRow, theme: Any) -> tuple[Text, ...]:
    """One line of the accounts table: never the password hash (the data layer has none)."""
    active = Text("yes") if row.is_active else toned(theme, "no", "warning")
    # Dates only, so that the row fits 80 columns; the detail line has the times.
    deleted = toned(theme, when(row.deleted_at)[:10] or "deleted", "error") if row.is_deleted else Text("")
    name = Text(row.full_name) if row.full_name else toned(theme, "-", "muted")
    return (Text(row.email), name, active, deleted, Text(when(row.created_at)[:10]))

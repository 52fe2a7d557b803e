"""Review the edits waiting to be saved: as a diff, or as the exact SQL that will run.

The screen keeps the changes; this dialog shows them and answers what to do next: save
them all, discard them all, undo one, or nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from rich.style import Style
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.color import Color
from textual.content import Content
from textual.widgets import DataTable, Static, TabbedContent, TabPane, TextArea

from widgets.data_grid import DataGrid
from widgets.dialogs import DialogScreen, KeyHints, set_language, show_status

CELL_WIDTH = 30
"""Before/after values are cut to this many characters in the diff; the SQL view has them whole."""

REMOVING = ("delete", "soft-delete")
ADDING = ("insert", "restore")


@dataclass(frozen=True)
class PendingRow:
    """One line of the diff: a changed cell, or a whole row inserted or deleted."""

    action: str
    """One of "update", "insert", "delete", "soft-delete", "restore"."""
    key: str
    """The row's key as the user reads it, e.g. "id=7"."""
    column: str | None
    before: str | None
    after: str | None


@dataclass(frozen=True)
class PendingAction:
    """What the user asked for."""

    kind: Literal["save", "discard", "undo"]
    index: int | None = None
    """For undo: the change to undo (an index into the screen's list of changes)."""


class PendingChangesView(DialogScreen[PendingAction | None]):
    """The pending changes to one table; answers a PendingAction, or None when closed."""

    DEFAULT_CSS = """
    PendingChangesView > .dialog--frame { width: 100%; height: 100%; }
    PendingChangesView #pending-header { text-style: bold; }
    PendingChangesView TabbedContent { height: 1fr; }
    PendingChangesView TabPane { padding: 0; height: 1fr; }
    PendingChangesView DataTable, PendingChangesView TextArea { height: 1fr; }
    """

    BINDINGS = [
        Binding("ctrl+s", "save", "Save all", id="pending.save", tooltip="Run the statements, in one transaction"),
        # ctrl+x cuts in a TextArea, even a read-only one: priority keeps it ours.
        Binding(
            "ctrl+x",
            "discard",
            "Discard all",
            id="pending.discard",
            tooltip="Forget every pending change",
            priority=True,
        ),
        Binding("u", "undo", "Undo change", id="pending.undo", tooltip="Forget the highlighted change"),
        Binding("tab,ctrl+t", "switch_view", "Diff/SQL", id="pending.switch", tooltip="Show the diff or the SQL"),
        Binding("escape", "cancel", "Close", id="dialog.cancel", tooltip="Close and keep the changes pending"),
    ]

    def __init__(
        self,
        title: str,
        rows: Sequence[PendingRow],
        sql: Sequence[str],
        *,
        change_of_row: Sequence[int] | None = None,
    ) -> None:
        """
        Args:
            title: what the changes apply to, e.g. "gacha.users" (the header reads
                "3 pending changes to gacha.users").
            rows: the diff, one line per changed cell or inserted/deleted row.
            sql: the statements that saving runs, in order, exactly as they will run.
            change_of_row: for each diff row, the change it belongs to (several cells of
                one change share one index); by default each row is its own change.
        """
        super().__init__(title)
        self.rows, self.sql = tuple(rows), tuple(sql)
        self.change_of_row = tuple(change_of_row) if change_of_row is not None else tuple(range(len(self.rows)))
        if len(self.change_of_row) != len(self.rows):
            raise ValueError(f"{len(self.change_of_row)} change indexes for {len(self.rows)} rows")

    def compose(self) -> ComposeResult:
        changes = len(set(self.change_of_row))
        header = f"{changes:,} pending change{'' if changes == 1 else 's'} to {self.dialog_title}"
        frame = self.frame()
        frame.border_title = "Pending changes"
        with frame:
            yield Static(Content(header), id="pending-header")
            with TabbedContent(id="pending-views"):
                with TabPane("Diff", id="diff"):
                    yield DataGrid(cursor_type="row", zebra_stripes=True, id="pending-diff")
                with TabPane("SQL", id="sql"):
                    yield TextArea("\n\n".join(self.sql), read_only=True, soft_wrap=True, id="pending-sql")
            yield Static(id="pending-status")
            yield KeyHints(
                [
                    ("save", "Save all"),
                    ("discard", "Discard all"),
                    ("undo", "Undo change"),
                    ("switch_view", "Diff/SQL"),
                    ("cancel", "Close"),
                ]
            )

    def on_mount(self) -> None:
        self.query_one("#pending-status", Static).display = False
        set_language(self.query_one("#pending-sql", TextArea), "sql")
        # Tabs would take a focus stop of their own; tab switches views here instead.
        self.query_one("#pending-views Tabs").can_focus = False
        table = self.query_one("#pending-diff", DataTable)
        table.add_columns("Action", "Key", "Column", "Before", "After")
        theme = self.app.theme_variables
        removed = Style(color=Color.parse(theme["text-error"]).rich_color)
        added = Style(color=Color.parse(theme["text-success"]).rich_color)
        for row in self.rows:
            table.add_row(*diff_cells(row, removed, added))
        table.focus()

    @property
    def showing_sql(self) -> bool:
        """Whether the SQL view is the one on show."""
        return self.query_one("#pending-views", TabbedContent).active == "sql"

    def action_switch_view(self) -> None:
        views = self.query_one("#pending-views", TabbedContent)
        views.active = "diff" if self.showing_sql else "sql"

    @on(TabbedContent.TabActivated)
    def view_switched(self, event: TabbedContent.TabActivated) -> None:
        # A click on a tab lands here too: keep the keys on the view that is shown.
        self.query_one("#pending-sql" if self.showing_sql else "#pending-diff").focus()
        show_status(self.query_one("#pending-status", Static), "")

    def action_save(self) -> None:
        self.dismiss(PendingAction("save"))

    def action_discard(self) -> None:
        # No question here: the screen asks for confirmation, with its own wording.
        self.dismiss(PendingAction("discard"))

    def action_undo(self) -> None:
        status = self.query_one("#pending-status", Static)
        if self.showing_sql:
            show_status(status, "Undo picks a line of the diff: press tab to show it.", "muted")
            return
        row = self.query_one("#pending-diff", DataTable).cursor_row
        if not self.rows or not 0 <= row < len(self.rows):
            show_status(status, "Nothing to undo.", "muted")
            return
        self.dismiss(PendingAction("undo", self.change_of_row[row]))


def diff_cells(row: PendingRow, removed: Style, added: Style) -> tuple[Text, ...]:
    """The five cells of a diff line, coloured: what goes in red, what comes in green.

    Rich Text, never strings: a DataTable reads strings as markup, and values are data.
    """
    if row.action in REMOVING:
        whole = removed
    elif row.action in ADDING:
        whole = added
    else:
        whole = Style()
    return (
        Text(row.action, style=whole + Style(bold=True)),
        Text(row.key, style=whole),
        Text(row.column or "", style=whole),
        # An inserted row had no "before" and a deleted one has no "after": blank, not NULL.
        cell_text(row.before, removed + Style(strike=row.action == "update"), absent=row.action in ADDING),
        cell_text(row.after, added, absent=row.action in REMOVING),
    )


def cell_text(value: str | None, style: Style, *, absent: bool = False) -> Text:
    """A value for the diff: NULL marked as such, one line, cut to CELL_WIDTH."""
    if value is None:
        return Text("" if absent else "NULL", style=style + Style(italic=True, dim=True))
    flat = value.replace("\r\n", "⏎").replace("\n", "⏎")
    if len(flat) > CELL_WIDTH:
        flat = flat[: CELL_WIDTH - 1] + "…"
    return Text(flat, style=style)

"""Editing in the Tables screen: typed cell editors, pending changes, one-transaction saves.

Changes pile up in a `ChangeSet` (data/edits/) and are drawn in the grid as they will
be; nothing reaches the database until Save, which writes every change and its audit rows
in one transaction, or none of them. Mixed into `TablesScreen`, whose bindings list
EDIT_BINDINGS.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import partial
from typing import TYPE_CHECKING, Any

from textual import work
from textual.binding import Binding
from textual.message import Message

from data import edits, sensitive
from data.catalog import TableInfo
from data.edits import DEFAULT, ChangeSet, RowRef
from data.values import editor_kind, input_text, validate_input
from screens.base import confirm_write
from screens.table_cells import key_label, row_as_mapping
from widgets.dialogs import Confirmation, ConfirmDialog
from widgets.paged_table import PagedTable
from widgets.pending_changes import PendingAction, PendingChangesView, PendingRow
from widgets.row_form import FormField, RowForm
from widgets.value_editor import EditOutcome, ValueEditor

if TYPE_CHECKING:
    from screens.tables import TablesScreen

EDIT_BINDINGS = [
    Binding("e", "edit_cell", "Edit", id="tables.edit", tooltip="Edit the cell under the cursor (admin)"),
    Binding("i", "insert_row", "Insert", id="tables.insert", tooltip="Add a new row (admin)", show=False),
    Binding(
        "delete",
        "delete_row",
        "Delete",
        id="tables.delete",
        tooltip="Delete the row under the cursor, or take the deletion back (admin)",
        show=False,
    ),
    Binding(
        "z",
        "soft_delete",
        "Soft delete",
        id="tables.soft_delete",
        tooltip="Soft-delete or restore the row (tables with is_deleted / deleted_at)",
        show=False,
    ),
    Binding("u", "undo", "Undo", id="tables.undo", tooltip="Take back the last pending change", show=False),
    Binding(
        "p",
        "pending",
        "Pending",
        id="tables.pending",
        tooltip="The pending changes as a diff and as SQL; save or discard them",
    ),
    Binding("ctrl+s", "save", "Save", id="tables.save", tooltip="Save every pending change in one transaction"),
    Binding(
        "m",
        "reveal",
        "Reveal",
        id="tables.reveal",
        tooltip="Show a masked (sensitive) value; the reveal is audited (admin)",
        show=False,
    ),
]


class TableEditing:
    """The editing half of the Tables screen."""

    changes: ChangeSet | None
    """The pending changes to the open table; None when there are none."""

    @dataclass
    class Saved(Message):
        report: edits.SaveReport
        changes: ChangeSet
        """What was saved: changes made while the save ran stay pending."""

    @dataclass
    class Revealed(Message):
        key: tuple[Any, ...]
        column: str

    def init_editing(self) -> None:
        self.changes = None

    # ---- what may be edited ----------------------------------------------------------

    def edit_refusal(self: TablesScreen) -> str | None:
        """Why the open table cannot be edited now, or None when it can."""
        if self.shown is None:
            return "open a table first"
        settings = self.console_app.database.settings
        if not settings.role.can_write_tables:
            return f"the {settings.role.value} role cannot edit tables"
        if settings.enforces_read_only:
            return "this connection is read-only"
        if self.changes and self.changes_here() is None:
            # One ChangeSet, one table: a change here must not join another table's changes.
            return (
                f"changes to {self.changes.table.ref} are pending; save (ctrl+s) or discard them (p) "
                "before editing another table"
            )
        return self.shown.view.table.read_only_reason

    def changes_here(self: TablesScreen) -> ChangeSet | None:
        """The pending changes if they are to the table on show, else None."""
        if self.changes and self.shown is not None and self.changes.table.ref == self.shown.view.table.ref:
            return self.changes
        return None

    def editable_row(self: TablesScreen) -> tuple[int, RowRef] | None:
        """The row under the cursor as a RowRef, or None (with a notice) when it can't be edited."""
        refusal = self.edit_refusal()
        if refusal:
            self.notify(f"Cannot edit: {refusal}.", severity="warning")
            return None
        assert self.shown is not None
        page = self.shown.page
        row = self.query_one(PagedTable).cursor_row
        if row >= len(page.rows):
            if row < self.query_one(PagedTable).row_count:
                self.notify("A pending new row is changed by undoing it (u) and inserting again.", severity="warning")
            else:
                self.notify("There is no row here to change.", severity="information")
            return None
        return row, RowRef(key=page.keys[row], version=page.versions[row], before=row_as_mapping(page, row))

    def change(self: TablesScreen, change: edits.Change) -> None:
        """Add one pending change and redraw."""
        assert self.shown is not None
        current = self.changes or ChangeSet(self.shown.view.table)
        try:
            updated = current.add(change)
        except ValueError as refused:
            self.notify(str(refused), severity="warning")
            return
        self.changes = updated if updated else None
        self.show_page(self.shown.page)

    def unsaved_work(self) -> str | None:
        if not self.changes:
            return None
        count = len(self.changes)
        return f"{count} pending change{'s' if count != 1 else ''} to {self.changes.table.ref}"

    def pending_summary(self) -> str | None:
        if not self.changes:
            return None
        count = len(self.changes)
        elsewhere = "" if self.changes_here() else f" to {self.changes.table.ref}"
        return f"{count} pending change{'s' if count != 1 else ''}{elsewhere} (p to review, ctrl+s saves)"

    # ---- the actions ------------------------------------------------------------------

    def action_edit_cell(self: TablesScreen) -> None:
        found = self.editable_row()
        if found is None:
            return
        row, ref = found
        assert self.shown is not None
        table = self.shown.view.table
        column = table.columns[self.query_one(PagedTable).cursor_column]
        if not column.writable:
            self.notify(f"{column.name} is a generated column: it cannot be written.", severity="warning")
            return
        if self.is_masked(row, column.name):
            self.notify("Reveal the value (m) before editing it.", severity="warning")
            return
        pending = self.changes.cell_value(ref.key, column.name) if self.changes else edits.NOTHING
        if pending is edits.NOTHING:
            start = input_text(ref.before[column.name], column)
        else:
            start = None if pending is None or pending is DEFAULT else str(pending)

        def apply(outcome: EditOutcome | None) -> None:
            if outcome is not None:
                value = DEFAULT if outcome.use_default else outcome.text
                self.change(edits.CellChange(ref, column.name, value))

        self.app.push_screen(
            ValueEditor(
                f"{table.ref} {key_label(table, ref.key)} · {column.name}",
                editor_kind(column),
                start,
                type_label=column.type_name,
                nullable=column.nullable,
                default=column.default,
                choices=column.enum_labels,
                validate=partial(validate_input, column=column),
            ),
            apply,
        )

    def action_insert_row(self: TablesScreen) -> None:
        refusal = self.edit_refusal()
        if refusal:
            self.notify(f"Cannot insert: {refusal}.", severity="warning")
            return
        assert self.shown is not None
        table = self.shown.view.table

        def add(values: dict[str, EditOutcome] | None) -> None:
            if values is not None:
                self.change(
                    edits.RowInsert(
                        {name: DEFAULT if outcome.use_default else outcome.text for name, outcome in values.items()}
                    )
                )

        self.app.push_screen(RowForm(f"New row in {table.ref}", form_fields(table)), add)

    def action_delete_row(self: TablesScreen) -> None:
        found = self.editable_row()
        if found is None:
            return
        _, ref = found
        if self.changes is not None and self.changes.row_state(ref.key) == "deleted":
            index = next(
                i
                for i, change in enumerate(self.changes.changes)
                if isinstance(change, edits.RowDelete) and change.row.key == ref.key
            )
            self.changes = self.changes.without(index) or None
            assert self.shown is not None
            self.show_page(self.shown.page)
            return
        self.change(edits.RowDelete(ref))

    def action_soft_delete(self: TablesScreen) -> None:
        found = self.editable_row()
        if found is None or self.shown is None:
            return
        _, ref = found
        soft = self.shown.view.table.soft_delete
        if soft is None:
            self.notify("This table has no is_deleted or deleted_at column.", severity="warning")
            return
        state = self.changes.row_state(ref.key) if self.changes else None
        if state in ("soft-deleted", "restored"):
            # z again takes the pending change back (a soft-delete and a restore cancel out).
            deleted = state == "soft-deleted"
        elif soft.flag:
            deleted = bool(ref.before.get(soft.flag))
        else:
            deleted = ref.before.get(soft.timestamp or "") is not None
        self.change(edits.SoftDeleteChange(ref, restore=deleted))

    def action_undo(self: TablesScreen) -> None:
        if not self.changes or self.shown is None:
            self.notify("Nothing is pending.", severity="information")
            return
        self.changes = self.changes.without(len(self.changes) - 1) or None
        self.show_page(self.shown.page)

    def action_pending(self: TablesScreen) -> None:
        if not self.changes:
            self.notify("Nothing is pending.", severity="information")
            return
        changes = self.changes
        diff = edits.preview_diff(changes)
        rows = [PendingRow(line.action, line.key, line.column, line.before, line.after) for line in diff]

        def act(action: PendingAction | None) -> None:
            if action is None:
                return
            if action.kind == "save":
                self.action_save()
            elif action.kind == "discard":
                self.confirm_discard(changes)
            elif action.kind == "undo" and action.index is not None:
                self.changes = changes.without(action.index) or None
                assert self.shown is not None
                self.show_page(self.shown.page)
                if self.changes:
                    self.action_pending()

        self.app.push_screen(
            PendingChangesView(
                str(changes.table.ref),
                rows,
                edits.preview_sql(changes),
                change_of_row=[line.change_index for line in diff],
            ),
            act,
        )

    def confirm_discard(self: TablesScreen, changes: ChangeSet) -> None:
        """Ask before forgetting pending work: a discard cannot be undone."""

        def discard(answer: Confirmation | None) -> None:
            if answer is None or self.changes is not changes:
                return
            self.changes = None
            if self.shown is not None:
                self.show_page(self.shown.page)
            self.notify("Pending changes discarded.")

        self.app.push_screen(
            ConfirmDialog(
                "Discard pending changes",
                f"Forget {len(changes)} change(s) to {changes.table.ref}? Nothing has been written.",
                confirm_label="Discard",
            ),
            discard,
        )

    def action_save(self: TablesScreen) -> None:
        if not self.changes:
            self.notify("Nothing is pending.", severity="information")
            return
        if self.saving():
            self.notify("A save is running; wait for it to finish.", severity="warning")
            return
        changes = self.changes
        confirm_write(
            self,
            f"{len(changes)} change(s) to {changes.table.ref}, in one transaction, each with an audit row",
            lambda reason: self.save_worker(changes, reason),
        )

    def saving(self: TablesScreen) -> bool:
        """Whether a save is still running (a second one would save the same changes again)."""
        return any(
            worker.node is self and worker.group == "tables.save" and not worker.is_finished
            for worker in self.app.workers
        )

    @work(thread=True, exclusive=True, group="tables.save", exit_on_error=False, name="Save")
    def save_worker(self: TablesScreen, changes: ChangeSet, reason: str | None) -> None:
        report = edits.save_changes(self.console_app.database, changes, reason=reason)
        self.post_message(self.Saved(report, changes))

    # Named handlers (not @on): a mixin is not a MessagePump, so Textual only finds
    # its handlers by name.
    def on_table_editing_saved(self: TablesScreen, event: TableEditing.Saved) -> None:
        report = event.report
        if self.changes is not None and self.changes is not event.changes:
            # Edits made while the save ran were not in it: they stay pending. (ChangeSet.add
            # keeps the change objects it was given, so identity says which were saved.)
            saved = {id(change) for change in event.changes.changes}
            left = tuple(change for change in self.changes.changes if id(change) not in saved)
            self.changes = replace(self.changes, changes=left) or None
        else:
            self.changes = None
        self.notify(
            f"Saved: {report.updated} updated, {report.inserted} inserted, {report.deleted} deleted "
            f"({report.audit_rows} audit rows).",
            title="Saved",
        )
        self.action_reload()

    def action_reveal(self: TablesScreen) -> None:
        if self.shown is None or not self.shown.page.rows:
            return
        grid = self.query_one(PagedTable)
        column = self.shown.view.table.columns[grid.cursor_column].name
        if grid.cursor_row >= len(self.shown.page.rows) or not self.is_masked(grid.cursor_row, column):
            self.notify("The cursor is not on a masked value.", severity="information")
            return
        if not self.console_app.database.settings.role.can_write_tables:
            self.notify("Only an admin can reveal a masked value.", severity="warning")
            return
        page = self.shown.page
        key = page.keys[grid.cursor_row]
        self.reveal_worker(self.shown.view.table, dict(zip(self.shown.view.table.key, key, strict=True)), column, key)

    @work(thread=True, group="tables.reveal", exit_on_error=False, name="Reveal")
    def reveal_worker(
        self: TablesScreen, table: TableInfo, key_values: dict[str, Any], column: str, key: tuple[Any, ...]
    ) -> None:
        sensitive.record_reveal(self.console_app.database, table, key_values, column)
        self.post_message(self.Revealed(key, column))

    def on_table_editing_revealed(self: TablesScreen, event: TableEditing.Revealed) -> None:
        if self.shown is not None:
            self.shown.revealed.add((event.key, event.column))
            self.show_page(self.shown.page)


def form_fields(table: TableInfo) -> list[FormField]:
    """One form field per writable column, with its default shown."""
    return [
        FormField(
            name=column.name,
            type_label=column.type_name,
            kind=editor_kind(column),
            nullable=column.nullable,
            default=column.default if column.default is not None else ("identity" if column.identity else None),
            choices=column.enum_labels,
            validate=partial(validate_input, column=column),
            required=not column.nullable and column.default is None and not column.identity,
        )
        for column in table.columns
        if column.writable
    ]

"""Editing in the Tables screen: typed cell editors, pending changes, one-transaction saves.

Changes pile up in a `ChangeSet` (data/edits/) and are drawn in the grid as they will
be; nothing reaches the database until Save, which writes every change and its audit rows
in one transaction, or none of them. `TableEditor` is the part of the screen that holds
them: the screen's keys (EDIT_BINDINGS) call its methods with what the grid shows, and it
answers with messages (Changed, Saved, Revealed) that the screen draws.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from textual import on, work
from textual.binding import Binding
from textual.message import Message

from data import edits, sensitive
from data.catalog import RelationRef, TableInfo
from data.edits import DEFAULT, ChangeSet, RowRef
from data.values import editor_kind, input_text, validate_input
from screens.base import ConsolePart, confirm_write
from screens.table_cells import Shown, key_label, row_as_mapping
from widgets.dialogs import Confirmation, ConfirmDialog
from widgets.pending_changes import PendingAction, PendingChangesView, PendingRow
from widgets.row_form import FormField, RowForm
from widgets.value_editor import EditOutcome, ValueEditor

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


class TableEditor(ConsolePart):
    """The Tables screen's pending changes: one table's at a time, until saved or discarded."""

    changes: ChangeSet | None = None
    """The pending changes; None when there are none."""

    class Changed(Message):
        """The pending changes changed: the grid draws them again."""

    @dataclass
    class Saved(Message):
        """A save ended (the editor has taken the saved changes off): the screen reads the page again."""

        report: edits.SaveReport
        changes: ChangeSet
        """What was saved: changes made while the save ran stay pending."""

    @dataclass
    class Revealed(Message):
        """An admin revealed a masked value (and the reveal was audited): the screen shows it."""

        key: tuple[Any, ...]
        column: str

    # ---- what is pending, and what may be edited --------------------------------------

    def changes_to(self, ref: RelationRef) -> ChangeSet | None:
        """The pending changes if they are to `ref`, else None."""
        return self.changes if self.changes and self.changes.table.ref == ref else None

    def unsaved_work(self) -> str | None:
        return self.changes.summary() if self.changes else None

    def status(self, shown: Shown | None) -> str | None:
        """The status line's part: what is pending and how to review or save it."""
        if not self.changes:
            return None
        here = shown is not None and self.changes_to(shown.view.table.ref) is not None
        return f"{self.changes.summary(naming_the_table=not here)} (p to review, ctrl+s saves)"

    def refusal(self, shown: Shown | None) -> str | None:
        """Why the open table cannot be edited now, or None when it can."""
        if shown is None:
            return "open a table first"
        settings = self.console_app.database.settings
        if not settings.role.can_write_tables:
            return f"the {settings.role.value} role cannot edit tables"
        if settings.enforces_read_only:
            return "this connection is read-only"
        if self.changes and self.changes_to(shown.view.table.ref) is None:
            # One ChangeSet, one table: a change here must not join another table's changes.
            return (
                f"changes to {self.changes.table.ref} are pending; save (ctrl+s) or discard them (p) "
                "before editing another table"
            )
        return shown.view.table.read_only_reason

    def editable_row(self, shown: Shown | None, row: int) -> RowRef | None:
        """Row `row` of the page as a RowRef, or None (with a notice) when it can't be edited."""
        refusal = self.refusal(shown)
        if refusal:
            self.notify(f"Cannot edit: {refusal}.", severity="warning")
            return None
        assert shown is not None
        page = shown.page
        if row >= len(page.rows):
            if self.changes and row < len(page.rows) + len(self.changes.inserts):
                self.notify("A pending new row is changed by undoing it (u) and inserting again.", severity="warning")
            else:
                self.notify("There is no row here to change.", severity="information")
            return None
        return RowRef(key=page.keys[row], version=page.versions[row], before=row_as_mapping(page, row))

    def update(self, table: TableInfo, how: Callable[[ChangeSet], ChangeSet]) -> None:
        """Replace the pending changes with `how(current)` and redraw; a refused change
        (ValueError, one line) is said and changes nothing."""
        current = self.changes or ChangeSet(table)
        try:
            updated = how(current)
        except ValueError as refused:
            self.notify(str(refused), severity="warning")
            return
        self.set_changes(updated)

    def set_changes(self, changes: ChangeSet | None) -> None:
        """Keep `changes` (None when empty) and have the grid drawn again."""
        self.changes = changes or None
        self.post_message(self.Changed())

    # ---- the actions, each given what the grid shows ----------------------------------

    def edit_cell(self, shown: Shown | None, row: int, column_index: int) -> None:
        ref = self.editable_row(shown, row)
        if ref is None or shown is None:
            return
        table = shown.view.table
        column = table.columns[column_index]
        if not column.writable:
            self.notify(f"{column.name} is a generated column: it cannot be written.", severity="warning")
            return
        if shown.is_masked(row, column.name):
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
                self.update(table, lambda changes: changes.add(edits.CellChange(ref, column.name, value)))

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

    def insert_row(self, shown: Shown | None) -> None:
        refusal = self.refusal(shown)
        if refusal or shown is None:
            self.notify(f"Cannot insert: {refusal}.", severity="warning")
            return
        table = shown.view.table

        def add(values: dict[str, EditOutcome] | None) -> None:
            if values is not None:
                insert = edits.RowInsert(
                    {name: DEFAULT if outcome.use_default else outcome.text for name, outcome in values.items()}
                )
                self.update(table, lambda changes: changes.add(insert))

        self.app.push_screen(RowForm(f"New row in {table.ref}", form_fields(table)), add)

    def delete_row(self, shown: Shown | None, row: int) -> None:
        ref = self.editable_row(shown, row)
        if ref is not None and shown is not None:
            self.update(shown.view.table, lambda changes: changes.toggle_delete(ref))

    def soft_delete(self, shown: Shown | None, row: int) -> None:
        ref = self.editable_row(shown, row)
        if ref is None or shown is None:
            return
        if shown.view.table.soft_delete is None:
            self.notify("This table has no is_deleted or deleted_at column.", severity="warning")
            return
        self.update(shown.view.table, lambda changes: changes.toggle_soft_delete(ref))

    def undo(self) -> None:
        if not self.changes:
            self.notify("Nothing is pending.", severity="information")
            return
        self.set_changes(self.changes.without_last())

    def review(self) -> None:
        """The pending changes as a diff and as SQL, to save, discard or undo one by one."""
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
                self.save()
            elif action.kind == "discard":
                self.confirm_discard(changes)
            elif action.kind == "undo" and action.index is not None:
                self.set_changes(changes.without(action.index))
                if self.changes:
                    self.review()

        self.app.push_screen(
            PendingChangesView(
                str(changes.table.ref),
                rows,
                edits.preview_sql(changes),
                change_of_row=[line.change_index for line in diff],
            ),
            act,
        )

    def confirm_discard(self, changes: ChangeSet) -> None:
        """Ask before forgetting pending work: a discard cannot be undone."""

        def discard(answer: Confirmation | None) -> None:
            if answer is None or self.changes is not changes:
                return
            self.set_changes(None)
            self.notify("Pending changes discarded.")

        self.app.push_screen(
            ConfirmDialog(
                "Discard pending changes",
                f"Forget {len(changes)} change(s) to {changes.table.ref}? Nothing has been written.",
                confirm_label="Discard",
            ),
            discard,
        )

    def save(self) -> None:
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

    def saving(self) -> bool:
        """Whether a save is still running (a second one would save the same changes again)."""
        return any(
            worker.node is self and worker.group == "tables.save" and not worker.is_finished
            for worker in self.app.workers
        )

    @work(thread=True, exclusive=True, group="tables.save", exit_on_error=False, name="Save")
    def save_worker(self, changes: ChangeSet, reason: str | None) -> None:
        report = edits.save_changes(self.console_app.database, changes, reason=reason)
        self.post_message(self.Saved(report, changes))

    @on(Saved)
    def saved(self, event: Saved) -> None:
        # The message goes on to the screen, which reads the page again.
        self.set_changes(self.changes.left_after_saving(event.changes) if self.changes else None)
        report = event.report
        self.notify(
            f"Saved: {report.updated} updated, {report.inserted} inserted, {report.deleted} deleted "
            f"({report.audit_rows} audit rows).",
            title="Saved",
        )

    def reveal(self, shown: Shown | None, row: int, column_index: int) -> None:
        """Show a masked value to an admin, once the reveal's audit row is written."""
        if shown is None or not shown.page.rows:
            return
        table = shown.view.table
        column = table.columns[column_index].name
        if row >= len(shown.page.rows) or not shown.is_masked(row, column):
            self.notify("The cursor is not on a masked value.", severity="information")
            return
        if not self.console_app.database.settings.role.can_write_tables:
            self.notify("Only an admin can reveal a masked value.", severity="warning")
            return
        key = shown.page.keys[row]
        self.reveal_worker(table, dict(zip(table.key, key, strict=True)), column, key)

    @work(thread=True, group="tables.reveal", exit_on_error=False, name="Reveal")
    def reveal_worker(self, table: TableInfo, key_values: dict[str, Any], column: str, key: tuple[Any, ...]) -> None:
        sensitive.record_reveal(self.console_app.database, table, key_values, column)
        self.post_message(self.Revealed(key, column))


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

"""Tables: a lazy schema tree, a keyset-paged grid of any relation, its details, its links.

Every database call runs in a thread worker through one data/ function (catalog, browse,
details); the handlers here only move the results onto widgets. Editing and exporting are
parts of the screen with their own state and workers: `TableEditor`
(screens/table_edits.py) and `TableExporter` (screens/table_export.py). The screen's keys
call them with what the grid shows; they answer with messages.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Literal, TypeVar

from sqlalchemy.exc import DBAPIError
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.timer import Timer
from textual.widgets import ContentSwitcher, Static
from textual.widgets.tree import TreeNode
from textual.worker import Worker, WorkerState, get_current_worker

from data import browse, catalog
from data.browse import Filter, Page, Pager, SortKey, View
from data.catalog import RelationRef, TableInfo, quote_ident
from data.details import TableDetails, table_details
from data.engine import RunningStatement
from data.errors import error_summary
from data.sensitive import sensitive_columns
from data.values import full_text
from screens.base import ConsoleScreen
from screens.table_cells import Shown, header_cells, page_rows, row_as_mapping
from screens.table_details import details_widgets
from screens.table_edits import EDIT_BINDINGS, TableEditor
from screens.table_export import TableExporter
from widgets.dialogs import ChoiceDialog, ConfirmDialog, TextPrompt, TextViewer
from widgets.key_bar import KeyBar
from widgets.paged_table import PagedTable
from widgets.schema_tree import RelationNode, SchemaNode, SchemaTree
from widgets.title_bar import TitleBar

T = TypeVar("T")
PAGE_SIZE = 100
PAGE_GROUP = "tables.page"
SLOW_QUERY_SECONDS = 0.5
"""A page query running longer than this shows its elapsed time and how to cancel it."""


class TablesScreen(ConsoleScreen):
    """Browse, search and (for admins) edit every table of the database."""

    BINDINGS = [
        Binding("t", "toggle_tree", "Tree", id="tables.tree", tooltip="Show or hide the schema tree"),
        Binding(
            "d",
            "toggle_details",
            "Details",
            id="tables.details",
            tooltip="Columns, indexes, constraints, triggers, size and bloat of this table",
        ),
        Binding(
            "s",
            "sort",
            "Sort",
            id="tables.sort",
            tooltip="Sort by the column under the cursor (again: descending, again: key order)",
        ),
        Binding(
            "f",
            "filter",
            "Filter",
            id="tables.filter",
            tooltip="Filter on the column under the cursor (=, <, contains, is null…)",
        ),
        Binding("w", "where", "Where", id="tables.where", tooltip="Filter with a typed SQL WHERE clause"),
        Binding(
            "c",
            "clear_filters",
            "Clear",
            id="tables.clear",
            tooltip="Drop every filter, the WHERE clause and the sort",
            show=False,
        ),
        Binding("g", "first_page", "First", id="tables.first", tooltip="Go to the first rows", show=False),
        Binding("G", "last_page", "Last", id="tables.last", tooltip="Go to the last rows", show=False),
        Binding("j", "jump", "Jump", id="tables.jump", tooltip="Jump to a row by its key", show=False),
        Binding(
            "v",
            "view_value",
            "Value",
            id="tables.value",
            tooltip="The whole value under the cursor (JSON expanded)",
            show=False,
        ),
        Binding(
            "o",
            "open_reference",
            "Follow",
            id="tables.follow",
            tooltip="Open the row this foreign key points to",
            show=False,
        ),
        Binding(
            "r", "references", "Refs", id="tables.references", tooltip="The rows of other tables that point at this row"
        ),
        Binding("backspace", "back", "Back", id="tables.back", tooltip="Back to the table you came from", show=False),
        Binding(
            "x",
            "export",
            "Export",
            id="tables.export",
            tooltip="Write the whole filtered result to a CSV or JSON file",
            show=False,
        ),
        Binding("ctrl+r", "reload", "Reload", id="tables.reload", tooltip="Read this page again", show=False),
        Binding(
            "escape",
            "cancel_query",
            "Cancel / close",
            id="tables.cancel_query",
            tooltip="Cancel the page query that is running, at the server; else close the details",
            show=False,
        ),
        *EDIT_BINDINGS,
    ]

    shown: Shown | None = None
    """The open view; None until a table is opened."""

    @dataclass
    class ViewOpened(Message):
        shown: Shown
        cursor: Literal["top", "bottom"] = "top"

    @dataclass
    class PageLoaded(Message):
        page: Page
        cursor: Literal["top", "bottom", "keep"]

    @dataclass
    class ChildrenLoaded(Message):
        node: TreeNode[Any]
        relations: list[catalog.RelationEntry]

    @dataclass
    class SchemasLoaded(Message):
        schemas: list[catalog.SchemaEntry]

    @dataclass
    class DetailsLoaded(Message):
        details: TableDetails

    def __init__(self, *, open_table: str | None = None) -> None:
        super().__init__()
        self.initial_table = open_table
        self.history: list[View] = []
        """Views to go back to, after following a foreign key."""
        self.page_query: RunningStatement | None = None
        """The page query the grid waits for (one at a time; Escape cancels it)."""
        self.page_error: str | None = None
        """Why the last page query did not show (refused, cancelled); the page stays."""
        self._elapsed_timer: Timer | None = None
        self.editor = TableEditor()
        self.exporter = TableExporter()

    def compose(self) -> ComposeResult:
        yield TitleBar()
        with Horizontal(id="tables"):
            yield SchemaTree(id="tables-tree")
            with Vertical(id="tables-main"):
                yield Static("Choose a table in the tree (Enter opens it).", id="tables-title", markup=False)
                yield Static(id="tables-filters", markup=False)
                with ContentSwitcher(initial="tables-grid", id="tables-switcher"):
                    yield PagedTable(id="tables-grid")
                    yield VerticalScroll(id="tables-details")
                yield Static(id="tables-status", markup=False)
        yield self.editor
        yield self.exporter
        yield KeyBar()

    def on_mount(self) -> None:
        self.page_query = RunningStatement(self.console_app.database)
        self.query_one("#tables-filters").display = False
        self.load_schemas()
        if self.initial_table:
            self.open_relation(RelationRef.parse(self.initial_table))

    # ---- the tree ------------------------------------------------------------------

    @work(thread=True, group="tables.tree", exit_on_error=False, name="Schemas")
    def load_schemas(self) -> None:
        self.post_message(self.SchemasLoaded(catalog.list_schemas(self.console_app.database)))

    @on(SchemasLoaded)
    def show_schemas(self, event: SchemasLoaded) -> None:
        tree = self.query_one(SchemaTree)
        tree.show_schemas(event.schemas)
        if self.shown is None:
            tree.focus()

    @on(SchemaTree.ChildrenWanted)
    def load_children_of(self, event: SchemaTree.ChildrenWanted) -> None:
        self.load_children(event.node)

    @work(thread=True, group="tables.tree", exit_on_error=False, name="Tables of a schema")
    def load_children(self, node: TreeNode[Any]) -> None:
        database = self.console_app.database
        data = node.data
        if isinstance(data, SchemaNode):
            relations = catalog.list_relations(database, data.schema.name)
        elif isinstance(data, RelationNode):
            relations = catalog.list_partitions(database, data.relation.ref)
        else:
            return
        self.post_message(self.ChildrenLoaded(node, relations))

    @on(ChildrenLoaded)
    def show_children(self, event: ChildrenLoaded) -> None:
        self.query_one(SchemaTree).show_children(event.node, event.relations)

    @on(SchemaTree.RelationChosen)
    def relation_chosen(self, event: SchemaTree.RelationChosen) -> None:
        self.history.clear()
        self.open_relation(event.ref)

    # ---- opening a view and paging -------------------------------------------------

    def open_relation(self, ref: RelationRef, filters: tuple[Filter, ...] = ()) -> None:
        """Open a relation (optionally filtered) in the grid; with changes to another table
        pending, say that they stay pending and ask first."""

        def go() -> None:
            if self.start_page_query():
                self.set_loading(True)
                self.open_view_worker(ref, lambda table: View(table, filters=filters))

        pending = self.editor.changes
        if pending is None or pending.table.ref == ref:
            go()
            return
        self.app.push_screen(
            ConfirmDialog(
                f"Open {ref}?",
                f"Not saved: {pending.summary()}. They stay pending while you look at {ref}: "
                f"come back to {pending.table.ref} to save them (ctrl+s) or review them (p).",
                confirm_label="Open",
            ),
            lambda answer: go() if answer is not None else None,
        )

    def open_view(self, view: View, cursor: Literal["top", "bottom"] = "top") -> None:
        """Open a changed view of a relation already described (sort, filters, WHERE, back):
        its description is the view's own, not read from the catalog again."""
        if self.start_page_query():
            self.set_loading(True)
            self.open_view_worker(view.table.ref, lambda table: replace(view, table=table), cursor, view.table)

    @work(thread=True, exclusive=True, group=PAGE_GROUP, exit_on_error=False, name="Open table")
    def open_view_worker(
        self,
        ref: RelationRef,
        make_view: Callable[[TableInfo], View],
        cursor: Literal["top", "bottom"] = "top",
        described: TableInfo | None = None,
    ) -> None:
        database = self.console_app.database

        def open_it() -> tuple[TableInfo, View, Pager, Page]:
            table = described if described is not None else catalog.describe_table(database, ref)
            view = make_view(table)
            pager = browse.open_pager(database, view, PAGE_SIZE)
            try:
                return table, view, pager, pager.last() if cursor == "bottom" else pager.first()
            except BaseException:
                pager.close()
                raise

        opened = self.run_page_query(open_it)
        if opened is None:
            return
        table, view, pager, page = opened
        if get_current_worker().is_cancelled:
            pager.close()
            return
        masked = sensitive_columns(table, database.settings.sensitive_columns)
        self.post_message(self.ViewOpened(Shown(view, pager, page, masked), cursor))

    def run_page_query(self, query: Callable[[], T]) -> T | None:
        """Run a page worker's `query` as the page query in flight; None when the user
        cancelled it (before it started, or at the server while it ran)."""
        assert self.page_query is not None
        self.page_query.attach()
        if self.page_query.cancelled:  # Escape came before this thread started
            return None
        try:
            return query()
        except DBAPIError:
            if self.page_query.cancelled:
                return None  # page_worker_done says so
            raise

    @on(ViewOpened)
    def show_view(self, event: ViewOpened) -> None:
        old = self.shown
        if old is not None and old.pager is not event.shown.pager:
            self.close_pager(old.pager)
        self.shown = event.shown
        self.view_changed()
        self.show_page(event.shown.page, event.cursor)
        self.set_loading(False)
        self.query_one(PagedTable).focus()
        self.query_one(SchemaTree).select_relation(event.shown.view.table.ref)
        if self.query_one(ContentSwitcher).current == "tables-details":
            self.load_details(event.shown.view.table.ref)

    @work(thread=True, group="tables.close", exit_on_error=False, name="Close a result")
    def close_pager(self, pager: Pager) -> None:
        pager.close()  # waits for a call a superseded worker may still be making on it

    def fetch(self, how: Callable[[Pager], Page], cursor: Literal["top", "bottom", "keep"]) -> None:
        """Fetch another page of the open view with `how` (a pager method) in a worker."""
        if self.shown is None or not self.start_page_query():
            return
        # No loading indicator: a keyset page takes a millisecond, and mounting one per
        # page would cost more than the fetch (and leaves a widget per page to collect).
        self.fetch_worker(self.shown.pager, how, cursor)

    @work(thread=True, exclusive=True, group=PAGE_GROUP, exit_on_error=False, name="Fetch rows")
    def fetch_worker(
        self, pager: Pager, how: Callable[[Pager], Page], cursor: Literal["top", "bottom", "keep"]
    ) -> None:
        page = self.run_page_query(lambda: how(pager))
        if page is None:
            return
        if not get_current_worker().is_cancelled:
            self.post_message(self.PageLoaded(page, cursor))

    # ---- the page query in flight: its elapsed time, its cancel, its end -------------

    def start_page_query(self) -> bool:
        """Mark a page query as started; False (and a bell) while one runs, so that keys
        pressed meanwhile are dropped rather than queued behind it and replayed later."""
        assert self.page_query is not None
        if not self.page_query.begin():
            self.app.bell()
            return False
        self._elapsed_timer = self.set_interval(0.1, self.show_elapsed)
        return True

    def show_elapsed(self) -> None:
        assert self.page_query is not None
        elapsed = self.page_query.elapsed()
        if self.page_query.running and elapsed >= SLOW_QUERY_SECONDS:
            self.query_one("#tables-status", Static).update(f"running the query… {elapsed:.1f} s  ·  Escape cancels it")

    def action_cancel_query(self) -> None:
        """Escape: cancel the page query that runs, else close the details pane."""
        assert self.page_query is not None
        if self.page_query.running:
            self.page_query.cancel()
            self.query_one("#tables-status", Static).update("cancelling the query…")
        elif self.query_one(ContentSwitcher).current == "tables-details":
            self.action_toggle_details()

    @on(Worker.StateChanged)
    def page_worker_done(self, event: Worker.StateChanged) -> None:
        """The page query ended, shown or not: the grid keeps the last page it showed and
        the status says why a new one did not come (the App's toast has the error too)."""
        if event.worker.group != PAGE_GROUP or event.state not in (
            WorkerState.SUCCESS,
            WorkerState.ERROR,
            WorkerState.CANCELLED,
        ):
            return
        assert self.page_query is not None
        if self._elapsed_timer is not None:
            self._elapsed_timer.stop()
            self._elapsed_timer = None
        if self.page_query.cancelled:
            self.page_error = f"cancelled after {self.page_query.elapsed():.1f} s; the previous page stays"
        elif event.state is WorkerState.ERROR:
            self.page_error = f"refused: {error_summary(event.worker.error)}; the previous page stays"
        else:
            self.page_error = None
        self.page_query.end()
        self.set_loading(False)
        self.update_status()

    @on(PageLoaded)
    def page_loaded(self, event: PageLoaded) -> None:
        if self.shown is None:
            return
        self.shown.page = event.page
        self.show_page(event.page, event.cursor)
        self.set_loading(False)

    @on(PagedTable.PageWanted)
    def page_wanted(self, event: PagedTable.PageWanted) -> None:
        if event.direction == "next":
            self.fetch(lambda pager: pager.next(), "top")
        else:
            self.fetch(lambda pager: pager.previous(), "bottom")

    def show_page(self, page: Page, cursor: Literal["top", "bottom", "keep"] = "keep") -> None:
        """Draw the page (with pending changes) and say where in the result it is."""
        shown = self.shown
        if shown is None:
            return
        table = shown.view.table
        foreign = {name for key in table.foreign_keys for name in key.columns}
        grid = self.query_one(PagedTable)
        grid.show_page(
            header_cells(table, shown.view.sort, foreign),
            page_rows(table, page, self.editor.changes_to(table.ref), masked=shown.masked, revealed=shown.revealed),
            has_previous=page.has_previous,
            has_next=page.has_next,
            fixed_columns=len(table.key) if table.key and table.columns[0].name in table.key else 0,
            cursor=cursor,
        )
        self.update_status()

    def set_loading(self, loading: bool) -> None:
        self.query_one("#tables-switcher").loading = loading

    def view_changed(self) -> None:
        """Title and filter lines for the open view."""
        if self.shown is None:
            return
        view = self.shown.view
        self.query_one("#tables-title", Static).update(view_title(view.table, view.sort))
        filters = self.query_one("#tables-filters", Static)
        described = describe_filters(view)
        filters.update(described or "")
        filters.display = bool(described)

    def update_status(self) -> None:
        """The status line: where the page is in the result, what is pending, and why the
        last page query did not show."""
        if self.shown is None:
            self.query_one("#tables-status", Static).update(self.page_error or "")
            return
        parts = [position_text(self.shown.view, self.shown.page)]
        if self.page_error:
            parts.append(self.page_error)
        pending = self.editor.status(self.shown)
        if pending:
            parts.append(pending)
        reason = self.shown.view.table.read_only_reason
        if reason and self.console_app.database.settings.role.can_write_tables:
            parts.append(reason)
        self.query_one("#tables-status", Static).update("  ·  ".join(parts))

    # ---- actions -------------------------------------------------------------------

    def action_toggle_tree(self) -> None:
        tree = self.query_one(SchemaTree)
        tree.display = not tree.display
        (tree if tree.display else self.query_one(PagedTable)).focus()

    def action_toggle_details(self) -> None:
        switcher = self.query_one(ContentSwitcher)
        if switcher.current == "tables-details":
            switcher.current = "tables-grid"
            self.query_one(PagedTable).focus()
        elif self.shown is not None:
            switcher.current = "tables-details"
            self.load_details(self.shown.view.table.ref)

    @work(thread=True, exclusive=True, group="tables.details", exit_on_error=False, name="Table details")
    def load_details(self, ref: RelationRef) -> None:
        self.post_message(self.DetailsLoaded(table_details(self.console_app.database, ref)))

    @on(DetailsLoaded)
    async def show_details(self, event: DetailsLoaded) -> None:
        pane = self.query_one("#tables-details", VerticalScroll)
        await pane.remove_children()
        await pane.mount_all(details_widgets(event.details))
        pane.focus()

    def action_sort(self) -> None:
        if self.shown is None:
            return
        view = self.shown.view
        column = view.table.columns[self.query_one(PagedTable).cursor_column].name
        sort = view.sort
        if sort is None or sort.column != column:
            new_sort: SortKey | None = SortKey(column)
        elif not sort.descending:
            new_sort = SortKey(column, descending=True)
        else:
            new_sort = None
        self.open_view(replace(view, sort=new_sort))

    def action_filter(self) -> None:
        if self.shown is None:
            return
        view = self.shown.view
        grid = self.query_one(PagedTable)
        column = view.table.columns[grid.cursor_column]
        current = self.shown.value_text(grid.cursor_row, column.name)
        start = "" if current is None else f"= {current}"

        def add_filter(typed: str | None) -> None:
            if typed:
                self.open_view(replace(view, filters=(*view.filters, column_filter(column.name, typed))))

        self.app.push_screen(
            TextPrompt(
                f"Filter on {column.name} ({column.type_name})",
                "An operator and a value: = 7, != x, < 10, >= 2026-01-01, contains abc, "
                "starts with ab, is null, is not null",
                start,
                validate=lambda typed: (column_filter(column.name, typed), typed)[1],
            ),
            add_filter,
        )

    def action_where(self) -> None:
        if self.shown is None:
            return
        view = self.shown.view

        def set_where(typed: str | None) -> None:
            if typed is not None:
                self.open_view(replace(view, where=typed.strip() or None))

        self.app.push_screen(
            TextPrompt(
                f"WHERE clause on {view.table.ref}",
                "SQL after WHERE, e.g. quartzs > 100 AND created_at > now() - interval '7 days' (empty clears it)",
                view.where or "",
            ),
            set_where,
        )

    def action_clear_filters(self) -> None:
        if self.shown is not None:
            self.open_view(View(self.shown.view.table))

    def action_first_page(self) -> None:
        self.fetch(lambda pager: pager.first(), "top")

    def action_last_page(self) -> None:
        self.fetch(lambda pager: pager.last(), "bottom")

    def action_reload(self) -> None:
        self.fetch(lambda pager: pager.reload(), "keep")

    def action_jump(self) -> None:
        if self.shown is None:
            return
        table = self.shown.view.table
        if not table.key:
            self.notify("This relation has no key to jump to.", severity="warning")
            return

        def jump(typed: str | None) -> None:
            if typed:
                values = [part.strip() for part in typed.split(",")]
                self.fetch(lambda pager: pager.seek(values), "top")

        names = ", ".join(table.key)
        self.app.push_screen(
            TextPrompt(f"Jump to a row of {table.ref}", f"The key ({names}), values separated by commas", ""),
            jump,
        )

    def action_view_value(self) -> None:
        if self.shown is None or not self.shown.page.rows:
            return
        grid = self.query_one(PagedTable)
        if grid.cursor_row >= len(self.shown.page.rows):
            return
        table = self.shown.view.table
        column = table.columns[grid.cursor_column]
        if self.shown.is_masked(grid.cursor_row, column.name):
            self.notify("This value is masked; an admin can reveal it (m).", severity="warning")
            return
        value = self.shown.page.rows[grid.cursor_row][grid.cursor_column]
        language = "json" if column.base_type in ("json", "jsonb") else None
        self.app.push_screen(
            TextViewer(f"{table.ref} · {column.name} ({column.type_name})", full_text(value, column), language=language)
        )

    @on(PagedTable.CellSelected)
    def cell_selected(self, event: PagedTable.CellSelected) -> None:
        # Enter on a foreign key follows it; on any other cell it shows the whole value.
        if self.foreign_key_under_cursor() is not None:
            self.action_open_reference()
        else:
            self.action_view_value()

    def foreign_key_under_cursor(self) -> catalog.ForeignKey | None:
        if self.shown is None:
            return None
        grid = self.query_one(PagedTable)
        if grid.cursor_row >= len(self.shown.page.rows):
            return None
        column = self.shown.view.table.columns[grid.cursor_column].name
        return next((key for key in self.shown.view.table.foreign_keys if column in key.columns), None)

    def action_open_reference(self) -> None:
        foreign_key = self.foreign_key_under_cursor()
        if self.shown is None or foreign_key is None:
            self.notify("The cursor is not on a foreign key.", severity="warning")
            return
        row = row_as_mapping(self.shown.page, self.query_one(PagedTable).cursor_row)
        filters = browse.referenced_row_filters(foreign_key, row)
        if filters is None:
            self.notify("This foreign key is NULL: it points nowhere.", severity="information")
            return
        self.history.append(self.shown.view)
        self.open_relation(foreign_key.referenced, filters)

    def action_references(self) -> None:
        if self.shown is None or not self.shown.page.rows:
            return
        table = self.shown.view.table
        if not table.referenced_by:
            self.notify(f"No foreign key points at {table.ref}.", severity="information")
            return
        row_index = self.query_one(PagedTable).cursor_row
        if row_index >= len(self.shown.page.rows):
            return
        self.load_references(table, row_as_mapping(self.shown.page, row_index))

    @work(thread=True, exclusive=True, group="tables.references", exit_on_error=False, name="Referencing rows")
    def load_references(self, table: TableInfo, row: dict[str, Any]) -> None:
        found = browse.referencing_rows(self.console_app.database, table, row)
        self.app.call_from_thread(self.choose_reference, found)

    def choose_reference(self, found: list[browse.ReferencingRows]) -> None:
        def open_choice(index: int | None) -> None:
            if index is not None and self.shown is not None:
                chosen = found[index]
                self.history.append(self.shown.view)
                self.open_relation(chosen.foreign_key.table, chosen.filters)

        options = [
            f"{entry.foreign_key.table} ({', '.join(entry.foreign_key.columns)}): "
            f"{entry.count:,}{'+' if entry.more else ''} rows"
            for entry in found
        ]
        self.app.push_screen(ChoiceDialog("Rows that point at this row", options), open_choice)

    def action_back(self) -> None:
        if self.history:
            view = self.history.pop()
            self.open_view(view)

    # ---- editing and export: the parts' keys, and their answers ------------------------

    def unsaved_work(self) -> str | None:
        return self.editor.unsaved_work()

    def cursor(self) -> tuple[int, int]:
        """The grid's cursor: (row, column) of the page."""
        grid = self.query_one(PagedTable)
        return grid.cursor_row, grid.cursor_column

    def action_edit_cell(self) -> None:
        self.editor.edit_cell(self.shown, *self.cursor())

    def action_insert_row(self) -> None:
        self.editor.insert_row(self.shown)

    def action_delete_row(self) -> None:
        self.editor.delete_row(self.shown, self.cursor()[0])

    def action_soft_delete(self) -> None:
        self.editor.soft_delete(self.shown, self.cursor()[0])

    def action_undo(self) -> None:
        self.editor.undo()

    def action_pending(self) -> None:
        self.editor.review()

    def action_save(self) -> None:
        self.editor.save()

    def action_reveal(self) -> None:
        self.editor.reveal(self.shown, *self.cursor())

    def action_export(self) -> None:
        if self.shown is not None:
            self.exporter.export(self.shown.view, self.shown.masked)

    @on(TableEditor.Changed)
    def changes_changed(self) -> None:
        if self.shown is not None:
            self.show_page(self.shown.page)
        else:
            self.update_status()

    @on(TableEditor.Saved)
    def changes_saved(self) -> None:
        self.action_reload()

    @on(TableEditor.Revealed)
    def value_revealed(self, event: TableEditor.Revealed) -> None:
        if self.shown is not None:
            self.shown.revealed.add((event.key, event.column))
            self.show_page(self.shown.page)


def column_filter(column: str, typed: str) -> Filter:
    """`>= 10`, `contains abc`, `is null` typed on a column, as a Filter.

    Raises:
        BadFilter: no known operator starts the text, or a value is missing.
    """
    return browse.parse_filter(f"{quote_ident(column)} {typed}")


def has_filters(view: View) -> bool:
    return bool(view.filters or view.where)


def describe_filters(view: View) -> str:
    """The filters as one line: `where quartzs > 100 and name contains ab  (c clears)`."""
    parts = [
        f"{item.column} {item.operator}" + (f" {item.value}" if item.value is not None else "") for item in view.filters
    ]
    if view.where:
        parts.append(f"({view.where})")
    return ("where " + " and ".join(parts) + "   (c clears)") if parts else ""


def view_title(table: TableInfo, sort: SortKey | None) -> str:
    """`gacha.users · table · key id · ~200 rows`."""
    parts = [str(table.ref), table.kind.label]
    parts.append(f"key {', '.join(table.key)}" if table.key else "no key: paged by cursor")
    if table.estimated_rows is not None:
        parts.append(f"~{table.estimated_rows:,} rows")
    if sort is not None:
        parts.append(f"sorted by {sort.column} {'desc' if sort.descending else 'asc'}")
    return " · ".join(parts)


def position_text(view: View, page: Page) -> str:
    """Where the page is: `rows 1–100 of more`, `rows 901–950 (the end)`, never a COUNT."""
    count = len(page.rows)
    if count == 0:
        return "no rows" + (" match the filters" if has_filters(view) else "")
    if page.first_row_number is not None:
        span = f"rows {page.first_row_number:,}–{page.first_row_number + count - 1:,}"
    else:
        span = f"{count:,} rows"
    if page.has_next:
        return f"{span} of more"
    if page.has_previous:
        return f"{span} (the end)"
    return f"{span} (all)"

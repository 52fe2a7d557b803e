"""The Statements tab: pg_stat_statements' top queries, or how to enable the extension."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Static

from data import stats
from data.formatting import first_line
from screens.activity_common import ActivityPane, highlighted_key, number_cell
from widgets.data_grid import DataGrid, clip
from widgets.dialogs import TextViewer


def hit_text(statement: stats.Statement) -> str:
    blocks = statement.shared_blks_hit + statement.shared_blks_read
    return f"{statement.shared_blks_hit / blocks:.0%}" if blocks else "-"


class StatementsPane(ActivityPane):
    """The top statements by total time; Enter shows one's full text, e explains it."""

    BINDINGS = [
        Binding(
            "e",
            "explain",
            "Explain",
            id="activity.explain",
            tooltip="Open the highlighted statement in the query plans screen",
        ),
    ]

    DEFAULT_CSS = """
    StatementsPane DataTable { height: auto; max-height: 1fr; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.statements: tuple[stats.Statement, ...] = ()
        """The rows shown, in their order (a row's key is its index here)."""

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(id="activity-statements-missing", markup=False)
            yield DataGrid(id="activity-statements", cursor_type="row")

    def on_mount(self) -> None:
        self.query_one("#activity-statements", DataTable).add_columns(
            *map(number_cell, ("calls", "total ms", "mean ms", "rows", "hit %")), "query"
        )

    def show(self, reading: stats.Reading) -> None:
        shot = reading.snapshot
        missing = self.query_one("#activity-statements-missing", Static)
        table = self.query_one("#activity-statements", DataTable)
        missing.update(shot.statements_missing or "")
        missing.display = shot.statements_missing is not None
        table.display = shot.statements is not None
        had_statements, self.statements = bool(self.statements), shot.statements or ()
        if had_statements != bool(self.statements):
            self.screen.refresh_bindings()  # `e` is offered only with a statement to explain
        table.clear()
        for index, statement in enumerate(self.statements):
            figures = (
                f"{statement.calls:,}",
                f"{statement.total_ms:,.1f}",
                f"{statement.mean_ms:,.2f}",
                f"{statement.rows:,}",
                hit_text(statement),
            )
            table.add_row(*map(number_cell, figures), clip(first_line(statement.query), 120), key=str(index))

    def highlighted_statement(self) -> stats.Statement | None:
        """The statement under the cursor, whose SQL text another screen can take."""
        key = highlighted_key(self.query_one("#activity-statements", DataTable))
        return None if key is None else self.statements[int(key)]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return bool(self.statements) if action == "explain" else True

    async def action_explain(self) -> None:
        statement = self.highlighted_statement()
        if statement is not None:
            await self.console_app.explain_in_query_plans(statement.query)

    @on(DataTable.RowSelected, "#activity-statements")
    def show_statement(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value is None:
            return
        statement = self.statements[int(event.row_key.value)]
        self.app.push_screen(TextViewer(f"Statement · {statement.calls:,} calls", statement.query, language="sql"))

"""Exporting from the Tables screen: the whole filtered, sorted result to a file, with progress.

The rows stream through data/export.py's server-side cursor in a worker; a ProgressDialog
shows the count and the rate and can stop it. `TableExporter` is the part of the screen
that does it (key x); the dialog, not the screen, shows how it ended.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from textual import work

from data import export
from data.browse import View
from data.errors import error_summary
from data.output_file import output_file
from screens.base import ConsolePart, confirm_replace
from widgets.dialogs import ProgressDialog, TextPrompt


class TableExporter(ConsolePart):
    """Writes the Tables screen's whole result (all pages, filters and sort) to a file."""

    def export(self, view: View, masked: frozenset[str]) -> None:
        """Ask for a file name, then write `view` to it with `masked` columns masked: the
        file must not hand out what the grid hides (the console export command masks too)."""

        def check(typed: str) -> str:
            export_format(typed)
            return typed

        def run(path: Path, replace: bool) -> None:
            dialog = ProgressDialog(
                f"Exporting {view.table.ref}", view.table.estimated_rows if not (view.filters or view.where) else None
            )
            self.app.push_screen(dialog)
            self.export_worker(view, path, dialog, masked, replace)

        def start(typed: str | None) -> None:
            if typed:
                path = Path(typed).expanduser()
                confirm_replace(self, path, lambda replace: run(path, replace))

        self.app.push_screen(
            TextPrompt(
                f"Export {view.table.ref}",
                "The whole result with its filters and sort; .csv or .json decides the format",
                f"{view.table.ref.schema}.{view.table.ref.name}.csv",
                validate=check,
            ),
            start,
        )

    @work(thread=True, group="tables.export", exit_on_error=False, name="Export")
    def export_worker(
        self, view: View, path: Path, dialog: ProgressDialog, masked: frozenset[str], replace: bool
    ) -> None:
        app = self.app
        try:
            with output_file(path, replace=replace) as out:
                rows = export.export_view(
                    self.console_app.database,
                    view,
                    out,
                    export_format(str(path)),
                    progress=lambda done: app.call_from_thread(dialog.update_progress, done),
                    cancelled=dialog.cancel_requested.is_set,
                    masked=masked,
                )
                if dialog.cancel_requested.is_set():
                    raise ExportStopped(rows)  # leaves the file as it was (or absent)
        except ExportStopped as stopped:
            app.call_from_thread(
                dialog.finish, f"Cancelled after {stopped.rows:,} rows; {path} not written.", failed=True
            )
            return
        except Exception as error:  # shown in the dialog itself, which stays open to read
            app.call_from_thread(dialog.finish, f"Export failed: {error_summary(error)}", failed=True)
            return
        app.call_from_thread(dialog.finish, f"Exported {rows:,} rows to {path}.")


class ExportStopped(Exception):
    """The user stopped the export: raised inside the output block so nothing lands."""

    def __init__(self, rows: int) -> None:
        super().__init__(f"stopped after {rows} rows")
        self.rows = rows


def export_format(path: str) -> Literal["csv", "json"]:
    """The export format a file name asks for.

    Raises:
        ValueError: the name ends in neither .csv nor .json.
    """
    suffix = Path(path).suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix == ".json":
        return "json"
    raise ValueError("the file name must end in .csv or .json")

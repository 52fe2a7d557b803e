"""Imports: run an import (admin) with a progress bar and a cancel; the history of every run.

Left, the kind of import, a file picker (a DirectoryTree from the working directory; the
path can be typed too), and the options (batch size, resume from, on error, the target
table for CSV/JSON). Run starts the import in a thread worker; the bar follows the share of
the file read, with records per second and the time left. Cancel asks the importer to stop
after the batch it is writing, so the database keeps only whole batches (City of Data and
Geminya, one transaction each, keep nothing). Below, heroes.import_logs: each run's
outcome, counts and first rejected records. The developer and support roles see the
history only.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Button, DataTable, DirectoryTree, Input, ProgressBar, Select, Static

from data import imports, inputs
from data.imports.common import ImportLogEntry, ImportResult, Progress
from screens.base import ConsoleScreen
from widgets.data_grid import DataGrid
from widgets.key_bar import KeyBar
from widgets.title_bar import TitleBar

KINDS: tuple[tuple[str, str], ...] = (
    ("I12 power data (JSON)", "i12"),
    ("City of Data export (directory)", "cod"),
    ("Geminya characters (CSV)", "characters"),
    ("Geminya series (CSV)", "series"),
    ("CSV or JSON into a table", "csv"),
)


@dataclass
class ImportProgressed(Message):
    progress: Progress


@dataclass
class ImportFinished(Message):
    result: ImportResult | None
    error: str | None


@dataclass
class HistoryLoaded(Message):
    entries: list[ImportLogEntry]


def describe(progress: Progress) -> str:
    """ "12,000 records (3 rejected) · 18,200/s · 4 s left"."""
    left = f" · {progress.seconds_left:.0f} s left" if progress.seconds_left is not None else ""
    return f"{progress.records:,} records ({progress.rejected:,} rejected) · {progress.rate:,.0f}/s{left}"


class ImportsScreen(ConsoleScreen):
    BINDINGS = [
        Binding("f5", "run_import", "Run", id="imports.run", tooltip="Run the import with these options"),
        Binding(
            "ctrl+k",
            "cancel_import",
            "Cancel",
            id="imports.cancel",
            tooltip="Stop after the batch being written; committed batches stay",
        ),
        Binding("ctrl+r", "reload", "History", id="imports.reload", tooltip="Reload the history of runs"),
    ]

    def __init__(self, start_dir: Path | str = ".") -> None:
        """`start_dir` is where the file picker opens (the working directory by default)."""
        super().__init__()
        self._start_dir = start_dir
        self._cancel = threading.Event()
        self._import_running = False

    def compose(self) -> ComposeResult:
        yield TitleBar()
        # One column: the picker and the history share what the fixed rows leave (80x24 too).
        yield Static("", id="imports-role")
        yield Select(KINDS, value="i12", allow_blank=False, id="imports-kind")
        yield DirectoryTree(self._start_dir, id="imports-picker")
        yield self._labelled(Input(placeholder="file or directory to import", id="imports-path"), "file")
        # One row of options, those of the chosen kind shown (see show_options).
        with Horizontal(id="imports-options"):
            yield self._labelled(Input("1000", id="imports-batch", type="integer"), "batch size")
            yield self._labelled(Input("0", id="imports-resume", type="integer"), "from record")
            yield Select(
                (("skip bad records", "skip"), ("stop at a bad record", "stop")),
                value="skip",
                allow_blank=False,
                id="imports-on-error",
            )
            yield self._labelled(Input(placeholder="schema.table", id="imports-table"), "into table")
        with Horizontal(id="imports-buttons"):
            yield Button("Run", id="imports-run", variant="primary")
            yield Button("Cancel", id="imports-cancel", variant="error", disabled=True)
            yield ProgressBar(total=100, show_eta=False, id="imports-bar")
        yield Static("", id="imports-status")
        yield DataGrid(id="imports-history", cursor_type="row")
        yield KeyBar()

    @staticmethod
    def _labelled(widget: Input, label: str) -> Input:
        """The widget with its label on its top border: a value such as "0" says nothing alone."""
        widget.border_title = label
        return widget

    @on(Select.Changed, "#imports-kind")
    def show_options(self) -> None:
        """Only the chosen kind's options: batch, resume and bad records for I12, the table
        for CSV or JSON into a table, none for the others."""
        kind = self.query_one("#imports-kind", Select).value
        for selector in ("#imports-batch", "#imports-resume", "#imports-on-error"):
            self.query_one(selector).display = kind == "i12"
        self.query_one("#imports-table").display = kind == "csv"
        self.query_one("#imports-options").display = kind in ("i12", "csv")

    def on_mount(self) -> None:
        table = self.query_one("#imports-history", DataTable)
        table.add_columns("id", "type", "status", "written", "rejected", "seconds", "source", "outcome")
        role = self.console_app.database.settings.role
        self.show_options()
        self.query_one("#imports-role").display = not role.can_import
        if not role.can_import:
            for selector in (
                "#imports-kind",
                "#imports-picker",
                "#imports-path",
                "#imports-options",
                "#imports-buttons",
            ):
                self.query_one(selector).display = False
            self.query_one("#imports-role", Static).update(
                f"The {role.value} role sees the history of imports; running one is for the admin role."
            )
        self.load_history()

    # ---- choosing -------------------------------------------------------------------

    @on(DirectoryTree.FileSelected)
    @on(DirectoryTree.DirectorySelected)
    def choose_path(self, event: DirectoryTree.FileSelected | DirectoryTree.DirectorySelected) -> None:
        self.query_one("#imports-path", Input).value = str(event.path)

    # ---- running --------------------------------------------------------------------

    @on(Button.Pressed, "#imports-run")
    def action_run_import(self) -> None:
        if self._import_running or not self.console_app.database.settings.role.can_import:
            return
        options = self._options()
        if options is None:
            return
        self._import_running = True
        self._cancel.clear()
        self.query_one("#imports-run", Button).disabled = True
        self.query_one("#imports-cancel", Button).disabled = False
        self.query_one("#imports-bar", ProgressBar).update(progress=0)
        self.query_one("#imports-status", Static).update("starting…")
        self.run_import(options)

    @on(Button.Pressed, "#imports-cancel")
    def action_cancel_import(self) -> None:
        if self._import_running:
            self._cancel.set()
            self.query_one("#imports-status", Static).update("cancelling after the batch being written…")

    def _options(self) -> dict[str, Any] | None:
        status = self.query_one("#imports-status", Static)
        path = self.query_one("#imports-path", Input).value.strip()
        if not path:
            status.update("choose a file (or a directory for City of Data) first")
            return None
        try:
            batch = inputs.whole_number(
                self.query_one("#imports-batch", Input).value or "1000", "the batch size", low=1
            )
            resume = inputs.whole_number(
                self.query_one("#imports-resume", Input).value or "0", "the record to resume from", low=0
            )
        except inputs.BadInput as error:
            status.update(str(error))
            return None
        return {
            "kind": self.query_one("#imports-kind", Select).value,
            "path": Path(path),
            "batch": batch,
            "resume": resume,
            "on_error": self.query_one("#imports-on-error", Select).value,
            "table": self.query_one("#imports-table", Input).value.strip(),
        }

    @work(thread=True, exclusive=True, group="imports.run", exit_on_error=False)
    def run_import(self, options: dict[str, Any]) -> None:
        database = self.console_app.database
        common = {"progress": lambda p: self.post_message(ImportProgressed(p)), "cancelled": self._cancel.is_set}
        kind, path = options["kind"], options["path"]
        try:
            if kind == "i12":
                result = imports.import_i12(
                    database,
                    path,
                    batch_size=options["batch"],
                    resume_from=options["resume"],
                    on_error=options["on_error"],
                    **common,
                )
            elif kind == "cod":
                result = imports.import_city_of_data(database, path, **common)
            elif kind == "characters":
                result = imports.import_characters(database, path, **common)
            elif kind == "series":
                result = imports.import_series(database, path, **common)
            else:
                result = imports.import_table(database, options["table"], path, **common)
        except (imports.ImportFailed, PermissionError, inputs.BadInput) as error:
            self.post_message(ImportFinished(None, str(error)))
            return
        self.post_message(ImportFinished(result, None))

    @on(ImportProgressed)
    def show_progress(self, event: ImportProgressed) -> None:
        if event.progress.fraction is not None:
            self.query_one("#imports-bar", ProgressBar).update(progress=100 * event.progress.fraction)
        self.query_one("#imports-status", Static).update(describe(event.progress))

    @on(ImportFinished)
    def show_outcome(self, event: ImportFinished) -> None:
        self._import_running = False
        self.query_one("#imports-run", Button).disabled = False
        self.query_one("#imports-cancel", Button).disabled = True
        status = self.query_one("#imports-status", Static)
        result = event.result
        if result is None:
            status.update(f"refused: {event.error}")
            return
        if result.ok:
            self.query_one("#imports-bar", ProgressBar).update(progress=100)
        resume = f" · resume from {result.resume_from}" if result.resume_from is not None and not result.ok else ""
        status.update(
            f"{result.status}: {result.written:,} written, {result.rejected:,} rejected in "
            f"{result.elapsed:.1f} s{resume}" + (f" · {result.message}" if result.message else "")
        )
        self.load_history()

    # ---- history --------------------------------------------------------------------

    def action_reload(self) -> None:
        self.load_history()

    @work(thread=True, exclusive=True, group="imports.history", exit_on_error=False)
    def load_history(self) -> None:
        self.post_message(HistoryLoaded(imports.history(self.console_app.database)))

    @on(HistoryLoaded)
    def show_history(self, event: HistoryLoaded) -> None:
        table = self.query_one("#imports-history", DataTable)
        table.clear()
        for entry in event.entries:
            outcome = entry.message or (str(entry.errors[0]) if entry.errors else "")
            seconds = f"{entry.seconds:.1f}" if entry.seconds is not None else "running"
            table.add_row(
                str(entry.id),
                entry.import_type,
                entry.status,
                f"{entry.records_processed:,}",
                f"{entry.error_count:,}",
                seconds,
                Path(entry.source_file).name,
                outcome[:80],
                key=str(entry.id),
            )

"""`console import i12|cod|characters|series|csv`: the importers of data/imports on the command line.

Progress goes to stderr (records, records/s, time left); the outcome is printed as text or
JSON. A run that fails or is cancelled exits 1, with where to resume when it can.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from console.cli_common import EXIT_FAILED, CommandFailed, json_flag, print_result, progress, whole
from data import imports

if TYPE_CHECKING:  # the importers load when an import runs (data.imports)
    from data.engine import Database
    from data.imports.common import ImportResult, Progress


def add_commands(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "import", help="import I12 powers, City of Data, Geminya CSV, or CSV/JSON into a table"
    )
    kinds = parser.add_subparsers(dest="kind", required=True, metavar="KIND")
    i12 = kinds.add_parser("i12", help="an I12 power file (a JSON array of power records)")
    i12.add_argument("file", type=Path, metavar="FILE")
    i12.add_argument("--batch-size", type=whole(1), default=1000, help="records per transaction (default 1000)")
    i12.add_argument(
        "--resume-from", type=whole(0), default=0, metavar="N", help="the first record to import (0-based)"
    )
    i12.add_argument(
        "--on-error",
        choices=imports.ON_ERROR_CHOICES,
        default="skip",
        help="skip a bad record (default) or stop the run at it",
    )
    cod = kinds.add_parser("cod", help="a City of Data export directory")
    cod.add_argument("directory", type=Path, metavar="DIR")
    for name, what in (("characters", "Geminya's characters CSV"), ("series", "Geminya's series CSV")):
        kinds.add_parser(name, help=what).add_argument("file", type=Path, metavar="FILE")
    table = kinds.add_parser("csv", help="a CSV (with a header) or a JSON array of objects into any table")
    table.add_argument("table", metavar="TABLE", help="schema.table")
    table.add_argument("file", type=Path, metavar="FILE")
    table.add_argument("--format", choices=["csv", "json"], help="default: from the file's extension")
    for sub in (i12, cod, table, *(kinds.choices[n] for n in ("characters", "series"))):
        json_flag(sub)
        sub.set_defaults(run=run)


def _describe(step: Progress) -> str:
    left = f", {step.seconds_left:.0f} s left" if step.seconds_left is not None else ""
    noun = "record" if step.records == 1 else "records"
    return f"{step.records:,} {noun} ({step.rejected:,} rejected), {step.rate:,.0f}/s{left}"


PROGRESS_EVERY = 2.0
"""Seconds between progress lines: an importer reports after each batch or record, which
would be hundreds of lines a second in a log."""


def run(args: argparse.Namespace, database: Database) -> int:
    say = progress(args)
    last_said = -PROGRESS_EVERY  # the first report is said at once: the run has begun

    def report(step: Progress) -> None:
        nonlocal last_said
        if time.monotonic() - last_said >= PROGRESS_EVERY:
            last_said = time.monotonic()
            say(_describe(step))

    options: dict[str, Any] = {"progress": report}
    try:
        if args.kind == "i12":
            result = imports.import_i12(
                database,
                args.file,
                batch_size=args.batch_size,
                resume_from=args.resume_from,
                on_error=args.on_error,
                **options,
            )
        elif args.kind == "cod":
            result = imports.import_city_of_data(database, args.directory, **options)
        elif args.kind == "characters":
            result = imports.import_characters(database, args.file, **options)
        elif args.kind == "series":
            result = imports.import_series(database, args.file, **options)
        else:
            result = imports.import_table(database, args.table, args.file, fmt=args.format, **options)
    except (imports.ImportFailed, PermissionError) as error:
        raise CommandFailed(str(error)) from None
    code = print_result(args, result.as_json(), _text(result))
    return code if result.ok else EXIT_FAILED


def _text(result: ImportResult) -> str:
    lines = [
        f"import {result.import_type} {result.status}: {result.written:,} written, "
        f"{result.rejected:,} rejected in {result.elapsed:.1f} s (log {result.log_id})"
    ]
    lines += [f"  {table}: {count:,}" for table, count in result.counts.items()]
    lines += [
        f"  rejected {error}" if not error.message.startswith(("line ", "record ")) else f"  rejected {error.message}"
        for error in result.errors[:20]
    ]
    if result.rejected > 20:
        lines.append(f"  ... and {result.rejected - 20:,} more (heroes.import_logs id {result.log_id})")
    if result.message:
        lines.append(f"  {result.message}")
    if result.resume_from is not None and not result.ok:
        lines.append(f"  resume with --resume-from {result.resume_from}")
    return "\n".join(lines)

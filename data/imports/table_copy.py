"""CSV or JSON into any table, through COPY, with every type error reported by its line.

The file's header (CSV) or its objects' keys (a JSON array of objects) name the columns,
case-insensitively; a name the table does not have is refused before anything is read.
Rows are COPYed as text into a temporary staging table (for CSV, PostgreSQL's own CSV
parser reads the file, so NULL and "" stay distinct as `console export` writes them);
each column is then checked with pg_input_error_info against the target's type, and only
a file without errors goes into the table, in the same transaction. Type errors name
their line (CSV, found again with a second read for the few failing records) or their
record number (JSON).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import ijson
from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

from data.engine import Database, driver_of
from data.imports.common import (
    CancelFlag,
    CountingReader,
    ImportFailed,
    ImportResult,
    ImportRun,
    ProgressCallback,
    RecordError,
    check_can_import,
    open_text,
    source_path,
)

MAX_REPORTED = 100
CHUNK = 256 * 1024


def _columns(connection: Connection, table: str) -> dict[str, tuple[str, str]]:
    """lower(name) -> (name, type) of the table's writable columns."""
    schema, _, name = table.rpartition(".")
    rows = connection.execute(
        text(
            "SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a "
            "JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = :schema AND c.relname = :name AND a.attnum > 0 AND NOT a.attisdropped "
            "AND a.attgenerated = '' ORDER BY a.attnum"
        ),
        {"schema": schema or "public", "name": name},
    ).all()
    return {row[0].lower(): (row[0], row[1]) for row in rows}


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def import_table(
    database: Database,
    table: str,
    path: str | Path,
    *,
    fmt: str | None = None,
    progress: ProgressCallback | None = None,
    cancelled: CancelFlag | None = None,
) -> ImportResult:
    """Load a CSV (with a header) or a JSON array of objects into `table` (schema.table).

    Returns:
        completed with every row written, or failed with the type errors (nothing written).

    Raises:
        PermissionError: not an admin, or a read-only connection.
        ImportFailed: no such table, a column it does not have, or an unknown format.
    """
    check_can_import(database)
    file = source_path(path)
    kind = fmt or file.suffix.lower().lstrip(".")
    if kind not in ("csv", "json"):
        raise ImportFailed(f"{file.name}: say --format csv or json (the name does not tell)")
    with database.engine.connect() as connection:
        columns = _columns(connection, table)
        if not columns:
            raise ImportFailed(f"no table {table} (give it as schema.table)")
        names = _header(file) if kind == "csv" else _json_keys(file)
        unknown = [n for n in names if n.lower() not in columns]
        if unknown:
            raise ImportFailed(f"{table} has no column {', '.join(repr(n) for n in unknown)}")
        targets = [columns[n.lower()] for n in names]
        connection.rollback()
        run = ImportRun(database, kind, file, table=table, progress=progress, cancelled=cancelled)
        staging = ", ".join(f"c{i} text" for i in range(len(targets)))
        try:
            connection.execute(
                text(
                    f"CREATE TEMP TABLE import_stage (rec bigint GENERATED ALWAYS AS IDENTITY, "
                    f"{staging}) ON COMMIT DROP"
                )
            )
            stage_columns = ", ".join(f"c{i}" for i in range(len(targets)))
            cursor = driver_of(connection).cursor()
            if kind == "csv":
                stopped = _copy_csv(cursor, file, stage_columns, run)
            else:
                stopped = _copy_json(cursor, file, stage_columns, names, run)
            if stopped:
                return run.roll_back_whole(connection, "cancelled", "cancelled: nothing was written (one transaction)")
            run.read = connection.execute(text("SELECT count(*) FROM import_stage")).scalar_one()
            errors = _type_errors(connection, targets)
            if errors:
                connection.rollback()
                lines = _csv_lines(file, {rec for rec, _ in errors}) if kind == "csv" else {}
                for rec, message in errors:
                    where = f"line {lines[rec]}" if rec in lines else f"record {rec}"
                    run.reject(RecordError(lines.get(rec, rec), f"{where}: {message}"))
                return run.finish(
                    "failed",
                    f"{len(errors)} value(s) of the wrong type"
                    f"{' (the first ' + str(MAX_REPORTED) + ')' if len(errors) >= MAX_REPORTED else ''}; "
                    "nothing was written",
                )
            casts = ", ".join(f"c{i}::{kind_}" for i, (_, kind_) in enumerate(targets))
            target_columns = ", ".join(_quote(n) for n, _ in targets)
            schema, _, name = table.rpartition(".")
            written = connection.execute(
                text(
                    f"INSERT INTO {_quote(schema)}.{_quote(name)} ({target_columns}) "
                    f"SELECT {casts} FROM import_stage ORDER BY rec"
                )
            ).rowcount
            run.counts[table] = written
            return run.commit_whole(connection, written, [], {"rows": written})
        except DBAPIError as error:
            return run.failed_whole(connection, error)


def _header(file: Path) -> list[str]:
    stream, _ = open_text(file)
    with stream:
        header = next(csv.reader(stream), None)
    if not header:
        raise ImportFailed(f"{file.name}: empty, a CSV import needs a header line")
    return [name.strip() for name in header]


def _json_keys(file: Path) -> list[str]:
    with file.open("rb") as raw:
        try:
            first = next(ijson.items(raw, "item"), None)
        except ijson.JSONError:
            raise ImportFailed(f"{file.name}: not JSON (a JSON import is an array of objects)") from None
    if not isinstance(first, dict):
        raise ImportFailed(f"{file.name}: a JSON import is an array of objects")
    return list(first)


def _copy_csv(cursor: Any, file: Path, columns: str, run: ImportRun) -> bool:
    stream, counter = open_text(file)
    with stream, cursor.copy(f"COPY import_stage ({columns}) FROM STDIN (FORMAT csv, HEADER true)") as copy:
        while chunk := stream.read(CHUNK):
            copy.write(chunk.encode("utf-8"))
            run.report(counter.fraction)
            if run.cancel_requested():
                return True
    return False


def _copy_json(cursor: Any, file: Path, columns: str, names: list[str], run: ImportRun) -> bool:
    def text_of(value: Any) -> str | None:
        if value is None:
            return None
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (dict, list)):
            return json.dumps(value, default=str)
        return str(value)

    with file.open("rb") as raw, cursor.copy(f"COPY import_stage ({columns}) FROM STDIN") as copy:
        reader = CountingReader(raw, file.stat().st_size)
        for number, record in enumerate(ijson.items(reader, "item"), start=1):
            if not isinstance(record, dict) or set(record) - set(names):
                raise ImportFailed(f"record {number}: keys differ from the first record's")
            copy.write_row([text_of(record.get(name)) for name in names])
            run.read += 1
            if number % 10_000 == 0:
                run.report(reader.fraction)
                if run.cancel_requested():
                    return True
    return False


def _type_errors(connection: Connection, targets: list[tuple[str, str]]) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    for index, (name, kind) in enumerate(targets):
        rows = connection.execute(
            text(
                f"SELECT rec, c{index} AS value, (pg_input_error_info(c{index}, :kind)).message FROM import_stage "
                f"WHERE c{index} IS NOT NULL AND NOT pg_input_is_valid(c{index}, :kind) ORDER BY rec LIMIT :n"
            ),
            {"kind": kind, "n": MAX_REPORTED},
        ).all()
        found += [(row.rec, f"{name}: {row.message}") for row in rows]
    return sorted(found)[:MAX_REPORTED]


def _csv_lines(file: Path, records: set[int]) -> dict[int, int]:
    """The line each of these records (1 = the first after the header) starts on."""
    lines: dict[int, int] = {}
    stream, _ = open_text(file)
    with stream:
        reader = csv.reader(stream)
        next(reader, None)
        start = reader.line_num + 1
        for number, _ in enumerate(reader, start=1):
            if number in records:
                lines[number] = start
            start = reader.line_num + 1
    return lines

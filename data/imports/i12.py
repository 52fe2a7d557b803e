"""The I12 power import: a JSON array of power records, streamed, upserted in batches.

The file is read by an incremental JSON parser (ijson's C backend), one record at a time,
so memory stays flat whatever its size. Each record is checked in Python first (names,
its powerset, numbers in the ranges the powers table allows); a bad record is reported
with its index and either skipped or ends the run (`on_error`). A batch is one
transaction: its rows are COPYed into a temporary table and upserted from there with one
`INSERT ... ON CONFLICT (name, powerset_id) DO UPDATE`, with the log's counts and an
audit row. A run that stops writes nothing of the batch it stopped in (never half a
batch) and says where to resume: the first record of that batch.

Record keys (the seed's I12 format; only Name and PowersetName are required):

| key | column | key | column |
|---|---|---|---|
| Name | name | Accuracy | accuracy (default 1.0) |
| DisplayName | display_name (default Name) | EnduranceCost | endurance_cost |
| InternalName | internal_name | RechargeTime | recharge_time |
| PowersetName | powerset_id (by internal or plain name) | ActivationTime | activation_time |
| Description | description | Range, Radius | range, radius |
| Level | level_available (1-50, default 1) | MaxTargets | max_targets |
| PowerType | power_type (Click, Toggle, Auto) | MaxSlots | max_slots (1-6) |
| TargetType | target_type | DamageScale | damage_scale |
| Effects | effects (an object; a list is kept as {"groups": [...]}) | AllowedSetCategories | allowed_set_categories |

The whole record is kept in `source`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import ijson
import msgspec
from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

from data import inputs
from data.engine import Database, driver_of
from data.errors import one_line
from data.imports.common import (
    HEROES,
    ON_ERROR_CHOICES,
    CancelFlag,
    CountingReader,
    ImportFailed,
    ImportResult,
    ImportRun,
    ProgressCallback,
    RecordError,
    check_can_import,
    prefetched,
    source_path,
)
from data.models.heroes import POWER_TYPES

DEFAULT_BATCH_SIZE = 1000

# (column, SQL type of the staging table) in COPY order.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("name", "text"),
    ("display_name", "text"),
    ("description", "text"),
    ("internal_name", "text"),
    ("powerset_id", "integer"),
    ("level_available", "smallint"),
    ("power_type", "text"),
    ("target_type", "text"),
    ("accuracy", "numeric"),
    ("damage_scale", "numeric"),
    ("endurance_cost", "numeric"),
    ("recharge_time", "numeric"),
    ("activation_time", "numeric"),
    ("range", "numeric"),
    ("radius", "numeric"),
    ("max_targets", "smallint"),
    ("max_slots", "smallint"),
    ("allowed_set_categories", "text[]"),
    ("effects", "jsonb"),
    ("source", "jsonb"),
)
COLUMN_NAMES = tuple(name for name, _ in COLUMNS)

# key: (column, default, upper bound exclusive: what the column's NUMERIC precision holds)
NUMBERS: dict[str, tuple[str, float, float]] = {
    "Accuracy": ("accuracy", 1.0, 100.0),
    "DamageScale": ("damage_scale", 0.0, 10_000.0),
    "EnduranceCost": ("endurance_cost", 0.0, 10_000.0),
    "RechargeTime": ("recharge_time", 0.0, 100_000.0),
    "ActivationTime": ("activation_time", 0.0, 1_000.0),
    "Range": ("range", 0.0, 1_000_000.0),
    "Radius": ("radius", 0.0, 1_000_000.0),
}
TEXTS: dict[str, tuple[str, int]] = {
    "Name": ("name", 100),
    "DisplayName": ("display_name", 100),
    "InternalName": ("internal_name", 200),
    "TargetType": ("target_type", 50),
    "Description": ("description", 100_000),
}


class BadRecord(ValueError):
    """A record the powers table cannot take; the message says which key and why."""


@dataclass(frozen=True)
class Powersets:
    """Powerset ids by their internal name and, when unambiguous, their plain name."""

    by_name: dict[str, int]

    @classmethod
    def load(cls, connection: Connection, schema: str) -> Powersets:
        rows = connection.execute(text(f'SELECT id, name, internal_name FROM "{schema}".powersets')).all()
        plain: dict[str, list[int]] = {}
        for row in rows:
            plain.setdefault(row.name.lower(), []).append(row.id)
        names = {key: ids[0] for key, ids in plain.items() if len(ids) == 1}
        names.update({row.internal_name.lower(): row.id for row in rows if row.internal_name})
        return cls(names)

    def find(self, name: str) -> int:
        powerset_id = self.by_name.get(name.lower())
        if powerset_id is None:
            raise BadRecord(f"PowersetName: no powerset {name!r} (import the game data first)")
        return powerset_id


def _text(record: dict[str, Any], key: str, required: bool = False) -> str | None:
    column, limit = TEXTS[key]
    value = record.get(key)
    if value is None or value == "":
        if required:
            raise BadRecord(f"{key}: missing")
        return None
    if not isinstance(value, str):
        raise BadRecord(f"{key}: expected text, got {json.dumps(value)[:40]}")
    if len(value) > limit:
        raise BadRecord(f"{key}: longer than {limit} characters")
    return value


def _number(record: dict[str, Any], key: str) -> float:
    column, default, bound = NUMBERS[key]
    value = record.get(key)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        raise BadRecord(f"{key}: expected a number, got {json.dumps(value, default=str)[:40]}")
    number = float(value)
    if not math.isfinite(number) or number < 0 or number >= bound:
        raise BadRecord(f"{key}: {value} is out of range (0 to {bound:g})")
    return number


def _integer(record: dict[str, Any], key: str, default: int, low: int, high: int) -> int:
    value = record.get(key)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)) or value != int(value):
        raise BadRecord(f"{key}: expected a whole number, got {json.dumps(value, default=str)[:40]}")
    if not low <= int(value) <= high:
        raise BadRecord(f"{key}: {int(value)} is not between {low} and {high}")
    return int(value)


def power_row(record: Any, powersets: Powersets) -> tuple[Any, ...]:
    """The staging row (COLUMNS order) for one I12 record.

    Raises:
        BadRecord: the record is not an object, misses Name or PowersetName, names an
            unknown powerset, or holds a value the powers table would refuse.
    """
    if not isinstance(record, dict):
        raise BadRecord(f"expected an object, got {json.dumps(record, default=str)[:40]}")
    name = _text(record, "Name", required=True)
    powerset = record.get("PowersetName")
    if not isinstance(powerset, str) or not powerset:
        raise BadRecord("PowersetName: missing")
    power_type = record.get("PowerType", "Click")
    if power_type not in POWER_TYPES:
        raise BadRecord(f"PowerType: {power_type!r} is not one of {', '.join(POWER_TYPES)}")
    effects = record.get("Effects", {})
    if isinstance(effects, list):
        effects = {"groups": effects}
    elif not isinstance(effects, dict):
        raise BadRecord("Effects: expected an object or a list")
    categories = record.get("AllowedSetCategories", [])
    if not isinstance(categories, list) or not all(isinstance(c, str) and len(c) <= 50 for c in categories):
        raise BadRecord("AllowedSetCategories: expected a list of names (50 characters at most)")
    return (
        name,
        _text(record, "DisplayName") or name,
        _text(record, "Description"),
        _text(record, "InternalName"),
        powersets.find(powerset),
        _integer(record, "Level", 1, 1, 50),
        power_type,
        _text(record, "TargetType"),
        _number(record, "Accuracy"),
        _number(record, "DamageScale"),
        _number(record, "EnduranceCost"),
        _number(record, "RechargeTime"),
        _number(record, "ActivationTime"),
        _number(record, "Range"),
        _number(record, "Radius"),
        _integer(record, "MaxTargets", 1, 1, 32_767),
        _integer(record, "MaxSlots", 6, 1, 6),
        text_array(categories),
        _JSON.encode(effects).decode(),
        _JSON.encode(record).decode(),
    )


# msgspec writes JSON about five times faster than json.dumps: with two documents per
# record (the effects and the whole source record), json.dumps was a fifth of the import.
_JSON = msgspec.json.Encoder()


def text_array(items: list[str]) -> str:
    """A PostgreSQL text[] literal, as COPY reads it: every element quoted, its backslashes
    and quotes escaped (psycopg's own list adapter costs a tenth of the import)."""
    quoted = ('"' + item.replace("\\", "\\\\").replace('"', '\\"') + '"' for item in items)
    return "{" + ",".join(quoted) + "}"


def _records(reader: CountingReader) -> Iterator[Any]:
    """Every element of the file's top-level array, as it is parsed.

    Raises:
        ImportFailed: the file does not start a JSON array (checked before parsing).
    """
    head = reader.raw.read(64).lstrip()
    reader.raw.seek(0)
    if not head:
        raise ImportFailed("the file is empty: an I12 file is a JSON array of power records")
    if head[:1] != b"[":
        kind = "a JSON object" if head[:1] == b"{" else "not JSON"
        raise ImportFailed(f"the file is {kind}: an I12 file is a JSON array of power records")
    # use_float: Decimal for every number costs a third of the parse, and the columns
    # are NUMERIC with at most 4 decimals, which a float carries exactly enough.
    items: Iterator[Any] = ijson.items(reader, "item", use_float=True, buf_size=256 * 1024)
    return items


def import_i12(
    database: Database,
    path: str | Path,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    resume_from: int = 0,
    on_error: str = "skip",
    progress: ProgressCallback | None = None,
    cancelled: CancelFlag | None = None,
) -> ImportResult:
    """Upsert the powers of an I12 file into heroes.powers; the run goes into import_logs.

    Args:
        batch_size: records per transaction.
        resume_from: the index of the first record to import (0-based); the records
            before it are parsed and passed over.
        on_error: "skip" a bad record (reported with its index) or "stop" the run at it,
            writing nothing of its batch.
        progress: called after each batch.
        cancelled: asked after each batch; True ends the run there (status cancelled),
            every committed batch kept and the next record given as resume point.

    Returns:
        The run's outcome. A run stopped by a bad record or a refused batch has status
        "failed", its message says why and `resume_from` where to go on from.

    Raises:
        PermissionError: not an admin, or a read-only connection.
        ImportFailed: the file is missing, or an option is out of range (nothing logged).
    """
    check_can_import(database)
    inputs.row_count(batch_size, "the batch size")
    inputs.whole(resume_from, "the record to resume from", low=0)
    if on_error not in ON_ERROR_CHOICES:
        raise ImportFailed(f"on error must be one of {', '.join(ON_ERROR_CHOICES)}")
    file = source_path(path)
    schema = database.settings.real_schema(HEROES)
    run = ImportRun(
        database,
        "i12",
        file,
        table=f"{HEROES}.powers",
        batch_size=batch_size,
        resume_from=resume_from,
        progress=progress,
        cancelled=cancelled,
    )
    with file.open("rb") as raw, database.engine.connect() as connection:
        reader = CountingReader(raw, file.stat().st_size)
        try:
            records = _records(reader)
        except ImportFailed as error:
            return run.finish("failed", str(error))
        powersets = Powersets.load(connection, schema)
        connection.commit()
        writer = _BatchWriter(connection, schema)
        batches = _batches(records, reader, powersets, resume_from, batch_size, stop_at_error=on_error == "stop")
        with closing(prefetched(batches)) as ahead:
            for batch in ahead:
                run.read += batch.read
                if batch.ends_run is not None:
                    return run.finish(
                        "failed",
                        f"{batch.ends_run}; nothing of the batch from record {batch.first} was written",
                        resume_from=batch.first,
                    )
                for rejected in batch.errors:
                    run.reject(rejected)
                outcome = writer.write(run, batch.rows, batch.errors, on_error, batch.first, batch.last)
                if outcome is not None:
                    return outcome
                run.report(batch.fraction)
                if batch.read == batch_size and run.cancel_requested():
                    return run.finish("cancelled", f"cancelled after record {batch.last}", resume_from=batch.last + 1)
        return run.finish("completed", None)


@dataclass
class _Batch:
    """Records of one transaction, as the reader thread cut them from the file."""

    first: int
    """The index of its first record."""
    last: int = -1
    read: int = 0
    rows: list[tuple[int, tuple[Any, ...]]] = field(default_factory=list)
    """(index, staging row) of each good record."""
    errors: list[RecordError] = field(default_factory=list)
    fraction: float = 1.0
    """How much of the file was read when the batch was cut."""
    ends_run: str | None = None
    """Why the run stops here (a bad record under --on-error stop, or the file's JSON
    breaking off); then nothing of this batch is written."""


def _batches(
    records: Iterator[Any],
    reader: CountingReader,
    powersets: Powersets,
    resume_from: int,
    batch_size: int,
    *,
    stop_at_error: bool,
) -> Iterator[_Batch]:
    """The records from `resume_from` on, parsed and checked, `batch_size` to a batch."""
    batch = _Batch(first=resume_from)
    index = -1
    try:
        for index, record in enumerate(records):
            if index < resume_from:
                continue
            batch.read, batch.last = batch.read + 1, index
            try:
                batch.rows.append((index, power_row(record, powersets)))
            except BadRecord as error:
                rejected = RecordError(index, str(error))
                if stop_at_error:
                    batch.ends_run = f"stopped at {rejected}"
                    yield batch
                    return
                batch.errors.append(rejected)
            if batch.read == batch_size:
                batch.fraction = reader.fraction or 1.0
                yield batch
                batch = _Batch(first=index + 1)
    except (ijson.JSONError, ijson.IncompleteJSONError, UnicodeDecodeError) as error:
        batch.ends_run = f"not valid JSON after record {index}: {_parser_message(error)}"
        yield batch
        return
    if batch.read:
        yield batch


def _parser_message(error: Exception) -> str:
    """The first line of the JSON parser's complaint (yajl gives it as bytes)."""
    detail = error.args[0] if error.args else ""
    if isinstance(detail, bytes):
        detail = detail.decode("utf-8", errors="replace")
    lines = str(detail).strip().splitlines()
    return lines[0] if lines else type(error).__name__


class _BatchWriter:
    """Writes one batch per transaction through a temporary staging table."""

    def __init__(self, connection: Connection, schema: str) -> None:
        self.connection = connection
        columns = ", ".join(f"{name} {kind}" for name, kind in COLUMNS)
        # Staging is a temporary table emptied at each commit: COPY fills it at COPY's
        # speed and the upsert reads it in one statement; its ord numbers the records.
        # Each batch makes it if its session lacks it: behind a pooler in transaction mode
        # (data.pooler) each transaction may have another session.
        self.create_sql = f"CREATE TEMP TABLE IF NOT EXISTS i12_batch (ord integer, {columns}) ON COMMIT DELETE ROWS"
        names = ", ".join(COLUMN_NAMES)
        updates = ", ".join(f"{name} = EXCLUDED.{name}" for name in COLUMN_NAMES if name not in ("name", "powerset_id"))
        self.copy_sql = f"COPY pg_temp.i12_batch (ord, {names}) FROM STDIN"
        self.upsert_sql = (
            f'INSERT INTO "{schema}".powers ({names}) SELECT {names} FROM pg_temp.i12_batch {{where}} '
            f"ON CONFLICT (name, powerset_id) DO UPDATE SET {updates}, updated_at = now()"
        )

    def write(
        self,
        run: ImportRun,
        batch: list[tuple[int, tuple[Any, ...]]],
        errors: list[RecordError],
        on_error: str,
        first: int,
        last: int,
    ) -> ImportResult | None:
        """Write the batch (and its log counts) in one transaction; an outcome if the run ends.

        Two records of one batch with the same name and powerset would make the upsert
        touch a row twice, which PostgreSQL refuses: the later record wins, as it would
        in two batches.
        """
        unique: dict[tuple[str, int], tuple[int, tuple[Any, ...]]] = {}
        for index, row in batch:
            unique.pop((row[0], row[4]), None)
            unique[(row[0], row[4])] = (index, row)
        rows = list(unique.values())
        connection = self.connection
        detail = {"first_record": first, "last_record": last}
        try:
            self._stage(rows)
            connection.execute(text(self.upsert_sql.format(where="")))
            run.record_batch(connection, len(batch), errors, detail)
            connection.commit()
            return None
        except DBAPIError as error:
            connection.rollback()
            if on_error == "stop":
                return run.finish(
                    "failed",
                    f"records {first}-{last} refused: {one_line(error)}; nothing of this batch was written",
                    resume_from=first,
                )
        # Skip mode: find the records the server refuses, one savepoint each, and keep the rest.
        self._stage(rows)
        written = 0
        for ord_, (index, _) in enumerate(rows):
            savepoint = connection.begin_nested()
            try:
                connection.execute(text(self.upsert_sql.format(where=f"WHERE ord = {ord_}")))
                savepoint.commit()
                written += 1
            except DBAPIError as error:
                savepoint.rollback()
                rejected = RecordError(index, one_line(error))
                run.reject(rejected)
                errors.append(rejected)
        run.record_batch(connection, written + (len(batch) - len(rows)), errors, detail)
        connection.commit()
        return None

    def _stage(self, rows: list[tuple[int, tuple[Any, ...]]]) -> None:
        self.connection.execute(text(self.create_sql))
        cursor = driver_of(self.connection).cursor()
        with cursor.copy(self.copy_sql) as copy:
            for ord_, (_, row) in enumerate(rows):
                copy.write_row((ord_, *row))

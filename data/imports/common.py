"""What every import shares: its run in heroes.import_logs, progress, cancel, rejected records.

A run is logged before it reads anything (status "running", committed at once, so the
imports screen's history shows it while it runs); each batch it writes updates the log's
counts in the batch's own transaction, with one console.audit_log row; the end of the run
sets its outcome (completed, failed or cancelled) and completed_at. So the log always says
how far the database really got: a run that stops or is cancelled says where to resume.
"""

from __future__ import annotations

import codecs
import io
import threading
import time
from collections.abc import Callable, Generator, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from queue import Full, Queue
from typing import IO, Any, TypeVar, cast

from sqlalchemy import Connection, Table, bindparam, insert, select, text, update
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.exc import DBAPIError

from data import inputs
from data.audit import AuditEntry, write_audit
from data.engine import Database
from data.errors import Refusal, one_line
from data.imports import ON_ERROR_CHOICES
from data.models.heroes import SCHEMA as HEROES
from data.models.heroes import ImportLog

T = TypeVar("T")

LOGS = cast(Table, ImportLog.__table__)

MAX_LOGGED_ERRORS = 1000
"""Rejected records kept in a log row's errors (error_count counts them all)."""


class ImportFailed(Refusal, ValueError):
    """The import cannot start (a missing file, a bad option); nothing was written."""

    title = "Import refused"


@dataclass(frozen=True)
class RecordError:
    """A rejected record: its number in the source (record index, or CSV line) and why."""

    index: int
    message: str

    def as_json(self) -> dict[str, Any]:
        return {"index": self.index, "message": self.message}

    def __str__(self) -> str:
        return f"record {self.index}: {self.message}"


@dataclass(frozen=True)
class Progress:
    """How far a running import has got, for a progress bar."""

    records: int
    """Records read so far in this run (written, rejected or skipped)."""
    written: int
    rejected: int
    elapsed: float
    """Seconds since the run started."""
    fraction: float | None
    """Share of the source read (0..1), when it can be told."""

    @property
    def rate(self) -> float:
        """Records read per second."""
        return self.records / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def seconds_left(self) -> float | None:
        """Estimated seconds to the end, from the share read so far and the time it took."""
        if not self.fraction or self.fraction <= 0:
            return None
        return max(0.0, self.elapsed * (1 - self.fraction) / self.fraction)


ProgressCallback = Callable[[Progress], None]
CancelFlag = Callable[[], bool]


@dataclass(frozen=True)
class ImportResult:
    """How a run ended, as its import_logs row records it."""

    log_id: int
    import_type: str
    source: str
    status: str
    """completed, failed or cancelled."""
    written: int
    rejected: int
    errors: tuple[RecordError, ...]
    message: str | None
    resume_from: int | None
    """Where a stopped or cancelled run can go on from (--resume-from), if it can."""
    elapsed: float
    counts: Mapping[str, int] = field(default_factory=dict)
    """Rows written per table (City of Data, Geminya)."""

    @property
    def ok(self) -> bool:
        return self.status == "completed"

    def as_json(self) -> dict[str, Any]:
        return {
            "log_id": self.log_id,
            "import_type": self.import_type,
            "source": self.source,
            "status": self.status,
            "written": self.written,
            "rejected": self.rejected,
            "errors": [error.as_json() for error in self.errors],
            "message": self.message,
            "resume_from": self.resume_from,
            "elapsed": round(self.elapsed, 3),
            "counts": dict(self.counts),
        }


def check_can_import(database: Database) -> None:
    """Refuse before anything is read when this connection may not import.

    Raises:
        PermissionError: the role is not admin, or the profile is read-only.
    """
    settings = database.settings
    if not settings.role.can_import:
        raise PermissionError(f"the {settings.role.value} role cannot run imports: admin only")
    if settings.read_only:
        raise PermissionError("this connection is read-only: imports cannot run")


def source_path(path: str | Path, *, directory: bool = False) -> Path:
    """The file (or directory) to import, resolved.

    Raises:
        ImportFailed: it does not exist, or is a directory where a file is wanted (or
            the other way round).
    """
    resolved = Path(path).expanduser().resolve()
    if not resolved.exists():
        raise ImportFailed(f"{path}: no such {'directory' if directory else 'file'}")
    if directory and not resolved.is_dir():
        raise ImportFailed(f"{path}: not a directory")
    if not directory and resolved.is_dir():
        raise ImportFailed(f"{path}: is a directory, not a file")
    return resolved


class ImportRun:
    """One run's import_logs row, its counts, and the audit rows of its writes."""

    def __init__(
        self,
        database: Database,
        import_type: str,
        source: Path,
        *,
        table: str,
        batch_size: int | None = None,
        resume_from: int = 0,
        progress: ProgressCallback | None = None,
        cancelled: CancelFlag | None = None,
    ) -> None:
        self.database = database
        self.import_type = import_type
        self.source = str(source)
        self.table = table
        self.resume_from = resume_from
        self.batch_size = batch_size
        self.written = 0
        self.rejected = 0
        self.read = 0
        self.errors: list[RecordError] = []
        self.counts: dict[str, int] = {}
        self.started = time.monotonic()
        self._progress = progress
        self._cancelled = cancelled
        with database.connect() as connection:
            self.log_id: int = connection.execute(
                insert(LOGS)
                .values(
                    import_type=import_type,
                    source_file=self.source,
                    status="running",
                    resume_from=resume_from,
                    batch_size=batch_size,
                )
                .returning(LOGS.c.id)
            ).scalar_one()

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def cancel_requested(self) -> bool:
        return bool(self._cancelled and self._cancelled())

    def report(self, fraction: float | None) -> None:
        """Tell the caller how far the run has got."""
        if self._progress is not None:
            self._progress(Progress(self.read, self.written, self.rejected, self.elapsed, fraction))

    def reject(self, error: RecordError) -> None:
        self.rejected += 1
        if len(self.errors) < MAX_LOGGED_ERRORS:
            self.errors.append(error)

    def record_batch(
        self, connection: Connection, written: int, new_errors: list[RecordError], detail: Mapping[str, Any]
    ) -> None:
        """In the batch's own transaction: the log's new counts and the batch's audit row.

        Call it after the batch's rows are written and before its commit, with the errors
        rejected since the previous batch.
        """
        room = max(0, MAX_LOGGED_ERRORS - (len(self.errors) - len(new_errors)))
        logged = [error.as_json() for error in new_errors[:room]]
        connection.execute(
            update(LOGS)
            .where(LOGS.c.id == self.log_id)
            .values(
                records_processed=LOGS.c.records_processed + written,
                error_count=LOGS.c.error_count + len(new_errors),
                errors=LOGS.c.errors.op("||")(bindparam(None, logged, type_=JSONB)),
            )
        )
        settings = self.database.settings
        schema, _, table = self.table.partition(".")
        write_audit(
            connection,
            settings,
            AuditEntry(
                f"import-{self.import_type}",
                settings.real_schema(schema),
                table,
                key={"import_log_id": self.log_id},
                after={"written": written, "rejected": len(new_errors), **detail},
            ),
        )
        self.written += written

    def finish(
        self,
        status: str,
        message: str | None = None,
        *,
        resume_from: int | None = None,
        connection: Connection | None = None,
    ) -> ImportResult:
        """Set the run's outcome. With `connection`, in that (the last batch's) transaction."""
        statement = (
            update(LOGS)
            .where(LOGS.c.id == self.log_id)
            .values(
                status=status,
                message=message,
                completed_at=text("clock_timestamp()"),
                records_total=self.read,
            )
        )
        if connection is not None:
            connection.execute(statement)
        else:
            with self.database.connect() as fresh:
                fresh.execute(statement)
        return ImportResult(
            log_id=self.log_id,
            import_type=self.import_type,
            source=self.source,
            status=status,
            written=self.written,
            rejected=self.rejected,
            errors=tuple(self.errors),
            message=message,
            resume_from=resume_from,
            elapsed=self.elapsed,
            counts=dict(self.counts),
        )

    # The importers that write in one transaction (City of Data, Geminya, CSV/JSON into a
    # table) end in one of two ways: all of it, or nothing of it.

    def commit_whole(
        self,
        connection: Connection,
        written: int,
        errors: list[RecordError],
        detail: Mapping[str, Any],
        message: str | None = None,
    ) -> ImportResult:
        """The one transaction's counts and outcome, then its commit."""
        self.record_batch(connection, written, errors, detail)
        result = self.finish("completed", message, connection=connection)
        connection.commit()
        return result

    def roll_back_whole(self, connection: Connection, status: str, message: str) -> ImportResult:
        """Roll the one transaction back and say why: nothing of the import stays."""
        connection.rollback()
        self.written = 0
        return self.finish(status, message)

    def failed_whole(self, connection: Connection, error: DBAPIError) -> ImportResult:
        return self.roll_back_whole(connection, "failed", f"{one_line(error)}; nothing was written")


# --------------------------------------------------------------------------------------
# Reading files: bytes counted for progress, text that survives a wrong encoding
# --------------------------------------------------------------------------------------


class CountingReader(io.RawIOBase):
    """A binary file that counts the bytes read, so progress can be told by share of file."""

    def __init__(self, raw: IO[bytes], total: int) -> None:
        super().__init__()
        self.raw = raw
        self.total = total
        self.position = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        count = self.raw.readinto(buffer)  # type: ignore[attr-defined]  # raw is a binary file: it has readinto
        self.position += count or 0
        return count or 0

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.position += len(data)
        return data

    @property
    def fraction(self) -> float | None:
        return min(1.0, self.position / self.total) if self.total else None


_FALLBACK = "console-cp1252-fallback"
_repairs = threading.local()


def _cp1252_fallback(error: UnicodeError) -> tuple[str, int]:
    """Bytes that are not UTF-8 are read as Windows-1252 (what such exports usually are)."""
    if not isinstance(error, UnicodeDecodeError):
        raise error
    chunk = error.object[error.start : error.end]
    _repairs.count = getattr(_repairs, "count", 0) + 1
    return bytes(chunk).decode("cp1252", errors="replace"), error.end


codecs.register_error(_FALLBACK, _cp1252_fallback)


def open_text(path: Path) -> tuple[IO[str], CountingReader]:
    """The file as text: UTF-8 (with or without a BOM), bytes that are not UTF-8 read as
    Windows-1252 rather than refused; universal newlines left to the CSV reader."""
    raw = path.open("rb")
    counter = CountingReader(raw, path.stat().st_size)
    reset_repairs()
    stream = io.TextIOWrapper(cast(IO[bytes], counter), encoding="utf-8-sig", errors=_FALLBACK, newline="")
    return stream, counter


def reset_repairs() -> None:
    _repairs.count = 0


def repaired_bytes() -> int:
    """How many undecodable byte runs the current thread's last open_text read as cp1252."""
    return int(getattr(_repairs, "count", 0))


def history(database: Database, limit: int = 50) -> list[ImportLogEntry]:
    """The latest runs, newest first (every role may read the history)."""
    inputs.row_count(limit, "the limit")
    with database.connect() as connection:
        rows = connection.execute(
            select(
                LOGS.c.id,
                LOGS.c.import_type,
                LOGS.c.source_file,
                LOGS.c.status,
                LOGS.c.resume_from,
                LOGS.c.records_processed,
                LOGS.c.error_count,
                LOGS.c.errors,
                LOGS.c.message,
                LOGS.c.started_at,
                LOGS.c.completed_at,
            )
            .order_by(LOGS.c.started_at.desc(), LOGS.c.id.desc())
            .limit(limit)
        ).all()
    return [
        ImportLogEntry(
            row.id,
            row.import_type,
            row.source_file,
            row.status,
            row.resume_from,
            row.records_processed,
            row.error_count,
            tuple(RecordError(int(e.get("index", 0)), str(e.get("message", ""))) for e in row.errors[:20]),
            row.message,
            row.started_at,
            row.completed_at,
        )
        for row in rows
    ]


@dataclass(frozen=True)
class ImportLogEntry:
    """One run of the history."""

    id: int
    import_type: str
    source_file: str
    status: str
    resume_from: int
    records_processed: int
    error_count: int
    errors: tuple[RecordError, ...]
    """The first rejected records."""
    message: str | None
    started_at: Any
    completed_at: Any

    @property
    def seconds(self) -> float | None:
        if self.completed_at is None:
            return None
        return float((self.completed_at - self.started_at).total_seconds())


_END = object()


def prefetched(items: Iterator[T], depth: int = 1) -> Generator[T, None, None]:
    """`items`, produced by a thread up to `depth` items ahead of the consumer.

    An importer parses the next batch while the server writes this one (the driver lets
    go of the GIL while it waits). The items keep their order; an exception raised while
    producing one is raised here in its place. Closing this iterator early (a stopped or
    cancelled run) stops the thread after the item it is producing, before returning.
    """
    queue: Queue[tuple[Any, BaseException | None]] = Queue(maxsize=depth)
    stopping = threading.Event()

    def put(entry: tuple[Any, BaseException | None]) -> bool:
        while not stopping.is_set():
            try:
                queue.put(entry, timeout=0.05)
                return True
            except Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put((item, None)):
                    return
            put((_END, None))
        except BaseException as error:  # handed to the consumer, raised there
            put((_END, error))

    thread = threading.Thread(target=produce, name="import-reader", daemon=True)
    thread.start()
    try:
        while True:
            item, error = queue.get()
            if error is not None:
                raise error
            if item is _END:
                return
            yield item
    finally:
        stopping.set()
        thread.join()


__all__ = [
    "HEROES",
    "ON_ERROR_CHOICES",
    "CancelFlag",
    "CountingReader",
    "ImportFailed",
    "ImportLogEntry",
    "ImportResult",
    "ImportRun",
    "Progress",
    "ProgressCallback",
    "RecordError",
    "check_can_import",
    "history",
    "open_text",
    "prefetched",
    "repaired_bytes",
    "source_path",
]

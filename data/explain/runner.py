"""Run EXPLAIN (FORMAT JSON) on a statement, safely, and cancel it from another thread.

Every run, with or without ANALYZE, is one transaction that is always rolled back: an
EXPLAIN ANALYZE of an UPDATE really updates, and the rollback is what makes it harmless.
statement_timeout is set for that transaction alone (SET LOCAL). A run can be cancelled
from another thread (the UI's) through the run's own connection, which asks the server to
cancel the statement as psql's Ctrl+C does; no other backend's rights are needed.
"""

from __future__ import annotations

import json
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from data.catalog import sql_text
from data.engine import Database, guard_typed_sql
from data.errors import is_bad_input, one_line
from data.explain import DEFAULT_TIMEOUT_MS
from data.explain.analysis import PlanAnalysis, analyse_plan

# The first keyword of a statement that changes data (or the schema). A WITH query is
# data-changing when one of its parts is; that is found by the search below.
_CHANGING = re.compile(r"\b(insert|update|delete|merge|truncate|create|drop|alter|grant|revoke|copy)\b", re.I)
_EXPLAINABLE = (
    "select",
    "with",
    "insert",
    "update",
    "delete",
    "merge",
    "values",
    "table",
    "execute",
    "declare",
    "create",
)


class ExplainError(RuntimeError):
    """EXPLAIN could not run or the statement failed; the message is one line."""


class ExplainCancelled(ExplainError):
    """The run was cancelled by the user or by statement_timeout."""


class StatementRefused(ExplainError):
    """The server refused the statement itself: its syntax, its types, or a value it made
    (1/0, an out-of-range cast). The fault is in what was typed, not in the server."""


@dataclass(frozen=True)
class ExplainOptions:
    """EXPLAIN's options (FORMAT is always JSON), and the run's statement_timeout."""

    analyze: bool = True
    buffers: bool = True
    verbose: bool = False
    settings: bool = False
    wal: bool = False
    timeout_ms: int = DEFAULT_TIMEOUT_MS
    generic_plan: bool = False
    """The statement has $1 parameters (as pg_stat_statements shows it): its plan for any
    value, without ANALYZE (nothing can run without values)."""

    def clause(self) -> str:
        """The option list, e.g. `(ANALYZE, BUFFERS, FORMAT JSON)`.

        WAL is only valid with ANALYZE (PostgreSQL refuses it otherwise), so it is left out
        of a plan-only run rather than failing it.
        """
        analyze = self.analyze and not self.generic_plan
        names = [
            name
            for name, on in (
                ("ANALYZE", analyze),
                ("BUFFERS", self.buffers),
                ("VERBOSE", self.verbose),
                ("SETTINGS", self.settings),
                ("WAL", self.wal and analyze),
            )
            if on
        ]
        return "(" + ", ".join([*names, "FORMAT JSON"]) + ")"

    def describe(self) -> str:
        """What a run used, for a plan's label: `ANALYZE BUFFERS` or `plan only`."""
        words = self.clause()[1:-1].replace(", FORMAT JSON", "").replace("FORMAT JSON", "")
        described = words.replace(",", "") or "plan only"
        return f"{described} generic plan" if self.generic_plan else described


@dataclass(frozen=True)
class ExplainResult:
    """One plan: the statement, how it was explained, PostgreSQL's JSON and its analysis."""

    sql: str
    options: ExplainOptions | None  # None: a plan read from a file or pasted
    document: dict[str, Any]
    analysis: PlanAnalysis
    seconds: float = 0.0
    changes_data: bool = False
    label: str = ""

    def with_label(self, label: str) -> ExplainResult:
        return replace(self, label=label)


def single_statement(sql: str) -> str:
    """The statement without trailing semicolons and comments-only lines.

    Raises:
        ExplainError: nothing to explain, several statements, or not a statement EXPLAIN takes.
    """
    body = _strip_comments(sql).strip().rstrip(";").strip()
    if not body:
        raise ExplainError("nothing to explain: write a statement first")
    if ";" in _outside_quotes(body):
        raise ExplainError("one statement at a time: EXPLAIN takes a single statement")
    first = body.split(None, 1)[0].lower().lstrip("(")
    if first == "explain":
        raise ExplainError("write the statement without EXPLAIN: the options are chosen beside the editor")
    if first not in _EXPLAINABLE:
        raise ExplainError(f"EXPLAIN cannot take a {first.upper()} statement")
    return body


def parameter_count(statement: str) -> int:
    """The highest $n placeholder outside the statement's strings (0 when it has none)."""
    return max((int(number) for number in _PARAMETER.findall(_outside_quotes(statement))), default=0)


_PARAMETER = re.compile(r"\$([0-9]+)")


def changes_data(sql: str) -> bool:
    """Whether the statement writes (so that ANALYZE would change data without the rollback)."""
    return bool(_CHANGING.search(_outside_quotes(_strip_comments(sql))))


def _strip_comments(sql: str) -> str:
    without_block = re.sub(r"/\*.*?\*/", " ", sql, flags=re.S)
    return "\n".join(_cut_line_comment(line) for line in without_block.splitlines())


def _cut_line_comment(line: str) -> str:
    quoted = False
    for i, char in enumerate(line):
        if char == "'":
            quoted = not quoted
        elif not quoted and line.startswith("--", i):
            return line[:i]
    return line


def _outside_quotes(sql: str) -> str:
    """The statement with string literals and quoted identifiers blanked out."""
    return re.sub(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"", "''", sql)


CANCEL_PATIENCE = 5.0
"""Seconds cancel() keeps asking the server before it gives up."""


class ExplainRun:
    """One cancellable EXPLAIN: `run()` in a worker thread, `cancel()` from any other.
    A run is used once: a cancel, even one before it started, holds for good."""

    def __init__(self, database: Database) -> None:
        self._database = database
        self._lock = threading.Lock()
        self._driver: Any = None
        self._cancelled = False

    def run(
        self, sql: str, options: ExplainOptions, *, before: Callable[[Connection], None] | None = None
    ) -> ExplainResult:
        """EXPLAIN `sql` in a transaction that is rolled back.

        Args:
            before: runs first in the same transaction (trying an index: its CREATE INDEX),
                so that the plan sees it and the rollback takes it away again.
        Raises:
            ExplainCancelled: cancelled, or statement_timeout ran out.
            ExplainError: any other failure, in one line.
        """
        statement = single_statement(sql)
        driver_text = sql_text(statement)
        parameters = parameter_count(statement)
        if parameters:
            options = replace(options, generic_plan=True, analyze=False)
        started = time.perf_counter()
        try:
            with self._rolled_back() as connection:
                guard_typed_sql(connection, read_only=False)  # written back by the rollback
                connection.exec_driver_sql(f"SET LOCAL statement_timeout = {int(options.timeout_ms)}")
                if before is not None:
                    before(connection)
                if parameters:
                    # The extended protocol wants a value for each $n of an EXPLAIN; a
                    # prepared statement planned generically takes NULLs it never uses.
                    # Named once per run: a run stopped before its DEALLOCATE leaves the
                    # statement in the session, which a pooler hands to someone else.
                    name = f"console_explain_{secrets.token_hex(6)}"
                    connection.exec_driver_sql(f"PREPARE {name} AS {driver_text}")
                    connection.exec_driver_sql("SET LOCAL plan_cache_mode = force_generic_plan")
                    driver_text = f"EXECUTE {name}({', '.join(['NULL'] * parameters)})"
                rows = connection.exec_driver_sql(f"EXPLAIN {options.clause()} {driver_text}").all()
                if parameters:  # PREPARE outlives the rollback
                    connection.exec_driver_sql(f"DEALLOCATE {name}")
        except DBAPIError as error:
            if self._cancelled:
                raise ExplainCancelled("cancelled: the statement was stopped and rolled back") from None
            if getattr(error.orig, "sqlstate", None) == "57014":
                raise ExplainCancelled(
                    f"stopped by statement_timeout ({options.timeout_ms} ms) and rolled back"
                ) from None
            if is_bad_input(error):
                raise StatementRefused(one_line(error)) from None
            raise ExplainError(one_line(error)) from None
        except SQLAlchemyError as error:
            raise ExplainError(one_line(error)) from None
        document = _plan_document(rows)
        return ExplainResult(
            sql=statement,
            options=options,
            document=document,
            analysis=analyse_plan(document),
            seconds=time.perf_counter() - started,
            changes_data=changes_data(statement),
        )

    def cancel(self) -> bool:
        """Stop the run: before it starts, or by asking the server to cancel its statement,
        again until the run has let go of its connection (a cancel request that arrives
        between two statements of the run finds nothing to stop and is forgotten).

        Blocks up to a few seconds: call it from a worker thread, not the UI's. Returns
        False when the run had not started (it will not), True once the server was asked.
        """
        with self._lock:
            self._cancelled = True
            driver = self._driver
        if driver is None:
            return False
        deadline = time.monotonic() + CANCEL_PATIENCE
        while time.monotonic() < deadline:
            driver.cancel_safe(timeout=CANCEL_PATIENCE)
            time.sleep(0.05)
            with self._lock:
                if self._driver is not driver:
                    break
        return True

    @contextmanager
    def _rolled_back(self) -> Iterator[Connection]:
        with self._database.engine.connect() as connection:
            transaction = connection.begin()
            with self._lock:
                if self._cancelled:  # cancelled while it waited for a connection
                    raise ExplainCancelled("cancelled before it ran: nothing was run")
                self._driver = connection.connection.driver_connection
            try:
                yield connection
            finally:
                with self._lock:
                    self._driver = None
                transaction.rollback()


def _plan_document(rows: Sequence[Any]) -> dict[str, Any]:
    value = rows[0][0]
    if isinstance(value, str):  # a driver that does not decode json
        value = json.loads(value)
    document = value[0] if isinstance(value, list) else value
    assert isinstance(document, dict)  # EXPLAIN (FORMAT JSON) gives one plan object
    return document


def schema_lookup(database: Database) -> Callable[[str], str | None]:
    """The schema of a table named in a plan without VERBOSE, when only one schema has it."""
    cache: dict[str, str | None] = {}

    def schema_of(relation: str) -> str | None:
        if relation not in cache:
            with database.connect() as connection:
                schemas = (
                    connection.exec_driver_sql(
                        "SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                        " WHERE c.relname = %(name)s AND c.relkind IN ('r', 'p', 'm')"
                        " AND n.nspname NOT IN ('pg_catalog', 'information_schema')",
                        {"name": relation},
                    )
                    .scalars()
                    .all()
                )
            cache[relation] = schemas[0] if len(schemas) == 1 else None
        return cache[relation]

    return schema_of


def explain_with_index(run: ExplainRun, result: ExplainResult, create_index_sql: str) -> ExplainResult:
    """EXPLAIN the result's statement again with an index that exists only for this run.

    The CREATE INDEX and the EXPLAIN share one transaction that is rolled back, so the
    index is never seen by anyone else; while it runs, writes to the table wait (CREATE
    INDEX takes a SHARE lock until the rollback).
    """
    options = result.options or ExplainOptions()

    def create_index(connection: Connection) -> None:
        connection.exec_driver_sql(create_index_sql)

    tried = run.run(result.sql, options, before=create_index)
    return tried.with_label(f"{result.label or 'plan'} + {create_index_sql}")

"""The shared session layer: one Engine per profile, one sessionmaker, short-lived sessions.

Everything the console does to a database goes through a `Database`: the screens (from
worker threads) and the command line alike. Every connection it hands out has
statement_timeout and application_name set (behind a connection pooler, each transaction
sets the timeout: data.pooler), and a read-only profile or role opens every transaction
READ ONLY, so the server itself refuses writes.

SQLAlchemy is imported when the Engine is first wanted, not with this module: the start's
reads (the login check, the home screen's overview) go out on psycopg connections of the
Database's own, so the home screen is painted before SQLAlchemy's import (a third of a
second on two cores) has run.
"""

from __future__ import annotations

import itertools
import select
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING, Any, cast

import psycopg
from psycopg import ClientCursor, RawCursor
from psycopg.rows import namedtuple_row

from data.roles import Role
from data.url import DatabaseURL

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine
    from sqlalchemy.engine import URL
    from sqlalchemy.orm import Session, sessionmaker
    from sqlalchemy.sql.compiler import SQLCompiler
    from sqlalchemy.sql.expression import Executable

    Statement = Executable | str
    """A statement of SQLAlchemy's, or PostgreSQL's own text with $1 placeholders (for a
    read on the start path, which runs before SQLAlchemy is imported)."""

APPLICATION_NAME = "console"
ONE_STATEMENT = "console_one_statement"
"""Execution option: run each statement through the extended query protocol (see guard_typed_sql)."""
NEEDS_RESET = "console_needs_reset"
READ_ONLY_TYPED = "console_read_only_typed"
PREPARED_DESK_STATEMENTS = "console_prepared_desk_statements"
"""On a pooled connection: the desk statements its session has prepared, text -> name
(Database.run_desk_statement); data.pooled forgets them when typed SQL has the session reset
with DISCARD ALL, which drops them."""
_PREPARED_NUMBERS = itertools.count(1)
"""Names the desk's prepared statements (console_desk_N): never the same twice in a process."""
PING_AFTER_IDLE_S = 30.0
"""A pooled connection idle this long is pinged before use (data.pooled); an early one is
replaced (Database's _EarlyConnections)."""


@dataclass(frozen=True)
class PoolSettings:
    """QueuePool settings; the defaults are the seeds' (pool_size 20, recycle 3600 s)."""

    size: int = 20
    max_overflow: int = 10
    recycle: int = 3600
    pre_ping: bool = True
    """Check a pooled connection before handing it out (_check_before_use)."""
    timeout: float = 30.0
    """Seconds to wait for a pooled connection before giving up."""
    connect_timeout: int = 30
    """Seconds to wait for the server to accept a new connection."""


@dataclass(frozen=True)
class ConnectionSettings:
    """Everything needed to open the database of one profile."""

    url: DatabaseURL
    """Given as text or SQLAlchemy's URL, it is kept as a DatabaseURL."""
    role: Role = Role.ADMIN
    read_only: bool = False
    schema_map: Mapping[str, str] = field(default_factory=dict)
    """Our schema name -> the schema the tables really live in (schema_translate_map)."""
    statement_timeout_ms: int = 30_000
    pool: PoolSettings = field(default_factory=PoolSettings)
    operator: str = "console"
    """Who is at the keyboard; written into every audit row."""
    production: bool = False
    profile_name: str = "embedded"
    sensitive_columns: tuple[str, ...] = ()
    """Columns to mask besides the ones named like secrets (data.sensitive): patterns such
    as "gacha.users.discord_id" or "*.api_*"."""
    max_grant: int | None = None
    """The largest currency grant the support role may make; larger ones need an admin."""
    profile_role: Role | None = None
    """The profile's own role when `--role` lowered it (the login was chosen for that one)."""
    replica: bool = False
    """The server is a hot standby (in recovery): found when the console connects, which
    then opens every transaction READ ONLY whatever the role (read_only is set with it)."""
    pooler: str | None = None
    """A connection pooler in transaction mode stands between us and the server (data.pooler):
    named by the profile or found when the console connects. Nothing is then set for the
    session: the timeout is set in each transaction."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "url", DatabaseURL.of(cast("DatabaseURL | URL | str", self.url)))

    def desk_refusal(self) -> str | None:
        """Why this connection may not act at the support desk, or None when it may."""
        if self.replica:
            return "the server is a read replica (in recovery): nothing can be written there"
        if self.read_only:
            return "this connection is read-only: desk actions cannot run"
        if not self.role.can_use_support_desk:
            return f"the {self.role.value} role cannot use the support desk"
        return None

    def real_schema(self, ours: str) -> str:
        """The schema our `ours` really lives in on this profile (its schema_map)."""
        return self.schema_map.get(ours, ours)

    @property
    def enforces_read_only(self) -> bool:
        """True when every transaction must be READ ONLY: the profile says so or the role can't write."""
        return self.read_only or not self.role.can_write_tables


class Database:
    """One profile's Engine (built when first wanted), its sessionmaker (made when first
    used), and the rules every connection follows."""

    def __init__(self, settings: ConnectionSettings) -> None:
        self.settings = settings
        self._per_transaction = per_transaction_settings(settings)
        self._in_flight: dict[int, Any] = {}
        self._engine: Engine | None = None
        self._engine_lock = threading.Lock()
        self._early = _EarlyConnections(settings)

    @property
    def engine(self) -> Engine:
        """The pooled Engine, built (and SQLAlchemy imported) on first use."""
        if self._engine is not None:  # every connect() and session() asks: no lock once built
            return self._engine
        with self._engine_lock:
            if self._engine is None:
                from data.pooled import make_engine

                self._engine, self._in_flight = make_engine(self.settings)
                self._early.close()  # the pool serves the reads from now on
            return self._engine

    def cancel_statement_of(self, thread_id: int) -> bool:
        """Cancel, at the server, the statement thread `thread_id` is running now (its
        worker then sees the "canceling statement due to user request" error). False when
        that thread runs none. Safe from any thread: libpq sends the cancel on a
        connection of its own."""
        dbapi_connection = self._in_flight.get(thread_id)
        if dbapi_connection is None:
            return False
        try:
            dbapi_connection.cancel_safe(timeout=5)
        except Exception:  # noqa: BLE001  (the statement ended, or the server went away)
            return False
        return True

    @cached_property
    def _sessions(self) -> sessionmaker[Session]:
        from sqlalchemy.orm import sessionmaker  # the ORM loads with the first screen that uses it

        return sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One unit of work: a short-lived Session in one transaction, committed on success."""
        with self._sessions.begin() as session:
            yield session

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        """A pooled connection in one transaction, committed on success."""
        with self.engine.begin() as connection:
            yield connection

    @contextmanager
    def connect_for_desk_action(self) -> Iterator[Connection]:
        """A read-write transaction for a support desk action (a grant, a redemption...).

        The support role's transactions are READ ONLY by default, so that the table grid
        cannot write for it even if the UI were wrong; its desk actions, each a checked
        and audited function of data/, open their transaction here instead. A read-only
        profile, and any role that may not use the desk, stay refused.

        Raises:
            PermissionError: the profile is read-only or the role may not use the desk.
        """
        settings = self.check_desk()
        with self.engine.connect() as connection, _read_write(connection, settings), connection.begin():
            yield connection

    def run_desk_statement(self, statement: Executable, parameters: Mapping[str, Any]) -> Any | None:
        """Run one statement that is a whole desk action as its own transaction and return
        its first row (a named tuple) or None.

        Its BEGIN, the statement and its COMMIT go out as one simple-protocol message, the
        values quoted into it by psycopg: one round trip, and the least work for the client.
        The locks the statement takes (a gift code's row, say) are held for the server's
        work alone: with a BEGIN ... COMMIT from SQLAlchemy they would also be held while
        the result travels back, the client reads it, and the COMMIT travels out. And with
        eight clients on two cores, each client's own time is time the server waits for:
        psycopg's pipeline mode (the BEGIN, statement and COMMIT as three extended-protocol
        queries) cost a redemption a quarter more client time, and ten waits on the socket
        where this message has one.

        On a session of our own (no pooler) the statement is one of the session's prepared
        statements (SQL PREPARE, on its first use by the session), called with EXECUTE:
        planned once per session, where planning was most of a redemption's server time.
        Behind a pooler the statement goes out whole, as no session is ours. Every bind
        parameter must be a plain value (str, int): no SQLAlchemy bind processor runs.

        Raises:
            PermissionError: as connect_for_desk_action.
            sqlalchemy.exc.DBAPIError: the server refused the statement (IntegrityError
                for a key or a check); nothing was written.
        """
        settings = self.check_desk()
        with self.engine.connect() as connection, _read_write(connection, settings):
            driver = driver_of(connection)
            if settings.pooler is not None:
                sql, named = _client_side(settings, statement, parameters)
                with _as_dbapi_error(connection, sql, list(named.values())):
                    return _in_one_message(driver, sql, named, self._per_transaction)
            sql, values = _positional(settings, statement, parameters)
            prepared: dict[str, str] = connection.info.setdefault(PREPARED_DESK_STATEMENTS, {})
            name = prepared.get(sql)
            with _as_dbapi_error(connection, sql, values):
                if name is not None:
                    return _in_one_message(driver, _execute(name, values), values)
                # Prepared in the same message. A PREPARE outlives a failed transaction, so
                # the name is kept only once the call succeeded, and each try takes a new one.
                name = f"console_desk_{next(_PREPARED_NUMBERS)}"
                quoted = sql.replace("%", "%%")  # the text meets psycopg's %s parsing: a % of its own doubled
                row = _in_one_message(driver, f"PREPARE {name} AS {quoted}; {_execute(name, values)}", values)
                prepared[sql] = name
                return row

    def read_in_one_round_trip(
        self, *reads: tuple[Statement, Mapping[str, Any] | Sequence[Any]]
    ) -> list[list[Any] | None]:
        """Run `reads` (statement, parameters) as one transaction, READ ONLY where the
        profile's are, with BEGIN, every statement and COMMIT sent in one round trip
        (psycopg's pipeline mode); each one's rows, as named tuples.

        For what a screen reads on every start or refresh (the home screen): on a distant
        server each round trip costs more than the reads, and while the UI keeps the
        interpreter busy each answer also waits for its turn. Parameters as for
        run_desk_statement; a statement given as text (PostgreSQL's own, with $1
        placeholders) takes them as a sequence. Before the Engine is built (the start), the
        reads go out on a connection of the Database's own, without SQLAlchemy.

        A read of a table that does not exist (yet) gives None, and so does every read
        after it (the transaction is rolled back): put such a read last.

        Raises:
            sqlalchemy.exc.DBAPIError: the server refused a read for any other reason.
        """
        queries = [_positional(self.settings, statement, parameters) for statement, parameters in reads]
        with self._connection_for_reads(";\n".join(sql for sql, _ in queries)) as driver:
            cursors, failure = _in_one_round_trip(driver, queries, self._per_transaction)
            if failure is not None and not isinstance(failure, psycopg.errors.UndefinedTable):
                raise failure
            results: list[list[Any] | None] = []
            for cursor in cursors:
                with cursor:
                    try:
                        results.append(cursor.fetchall())
                    except psycopg.Error:  # the missing table's read, or one after it
                        results.append(None)
            return results

    @contextmanager
    def _connection_for_reads(self, sql: str) -> Iterator[psycopg.Connection[Any]]:
        """A pooled connection once the Engine is built; until then one of the Database's
        own (the start's reads), so that the start does not wait for SQLAlchemy. psycopg's
        errors come out as SQLAlchemy's either way."""
        if self._engine is not None:
            with self._engine.connect() as connection, _as_dbapi_error(connection, sql, []):
                yield driver_of(connection)
            return
        with self._early.connection(sql) as driver:
            yield driver

    def check_desk(self) -> ConnectionSettings:
        """This profile's settings, when it may act at the support desk.

        Raises:
            PermissionError: the profile is read-only, on a replica, or its role has no desk.
        """
        why = self.settings.desk_refusal()
        if why is not None:
            raise PermissionError(why)
        return self.settings

    def dispose(self) -> None:
        """Close every connection (the console is leaving or switching profile)."""
        self._early.close()
        if self._engine is not None:
            self._engine.dispose()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.dispose()


def per_transaction_settings(settings: ConnectionSettings) -> tuple[str, ...]:
    """What the startup options set for a session, as statements that open each
    transaction instead: behind a pooler in transaction mode (data.pooler), where no
    session is ours. Read-only needs none: BEGIN READ ONLY says it (_open_transactions_read_only)."""
    if settings.pooler is None:
        return ()
    return (f"SET LOCAL statement_timeout = {int(settings.statement_timeout_ms)}",)


def connect_arguments(settings: ConnectionSettings) -> dict[str, Any]:
    """What every connection of the profile is opened with, besides the URL's parts."""
    connect_args: dict[str, Any] = {
        "application_name": APPLICATION_NAME,
        "connect_timeout": settings.pool.connect_timeout,
        # psycopg never prepares a statement for being run often: PgBouncer in transaction
        # mode cannot keep one, and a session of our own prepares the desk's statements
        # itself (Database.run_desk_statement).
        "prepare_threshold": None,
    }
    if settings.pooler is None:
        options = f"-c statement_timeout={int(settings.statement_timeout_ms)}"
        if settings.enforces_read_only:
            # Belt and braces: the session default, and the BEGIN of every transaction below.
            options += " -c default_transaction_read_only=on"
        connect_args["options"] = options
    return connect_args


class _EarlyConnections:
    """The connection the start's reads use before the Engine exists (Database.engine
    closes it then, or when the read using it ends): opened like the pool's, READ ONLY
    where the profile's transactions are; kept for the next such read while it is healthy,
    dropped when the server closed it or it sat idle past PING_AFTER_IDLE_S."""

    def __init__(self, settings: ConnectionSettings) -> None:
        self._settings = settings
        self._idle: list[tuple[psycopg.Connection[Any], float]] = []
        self._closed = False
        self._lock = threading.Lock()

    @contextmanager
    def connection(self, sql: str) -> Iterator[psycopg.Connection[Any]]:
        with self._lock:
            idle = self._idle.pop() if self._idle else None
        driver = idle[0] if idle is not None and _usable(*idle) else None
        if idle is not None and driver is None:
            idle[0].close()
        try:
            if driver is None:
                # The profile's arguments win over the URL's query, as in SQLAlchemy's connect_args.
                driver = psycopg.connect(
                    **{**self._settings.url.connect_arguments(), **connect_arguments(self._settings)}
                )
                driver.read_only = True if self._settings.enforces_read_only else None
            yield driver
        except psycopg.Error as error:
            if driver is not None and not driver.closed:
                driver.close()  # a failed read's connection is not worth keeping
            raise _as_sqlalchemy_error(sql, [], error) from None
        with self._lock:
            if not self._closed:
                self._idle.append((driver, time.monotonic()))
                return
        driver.close()  # the Engine was built while it read

    def close(self) -> None:
        with self._lock:
            idle, self._idle, self._closed = self._idle, [], True
        for driver, _ in idle:
            driver.close()


def _usable(driver: psycopg.Connection[Any], idle_since: float) -> bool:
    """An idle connection the server has not closed, used recently enough (as data.pooled
    checks a pooled one before use)."""
    return not driver.closed and not server_closed(driver) and time.monotonic() - idle_since < PING_AFTER_IDLE_S


def server_closed(driver: Any) -> bool:
    """The server said goodbye: its message and the end of the stream make the socket
    readable while no statement runs. Looked at without waiting."""
    readable = select.poll()  # poll, not select: a process with many files has descriptors past 1024
    readable.register(driver.fileno(), select.POLLIN)
    return bool(readable.poll(0))


def _as_sqlalchemy_error(sql: str, values: list[Any], error: psycopg.Error) -> Exception:
    """psycopg's `error` as SQLAlchemy's DBAPIError (an OperationalError for a lost server,
    an IntegrityError for a key...), what every caller of Database expects."""
    from sqlalchemy.exc import DBAPIError  # an error's path may import SQLAlchemy

    return DBAPIError.instance(sql, values, error, psycopg.Error)


def driver_of(connection: Connection) -> psycopg.Connection[Any]:
    """The psycopg connection under a checked-out SQLAlchemy one."""
    driver = connection.connection.dbapi_connection
    assert driver is not None  # only a closed or invalidated connection has none
    return cast("psycopg.Connection[Any]", driver)


def fetch_rows(connection: Connection, sql: str, values: Sequence[Any] = ()) -> list[Any]:
    """The rows (named tuples) of `sql`, PostgreSQL's own text with $1 placeholders (a read
    the start also sends: read_in_one_round_trip), run on a SQLAlchemy connection."""
    with (
        _as_dbapi_error(connection, sql, list(values)),
        RawCursor(driver_of(connection), row_factory=namedtuple_row) as cursor,
    ):
        cursor.execute(sql, values)
        return cursor.fetchall()


def guard_typed_sql(connection: Connection, *, read_only: bool = True) -> Connection:
    """Make `connection` fit for SQL the user typed (a WHERE clause, a filter, a query to
    export or explain): the server will run one statement per text and, unless
    `read_only` is False (EXPLAIN ANALYZE, rolled back by its caller), write nothing.

    Call it before the transaction's first statement. READ ONLY is the server's too: a
    typed `set_config('transaction_read_only', ...)` cannot lift it once a query ran.
    """
    if read_only:
        connection.exec_driver_sql("SET TRANSACTION READ ONLY")
        connection.info[READ_ONLY_TYPED] = True  # read at the transaction's end
    connection.info[NEEDS_RESET] = True  # kept by the pooled connection, read at check-in
    return connection.execution_options(**{ONE_STATEMENT: True})


def execution_options(settings: ConnectionSettings) -> dict[str, Any]:
    schema_map = {ours: theirs for ours, theirs in settings.schema_map.items() if ours != theirs}
    return {"schema_translate_map": schema_map} if schema_map else {}


@lru_cache(maxsize=64)
def _compiled(
    statement: Executable, schema_map: tuple[tuple[str, str], ...], paramstyle: str = "numeric_dollar"
) -> SQLCompiler:
    """`statement` compiled once per schema map, by default with PostgreSQL's own $1
    placeholders: psycopg's RawCursor sends it as it is, and so does a PREPARE, where a
    %(name)s text is parsed again on every call (psycopg caches that only for texts under
    4 kB, and a redemption is longer). run_desk_statement goes around SQLAlchemy's own
    compiled cache."""
    from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg
    from sqlalchemy.sql.compiler import SQLCompiler
    from sqlalchemy.sql.elements import ClauseElement

    assert isinstance(statement, ClauseElement)  # text() or a select(): what a desk action and a read are
    dialect = PGDialect_psycopg(paramstyle=paramstyle)  # type: ignore[no-untyped-call]  # not annotated
    compiled = statement.compile(
        dialect=dialect, schema_translate_map=dict(schema_map) or None, render_schema_translate=bool(schema_map)
    )
    assert isinstance(compiled, SQLCompiler)
    return compiled


def _positional(
    settings: ConnectionSettings, statement: Statement, parameters: Mapping[str, Any] | Sequence[Any]
) -> tuple[str, list[Any]]:
    """`statement` as PostgreSQL's own text with $1 placeholders, and its parameters in order
    (a text is that already: its parameters are a sequence)."""
    if isinstance(statement, str):
        return statement, list(parameters)
    assert isinstance(parameters, Mapping)
    compiled = _compiled(statement, _schema_map(settings))
    named = compiled.construct_params(dict(parameters))
    return compiled.string, [named[name] for name in compiled.positiontup or ()]


def _client_side(
    settings: ConnectionSettings, statement: Executable, parameters: Mapping[str, Any]
) -> tuple[str, Mapping[str, Any]]:
    """`statement` with psycopg's %(name)s placeholders, for psycopg to quote the values into
    it, and the values by name."""
    compiled = _compiled(statement, _schema_map(settings), "pyformat")
    return compiled.string, compiled.construct_params(dict(parameters))


def _schema_map(settings: ConnectionSettings) -> tuple[tuple[str, str], ...]:
    return tuple(execution_options(settings).get("schema_translate_map", {}).items())


def _in_one_round_trip(
    driver: psycopg.Connection[Any],
    queries: list[tuple[str, list[Any]]],
    prelude: tuple[str, ...] = (),
) -> tuple[list[RawCursor[Any]], psycopg.Error | None]:
    """Send BEGIN, `prelude` (per_transaction_settings), `queries` and COMMIT together and
    read every answer in one round trip: a cursor per query (its rows still to fetch), and
    the server's error if one failed (the transaction rolled back: that query's cursor, and
    those after it, have no rows). psycopg's pipeline mode: the queries stay apart, each
    with its own parameters (the start's reads).
    """
    cursors = [RawCursor(driver, row_factory=namedtuple_row) for _ in queries]
    try:
        with _transaction_of_our_own(driver) as begin, driver.pipeline():
            driver.execute(begin)
            for statement in prelude:
                driver.execute(statement)
            for cursor, (sql, values) in zip(cursors, queries, strict=True):
                cursor.execute(sql, values)
            driver.execute("COMMIT")
    except psycopg.Error as error:
        return cursors, error
    return cursors, None


def _in_one_message(
    driver: psycopg.Connection[Any], sql: str, values: Sequence[Any] | Mapping[str, Any], prelude: tuple[str, ...] = ()
) -> Any | None:
    """BEGIN, `prelude` (per_transaction_settings), `sql` and COMMIT as one simple-protocol
    query, `sql`'s placeholders (%s, or %(name)s) filled with `values` quoted by psycopg:
    the first row of the first statement that returns rows, or None.

    Raises:
        psycopg.Error: the server refused a statement; the transaction was rolled back.
    """
    cursor = ClientCursor(driver, row_factory=namedtuple_row)
    with _transaction_of_our_own(driver) as begin, cursor:
        cursor.execute("; ".join((begin, *prelude, sql, "COMMIT")), values)
        while True:  # by the result's status: cursor.description builds a Column per field each time
            if cursor.pgresult is not None and cursor.pgresult.status == psycopg.pq.ExecStatus.TUPLES_OK:
                return cursor.fetchone()
            if not cursor.nextset():
                return None


def _execute(name: str, values: Sequence[Any]) -> str:
    """The EXECUTE of prepared statement `name`, its values as psycopg's %s placeholders."""
    return f"EXECUTE {name}({', '.join(['%s'] * len(values))})"


@contextmanager
def _transaction_of_our_own(driver: psycopg.Connection[Any]) -> Iterator[str]:
    """For a BEGIN and COMMIT of ours that travel with the statements between them (psycopg
    left to itself sends its BEGIN alone and waits for the answer): the driver in autocommit
    meanwhile; yields the BEGIN, READ ONLY or READ WRITE as the connection's read_only says.

    A failed transaction is rolled back; a connection left in any other state is closed,
    never put back into the pool in autocommit (the caller's error drops it).
    """
    begin = {None: "BEGIN", True: "BEGIN READ ONLY", False: "BEGIN READ WRITE"}[driver.read_only]
    driver.autocommit = True
    try:
        yield begin
    except psycopg.Error:
        with suppress(psycopg.Error):  # a lost connection: the caller drops it
            driver.rollback()  # the failed transaction (psycopg sends nothing if none is open)
        raise
    finally:
        if driver.info.transaction_status == psycopg.pq.TransactionStatus.IDLE:
            driver.autocommit = False
        else:
            driver.close()


@contextmanager
def _as_dbapi_error(connection: Connection, sql: str, values: list[Any]) -> Iterator[None]:
    """psycopg's errors, on a connection used below SQLAlchemy, as SQLAlchemy's (an
    IntegrityError for a key, an OperationalError for a lost server...); the failed
    transaction rolled back, or the connection dropped when it is no longer usable."""
    driver = driver_of(connection)
    try:
        yield
    except psycopg.Error as error:
        if driver.closed or isinstance(error, psycopg.OperationalError):
            connection.invalidate(error)
        else:
            driver.rollback()  # the failed transaction, before read_only is put back
        raise _as_sqlalchemy_error(sql, values, error) from None


@contextmanager
def _read_write(connection: Connection, settings: ConnectionSettings) -> Iterator[None]:
    """The next transaction on `connection` alone begins READ WRITE (psycopg's read_only:
    BEGIN READ WRITE, no extra round trip), on an engine whose transactions are read-only."""
    if not settings.enforces_read_only:
        yield
        return
    driver = driver_of(connection)
    driver.read_only = False
    try:
        yield
    finally:
        if not driver.closed:
            driver.read_only = True


class RunningStatement:
    """One statement at a time that a UI waits for: since when, and how to cancel it.

    The UI calls `begin()` before starting its worker (False while one runs: a second
    request must be refused, not queued behind the first and replayed when it ends); the
    worker calls `attach()` first thing in its thread; the UI calls `end()` when the
    worker is done. `cancel()` cancels at the server, from the UI thread.
    """

    def __init__(self, database: Database) -> None:
        self._database = database
        self._thread_id: int | None = None
        self.started: float | None = None
        self.cancelled = False

    @property
    def running(self) -> bool:
        return self.started is not None

    def begin(self) -> bool:
        if self.started is not None:
            return False
        self.started, self._thread_id, self.cancelled = time.monotonic(), None, False
        return True

    def attach(self) -> None:
        self._thread_id = threading.get_ident()

    def elapsed(self) -> float:
        return 0.0 if self.started is None else time.monotonic() - self.started

    def cancel(self) -> bool:
        """Ask the server to cancel; True when there was a statement to cancel."""
        if self.started is None:
            return False
        self.cancelled = True
        return self._thread_id is not None and self._database.cancel_statement_of(self._thread_id)

    def end(self) -> None:
        self.started, self._thread_id = None, None

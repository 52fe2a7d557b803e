"""The shared session layer: one Engine per profile, one sessionmaker, short-lived sessions.

Everything the console does to a database goes through a `Database`: the screens (from
worker threads) and the command line alike. Every connection it hands out has
statement_timeout and application_name set (behind a connection pooler, each transaction
sets the timeout: data.pooler), and a read-only profile or role opens every transaction
READ ONLY, so the server itself refuses writes.
"""

from __future__ import annotations

import select
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING, Any, cast

import psycopg
from psycopg import RawCursor, ServerCursor
from psycopg.rows import namedtuple_row
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ClauseElement
from sqlalchemy.sql.expression import Executable

from data.roles import Role

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

APPLICATION_NAME = "console"
ONE_STATEMENT = "console_one_statement"
"""Execution option: run each statement through the extended query protocol (see guard_typed_sql)."""
_NEEDS_RESET = "console_needs_reset"
_READ_ONLY_TYPED = "console_read_only_typed"


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

    url: URL
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


def as_sqlalchemy_url(url: str | URL) -> URL:
    """Parse a libpq-style or SQLAlchemy URL and make it use the psycopg 3 driver.

    Raises:
        sqlalchemy.exc.ArgumentError: the text is not a URL at all.
        ValueError: the URL is not a PostgreSQL one.
    """
    parsed = make_url(url) if isinstance(url, str) else url
    backend = parsed.get_backend_name()
    if backend not in ("postgresql", "postgres"):
        raise ValueError(f"not a PostgreSQL URL (scheme {parsed.drivername!r})")
    return parsed.set(drivername="postgresql+psycopg")


class Database:
    """One profile's Engine, its sessionmaker (made when first used), and the rules every connection follows."""

    def __init__(self, settings: ConnectionSettings) -> None:
        self.settings = settings
        self.engine: Engine = _make_engine(settings)
        self._per_transaction = per_transaction_settings(settings)
        self._in_flight = _track_statements(self.engine)

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
        settings = self._check_desk()
        with self.engine.connect() as connection, _read_write(connection, settings), connection.begin():
            yield connection

    def run_desk_statement(self, statement: Executable, parameters: Mapping[str, Any]) -> Any | None:
        """Run one statement that is a whole desk action as its own transaction, its COMMIT
        sent in the same round trip (psycopg's pipeline mode), and return its first row
        (a named tuple) or None.

        The locks the statement takes (a gift code's row, say) are held for the server's
        work alone: with a BEGIN ... COMMIT from SQLAlchemy they would also be held while
        the result travels back, the client reads it, and the COMMIT travels out. Every
        bind parameter must be a plain value (str, int): no SQLAlchemy bind processor runs.

        Raises:
            PermissionError: as connect_for_desk_action.
            sqlalchemy.exc.DBAPIError: the server refused the statement (IntegrityError
                for a key or a check); nothing was written.
        """
        settings = self._check_desk()
        with self.engine.connect() as connection, _read_write(connection, settings):
            sql, values = _positional(settings, statement, parameters)
            with _as_dbapi_error(connection, sql, values):
                [cursor], failure = _in_one_round_trip(driver_of(connection), [(sql, values)], self._per_transaction)
                if failure is not None:
                    raise failure
            with cursor:
                return cursor.fetchone()

    def read_in_one_round_trip(self, *reads: tuple[Executable, Mapping[str, Any]]) -> list[list[Any] | None]:
        """Run `reads` (statement, parameters) as one transaction, READ ONLY where the
        profile's are, with BEGIN, every statement and COMMIT sent in one round trip
        (psycopg's pipeline mode); each one's rows, as named tuples.

        For what a screen reads on every start or refresh (the home screen): on a distant
        server each round trip costs more than the reads, and while the UI keeps the
        interpreter busy each answer also waits for its turn. Parameters as for
        run_desk_statement.

        A read of a table that does not exist (yet) gives None, and so does every read
        after it (the transaction is rolled back): put such a read last.

        Raises:
            sqlalchemy.exc.DBAPIError: the server refused a read for any other reason.
        """
        with self.engine.connect() as connection:
            queries = [_positional(self.settings, statement, parameters) for statement, parameters in reads]
            with _as_dbapi_error(connection, ";\n".join(sql for sql, _ in queries), []):
                cursors, failure = _in_one_round_trip(driver_of(connection), queries, self._per_transaction)
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

    def _check_desk(self) -> ConnectionSettings:
        why = self.settings.desk_refusal()
        if why is not None:
            raise PermissionError(why)
        return self.settings

    def dispose(self) -> None:
        """Close every pooled connection (the console is leaving or switching profile)."""
        self.engine.dispose()

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


def _make_engine(settings: ConnectionSettings) -> Engine:
    pool = settings.pool
    connect_args: dict[str, Any] = {
        "application_name": APPLICATION_NAME,
        "connect_timeout": pool.connect_timeout,
        # PgBouncer in transaction mode cannot keep server-side prepared statements.
        "prepare_threshold": None,
    }
    if settings.pooler is None:
        options = f"-c statement_timeout={int(settings.statement_timeout_ms)}"
        if settings.enforces_read_only:
            # Belt and braces: the session default, and the BEGIN of every transaction below.
            options += " -c default_transaction_read_only=on"
        connect_args["options"] = options
    engine = create_engine(
        settings.url,
        pool_size=pool.size,
        max_overflow=pool.max_overflow,
        pool_recycle=pool.recycle,
        pool_timeout=pool.timeout,
        connect_args=connect_args,
        execution_options=_execution_options(settings),
    )
    if pool.pre_ping:
        _check_before_use(engine)
    if settings.enforces_read_only:
        _open_transactions_read_only(engine)
    _open_transactions_with(engine, per_transaction_settings(settings))
    _send_typed_sql_alone(engine)
    _roll_back_typed_reads(engine)
    if settings.pooler is None:
        _reset_after_typed_sql(engine)
    return engine


def _open_transactions_with(engine: Engine, statements: tuple[str, ...]) -> None:
    """Run `statements` first in every transaction SQLAlchemy begins on this engine (the
    reads and desk actions sent in one round trip carry them themselves)."""
    if not statements:
        return

    @event.listens_for(engine, "begin")
    def _set(connection: Connection) -> None:
        driver = connection.connection.dbapi_connection
        if driver is None or driver.autocommit:  # no transaction for SET LOCAL to live in
            return
        for statement in statements:
            driver.execute(statement)  # psycopg sends its BEGIN first


PING_AFTER_IDLE_S = 30.0
"""A pooled connection idle this long is pinged before use (see _check_before_use)."""
_IDLE_SINCE = "console_idle_since"


def _check_before_use(engine: Engine) -> None:
    """The pool's pre-ping, without a round trip for a connection that was in use moments ago.

    SQLAlchemy's pre_ping sends a query at every checkout: for a desk action that is one
    statement, that is a second round trip (and the server's work for it). A server that
    restarted, or that terminated the backend, has said so before closing: its message and
    the end of the stream make the socket readable, which is looked at here without
    waiting. A connection idle for PING_AFTER_IDLE_S or longer is pinged as well, for the
    drop nobody announces (a firewall, a NAT). DisconnectionError makes the pool replace
    the connection and try again.
    """

    @event.listens_for(engine, "checkin")
    def _idle_from(dbapi_connection: Any, record: Any) -> None:
        record.info[_IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _check(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        since = record.info.pop(_IDLE_SINCE, None)
        if since is None:  # a new connection: it has just answered
            return
        readable = select.poll()  # poll, not select: a process with many files has descriptors past 1024
        readable.register(dbapi_connection.fileno(), select.POLLIN)
        if readable.poll(0):
            raise DisconnectionError("the server closed the connection while it sat in the pool")
        if time.monotonic() - since >= PING_AFTER_IDLE_S:
            try:
                engine.dialect.do_ping(dbapi_connection)
            except psycopg.Error as error:
                raise DisconnectionError(f"the pooled connection no longer answers: {error}") from None


def driver_of(connection: Connection) -> psycopg.Connection[Any]:
    """The psycopg connection under a checked-out SQLAlchemy one."""
    driver = connection.connection.dbapi_connection
    assert driver is not None  # only a closed or invalidated connection has none
    return cast("psycopg.Connection[Any]", driver)


def guard_typed_sql(connection: Connection, *, read_only: bool = True) -> Connection:
    """Make `connection` fit for SQL the user typed (a WHERE clause, a filter, a query to
    export or explain): the server will run one statement per text and, unless
    `read_only` is False (EXPLAIN ANALYZE, rolled back by its caller), write nothing.

    Call it before the transaction's first statement. READ ONLY is the server's too: a
    typed `set_config('transaction_read_only', ...)` cannot lift it once a query ran.
    """
    if read_only:
        connection.exec_driver_sql("SET TRANSACTION READ ONLY")
        connection.info[_READ_ONLY_TYPED] = True  # read at the transaction's end
    connection.info[_NEEDS_RESET] = True  # kept by the pooled connection, read at check-in
    return connection.execution_options(**{ONE_STATEMENT: True})


def _roll_back_typed_reads(engine: Engine) -> None:
    """A read-only transaction that ran typed SQL ends in ROLLBACK, even when its caller commits.

    It wrote nothing, and a session setting its typed text changed (`set_config(...,
    false)` in a WHERE clause) is undone with it. Behind a pooler in transaction mode that
    is the only reset there is: the session is handed to the next client as it is, and a
    DISCARD ALL sent afterwards would reach whichever session is free then.
    """

    @event.listens_for(engine, "commit")
    def _roll_back(connection: Connection) -> None:
        if connection.info.pop(_READ_ONLY_TYPED, False):
            driver_of(connection).rollback()  # the COMMIT that follows finds nothing to do

    @event.listens_for(engine, "rollback")
    def _done(connection: Connection) -> None:
        if not connection.invalidated:  # an invalidated connection's info went with it
            connection.info.pop(_READ_ONLY_TYPED, None)


def _reset_after_typed_sql(engine: Engine) -> None:
    """A connection that ran typed SQL is reset when it goes back to the pool.

    One statement can still change the session: `set_config('statement_timeout', '0',
    false)` or `set_config('role', ...)` in a WHERE clause outlives its transaction, and
    the next checkout would inherit it. DISCARD ALL puts every setting back to its session
    default; statement_timeout, application_name and read-only are startup options
    (_make_engine), so those defaults are the console's own.
    """

    @event.listens_for(engine, "checkin")
    def _discard(dbapi_connection: Any, record: Any) -> None:
        if dbapi_connection is None or not record.info.pop(_NEEDS_RESET, False):
            return
        try:
            dbapi_connection.autocommit = True  # DISCARD ALL cannot run in a transaction
            dbapi_connection.execute("DISCARD ALL")
            dbapi_connection.autocommit = False
        except psycopg.Error as error:
            record.invalidate(error)  # closed rather than handed out as it is


def _send_typed_sql_alone(engine: Engine) -> None:
    """Statements of a guarded connection go out through the extended query protocol.

    psycopg sends a statement without bind parameters as a simple query, in which the
    server runs every statement of the text: a typed WHERE of `true; COMMIT; UPDATE ...`
    would write. In the extended protocol the server refuses a text of several statements
    ("cannot insert multiple commands into a prepared statement"). executemany of one
    parameter set is psycopg's public way to use it (pipeline mode) even without
    parameters; a server-side cursor's DECLARE already does.
    """

    @event.listens_for(engine, "do_execute")
    def _extended(cursor: Any, statement: str, parameters: Any, context: Any) -> bool | None:
        if not context.execution_options.get(ONE_STATEMENT) or isinstance(cursor, ServerCursor):
            return None
        cursor.executemany(statement, [parameters or {}], returning=True)
        return True


def _track_statements(engine: Engine) -> dict[int, Any]:
    """thread id -> the DBAPI connection running that thread's statement now, kept by
    engine events, so that another thread (the UI) can cancel a long statement."""
    in_flight: dict[int, Any] = {}

    @event.listens_for(engine, "before_cursor_execute")
    def _started(connection: Connection, *_: Any) -> None:
        in_flight[threading.get_ident()] = connection.connection.dbapi_connection

    @event.listens_for(engine, "after_cursor_execute")
    def _finished(*_: Any) -> None:
        in_flight.pop(threading.get_ident(), None)

    @event.listens_for(engine, "handle_error")
    def _failed(*_: Any) -> None:
        in_flight.pop(threading.get_ident(), None)

    return in_flight


def _execution_options(settings: ConnectionSettings) -> dict[str, Any]:
    schema_map = {ours: theirs for ours, theirs in settings.schema_map.items() if ours != theirs}
    return {"schema_translate_map": schema_map} if schema_map else {}


@lru_cache(maxsize=64)
def _compiled(statement: Executable, schema_map: tuple[tuple[str, str], ...]) -> SQLCompiler:
    """`statement` compiled once per schema map, with PostgreSQL's own $1 placeholders:
    psycopg's RawCursor sends it as it is, where a %(name)s text is parsed again on every
    call (psycopg caches that only for texts under 4 kB, and a redemption is longer).
    run_desk_statement goes around SQLAlchemy's own compiled cache."""
    assert isinstance(statement, ClauseElement)  # text() or a select(): what a desk action and a read are
    dialect = PGDialect_psycopg(paramstyle="numeric_dollar")  # type: ignore[no-untyped-call]  # not annotated
    compiled = statement.compile(
        dialect=dialect, schema_translate_map=dict(schema_map) or None, render_schema_translate=bool(schema_map)
    )
    assert isinstance(compiled, SQLCompiler)
    return compiled


def _positional(
    settings: ConnectionSettings, statement: Executable, parameters: Mapping[str, Any]
) -> tuple[str, list[Any]]:
    """`statement` as PostgreSQL's own text with $1 placeholders, and its parameters in order."""
    compiled = _compiled(statement, tuple(_execution_options(settings).get("schema_translate_map", {}).items()))
    named = compiled.construct_params(dict(parameters))
    return compiled.string, [named[name] for name in compiled.positiontup or ()]


def _in_one_round_trip(
    driver: psycopg.Connection[Any], queries: list[tuple[str, list[Any]]], prelude: tuple[str, ...] = ()
) -> tuple[list[RawCursor[Any]], psycopg.Error | None]:
    """Send BEGIN, `prelude` (per_transaction_settings), `queries` and COMMIT together and
    read every answer in one round trip: a cursor per query (its rows still to fetch), and
    the server's error if one failed (the transaction rolled back: that query's cursor, and
    those after it, have no rows).

    psycopg left to itself sends its BEGIN alone and waits for the answer, so the BEGIN
    here is ours, READ ONLY or READ WRITE as the connection's read_only says.
    """
    begin = {None: "BEGIN", True: "BEGIN READ ONLY", False: "BEGIN READ WRITE"}[driver.read_only]
    cursors = [RawCursor(driver, row_factory=namedtuple_row) for _ in queries]
    failure: psycopg.Error | None = None
    driver.autocommit = True  # the BEGIN and the COMMIT are the statements below
    try:
        with driver.pipeline():
            driver.execute(begin)
            for statement in prelude:
                driver.execute(statement)
            for cursor, (sql, values) in zip(cursors, queries, strict=True):
                cursor.execute(sql, values)
            driver.execute("COMMIT")
    except psycopg.Error as error:
        failure = error
        with suppress(psycopg.Error):  # a lost connection: the caller drops it
            driver.rollback()  # the failed transaction (psycopg sends nothing if none is open)
    finally:
        if driver.info.transaction_status == psycopg.pq.TransactionStatus.IDLE:
            driver.autocommit = False
        else:
            driver.close()  # never back into the pool in autocommit: the caller's error drops it
    return cursors, failure


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
        raise DBAPIError.instance(sql, values, error, psycopg.Error) from None


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


def _open_transactions_read_only(engine: Engine) -> None:
    """Make every transaction on this engine start READ ONLY, enforced by the server.

    options=-c default_transaction_read_only can be dropped by a pooler such as PgBouncer,
    so each transaction also begins as BEGIN READ ONLY (psycopg's read_only), which the
    server itself keeps, in the same round trip as the BEGIN.
    """

    @event.listens_for(engine, "connect")
    def _read_only(dbapi_connection: Any, record: Any) -> None:
        dbapi_connection.read_only = True  # psycopg then opens each with BEGIN READ ONLY


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

"""A Database's pooled Engine and the rules its connections follow, as SQLAlchemy events.

Imported when a Database first wants its Engine (data.engine), which is when SQLAlchemy is
imported: not on the start's path.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import psycopg
from psycopg import ServerCursor
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import DisconnectionError

from data.engine import (
    NEEDS_RESET,
    ONE_STATEMENT,
    PING_AFTER_IDLE_S,
    PREPARED_DESK_STATEMENTS,
    READ_ONLY_TYPED,
    ConnectionSettings,
    connect_arguments,
    driver_of,
    execution_options,
    per_transaction_settings,
    server_closed,
)


def make_engine(settings: ConnectionSettings) -> tuple[Engine, dict[int, Any]]:
    """The profile's Engine with its rules, and the connections its threads are running a
    statement on now (_track_statements: Database.cancel_statement_of reads it)."""
    pool = settings.pool
    engine = create_engine(
        settings.url.to_sqlalchemy(),
        pool_size=pool.size,
        max_overflow=pool.max_overflow,
        pool_recycle=pool.recycle,
        pool_timeout=pool.timeout,
        connect_args=connect_arguments(settings),
        execution_options=execution_options(settings),
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
    return engine, _track_statements(engine)


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
        if server_closed(dbapi_connection):
            raise DisconnectionError("the server closed the connection while it sat in the pool")
        if time.monotonic() - since >= PING_AFTER_IDLE_S:
            try:
                engine.dialect.do_ping(dbapi_connection)
            except psycopg.Error as error:
                raise DisconnectionError(f"the pooled connection no longer answers: {error}") from None


def _roll_back_typed_reads(engine: Engine) -> None:
    """A read-only transaction that ran typed SQL ends in ROLLBACK, even when its caller commits.

    It wrote nothing, and a session setting its typed text changed (`set_config(...,
    false)` in a WHERE clause) is undone with it. Behind a pooler in transaction mode that
    is the only reset there is: the session is handed to the next client as it is, and a
    DISCARD ALL sent afterwards would reach whichever session is free then.
    """

    @event.listens_for(engine, "commit")
    def _roll_back(connection: Connection) -> None:
        if connection.info.pop(READ_ONLY_TYPED, False):
            driver_of(connection).rollback()  # the COMMIT that follows finds nothing to do

    @event.listens_for(engine, "rollback")
    def _done(connection: Connection) -> None:
        if not connection.invalidated:  # an invalidated connection's info went with it
            connection.info.pop(READ_ONLY_TYPED, None)


def _reset_after_typed_sql(engine: Engine) -> None:
    """A connection that ran typed SQL is reset when it goes back to the pool.

    One statement can still change the session: `set_config('statement_timeout', '0',
    false)` or `set_config('role', ...)` in a WHERE clause outlives its transaction, and
    the next checkout would inherit it. DISCARD ALL puts every setting back to its session
    default; statement_timeout, application_name and read-only are startup options
    (make_engine), so those defaults are the console's own.
    """

    @event.listens_for(engine, "checkin")
    def _discard(dbapi_connection: Any, record: Any) -> None:
        if dbapi_connection is None or not record.info.pop(NEEDS_RESET, False):
            return
        # DISCARD ALL drops the desk's prepared statements too: the session prepares them
        # again when next asked (Database.run_desk_statement).
        record.info.pop(PREPARED_DESK_STATEMENTS, None)
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
    parameters; a server-side cursor's DECLARE already does. Typed SQL is sent unnamed,
    never kept by the session (psycopg prepares nothing: connect_arguments).
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


def _open_transactions_read_only(engine: Engine) -> None:
    """Make every transaction on this engine start READ ONLY, enforced by the server.

    options=-c default_transaction_read_only can be dropped by a pooler such as PgBouncer,
    so each transaction also begins as BEGIN READ ONLY (psycopg's read_only), which the
    server itself keeps, in the same round trip as the BEGIN.
    """

    @event.listens_for(engine, "connect")
    def _read_only(dbapi_connection: Any, record: Any) -> None:
        dbapi_connection.read_only = True  # psycopg then opens each with BEGIN READ ONLY

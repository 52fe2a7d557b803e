"""Activity and pool (data.stats, `console stats`) against real connections on the embedded server."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
import pytest
from sqlalchemy import Connection, event, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import OperationalError

from data import stats
from data.engine import ConnectionSettings, Database, PoolSettings
from data.roles import Role
from tests.conftest import SMALL_POOL, login_settings, run_console, socket_url


def backend(shot: stats.Snapshot, pid: int) -> stats.Backend:
    return next(b for b in shot.backends if b.pid == pid)


def wait_for(condition: Callable[[], Any], timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def pid_of(connection: Connection) -> int:
    return int(connection.execute(text("SELECT pg_backend_pid()")).scalar_one())


@pytest.fixture
def helpers(database_url: URL) -> Iterator[Database]:
    """Other clients of the same database, with an application_name of their own."""
    with Database(ConnectionSettings(url=database_url, pool=PoolSettings(size=4, max_overflow=4))) as db:

        @event.listens_for(db.engine, "connect")
        def _name(dbapi_connection: Any, record: Any) -> None:
            with dbapi_connection.cursor() as cursor:
                cursor.execute("SET application_name = 'stats-test'")
            dbapi_connection.commit()

        yield db


@contextmanager
def blocked_pair(helpers: Database) -> Iterator[tuple[int, int]]:
    """A holds a row lock; B waits on it in a thread. Yields (holder pid, waiter pid)."""
    with helpers.connect() as setup:
        setup.execute(text("CREATE TABLE public.lockme (id int PRIMARY KEY, v int)"))
        setup.execute(text("INSERT INTO public.lockme VALUES (1, 0)"))
    holder = helpers.engine.connect()
    holder.begin()
    holder.execute(text("UPDATE public.lockme SET v = 1 WHERE id = 1"))
    waiter_pid: list[int] = []
    errors: list[BaseException] = []

    def wait() -> None:
        try:
            with helpers.engine.connect() as waiter, waiter.begin():
                waiter_pid.append(pid_of(waiter))
                waiter.execute(text("UPDATE public.lockme SET v = 2 WHERE id = 1"))
        except BaseException as error:  # noqa: BLE001 - reported by the test
            errors.append(error)

    thread = threading.Thread(target=wait)
    thread.start()
    try:
        wait_for(lambda: waiter_pid)
        yield pid_of(holder), waiter_pid[0]
    finally:
        holder.rollback()
        holder.close()
        thread.join(10)
    assert not errors, errors


def test_idle_in_transaction_shows_with_its_age(database: Database, helpers: Database) -> None:
    with helpers.engine.connect() as idle:
        idle.begin()
        idle.execute(text("SELECT 1"))
        pid = pid_of(idle)
        time.sleep(0.3)
        shot = stats.snapshot(database)
        seen = backend(shot, pid)
        assert seen.state == "idle in transaction"
        assert seen.xact_seconds is not None and seen.xact_seconds >= 0.25
        assert seen.duration_seconds == seen.xact_seconds
        assert seen.application_name == "stats-test"
        assert seen.client_addr == "local"
        assert seen.query_first_line == "SELECT pg_backend_pid()"
        assert shot.by_state()["idle in transaction"] >= 1
        assert stats.filter_backends(shot.backends, states=("idle in transaction",), text="stats-test") == (seen,)
        idle.rollback()
    own = [b for b in shot.backends if b.application_name == "console" and b.query.startswith("\n    SELECT a.pid")]
    assert not own, "the snapshot's own backend is left out"


def test_a_lock_wait_shows_who_blocks_whom(database: Database, helpers: Database) -> None:
    with blocked_pair(helpers) as (holder, waiter):
        shot = wait_for(lambda: (s := stats.snapshot(database)) and backend(s, waiter).blocked_by and s)
        assert backend(shot, waiter).blocked_by == (holder,)
        assert backend(shot, waiter).wait_event_type == "Lock"
        assert backend(shot, holder).state == "idle in transaction"
        [root] = [node for node in shot.blocking if node.pid == holder]
        assert [child.pid for child in root.blocked] == [waiter]
        assert root.backend is not None and root.backend.pid == holder


def test_blocking_tree_builds_chains_and_survives_cycles() -> None:
    def make(pid: int, *blocked_by: int) -> stats.Backend:
        return stats.Backend(
            pid=pid,
            database="d",
            user="u",
            application_name="a",
            client_addr=None,
            backend_type="client backend",
            state="active",
            wait_event_type=None,
            wait_event=None,
            query="q",
            backend_seconds=1,
            xact_seconds=1,
            query_seconds=1,
            state_seconds=1,
            blocked_by=blocked_by,
        )

    chain = stats.blocking_tree([make(1), make(2, 1), make(3, 2), make(4, 1), make(5)])
    assert [(n.pid, [(c.pid, [g.pid for g in c.blocked]) for c in n.blocked]) for n in chain] == [
        (1, [(2, [3]), (4, [])])
    ]
    cycle = stats.blocking_tree([make(7, 8), make(8, 7)])
    assert [(n.pid, [c.pid for c in n.blocked]) for n in cycle] == [(7, [8])]
    assert stats.blocking_tree([make(9, 99)])[0].backend is None
    assert stats.blocking_tree([make(1)]) == ()


def test_cancel_ends_a_long_query_and_is_audited(database: Database, helpers: Database) -> None:
    outcome: list[BaseException | None] = []
    pid: list[int] = []

    def long_query() -> None:
        try:
            with helpers.engine.connect() as connection:
                pid.append(pid_of(connection))
                connection.execute(text("SELECT pg_sleep(30)"))
            outcome.append(None)
        except BaseException as error:  # noqa: BLE001
            outcome.append(error)

    thread = threading.Thread(target=long_query)
    started = time.monotonic()
    thread.start()
    wait_for(lambda: pid and backend(stats.snapshot(database), pid[0]).query == "SELECT pg_sleep(30)")
    assert stats.cancel_backend(database, pid[0], reason="runaway query") is True
    thread.join(10)
    assert time.monotonic() - started < 10
    [error] = outcome
    assert isinstance(error, OperationalError) and isinstance(error.orig, psycopg.errors.QueryCanceled)
    with database.connect() as connection:
        row = connection.execute(
            text(
                "SELECT action, schema_name, table_name, primary_key, before, reason, role FROM console.audit_log "
                "WHERE action = 'cancel-backend'"
            )
        ).one()
    assert (row.schema_name, row.table_name, row.primary_key, row.reason, row.role) == (
        "pg_catalog",
        "pg_stat_activity",
        {"pid": pid[0]},
        "runaway query",
        "admin",
    )
    assert row.before["query"] == "SELECT pg_sleep(30)" and row.before["state"] == "active"
    assert row.before["application_name"] == "stats-test"
    assert stats.cancel_backend(database, 2**31 - 1) is False  # no such backend: nothing audited


def test_terminate_ends_an_idle_transaction(database: Database, helpers: Database) -> None:
    connection = helpers.engine.connect()
    connection.begin()
    pid = pid_of(connection)
    assert stats.terminate_backend(database, pid, reason="stuck") is True
    wait_for(lambda: not any(b.pid == pid for b in stats.snapshot(database).backends))
    connection.invalidate()
    connection.close()
    with database.connect() as check:
        assert (
            check.execute(
                text("SELECT count(*) FROM console.audit_log WHERE action = 'terminate-backend'")
            ).scalar_one()
            == 1
        )


def test_only_an_admin_may_cancel(database_url: URL, database: Database) -> None:
    for settings in (
        login_settings(database_url, Role.DEVELOPER, pool=SMALL_POOL),
        login_settings(database_url, Role.SUPPORT, pool=SMALL_POOL),
        ConnectionSettings(url=database_url, read_only=True, pool=SMALL_POOL),
    ):
        with Database(settings) as db:
            with pytest.raises(PermissionError) as refused:
                stats.cancel_backend(db, 1)
            assert "\n" not in str(refused.value)
            with pytest.raises(PermissionError):
                stats.terminate_backend(db, 1)
            assert stats.snapshot(db).database.name == database_url.database  # but may read it all
    with database.connect() as connection:
        assert (
            connection.execute(
                text("SELECT count(*) FROM console.audit_log WHERE action LIKE '%-backend'")
            ).scalar_one()
            == 0
        )


def test_snapshot_is_bounded_and_gives_rates(database: Database) -> None:
    first = stats.snapshot(database)
    assert first.database.commits_per_second is None
    assert first.queries <= stats.SNAPSHOT_QUERIES
    assert 0 < first.server_ms < 5000
    assert first.server_version_num >= 130000
    with database.connect() as connection:
        connection.execute(text("SELECT 1"))
    # Backends flush their counters to the cumulative statistics about once a second.
    second = wait_for(
        lambda: (s := stats.snapshot(database, previous=first)).database.commits > first.database.commits and s
    )
    assert second.database.commits_per_second is not None and second.database.commits_per_second > 0
    assert second.database.cache_hit_ratio is not None and 0 < second.database.cache_hit_ratio <= 1
    assert second.tables and second.tables[0].total_bytes >= second.tables[-1].total_bytes
    with pytest.raises(ValueError):
        stats.snapshot(database, statements_by="speed")


@contextmanager
def traffic(database: Database) -> Iterator[tuple[list[str], list[int]]]:
    """What the database is sent while the block runs: every statement, and every pool checkout."""
    statements: list[str] = []
    checkouts: list[int] = []

    def sent(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        statements.append(statement)

    def lent(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        checkouts.append(id(dbapi_connection))

    event.listen(database.engine, "before_cursor_execute", sent)
    event.listen(database.engine.pool, "checkout", lent)
    try:
        yield statements, checkouts
    finally:
        event.remove(database.engine, "before_cursor_execute", sent)
        event.remove(database.engine.pool, "checkout", lent)


def test_a_refresh_is_one_pooled_connection_and_a_few_catalog_queries(database: Database) -> None:
    source = stats.LiveActivity(database)
    first = source.read(None)  # the pool opens its connection here; later refreshes reuse it
    samples = len(source.monitor.history())
    with traffic(database) as (statements, checkouts):
        reading = source.read(first.snapshot)
    assert len(checkouts) == 1
    assert reading.snapshot.pool.connections_created == first.snapshot.pool.connections_created
    # Counted as they were sent, not as the snapshot reports them: an added query shows here.
    assert len(statements) == reading.snapshot.queries == stats.SNAPSHOT_QUERIES
    assert all(sql.lstrip().startswith(("SELECT", "WITH")) for sql in statements), statements
    # The snapshot's own pool sample ends the history: one sample per refresh, not two.
    assert reading.pool_history[-1] == reading.snapshot.pool
    assert len(source.monitor.history()) == samples + 1


def test_an_extension_older_than_the_server_still_gives_the_top_statements(empty_database_url: URL) -> None:
    """pg_stat_statements 1.8 (PostgreSQL 13) renamed total_time and mean_time to
    total_exec_time and mean_exec_time; a database upgraded without ALTER EXTENSION UPDATE
    keeps the old names, and the snapshot reads whichever the installed version has."""
    with Database(ConnectionSettings(url=empty_database_url, pool=SMALL_POOL)) as db:
        with db.connect() as connection:
            connection.execute(text("CREATE EXTENSION pg_stat_statements VERSION '1.7'"))
        with db.connect() as connection:
            for _ in range(3):
                connection.execute(text("SELECT count(*) FROM pg_class WHERE relpages >= 0"))
        shot = stats.snapshot(db, top=50, statements_by="mean")
    assert shot.statements_missing is None and shot.statements is not None
    mine = [s for s in shot.statements if "FROM pg_class WHERE relpages >=" in s.query]
    assert mine and mine[0].calls == 3 and mine[0].total_ms > 0
    assert mine[0].mean_ms == pytest.approx(mine[0].total_ms / 3)
    means = [s.mean_ms for s in shot.statements]
    assert means == sorted(means, reverse=True)


def test_top_statements_on_the_embedded_server(database: Database) -> None:
    with database.connect() as connection:
        for _ in range(3):
            connection.execute(text("SELECT count(*) FROM gacha.users WHERE id > 0"))
    shot = stats.snapshot(database, top=50, statements_by="calls")
    assert shot.statements_missing is None and shot.statements
    mine = [s for s in shot.statements if "FROM gacha.users WHERE id >" in s.query]
    assert mine and mine[0].calls >= 3 and mine[0].total_ms >= 0
    calls = [s.calls for s in shot.statements]
    assert calls == sorted(calls, reverse=True)


def test_a_database_without_pg_stat_statements_says_how_to_enable_it(empty_database_url: URL) -> None:
    with Database(ConnectionSettings(url=empty_database_url, pool=SMALL_POOL)) as db, traffic(db) as (sent, _):
        shot = stats.snapshot(db)
    assert len(sent) == shot.queries == stats.SNAPSHOT_QUERIES - 1  # no statements query to send
    assert shot.statements is None
    assert shot.statements_missing is not None
    assert "CREATE EXTENSION pg_stat_statements" in shot.statements_missing
    assert "shared_preload_libraries" in shot.statements_missing


def test_unused_and_duplicate_indexes(database: Database) -> None:
    with database.connect() as connection:
        connection.execute(text("CREATE TABLE public.probe (id int PRIMARY KEY, a int, b int, c int UNIQUE)"))
        connection.execute(text("CREATE INDEX probe_a_1 ON public.probe (a)"))
        connection.execute(text("CREATE INDEX probe_a_2 ON public.probe (a)"))
        connection.execute(text("CREATE INDEX probe_a_desc ON public.probe (a DESC)"))
        connection.execute(text("CREATE INDEX probe_b ON public.probe (b)"))
        connection.execute(text("CREATE INDEX probe_b_partial ON public.probe (b) WHERE b > 0"))
    shot = stats.snapshot(database)
    unused = {f.indexes[0] for f in shot.unused_indexes if f.table == "probe"}
    assert unused == {"probe_a_1", "probe_a_2", "probe_a_desc", "probe_b", "probe_b_partial"}
    duplicates = [f.indexes for f in shot.duplicate_indexes if f.table == "probe"]
    assert duplicates == [("probe_a_1", "probe_a_2")]


def test_pool_stats_move_with_checkouts_and_waits(database_url: URL) -> None:
    with Database(ConnectionSettings(url=database_url, pool=PoolSettings(size=1, max_overflow=1, timeout=10))) as db:
        monitor = stats.monitor_pool(db)
        assert stats.monitor_pool(db) is monitor
        before = monitor.sample()
        assert (before.size, before.max_overflow, before.checked_out) == (1, 1, 0)
        first, second = db.engine.connect(), db.engine.connect()
        held = monitor.sample()
        assert (held.checked_out, held.overflow, held.connections_created) == (2, 1, 2)
        got: list[Connection] = []
        thread = threading.Thread(target=lambda: got.append(db.engine.connect()))
        thread.start()
        wait_for(lambda: monitor.stats().waiting == 1)
        time.sleep(0.2)
        first.close()
        thread.join(10)
        got[0].close()
        second.close()
        after = monitor.sample()
        assert after.waiting == 0 and after.waits == 1 and after.wait_seconds >= 0.15
        assert after.checked_out == 0 and after.idle >= 1 and after.checkouts >= 3
        assert monitor.history() == (before, held, after)
        assert stats.snapshot(db).pool.checked_out == 0


def test_console_stats_shows_states_and_the_blocking_chain(database_url: URL, helpers: Database) -> None:
    url = socket_url(database_url)
    with helpers.engine.connect() as idle, blocked_pair(helpers) as (holder, waiter):
        idle.begin()
        idle_pid = pid_of(idle)
        wait_for(lambda: backend(stats.snapshot(helpers), waiter).blocked_by)
        result = run_console("--url", url, "stats", "--interval", "0.2")
        assert result.returncode == 0, result.stderr
        out = result.stdout
        assert "idle in transaction" in out and str(idle_pid) in out
        assert "blocking chains:\n" in out
        chain = out.split("blocking chains:\n", 1)[1].splitlines()
        assert chain[0].strip().startswith(f"{holder} idle in transaction stats-test")
        assert chain[1].strip().startswith(f"└─ {waiter} active stats-test: UPDATE public.lockme")
        assert "commits" in out and "/s" in out and "top statements by total time" in out

        result = run_console("--url", url, "--json", "stats", "--interval", "0")
        assert result.returncode == 0, result.stderr
        payload = json.loads(result.stdout)
        states = {b["pid"]: b["state"] for b in payload["backends"]}
        assert states[idle_pid] == "idle in transaction"
        assert payload["by_state"]["idle in transaction"] >= 2
        [root] = [node for node in payload["blocking"] if node["pid"] == holder]
        assert [child["pid"] for child in root["blocked"]] == [waiter]
        assert payload["queries"] <= stats.SNAPSHOT_QUERIES
        idle.rollback()
    result = run_console("--url", url, "stats", "--json", "--interval", "0")
    assert result.returncode == 0 and json.loads(result.stdout)["database"]["name"] == database_url.database

"""The test harness: one embedded PostgreSQL per run, one fresh database per test.

The server starts once (fsync off: these clusters are thrown away). A template database is
migrated and loaded with demo data once; each test that wants data gets its own copy
(CREATE DATABASE ... TEMPLATE, a file copy), so tests never see each other's writes.
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from unittest import mock

import psycopg
import pytest
from sqlalchemy import event, text
from sqlalchemy.engine import URL

from console.cli import main as cli_main
from console.embedded import EmbeddedServer
from data.engine import ConnectionSettings, Database, PoolSettings
from data.grants import login_statements
from data.migrate.run import upgrade
from data.roles import Role
from tests import server_watchdog

TEMPLATE = "console_template"
_numbers = itertools.count()
SMALL_POOL = PoolSettings(size=2, max_overflow=2)


def short_temp_dir(prefix: str) -> Path:
    """A temporary directory with a short path: a Unix socket path must fit in 107 bytes."""
    return Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))


@contextmanager
def throwaway_server(prefix: str = "cpg-") -> Iterator[EmbeddedServer]:
    """A new embedded server (fsync off) in a temporary directory: stopped and removed on
    leaving, or by its watchdog (tests/server_watchdog.py) if this process dies first."""
    data_dir = short_temp_dir(prefix)
    watchdog = server_watchdog.watch(data_dir)
    server = EmbeddedServer(data_dir, durable=False)
    try:
        server.acquire()
        yield server
    finally:
        server.release()
        shutil.rmtree(data_dir, ignore_errors=True)
        server_watchdog.done(watchdog)


@pytest.fixture(scope="session")
def embedded_server() -> Iterator[EmbeddedServer]:
    with throwaway_server() as server:
        yield server


def _autocommit(server: EmbeddedServer, sql: str) -> None:
    """One statement outside a transaction (CREATE or DROP DATABASE), on a psycopg connection
    of its own: building a Database and its Engine for it cost 10-20 ms, twice a test."""
    with psycopg.connect(**server.url("postgres").connect_arguments(), autocommit=True) as connection:
        connection.execute(sql)


COPY_STRATEGY = "FILE_COPY"
"""How a test's database is copied from the template: file by file, 0.12-0.22 s a copy here,
where PostgreSQL's default since 15 (WAL_LOG, page by page through the WAL) takes
0.21-0.29 s; its crash safety is of no use on a cluster running with fsync off."""


def create_database(server: EmbeddedServer, template: str | None = None) -> URL:
    """A new database on the test server, empty or copied from `template`."""
    name = f"t{os.getpid()}_{next(_numbers)}"
    # A copy of the template belongs to console_admin, as the embedded database does (its
    # admin login creates schemas when it migrates).
    copy = f' TEMPLATE "{template}" OWNER {Role.ADMIN.group} STRATEGY {COPY_STRATEGY}' if template else ""
    _autocommit(server, f'CREATE DATABASE "{name}"{copy}')
    return server.url(name)


def login_url(url: URL, role: Role) -> URL:
    """`url` with the login of `role` (data.roles): the console logs in as it, and
    PostgreSQL enforces the role's grants."""
    return url.set(username=role.login)


def login_settings(url: URL, role: Role, **settings: Any) -> ConnectionSettings:
    """ConnectionSettings for `role`, logged in as its login."""
    return ConnectionSettings(url=login_url(url, role), role=role, **settings)


def drop_database(server: EmbeddedServer, url: URL) -> None:
    _autocommit(server, f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)')


@pytest.fixture(scope="session")
def template_database(embedded_server: EmbeddedServer) -> str:
    """A database migrated to every head and loaded with scale-1 demo data."""
    from data import demo

    _autocommit(embedded_server, f'DROP DATABASE IF EXISTS "{TEMPLATE}" WITH (FORCE)')
    _autocommit(embedded_server, f'CREATE DATABASE "{TEMPLATE}"')
    with Database(ConnectionSettings(url=embedded_server.url(TEMPLATE))) as database:
        with database.connect() as connection:
            for extension in ("vector", "pg_stat_statements"):
                connection.execute(text(f'CREATE EXTENSION IF NOT EXISTS "{extension}"'))
        failures = [outcome for outcome in upgrade(database.engine) if not outcome.ok]
        assert not failures, failures
        demo.load_demo(database, scale=1)
        # The role logins, as the embedded server's first start makes them (console/connect.py).
        with database.connect() as connection:
            for statement in login_statements(TEMPLATE):
                connection.exec_driver_sql(statement)
    return TEMPLATE


@pytest.fixture
def database_url(embedded_server: EmbeddedServer, template_database: str) -> Iterator[URL]:
    """The URL of this test's own migrated database with demo data."""
    url = create_database(embedded_server, template_database)
    yield url
    drop_database(embedded_server, url)


@pytest.fixture
def database(database_url: URL) -> Iterator[Database]:
    """This test's own migrated database with demo data, as an admin session layer."""
    with Database(ConnectionSettings(url=database_url, pool=SMALL_POOL)) as db:
        yield db


@pytest.fixture
def empty_database_url(embedded_server: EmbeddedServer) -> Iterator[URL]:
    """The URL of this test's own empty database (nothing migrated)."""
    url = create_database(embedded_server)
    yield url
    drop_database(embedded_server, url)


# The home screen shows the database name, so the snapshot copy gets one that never
# changes (each pytest-xdist worker has a server of its own, so the name cannot collide).
SNAPSHOT_DATABASE = "console_snapshot"


@pytest.fixture
def snapshot_database(embedded_server: EmbeddedServer, template_database: str) -> Iterator[Database]:
    """The migrated demo database, copied under a fixed name, for snapshot tests."""
    _autocommit(embedded_server, f'DROP DATABASE IF EXISTS "{SNAPSHOT_DATABASE}" WITH (FORCE)')
    _autocommit(
        embedded_server,
        f'CREATE DATABASE "{SNAPSHOT_DATABASE}" TEMPLATE "{template_database}" STRATEGY {COPY_STRATEGY}',
    )
    # Scan counters and vacuum times change with every read; the details pane shows them,
    # so the copy keeps none (a copied database starts with no statistics counters).
    _autocommit(embedded_server, f'ALTER DATABASE "{SNAPSHOT_DATABASE}" SET track_counts = off')
    try:
        # As the embedded console logs in: the admin login, not the superuser.
        url = embedded_server.url(SNAPSHOT_DATABASE, user=Role.ADMIN.login)
        with Database(ConnectionSettings(url=url)) as database:
            yield database
    finally:
        _autocommit(embedded_server, f'DROP DATABASE IF EXISTS "{SNAPSHOT_DATABASE}" WITH (FORCE)')


@pytest.fixture(scope="module")
def shared_url(embedded_server: EmbeddedServer, template_database: str) -> Iterator[URL]:
    """The URL of a copy of the demo database shared by the module's tests, for tests that
    change nothing in it: each of them reads, or checks that it was refused and that what it
    would have written is not there. A copy of its own costs a test 0.3-0.7 s."""
    url = create_database(embedded_server, template_database)
    yield url
    drop_database(embedded_server, url)


@pytest.fixture(scope="module")
def shared_database(shared_url: URL) -> Iterator[Database]:
    """The module's shared copy of the demo database (shared_url), as an admin session layer."""
    with Database(ConnectionSettings(url=shared_url, pool=SMALL_POOL)) as database:
        yield database


@pytest.fixture(scope="module")
def demo(shared_database: Database) -> tuple[Database, Any]:
    """The module's shared copy of the demo database (read only) and its build planner
    catalogue (data.planner.catalogue.Catalogue)."""
    from data.planner import store

    return shared_database, store.load_catalogue(shared_database)


# The command line, run as a user runs it: a subprocess, no terminal, no DATABASE_URL.

ROOT = Path(__file__).parents[1]


def run_console(
    *args: str, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    environment = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "console", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=environment,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def run_console_here(capsys: pytest.CaptureFixture[str], *args: str) -> subprocess.CompletedProcess[str]:
    """run_console in this process (console.cli.main, no DATABASE_URL, no terminal): the
    same parsing, checks and output without a new interpreter's imports (1-1.5 s a run
    under the suite's load), for the refusals a test runs many of."""
    capsys.readouterr()
    environment = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    with mock.patch.dict(os.environ, environment, clear=True):
        try:
            code = cli_main(list(args))
        except SystemExit as exit_:  # argparse's own refusals (and --help) leave this way
            # As the interpreter ends: None is 0, a message is printed and is 1.
            if exit_.code is None or isinstance(exit_.code, int):
                code = exit_.code or 0
            else:
                print(exit_.code, file=sys.stderr)
                code = 1
    captured = capsys.readouterr()
    return subprocess.CompletedProcess(["console", *args], code, captured.out, captured.err)


def socket_url(url: URL) -> str:
    """A libpq-style URL a user would type, for a database on a Unix socket (the test
    server's, or a PgBouncer's with its port)."""
    port = f"&port={url.query['port']}" if "port" in url.query else ""
    return f"postgresql://{url.username}@/{url.database}?host={url.query['host']}{port}"


def assert_refused(result: subprocess.CompletedProcess[str], code: int, *fragments: str) -> None:
    """The command refused in one line ("console: error: ..."), exit `code`, no traceback."""
    assert result.returncode == code, (result.returncode, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("console: error: "), result.stderr
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def assert_one_line_error(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    """A usage error: refused in one line with exit 2."""
    assert_refused(result, 2, *fragments)


# Databases as the desk's tests use them, and reading them back.

DESK_OPERATOR = "pilot-desk"


def role_database(url: URL, role: Role, read_only: bool = False) -> Database:
    """`role` as the console's settings give it, on the test server's superuser login."""
    return Database(
        ConnectionSettings(url=url, role=role, read_only=read_only, pool=SMALL_POOL, operator="desk-tester")
    )


def login_database(url: URL, role: Role) -> Database:
    """`role` logged in as its own login: PostgreSQL enforces what it may do."""
    return Database(login_settings(url, role, pool=SMALL_POOL, operator=DESK_OPERATOR))


@contextmanager
def protocol_trace(database: Database, path: Path) -> Iterator[Callable[[], list[tuple[str, str, str]]]]:
    """libpq's protocol trace of every connection `database`'s Engine makes inside the block,
    all its traffic, written to `path`; yields a function that reads it so far
    (protocol_messages). libpq buffers the trace: reading flushes it, and so does leaving."""
    with _tracing(path) as (start, read):
        event.listen(database.engine, "connect", start)
        try:
            yield read
        finally:
            event.remove(database.engine, "connect", start)


@contextmanager
def new_connections_traced(path: Path) -> Iterator[Callable[[], list[tuple[str, str, str]]]]:
    """protocol_trace of every psycopg connection opened inside the block, the ones a
    Database opens before it has an Engine (the start's) among them."""
    connect = psycopg.connect

    def traced_connect(*args: Any, **kwargs: Any) -> psycopg.Connection[Any]:
        driver = connect(*args, **kwargs)
        start(driver)
        return driver

    with _tracing(path) as (start, read):
        psycopg.connect = traced_connect
        try:
            yield read
        finally:
            psycopg.connect = connect


@contextmanager
def _tracing(
    path: Path,
) -> Iterator[tuple[Callable[..., None], Callable[[], list[tuple[str, str, str]]]]]:
    """(start tracing a driver connection, read the trace so far) for the block."""
    traced: list[Any] = []

    def start(driver: Any, *_: Any) -> None:
        driver.pgconn.trace(sink.fileno())
        traced.append(driver)

    def flush() -> None:
        for driver in traced:
            if not driver.closed:
                driver.pgconn.untrace()  # PQuntrace flushes what libpq buffered
                driver.pgconn.trace(sink.fileno())
        sink.flush()

    def read() -> list[tuple[str, str, str]]:
        flush()
        return protocol_messages(path.read_text())

    with path.open("w") as sink:
        try:
            yield start, read
        finally:
            flush()


def protocol_messages(trace: str) -> list[tuple[str, str, str]]:
    """libpq's protocol trace as (F for frontend or B for backend, message type, text); a
    message's text (a statement's) may run over several lines."""
    return [
        (m[1], m[2], m[3])
        for m in re.finditer(
            r"^\d{4}-\d\d-\d\d [\d:.]+\t([FB])\t\d+\t(\w+)(.*?)(?=^\d{4}-\d\d-\d\d |\Z)",
            trace,
            re.MULTILINE | re.DOTALL,
        )
    ]


def statements_sent(messages: list[tuple[str, str, str]]) -> list[str]:
    """The statements the client sent, each as its first word (BEGIN and its mode whole)."""
    texts = [text.split('"')[3].strip() for way, kind, text in messages if way == "F" and kind == "Parse"]
    return [text if text.startswith("BEGIN") else text.split()[0] for text in texts]


def round_trips(messages: list[tuple[str, str, str]]) -> int:
    """How many times the client waited for the server: each turn from sending to answers."""
    return sum(1 for before, after in zip(messages, messages[1:]) if before[0] == "F" and after[0] == "B")


def sql(database: Database, statement: str, **params: Any) -> Any:
    with database.connect() as connection:
        return connection.execute(text(statement), params)


def wait_for_lock_waiter(database: Database, timeout: float = 10) -> None:
    """Until some backend of this database waits on a lock (the other thread is blocked)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if sql(
            database,
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
        ).scalar():
            return
        time.sleep(0.02)
    raise AssertionError("no backend ever waited on a lock")


# A statement slow enough to watch: 60,000 rows without an index, filtered.

READINGS = """
CREATE TABLE public.readings AS
SELECT g AS id, g % 500 AS sensor, (g % 7) AS kind, now() - g * interval '1 minute' AS taken
  FROM generate_series(1, 60000) AS g;
ANALYZE public.readings;
"""
SLOW_READING = "SELECT * FROM public.readings WHERE sensor = 42 AND kind = 3"


def load_readings(database: Database) -> None:
    with database.connect() as connection:
        for statement in READINGS.strip().split(";\n"):
            connection.execute(text(statement))

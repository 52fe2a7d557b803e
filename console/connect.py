"""Which database the console opens, and getting the embedded one ready.

Precedence: --url, then DATABASE_URL, then --profile (or the config's default_profile),
then the embedded server. The embedded server's first start initialises the cluster,
creates the database, runs every migration and loads the demo data; a start that was
interrupted half-way is redone from scratch rather than left half-built.
"""

from __future__ import annotations

import gc
import os
import signal
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from types import FrameType

from console.config import Config, ConfigError, prompt_password, settings_for_url
from console.embedded import DATABASE, EmbeddedServer
from data.engine import ConnectionSettings, Database
from data.errors import is_database_error, needs_password, one_line
from data.login import LoginTooPowerful, check_login
from data.overview import ServerOverview, server_overview
from data.pooler import PGBOUNCER, UNNAMED, options_dropped, refuses_startup_options
from data.roles import Role

READY_MARKER = "ready"
ROLES_MARKER = "roles"
# Bump when data/grants.py changes what it grants: each embedded server is granted again
# on its next start.
ROLES_VERSION = "4"
EXTENSIONS = ("vector", "pg_stat_statements")


class ConnectError(RuntimeError):
    """The database could not be opened; the message is the one line to show."""


@dataclass(frozen=True)
class Target:
    """What the user asked to connect to."""

    url: str | None = None
    profile: str | None = None
    data_dir: Path | None = None
    role: Role | None = None
    read_only: bool = False


@dataclass(frozen=True)
class FirstRun:
    """How long the embedded database's first start took, for the user and the README."""

    seconds: float
    demo_rows: int


def settings_for(target: Target, config: Config) -> ConnectionSettings | None:
    """Settings for a real server, or None when the embedded server is wanted.

    Raises:
        ConfigError: a bad URL, an unknown profile, or a role that would be raised.
    """
    if target.url is not None and not target.url.strip():
        raise ConfigError("--url is empty: give a postgresql:// URL, or leave --url out for the embedded server")
    if "DATABASE_URL" in os.environ and not os.environ["DATABASE_URL"].strip() and target.url is None:
        raise ConfigError("DATABASE_URL is set but empty: give it a postgresql:// URL, or unset it")
    url = target.url or os.environ.get("DATABASE_URL")
    profile_name = None if url else (target.profile or config.default_profile)
    if url is None and profile_name is None:
        return None
    profile = config.profile(profile_name) if profile_name else None
    return settings_for_url(
        url or profile.url,  # type: ignore[union-attr]
        profile=profile,
        operator=config.operator,
        role=target.role,
        read_only=target.read_only,
    )


def embedded_settings(server: EmbeddedServer, target: Target, config: Config) -> ConnectionSettings:
    """The embedded server's settings: the console logs in as the login of the role asked
    for, so that PostgreSQL enforces the role (data/grants.py)."""
    role = Role.ADMIN.lowered_to(target.role) if target.role else Role.ADMIN
    return ConnectionSettings(
        url=server.url(user=role.login),
        role=role,
        read_only=target.read_only,
        operator=config.operator,
        profile_name="embedded",
    )


@dataclass(frozen=True)
class Opened:
    """A checked database, and what the check read: the home screen's data (one round trip)."""

    database: Database
    overview: ServerOverview


def open_database(settings: ConnectionSettings, *, interactive: bool) -> Database:
    """Open and check a connection (open_checked) when only the database is wanted."""
    return open_checked(settings, interactive=interactive).database


def open_checked(settings: ConnectionSettings, *, interactive: bool) -> Opened:
    """Open and check a connection; prompt for a password if the server wants one.

    Raises:
        ConnectError: the server cannot be reached, refuses us, or the database is missing; or
            the login can do more than the profile's role.
    """
    try:
        return _checked(Database(settings))
    except Exception as error:
        if not is_database_error(error):
            raise
        if not (interactive and needs_password(error)):
            raise ConnectError(one_line(error)) from None
    password = prompt_password(f"Password for {settings.url.username or 'you'}@{settings.url.host or 'localhost'}: ")
    try:
        return _checked(Database(replace(settings, url=settings.url.set(password=password))))
    except Exception as error:
        if not is_database_error(error):
            raise
        raise ConnectError(one_line(error)) from None


def _checked(database: Database) -> Opened:
    """`database` once the server answered and its login fits the profile's role
    (data.login); disposed of if not. It is opened again, once, when the first answer says
    the settings must change: behind a connection pooler in transaction mode (data.pooler:
    the startup options refused or dropped), and on a read replica (a server in recovery),
    read-only whatever the role, as the console offers no write there.

    The check reads the home screen's overview, which holds all it needs (the login, the
    recovery state, the session's timeout): the start is one round trip, BEGIN and COMMIT
    included, and the home screen's first paint has its data."""
    settings = database.settings
    try:
        overview = server_overview(database)
        check_login(settings, overview.login)
    except LoginTooPowerful as error:
        database.dispose()
        raise ConnectError(str(error)) from None
    except BaseException as error:
        database.dispose()
        if settings.pooler is None and is_database_error(error) and refuses_startup_options(error):
            return _checked(Database(replace(settings, pooler=PGBOUNCER)))
        raise
    pooler = (
        UNNAMED
        if settings.pooler is None and options_dropped(overview.session_timeout_ms, settings.statement_timeout_ms)
        else settings.pooler
    )
    replica = settings.replica or overview.in_recovery
    if (pooler, replica) != (settings.pooler, settings.replica):
        database.dispose()
        return _checked(
            Database(replace(settings, pooler=pooler, replica=replica, read_only=settings.read_only or replica))
        )
    return Opened(database, overview)


def prepare_embedded(
    server: EmbeddedServer,
    *,
    load_demo: Callable[[Database], int] | None,
    progress: Callable[[str], None] = lambda _: None,
) -> FirstRun | None:
    """Make the embedded database ready: created, migrated and loaded, once.

    Call after `server.acquire()`. Returns the first run's timing, or None if the database
    was already ready.

    Raises:
        ConnectError: a migration failed (nothing is marked ready, so the next start redoes it).
    """
    marker = server.data_dir / READY_MARKER
    if marker.exists():
        _ensure_logins(server)
        return None
    # The first start migrates and loads data for seconds: the collector, paused for a start
    # (console.launch), runs again.
    gc.enable()
    from data.migrate.run import upgrade  # Alembic: loaded only on the first start

    started = time.perf_counter()
    admin = Database(ConnectionSettings(url=server.url("postgres"), profile_name="embedded"))
    try:
        with admin.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            progress("creating the database")
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
            connection.exec_driver_sql(f'CREATE DATABASE "{DATABASE}"')
    finally:
        admin.dispose()
    superuser = Database(ConnectionSettings(url=server.url(), profile_name="embedded"))
    try:
        with superuser.connect() as connection:
            for extension in EXTENSIONS:
                connection.exec_driver_sql(f'CREATE EXTENSION IF NOT EXISTS "{extension}"')
    finally:
        superuser.dispose()
    _ensure_logins(server)
    # The rest as the admin login, as every later migration runs: what it creates belongs
    # to console_admin, and the migrations grant the other roles on it.
    database = Database(ConnectionSettings(url=server.url(user=Role.ADMIN.login), profile_name="embedded"))
    try:
        progress("running migrations")
        failures = [outcome for outcome in upgrade(database.engine) if not outcome.ok]
        if failures:
            raise ConnectError(f"migration of {failures[0].branch} failed: {failures[0].error}")
        rows = 0
        if load_demo is not None:
            progress("loading demo data")
            rows = load_demo(database)
    finally:
        database.dispose()
    marker.write_text("initialised, migrated and loaded with demo data\n")
    return FirstRun(seconds=time.perf_counter() - started, demo_rows=rows)


def _ensure_logins(server: EmbeddedServer) -> None:
    """Give the embedded server its role logins, once (a data directory made before they
    existed gets them on its next start, and again when ROLES_VERSION moves): the group
    roles, one login per role, the database and every object of ours given to
    console_admin, and the grants. Run as the superuser, which only bootstraps."""
    marker = server.data_dir / ROLES_MARKER
    if marker.exists() and marker.read_text().split(" ", 1)[0] == ROLES_VERSION:
        return
    from sqlalchemy.exc import SQLAlchemyError

    from data import grants
    from data.migrate.run import grant_roles

    database = Database(ConnectionSettings(url=server.url(), profile_name="embedded"))
    try:
        with database.connect() as connection:
            for statement in grants.login_statements(DATABASE):
                connection.exec_driver_sql(statement)
        grant_roles(database.engine)
    except SQLAlchemyError as error:
        raise ConnectError(f"could not set up the role logins: {one_line(error)}") from None
    finally:
        database.dispose()
    marker.write_text(f"{ROLES_VERSION} role logins created and granted\n")


@contextmanager
def released_on_signals(server: EmbeddedServer, on_signal: Callable[[int], None] | None = None) -> Iterator[None]:
    """Hold the embedded server for the duration; leave it on exit, SIGTERM and SIGHUP.

    `on_signal` lets a running app wind down by itself (its own exit path then releases);
    without one, the signal ends the process through SystemExit and the release below.
    """

    def handle(signum: int, frame: FrameType | None) -> None:
        if on_signal is not None:
            on_signal(signum)
        else:
            raise SystemExit(128 + signum)

    previous = {sig: signal.signal(sig, handle) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        try:
            server.release()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

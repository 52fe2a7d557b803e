"""data/: the engine and sessions follow the profile, and data/ stands without the UI."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError, OperationalError

from data import pooled
from data.engine import ConnectionSettings, Database, PoolSettings
from data.errors import is_bad_value
from data.models.gacha import GachaUser as User
from data.roles import Role
from tests.conftest import login_url, protocol_trace, round_trips

ROOT = Path(__file__).parents[1]


def test_data_never_imports_the_ui() -> None:
    script = textwrap.dedent(
        """
        import importlib, pkgutil, sys
        import data
        for module in pkgutil.walk_packages(data.__path__, "data."):
            importlib.import_module(module.name)
        leaked = sorted({name.split(".")[0] for name in sys.modules} & {"textual", "screens", "widgets", "console"})
        print(",".join(leaked))
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, check=True)
    assert result.stdout.strip() == "", f"data/ imports {result.stdout.strip()}"


def test_pool_follows_the_profile_with_the_seeds_defaults(database_url: URL) -> None:
    with Database(ConnectionSettings(url=database_url)) as default:
        pool = default.engine.pool
        assert pool.size() == 20
        assert pool._recycle == 3600  # noqa: SLF001  (QueuePool keeps no public accessor)
        assert default.settings.pool.pre_ping is True  # checked before use: see the tests below
    with Database(ConnectionSettings(url=database_url, pool=PoolSettings(size=3, max_overflow=1))) as small:
        assert small.engine.pool.size() == 3
        assert small.engine.pool._max_overflow == 1  # noqa: SLF001


def _backend_pid(database: Database) -> int:
    with database.connect() as connection:
        return int(connection.execute(text("SELECT pg_backend_pid()")).scalar_one())


def _terminate(database_url: URL, pid: int) -> None:
    with Database(ConnectionSettings(url=database_url)) as admin, admin.connect() as connection:
        connection.execute(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pid})


def test_a_connection_the_server_dropped_while_pooled_is_replaced_before_use(database_url: URL) -> None:
    """The server said goodbye (a restart, a terminated backend) while the connection sat in
    the pool: the checkout sees it without a round trip and hands out a new one."""
    with Database(ConnectionSettings(url=database_url)) as database:
        pid = _backend_pid(database)
        _terminate(database_url, pid)
        assert _backend_pid(database) != pid
    unchecked = ConnectionSettings(url=database_url, pool=PoolSettings(pre_ping=False))
    with Database(unchecked) as database:  # without the check, the dead one is handed out
        _terminate(database_url, _backend_pid(database))
        with pytest.raises(OperationalError):
            _backend_pid(database)


def _early_pid(database: Database) -> int:
    [[row]] = database.read_in_one_round_trip(("SELECT pg_backend_pid() AS pid", ()))  # type: ignore[misc]
    return int(row.pid)


def test_the_start_reads_share_one_connection_of_their_own_until_the_engine_is_built(database_url: URL) -> None:
    """Before anything wants the Engine (the start: the login check, the home screen's
    overview), the reads go out on one psycopg connection the Database keeps; a connection
    the server closed meanwhile is replaced; the Engine's pool takes over once it is built."""
    with Database(ConnectionSettings(url=database_url)) as database:
        first = _early_pid(database)
        assert _early_pid(database) == first  # kept, not opened again
        _terminate(database_url, first)
        second = _early_pid(database)
        assert second != first  # the server closed it: a new one, and the read succeeds
        pooled = _backend_pid(database)  # builds the Engine
        assert pooled != second and _early_pid(database) == pooled
        with Database(ConnectionSettings(url=database_url)) as admin, admin.connect() as connection:
            alive = connection.execute(text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"), {"pid": second})
            assert alive.scalar_one() == 0  # closed with the Engine's start


def test_a_start_read_is_read_only_where_the_role_is_and_fails_as_sqlalchemy_errors(database_url: URL) -> None:
    settings = ConnectionSettings(url=login_url(database_url, Role.DEVELOPER), role=Role.DEVELOPER)
    with Database(settings) as database:
        [[row]] = database.read_in_one_round_trip(("SELECT current_setting('transaction_read_only') AS ro", ()))  # type: ignore[misc]
        assert row.ro == "on"
        with pytest.raises(DBAPIError, match="division by zero") as refused:
            database.read_in_one_round_trip(("SELECT 1 / $1", (0,)))
        assert is_bad_value(refused.value)
        assert _early_pid(database) > 0  # the failed read's connection was dropped, a new one serves
    unreachable = ConnectionSettings(url="postgresql://nobody@127.0.0.1:9/x", pool=PoolSettings(connect_timeout=3))
    with Database(unreachable) as database, pytest.raises(OperationalError, match="port 9"):
        database.read_in_one_round_trip(("SELECT 1", ()))


def test_a_connection_in_use_moments_ago_costs_no_ping_and_an_idle_one_is_pinged(
    database_url: URL, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLAlchemy's pre_ping was a round trip at every checkout; a desk action that is one
    statement paid two. Only a connection idle for PING_AFTER_IDLE_S is pinged now."""

    def round_trips_of(checkouts: int) -> int:
        trace = tmp_path / f"trace-{checkouts}-{pooled.PING_AFTER_IDLE_S}"
        with Database(ConnectionSettings(url=database_url)) as database, protocol_trace(database, trace) as sent:
            for _ in range(checkouts):
                database.read_in_one_round_trip((text("SELECT 1"), {}))
            return round_trips(sent())

    assert round_trips_of(3) == 3
    monkeypatch.setattr(pooled, "PING_AFTER_IDLE_S", 0.0)
    assert round_trips_of(3) == 3 + 2  # the second and third checkouts pinged first


def test_every_connection_sets_statement_timeout_and_application_name(database_url: URL) -> None:
    with Database(ConnectionSettings(url=database_url, statement_timeout_ms=1500)) as database:
        with database.session() as session:
            assert session.execute(text("SHOW statement_timeout")).scalar() == "1500ms"
            assert session.execute(text("SHOW application_name")).scalar() == "console"
        with database.connect() as connection, pytest.raises(DBAPIError, match="statement timeout"):
            connection.execute(text("SELECT pg_sleep(3)"))


@pytest.mark.parametrize(
    ("role", "read_only"),
    [(Role.ADMIN, True), (Role.DEVELOPER, False), (Role.SUPPORT, False)],
)
def test_read_only_is_enforced_by_the_server(database_url: URL, role: Role, read_only: bool) -> None:
    settings = ConnectionSettings(url=database_url, role=role, read_only=read_only)
    with Database(settings) as database:
        with database.session() as session:
            assert session.execute(text("SHOW transaction_read_only")).scalar() == "on"
        with pytest.raises(DBAPIError, match="read-only transaction"):
            with database.session() as session:
                session.execute(insert(User).values(discord_id="read-only-probe"))
        # Not only the ORM: a plain connection's transaction is read-only too.
        with pytest.raises(DBAPIError, match="read-only transaction"):
            with database.connect() as connection:
                connection.execute(text("CREATE TABLE gacha.read_only_probe (id int)"))


def test_admin_profile_can_write(database: Database) -> None:
    with database.session() as session:
        assert session.execute(text("SHOW transaction_read_only")).scalar() == "off"
        session.execute(insert(User).values(discord_id="writer-probe"))


def test_schema_map_sends_the_models_to_another_schema(database_url: URL) -> None:
    with Database(ConnectionSettings(url=database_url)) as admin, admin.connect() as connection:
        connection.execute(text("CREATE SCHEMA game"))
        connection.execute(text("CREATE TABLE game.users (LIKE gacha.users INCLUDING ALL)"))
        connection.execute(text("INSERT INTO game.users (id, discord_id) VALUES (1, 'elsewhere')"))
    with Database(ConnectionSettings(url=database_url, schema_map={"gacha": "game"})) as mapped:
        with mapped.session() as session:
            assert session.execute(select(User.discord_id)).scalars().all() == ["elsewhere"]
            assert session.execute(select(func.count()).select_from(User)).scalar() == 1


def test_roles_can_be_lowered_never_raised() -> None:
    assert Role.ADMIN.lowered_to(Role.SUPPORT) is Role.SUPPORT
    with pytest.raises(PermissionError):
        Role.SUPPORT.lowered_to(Role.ADMIN)

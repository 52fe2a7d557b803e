"""data/: the engine and sessions follow the profile, and data/ stands without the UI."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError

from data.engine import ConnectionSettings, Database, PoolSettings
from data.models.gacha import GachaUser as User
from data.roles import Role

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
        assert pool._pre_ping is True  # noqa: SLF001
    with Database(ConnectionSettings(url=database_url, pool=PoolSettings(size=3, max_overflow=1))) as small:
        assert small.engine.pool.size() == 3
        assert small.engine.pool._max_overflow == 1  # noqa: SLF001


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

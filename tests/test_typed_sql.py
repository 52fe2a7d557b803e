"""SQL the user types (a grid WHERE clause, an export's --where or --query, a statement to
EXPLAIN) reaches the server one statement at a time: a text that holds several is refused
by the server itself and nothing of it runs, whatever the role."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import URL

from data import browse
from data.browse import BadFilter, View
from data.catalog import RelationRef, describe_table
from data.engine import ConnectionSettings, Database, PoolSettings, guard_typed_sql
from data.explain.runner import ExplainError, ExplainOptions, ExplainRun, single_statement
from data.export import BadQuery, export_query, export_view
from data.roles import Role
from tests.conftest import SMALL_POOL, login_settings, run_console, socket_url

PWN = "UPDATE gacha.users SET academy_name = 'PWNED' WHERE id = (SELECT min(id) FROM gacha.users)"
# Closes our parentheses, commits, writes, and opens a statement our text then completes.
WHERE_ATTACK = f"true) LIMIT 0; COMMIT; BEGIN READ WRITE; {PWN}; COMMIT; SELECT 1 FROM gacha.users WHERE (true"
QUERY_ATTACK = f"SELECT 1) AS x; COMMIT; BEGIN READ WRITE; {PWN}; COMMIT; SELECT * FROM (SELECT 1"
# Passes the explain screen's own check (its ';' hides in what looks like a string) and
# is still two statements to the server.
EXPLAIN_ATTACK = f"SELECT $a$'$a$; {PWN} --'"
SEVERAL = "one statement at a time"


def pwned(database: Database) -> int:
    with database.connect() as connection:
        return connection.execute(text("SELECT count(*) FROM gacha.users WHERE academy_name = 'PWNED'")).scalar_one()


@pytest.fixture(params=[Role.ADMIN, Role.DEVELOPER, Role.SUPPORT], ids=lambda role: role.value)
def as_role(request: Any, database_url: URL) -> Iterator[Database]:
    with Database(login_settings(database_url, request.param, pool=SMALL_POOL)) as database:
        yield database


def users(database: Database, where: str) -> View:
    return View(describe_table(database, RelationRef("gacha", "users")), where=where)


def test_a_grid_where_of_several_statements_is_refused(as_role: Database) -> None:
    with pytest.raises(BadFilter, match=f"^WHERE clause: {SEVERAL}"):
        browse.open_pager(as_role, users(as_role, WHERE_ATTACK))
    assert pwned(as_role) == 0


def test_an_export_where_of_several_statements_is_refused(as_role: Database, tmp_path: Any) -> None:
    with open(tmp_path / "out.csv", "w") as out, pytest.raises(BadFilter, match=SEVERAL):
        export_view(as_role, users(as_role, WHERE_ATTACK), out, "csv")
    assert pwned(as_role) == 0


def test_an_exported_query_of_several_statements_is_refused(as_role: Database, tmp_path: Any) -> None:
    with open(tmp_path / "out.csv", "w") as out, pytest.raises(BadQuery, match=SEVERAL):
        export_query(as_role, QUERY_ATTACK, out, "csv")
    assert pwned(as_role) == 0


def test_an_explained_statement_of_several_is_refused_by_the_server(database: Database) -> None:
    assert single_statement(EXPLAIN_ATTACK)  # the client-side check lets it through
    with pytest.raises(ExplainError, match=SEVERAL):
        ExplainRun(database).run(EXPLAIN_ATTACK, ExplainOptions(analyze=True))
    assert pwned(database) == 0


def test_a_guarded_connection_still_answers_one_statement_in_full(database: Database) -> None:
    with database.connect() as connection:
        result = guard_typed_sql(connection).exec_driver_sql(
            "SELECT g, g::text AS t FROM generate_series(1, 3) AS g WHERE g >= %(low)s", {"low": 2}
        )
        assert list(result.keys()) == ["g", "t"]
        assert result.all() == [(2, "2"), (3, "3")]
        assert connection.exec_driver_sql("SELECT 'no parameters'").scalar_one() == "no parameters"
        with pytest.raises(Exception, match="read-only transaction"):
            connection.exec_driver_sql(PWN)


def test_the_export_command_refuses_several_statements(database_url: URL, tmp_path: Any) -> None:
    with Database(ConnectionSettings(url=database_url, pool=SMALL_POOL)) as database:
        result = run_console(
            "--url",
            socket_url(database_url),
            "--role",
            "developer",
            "export",
            "gacha.users",
            "--where",
            WHERE_ATTACK,
            "--output",
            str(tmp_path / "out.csv"),
        )
        assert result.returncode == 2, result.stderr
        assert SEVERAL in result.stderr and "Traceback" not in result.stderr
        assert pwned(database) == 0


SETTINGS = ("statement_timeout", "application_name", "work_mem", "default_transaction_read_only")


def session_settings(database: Database) -> dict[str, str]:
    with database.connect() as connection:
        return {name: connection.exec_driver_sql(f"SELECT current_setting('{name}')").scalar_one() for name in SETTINGS}


@pytest.mark.parametrize("role", [Role.ADMIN, Role.DEVELOPER], ids=lambda role: role.value)
def test_settings_changed_by_typed_sql_never_reach_the_next_checkout(
    database_url: URL, role: Role, tmp_path: Any
) -> None:
    one_connection = PoolSettings(size=1, max_overflow=0)
    settings = login_settings(database_url, role, pool=one_connection, statement_timeout_ms=4000)
    with Database(settings) as database:
        before = session_settings(database)
        assert before["statement_timeout"] == "4s" and before["application_name"] == "console"
        changes = " AND ".join(
            f"set_config('{name}', '{value}', false) IS NOT NULL"
            for name, value in [
                ("statement_timeout", "0"),
                ("application_name", "pwned"),
                ("work_mem", "77kB"),
                ("default_transaction_read_only", "off"),
            ]
        )
        with browse.open_pager(database, users(database, changes)) as pager:
            assert pager.first().rows
        assert session_settings(database) == before
        with open(tmp_path / "out.csv", "w") as out:
            export_query(database, f"SELECT {changes.replace(' AND ', ', ')}", out, "csv")
        assert session_settings(database) == before
        assert database.engine.pool.checkedin() == 1  # the same connection all along, reset

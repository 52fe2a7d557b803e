"""`console migrate` on a loaded database: a target moves the system it names and nothing else.

Each README example runs as written on a fresh copy of the demo database, and the test
checks that only the named system changed (the audit log gains its one row). A typo is an
error that lists the branches; a downgrade that drops rows asks for --yes first.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import URL

from data.base import ALL_SCHEMAS
from data.engine import ConnectionSettings, Database
from data.migrate.state import revision_graph, schema_states
from tests.conftest import assert_one_line_error, run_console, socket_url

README = Path(__file__).resolve().parent.parent / "README.md"

Picture = dict[str, tuple[str, dict[str, int]]]


def picture(url: URL) -> Picture:
    """Per schema: its migration state and the exact row count of each table (the audit
    log aside: every run adds its own row there)."""
    with Database(ConnectionSettings(url=url)) as database, database.connect() as connection:
        states = {state.schema: state.state for state in schema_states(connection)}
        tables = connection.execute(
            text("SELECT schemaname, tablename FROM pg_tables WHERE schemaname = ANY(:schemas) ORDER BY 1, 2"),
            {"schemas": list(ALL_SCHEMAS)},
        ).all()
        counts: dict[str, dict[str, int]] = {schema: {} for schema in ALL_SCHEMAS}
        for schema, table in tables:
            if (schema, table) in (("console", "audit_log"), ("console", "alembic_version")):
                continue  # every run adds an audit row; the versions are the states above
            counts[schema][table] = connection.execute(text(f'SELECT count(*) FROM "{schema}"."{table}"')).scalar_one()
    return {schema: (states[schema], counts[schema]) for schema in ALL_SCHEMAS}


def migrate_audit_rows(url: URL) -> int:
    with Database(ConnectionSettings(url=url)) as database, database.connect() as connection:
        return connection.execute(
            text("SELECT count(*) FROM console.audit_log WHERE action LIKE 'migrate-%'")
        ).scalar_one()


def changed(before: Picture, after: Picture) -> set[str]:
    return {schema for schema in ALL_SCHEMAS if before[schema] != after[schema]}


def readme_examples() -> list[list[str]]:
    block = README.read_text().split("## Migrations", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    return [line.split("#", 1)[0].split()[1:] for line in block.splitlines() if line.startswith("console migrate")]


def named_system(args: list[str]) -> set[str]:
    """What an example may change: the branch its target names, or nothing for a read."""
    action = args[1]
    if action not in ("upgrade", "downgrade"):
        return set()
    target = next((arg for arg in args[2:] if not arg.startswith("--")), "heads")
    return {target.split("@", 1)[0]} if "@" in target else set(ALL_SCHEMAS)


def test_the_readme_has_the_examples_this_test_runs() -> None:
    examples = [" ".join(args) for args in readme_examples()]
    assert "migrate downgrade stories@base --yes" in examples
    assert "migrate downgrade gacha@-1 --yes" in examples
    assert len(examples) >= 7


@pytest.mark.parametrize("args", readme_examples(), ids=lambda args: " ".join(args[1:]))
def test_each_readme_example_changes_only_the_system_it_names(database_url: URL, args: list[str]) -> None:
    before = picture(database_url)
    result = run_console("--url", socket_url(database_url), *args)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    after = picture(database_url)
    moved = changed(before, after)
    assert moved <= named_system(args), (moved, result.stderr)
    if args[1] == "downgrade":
        assert moved == named_system(args)
        assert migrate_audit_rows(database_url) == 1


def test_stories_at_base_removes_stories_alone(database_url: URL) -> None:
    before = picture(database_url)
    result = run_console("--url", socket_url(database_url), "migrate", "downgrade", "stories@base", "--yes")
    assert result.returncode == 0, result.stderr
    after = picture(database_url)
    assert changed(before, after) == {"stories"}
    assert after["stories"] == ("missing", {})
    assert after["console"][0] == "at head"


def test_a_downgrade_that_drops_rows_lists_them_and_needs_yes(database_url: URL) -> None:
    before = picture(database_url)
    result = run_console("--url", socket_url(database_url), "migrate", "downgrade", "stories@base")
    assert result.returncode == 1
    nodes = before["stories"][1]["nodes"]
    assert f"stories.nodes: {nodes:,} rows" in result.stderr
    assert "--yes" in result.stderr and "Traceback" not in result.stderr
    assert picture(database_url) == before
    assert migrate_audit_rows(database_url) == 0


GACHA_REVISIONS = sum(revision_graph().branch_of(name) == "gacha" for name in revision_graph().revisions)


@pytest.mark.parametrize(
    "target, fragment",
    [
        ("nosuch@base", "unknown branch 'nosuch'"),
        ("base@base", "unknown branch 'base'"),
        ("-1", "name the branch to move, e.g. gacha@-1"),
        (f"gacha@-{GACHA_REVISIONS + 1}", f"gacha has {GACHA_REVISIONS} revision(s) applied"),
        ("deadbeef", "unknown revision 'deadbeef'"),
        ("gacha@b2f1c3d4e502", "b2f1c3d4e502 is not a gacha revision"),
        ("console@base", "depend on the console branch: downgrade them first"),
    ],
)
def test_a_target_that_names_nothing_known_is_a_usage_error(database_url: URL, target: str, fragment: str) -> None:
    before = picture(database_url)
    result = run_console("--url", socket_url(database_url), "migrate", "downgrade", target, "--yes")
    assert_one_line_error(result, fragment)
    if "unknown" in fragment:
        assert "known branches: console, heroes, accounts, metaserver, stories, gacha" in result.stderr
    assert picture(database_url) == before


def test_an_unknown_upgrade_target_is_a_usage_error(database_url: URL) -> None:
    assert_one_line_error(
        run_console("--url", socket_url(database_url), "migrate", "upgrade", "gatcha@head"),
        "unknown branch 'gatcha'",
        "known branches",
    )


def test_one_step_down_and_back_up_moves_one_revision(database_url: URL) -> None:
    url = socket_url(database_url)
    down = run_console("--url", url, "migrate", "downgrade", "gacha@-1", "--yes")
    assert down.returncode == 0, down.stderr
    states = {state: value[0] for state, value in picture(database_url).items()}
    assert states == {**{schema: "at head" for schema in ALL_SCHEMAS}, "gacha": "behind"}
    up = run_console("--url", url, "migrate", "upgrade", "gacha@+1")
    assert up.returncode == 0, up.stderr
    assert {value[0] for value in picture(database_url).values()} == {"at head"}
    assert re.search(r"gacha: ok", up.stdout)
    assert migrate_audit_rows(database_url) == 2

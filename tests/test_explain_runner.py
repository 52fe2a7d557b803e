"""Running EXPLAIN on the real server: options, the rollback, statement_timeout, cancelling,
the presets, index advice tried in a rolled-back transaction, and comparing two plans."""

from __future__ import annotations

import json
import re
import threading
import time

import pytest
from sqlalchemy import text

from data.engine import ConnectionSettings, Database
from data.explain.advice import advise_indexes
from data.explain.analysis import analyse_plan
from data.explain.compare import compare_plans
from data.explain.presets import PRESETS, fill_preset
from data.explain.runner import (
    ExplainCancelled,
    ExplainError,
    ExplainOptions,
    ExplainRun,
    StatementRefused,
    changes_data,
    explain_with_index,
    schema_lookup,
    single_statement,
)
from tests.conftest import SLOW_READING, load_readings


def scalar(database: Database, sql: str) -> object:
    with database.connect() as connection:
        return connection.execute(text(sql)).scalar()


@pytest.fixture
def readings(database: Database) -> Database:
    """60,000 rows without an index: a filter on them makes the sequential-scan warning."""
    load_readings(database)
    return database


def test_options_make_the_clause_and_wal_needs_analyze() -> None:
    assert ExplainOptions().clause() == "(ANALYZE, BUFFERS, FORMAT JSON)"
    assert ExplainOptions(analyze=False, buffers=False).clause() == "(FORMAT JSON)"
    assert (
        ExplainOptions(verbose=True, settings=True, wal=True).clause()
        == "(ANALYZE, BUFFERS, VERBOSE, SETTINGS, WAL, FORMAT JSON)"
    )
    assert ExplainOptions(analyze=False, wal=True).clause() == "(BUFFERS, FORMAT JSON)"
    assert ExplainOptions(analyze=False, buffers=False).describe() == "plan only"
    assert ExplainOptions().describe() == "ANALYZE BUFFERS"


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("  ", "nothing to explain"),
        ("-- only a comment\n", "nothing to explain"),
        ("SELECT 1; SELECT 2", "one statement at a time"),
        ("EXPLAIN SELECT 1", "without EXPLAIN"),
        ("VACUUM gacha.users", "cannot take a VACUUM"),
    ],
)
def test_statements_explain_cannot_take_are_refused_in_one_line(sql: str, message: str) -> None:
    with pytest.raises(ExplainError, match=message):
        single_statement(sql)


def test_a_semicolon_in_a_string_is_not_a_second_statement() -> None:
    assert single_statement("SELECT ';' AS s;  ") == "SELECT ';' AS s"
    assert changes_data("DELETE FROM t") and changes_data("WITH d AS (UPDATE t SET a = 1) SELECT 1")
    assert not changes_data("SELECT 'delete from t'") and not changes_data("SELECT 1 -- update")


def test_analyze_runs_the_statement_and_reports_actual_figures(shared_database: Database) -> None:
    result = ExplainRun(shared_database).run("SELECT count(*) FROM gacha.users", ExplainOptions())
    users = scalar(shared_database, "SELECT count(*) FROM gacha.users")
    assert result.analysis.analysed and result.analysis.execution_ms is not None
    scan = next(n for n in result.analysis.nodes if n.relation == "users")
    assert scan.actual_rows == users
    assert result.analysis.root.buffers.total > 0
    plan_only = ExplainRun(shared_database).run("SELECT count(*) FROM gacha.users", ExplainOptions(analyze=False))
    assert not plan_only.analysis.analysed and plan_only.analysis.root.actual_rows is None


def test_analyze_of_a_delete_is_rolled_back(shared_database: Database) -> None:
    before = scalar(shared_database, "SELECT count(*) FROM gacha.currency_ledger")
    result = ExplainRun(shared_database).run("DELETE FROM gacha.currency_ledger", ExplainOptions())
    assert result.changes_data
    assert result.analysis.root.node_type == "ModifyTable"
    assert scalar(shared_database, "SELECT count(*) FROM gacha.currency_ledger") == before > 0


def test_statement_timeout_stops_a_long_statement(shared_database: Database) -> None:
    with pytest.raises(ExplainCancelled, match=r"statement_timeout \(200 ms\)"):
        ExplainRun(shared_database).run("SELECT pg_sleep(5)", ExplainOptions(timeout_ms=200))


@pytest.mark.parametrize("wait_for", ["nothing", "the connection", "the statement"])
def test_cancel_from_another_thread_ends_the_run_whenever_it_comes(shared_database: Database, wait_for: str) -> None:
    """A cancel right after the start, once the run holds its connection (between its
    statements, where a server cancel alone would be forgotten) or while the statement
    runs: each ends the run within seconds, never after the statement's 30 s."""
    run = ExplainRun(shared_database)
    outcome: list[BaseException] = []

    def explain() -> None:
        try:
            run.run("SELECT pg_sleep(30)", ExplainOptions())
        except ExplainError as error:
            outcome.append(error)

    worker = threading.Thread(target=explain)
    started = time.monotonic()
    worker.start()
    if wait_for == "the connection":
        while run._driver is None and worker.is_alive():
            time.sleep(0.001)
    elif wait_for == "the statement":
        while not scalar(shared_database, "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'EXPLAIN%pg_sleep%'"):
            time.sleep(0.02)
    run.cancel()
    worker.join(10)
    assert not worker.is_alive() and time.monotonic() - started < 10
    assert isinstance(outcome[0], ExplainCancelled) and "cancelled" in str(outcome[0])
    # The connection went back to the pool clean: the next run works.
    assert ExplainRun(shared_database).run("SELECT 1", ExplainOptions()).analysis.analysed


def test_a_read_only_session_cannot_analyze_a_write(shared_database: Database) -> None:
    settings = ConnectionSettings(url=shared_database.settings.url, read_only=True)
    with Database(settings) as read_only:
        with pytest.raises(ExplainError, match="read-only transaction"):
            ExplainRun(read_only).run("DELETE FROM gacha.currency_ledger", ExplainOptions())
        # A plan without ANALYZE does not execute, so it is allowed.
        assert ExplainRun(read_only).run("DELETE FROM gacha.currency_ledger", ExplainOptions(analyze=False))


def test_a_failing_statement_is_one_line(shared_database: Database) -> None:
    with pytest.raises(ExplainError, match='relation "gacha.nope" does not exist') as caught:
        ExplainRun(shared_database).run("SELECT * FROM gacha.nope", ExplainOptions())
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("preset", PRESETS, ids=[p.title for p in PRESETS])
def test_every_preset_fills_from_the_demo_data_and_explains(shared_database: Database, preset) -> None:
    sql = fill_preset(preset, shared_database)
    assert not re.search(r"(?<![:\w]):[a-z_]+", sql) and "= NULL" not in sql
    result = ExplainRun(shared_database).run(sql, ExplainOptions())
    assert result.analysis.nodes
    returned = result.analysis.root.actual_rows
    if preset.title not in ("Import status", "Grant currency (rolled back)"):
        assert returned, f"{preset.title} found no rows in the demo data"


def test_advice_names_the_index_and_trying_it_changes_the_plan(readings: Database) -> None:
    run = ExplainRun(readings)
    before = run.run(SLOW_READING, ExplainOptions()).with_label("before")
    scan = next(n for n in before.analysis.nodes if n.relation == "readings")
    assert scan.node_type == "Seq Scan" and any(w.kind == "seq_scan_filter" for w in scan.warnings)

    advice = advise_indexes(before.analysis, schema_lookup(readings))
    assert [a.sql for a in advice] == ["CREATE INDEX ON public.readings (sensor, kind)"]
    assert "discarded" in advice[0].why

    after = explain_with_index(run, before, advice[0].sql)
    kinds = {n.node_type for n in after.analysis.nodes if n.relation == "readings" or n.index}
    assert kinds & {"Index Scan", "Bitmap Heap Scan", "Bitmap Index Scan"}
    assert after.label == "before + CREATE INDEX ON public.readings (sensor, kind)"
    # The index lived only inside the rolled-back transaction.
    assert scalar(readings, "SELECT count(*) FROM pg_indexes WHERE tablename = 'readings'") == 0

    comparison = compare_plans(before.analysis, after.analysis)
    assert comparison.pairs[0].left is before.analysis.root and comparison.pairs[0].right is after.analysis.root
    statuses = {pair.status for pair in comparison.pairs}
    assert "changed" in statuses or "added" in statuses
    assert comparison.total_change_ms is not None and comparison.total_change_ms < 0


def test_a_range_column_follows_the_equalities(readings: Database) -> None:
    sql = "SELECT * FROM public.readings WHERE id > 100 AND sensor = 7"
    result = ExplainRun(readings).run(sql, ExplainOptions())
    advice = advise_indexes(result.analysis, schema_lookup(readings))
    assert [a.columns for a in advice] == [("sensor", "id")]


def _warned_scan(condition: str, alias: str = "n") -> dict:
    """A plan whose one Seq Scan read 50,000 rows and kept 10: it warns."""
    return {
        "Plan": {
            "Node Type": "Seq Scan",
            "Relation Name": "nodes",
            "Alias": alias,
            "Filter": condition,
            "Startup Cost": 0,
            "Total Cost": 900,
            "Plan Rows": 10,
            "Actual Rows": 10,
            "Actual Loops": 1,
            "Actual Total Time": 12.0,
            "Rows Removed by Filter": 49_990,
        },
        "Execution Time": 12.5,
    }


@pytest.mark.parametrize(
    ("condition", "index"),
    [
        ("((metadata ->> 'author'::text) = 'Ann'::text)", "CREATE INDEX ON stories.nodes ((metadata ->> 'author'))"),
        (
            "((n.story_id = 3) AND (n.created_at >= '2026-01-01'::date) AND ((n.node_type)::text = 'scene'::text))",
            "CREATE INDEX ON stories.nodes (story_id, node_type, created_at)",
        ),
        ("(10 < n.story_id)", "CREATE INDEX ON stories.nodes (story_id)"),
        ('(metadata @> \'{"mood": "grim"}\'::jsonb)', "CREATE INDEX ON stories.nodes USING gin (metadata)"),
        ("((story_id = 3) OR (parent_id = 4))", None),
        ("(n.parent_id = n.id)", None),
        ("(lower(content) = 'x'::text)", None),
    ],
)
def test_advice_from_the_conditions_postgresql_prints(condition: str, index: str | None) -> None:
    advice = advise_indexes(analyse_plan(_warned_scan(condition)), lambda name: "stories")
    assert [a.sql for a in advice] == ([index] if index else [])


def test_no_advice_when_the_schema_cannot_be_told() -> None:
    assert advise_indexes(analyse_plan(_warned_scan("(story_id = 3)")), lambda name: None) == []


def test_the_explain_command_prints_the_analysed_plan(shared_database: Database, shared_url) -> None:
    """`console explain` runs EXPLAIN ANALYZE, rolled back, and prints the annotated tree;
    --json gives the same analysis to a script."""
    from tests.conftest import run_console, socket_url

    url = socket_url(shared_url)
    shown = run_console("--url", url, "explain", "SELECT * FROM gacha.users WHERE id < 10")
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith("planning ") and " on users" in shown.stdout
    before = _ledger_rows(shared_database)
    as_json = run_console("--url", url, "--json", "explain", "DELETE FROM gacha.currency_ledger")
    assert as_json.returncode == 0, as_json.stderr
    analysis = json.loads(as_json.stdout)
    assert analysis["rolled_back"] is True and analysis["nodes"][0]["node_type"] == "ModifyTable"
    assert _ledger_rows(shared_database) == before  # ANALYZE of a DELETE is rolled back


def _ledger_rows(shared_database: Database) -> int:
    with shared_database.connect() as connection:
        return connection.execute(text("SELECT count(*) FROM gacha.currency_ledger")).scalar_one()


def test_a_percent_sign_and_dollar_parameters_are_explained(shared_database: Database) -> None:
    """A LIKE pattern's % is the statement's, not the driver's; $1 placeholders (as
    pg_stat_statements shows a statement) give the generic plan, without ANALYZE."""
    liked = ExplainRun(shared_database).run("SELECT * FROM gacha.users WHERE academy_name LIKE 'A%'", ExplainOptions())
    assert liked.analysis.analysed and "Filter" in json.dumps(liked.document)
    generic = ExplainRun(shared_database).run(
        "SELECT * FROM gacha.users WHERE id = $1 AND academy_name <> '$9' OR id = $2", ExplainOptions()
    )
    assert generic.options is not None and generic.options.generic_plan and not generic.options.analyze
    assert generic.options.describe() == "BUFFERS generic plan" and not generic.analysis.analysed
    assert "$1" in json.dumps(generic.document) and "$2" in json.dumps(generic.document)
    with pytest.raises(StatementRefused, match="could not determine data type of parameter"):
        ExplainRun(shared_database).run("SELECT $1 IS NULL", ExplainOptions())

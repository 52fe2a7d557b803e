"""Bad input on the command line and in the data layer: one line, exit 2, nothing written.

Each case is what a new user typed (issue: bad input, configuration and signals); the
values are refused before they reach the server, by the rules of data/inputs.py that the
screens use too.
"""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
from sqlalchemy.engine import URL

from data import inputs, stories
from data.browse import View, open_pager
from data.catalog import RelationRef, describe_table
from data.engine import Database
from data.imports.common import history as import_history
from data.stats import actions
from data.support import currency, giftcodes, metaserver, players
from tests.conftest import ROOT, assert_one_line_error, run_console, run_console_here, socket_url

NOT_UTF8 = "\udcff\udcfe"  # what Python makes of the bytes 0xff 0xfe in an argument


def counts(database: Database) -> tuple[int, ...]:
    with database.connect() as connection:
        return tuple(
            connection.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar_one()
            for table in (
                "gacha.currency_ledger",
                "gacha.gift_codes",
                "gacha.gift_code_redemptions",
                "console.audit_log",
            )
        )


@pytest.mark.parametrize(
    "args, fragment",
    [
        (("grant", "69", "5", "quartzs", "--reason", NOT_UTF8), "--reason is not valid UTF-8"),
        (("giftcode", "create", NOT_UTF8, "--reward", "quartzs:5"), "CODE is not valid UTF-8"),
        (("redeem", NOT_UTF8, "69"), "CODE is not valid UTF-8"),
        (("grant", "1099511627776", "5", "quartzs", "--reason", "x"), "USER_ID must be from 1 to 2,147,483,647"),
        (
            ("grant", "1", "１２", "quartzs", "--reason", "x"),
            "AMOUNT must be a whole number written with the digits 0-9",
        ),
        (("grant", "1", "1_000", "quartzs", "--reason", "x"), "AMOUNT must be a whole number"),
        (("grant", "1", "1,000", "quartzs", "--reason", "x"), "AMOUNT must be a whole number"),
        (("grant", "1", "5", "quartzs", "--reason", "x" * 501), "the reason is 501 characters long; at most 500"),
        (
            ("giftcode", "create", "C" * 3000, "--reward", "quartzs:5"),
            "the gift code is 3,000 characters long; at most 64",
        ),
        (("redeem", "C" * 65, "1"), "at most 64"),
        (("giftcode", "create", "X", "--reward", "quartzs:5", "--limit", "0"), "usage limit must be -1 (unlimited) or"),
        (("giftcode", "create", "X", "--reward", "quartzs:5", "--expires", "soon"), "--expires must be an ISO date"),
        (("stats", "--interval", "inf"), "--interval: must be from 0 to 3600 seconds"),
        (("stats", "--interval", "nan"), "--interval: must be from 0 to 3600 seconds"),
        (("stats", "--interval", "-1"), "--interval: must be from 0 to 3600 seconds"),
        (("stats", "--interval", "1e9"), "--interval: must be from 0 to 3600 seconds"),
        (("explain", "select 1", "--timeout", "inf"), "--timeout: must be from 0.001 to 86400 seconds"),
        (("import", "i12", "powers.json", "--resume-from", "１２"), "--resume-from: must be a whole number written"),
        (("import", "i12", "powers.json", "--batch-size", "1_000"), "--batch-size: must be a whole number written"),
        (("demo", "--scale", "0"), "--scale: must be from 1 to"),
        # Values the server refuses as data (SQLSTATE class 22) name the argument they came from.
        (("export", "--query", "select 1/0"), "--query: division by zero"),
        (("explain", "select 1/0"), "SQL: division by zero"),
        (("export", "--query", "select 32767::int2 + 1::int2"), "--query: smallint out of range"),
        (
            ("export", "gacha.users", "--where", "id = 'abc'"),
            'WHERE clause: invalid input syntax for type integer: "abc"',
        ),
        (
            ("export", "gacha.users", "--filter", "id = 1.5"),
            'filter on id: invalid input syntax for type integer: "1.5"',
        ),
    ],
)
def test_the_command_line_refuses_bad_input_in_one_line(
    shared_url: URL, shared_database: Database, capsys: pytest.CaptureFixture[str], args: tuple[str, ...], fragment: str
) -> None:
    # In this process: arguments that are not UTF-8 arrive as Python decodes them from argv
    # (lone surrogates); the tests below run the console as a user does.
    before = counts(shared_database)
    assert_one_line_error(run_console_here(capsys, "--url", socket_url(shared_url), *args), fragment)
    assert counts(shared_database) == before


def test_a_url_that_is_not_utf8_is_one_line() -> None:
    assert_one_line_error(run_console("--url", f"postgresql://{NOT_UTF8}@/x", "stats"), "--url is not valid UTF-8")


def test_a_closed_output_pipe_ends_quietly(shared_url: URL) -> None:
    command = [sys.executable, "-m", "console", "--url", socket_url(shared_url), "migrate", "history"]
    with subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL
    ) as process:
        assert process.stdout is not None and process.stderr is not None
        process.stdout.close()  # the reader is gone before the first line, as with `| head -0`
        errors = process.stderr.read().decode()
        code = process.wait(timeout=120)
    assert code == 141 and errors == "", errors


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda db: currency.grant(db, 1.5, "quartzs", 5, "x"), "the player id must be a whole number, not 1.5"),
        (lambda db: currency.grant(db, True, "quartzs", 5, "x"), "the player id must be a whole number, not True"),
        (lambda db: currency.grant(db, 2**31, "quartzs", 5, "x"), "the player id must be from 1 to 2,147,483,647"),
        (lambda db: currency.grant(db, 1, "quartzs", 5, "a\x00b"), "the reason must not contain a NUL"),
        (lambda db: currency.grant(db, 1, "quartzs", 5, "x" * 10**6), "at most 500"),
        (lambda db: giftcodes.redeem(db, "WELCOME", 1.5), "the player id must be a whole number, not 1.5"),
        (lambda db: giftcodes.redeem(db, "W\x00", 1), "must not contain a NUL"),
        (
            lambda db: giftcodes.create_code(db, "ZERO", "quartzs", 5, usage_limit=0, reason="a test code"),
            "usage limit must be -1",
        ),
        (lambda db: giftcodes.create_code(db, "C" * 65, "quartzs", 5, reason="a test code"), "at most 64"),
        (lambda db: players.player_profile(db, 1.5), "the player id must be a whole number, not 1.5"),
        (lambda db: players.find_players(db, "a", limit=1.5), "the limit must be a whole number, not 1.5"),
        (lambda db: metaserver.user_sessions(db, 1.5), "the player id must be a whole number, not 1.5"),
        (lambda db: metaserver.find_meta_users(db, "a", limit=0), "the limit must be from 1"),
        (lambda db: actions.cancel_backend(db, 1.5), "the backend's pid must be a whole number, not 1.5"),
        (lambda db: actions.terminate_backend(db, True), "the backend's pid must be a whole number, not True"),
        (lambda db: import_history(db, limit=2.0), "the limit must be a whole number, not 2.0"),
        (lambda db: stories.list_stories(db, limit=-1), "the limit must be from 1"),
        (
            lambda db: open_pager(db, View(describe_table(db, RelationRef("gacha", "users"))), page_size=0.5),
            "the page size must be a whole number, not 0.5",
        ),
    ],
)
def test_the_data_layer_checks_its_arguments(shared_database: Database, call: Any, message: str) -> None:
    before = counts(shared_database)
    with pytest.raises(inputs.BadInput) as refused:
        call(shared_database)
    assert message in str(refused.value) and "\n" not in str(refused.value)
    assert counts(shared_database) == before


@pytest.mark.parametrize("text, expected", [("12", 12), (" -7 ", -7), ("+3", 3)])
def test_whole_numbers_as_typed(text: str, expected: int) -> None:
    assert inputs.whole_number(text, "N") == expected


def test_a_time_without_a_zone_is_utc() -> None:
    assert inputs.moment("2026-12-31T23:59", "--expires").isoformat() == "2026-12-31T23:59:00+00:00"
    assert inputs.moment("2026-12-31T23:59Z", "--expires").isoformat() == "2026-12-31T23:59:00+00:00"


@pytest.mark.parametrize(
    "statement, constraint",
    [
        (
            f"INSERT INTO gacha.gift_codes (code, reward_type, reward_value) VALUES ('{'C' * 65}', 'quartzs', 5)",
            "ck_gift_codes_code_length",
        ),
        (
            "INSERT INTO gacha.gift_codes (code, reward_type, reward_value, usage_limit) VALUES ('ZERO', 'quartzs', 5, 0)",
            "ck_gift_codes_usage_limit_not_zero",
        ),
        (
            "INSERT INTO gacha.currency_ledger (user_id, currency, delta, balance_after, reason, operator)"
            f" SELECT id, 'quartzs', 1, quartzs + 1, '{'r' * 501}', 'x' FROM gacha.users ORDER BY id LIMIT 1",
            "ck_currency_ledger_reason_length",
        ),
        (
            "INSERT INTO console.audit_log (operator, role, action, schema_name, table_name, reason)"
            f" VALUES ('x', 'admin', 'test', 'gacha', 'users', '{'r' * 501}')",
            "ck_audit_log_reason_length",
        ),
    ],
)
def test_the_database_holds_the_same_limits(shared_database: Database, statement: str, constraint: str) -> None:
    """The CHECKs a migration added refuse what the rules refuse, whoever writes."""
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError, match=constraint), shared_database.connect() as connection:
        connection.exec_driver_sql(statement)


# ---- the configuration ----------------------------------------------------------------


def test_a_config_file_that_is_named_must_exist(tmp_path: Any) -> None:
    missing = tmp_path / "missing.toml"
    assert_one_line_error(run_console("--config", str(missing), "migrate", "current"), "no such config file")
    assert_one_line_error(
        run_console("migrate", "current", env={"CONSOLE_CONFIG": str(missing)}), "no such config file"
    )


def test_an_empty_url_is_refused(tmp_path: Any) -> None:
    assert_one_line_error(run_console("--url", "", "migrate", "current"), "--url is empty")
    assert_one_line_error(run_console("migrate", "current", env={"DATABASE_URL": ""}), "DATABASE_URL is set but empty")


@pytest.mark.parametrize(
    "keys, message",
    [
        ('"nope.nothing" = "x"', "keys.nope.nothing: no binding has this id"),
        ('"app.quit" = "5"', "keys.app.quit: '5' is already the key of app.screen.migrations"),
    ],
)
def test_a_keymap_that_would_lose_a_key_is_refused(shared_url: URL, tmp_path: Any, keys: str, message: str) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f"[keys]\n{keys}\n")
    # Checked when the console starts its screens, before anything is drawn.
    assert_one_line_error(run_console("--config", str(config), "--url", socket_url(shared_url)), message)


def test_a_keymap_may_rebind_a_key_to_the_same_action(shared_database: Database) -> None:
    from console.app import ConsoleApp

    app = ConsoleApp(shared_database, keymap={"app.quit": "ctrl+q", "home.refresh": "f5"})
    assert app is not None


def test_the_planner_store_refuses_an_id_that_is_not_one(shared_database: Database) -> None:
    from data.planner import store

    for call in (lambda: store.load_build(shared_database, 1.5), lambda: store.delete_build(shared_database, True)):
        with pytest.raises(inputs.BadInput, match="the build id must be a whole number"):
            call()  # type: ignore[arg-type]


def test_the_stories_functions_refuse_an_id_that_is_not_a_uuid(shared_database: Database) -> None:
    from data import stories

    node = "00000000-0000-0000-0000-000000000001"  # its text, not the UUID
    for call in (
        lambda: stories.node_children(shared_database, node),
        lambda: stories.ancestors(shared_database, node),
        lambda: stories.subtree(shared_database, node),
        lambda: stories.similar_nodes(shared_database, node),
        lambda: stories.story_roots(shared_database, node),
    ):
        with pytest.raises(inputs.BadInput, match="must be a UUID"):
            call()  # type: ignore[arg-type]

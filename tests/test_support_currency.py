"""Grants and deductions: balance, ledger and audit row in one transaction; every refusal."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Connection, text
from sqlalchemy.engine import URL

from console.config import ConfigError, load_config
from data.engine import ConnectionSettings, Database
from data.inputs import ReasonRequired
from data.roles import Role
from data.support import currency
from data.support.currency import (
    DEFAULT_MAX_GRANT,
    BadAmount,
    BalanceTooLarge,
    GrantLimitExceeded,
    InsufficientBalance,
    PlayerNotFound,
    UnknownCurrency,
    credit,
    deduct,
    grant,
)
from tests.conftest import (
    SMALL_POOL,
    assert_one_line_error,
    assert_refused,
    protocol_trace,
    round_trips,
    run_console,
    run_console_here,
    socket_url,
)

MISMATCHES = """
SELECT u.id, c.currency, c.balance, coalesce(l.total, 0) AS ledger
  FROM gacha.users u
 CROSS JOIN LATERAL (VALUES ('sakura_crystals', u.sakura_crystals), ('quartzs', u.quartzs),
                            ('daphine', u.daphine)) AS c(currency, balance)
  LEFT JOIN (SELECT user_id, currency, sum(delta) AS total FROM gacha.currency_ledger
              GROUP BY user_id, currency) l ON l.user_id = u.id AND l.currency = c.currency
 WHERE c.balance <> coalesce(l.total, 0)
"""


def desk(url: URL, role: Role = Role.SUPPORT, **settings: object) -> Database:
    return Database(ConnectionSettings(url=url, role=role, pool=SMALL_POOL, operator="alice", **settings))  # type: ignore[arg-type]


@pytest.fixture
def support(database_url: URL) -> Iterator[Database]:
    with desk(database_url, max_grant=1000) as db:
        yield db


def scalar(database: Database, sql: str, **params: object) -> object:
    with database.connect() as connection:
        return connection.execute(text(sql), params).scalar()


def counts(database: Database) -> tuple[object, ...]:
    with database.connect() as connection:
        return tuple(
            connection.execute(
                text(
                    "SELECT (SELECT count(*) FROM gacha.currency_ledger), (SELECT count(*) FROM console.audit_log),"
                    " (SELECT sum(quartzs) + sum(sakura_crystals) + sum(daphine) FROM gacha.users)"
                )
            ).one()
        )


def test_a_grant_writes_balance_ledger_and_audit(support: Database, database: Database) -> None:
    before = scalar(database, "SELECT quartzs FROM gacha.users WHERE id = 5")
    entry = grant(support, 5, "quartzs", 250, "  Goodwill: ticket #42 ")
    assert (entry.user_id, entry.currency, entry.delta, entry.balance_after) == (5, "quartzs", 250, before + 250)
    assert (entry.reason, entry.operator) == ("Goodwill: ticket #42", "alice")
    assert scalar(database, "SELECT quartzs FROM gacha.users WHERE id = 5") == before + 250
    with database.connect() as connection:
        ledger = connection.execute(text("SELECT * FROM gacha.currency_ledger WHERE id = :id"), {"id": entry.id}).one()
        audit = connection.execute(text("SELECT * FROM console.audit_log ORDER BY id DESC LIMIT 1")).one()
    assert (ledger.user_id, ledger.delta, ledger.balance_after, ledger.operator) == (5, 250, before + 250, "alice")
    assert ledger.created_at == entry.created_at
    assert (audit.operator, audit.role, audit.action, audit.schema_name, audit.table_name) == (
        "alice",
        "support",
        "grant",
        "gacha",
        "users",
    )
    assert audit.primary_key == {"id": 5}
    assert (audit.before, audit.after, audit.reason) == (
        {"quartzs": before},
        {"quartzs": before + 250},
        "Goodwill: ticket #42",
    )


def test_a_deduction_is_a_negative_grant(support: Database, database: Database) -> None:
    before = scalar(database, "SELECT sakura_crystals FROM gacha.users WHERE id = 9")
    assert before >= 20
    first = grant(support, 9, "sakura_crystals", -10, "Reversal: double credit")
    second = deduct(support, 9, "sakura_crystals", 10, "Reversal: double credit")
    assert (first.delta, first.balance_after, second.delta, second.balance_after) == (
        -10,
        before - 10,
        -10,
        before - 20,
    )
    actions = scalar(database, "SELECT string_agg(action, ',' ORDER BY id) FROM console.audit_log")
    assert actions == "deduct,deduct"
    with pytest.raises(BadAmount, match="positive amount"):
        deduct(support, 9, "sakura_crystals", -5, "x")


def test_a_balance_never_goes_below_zero_and_nothing_is_written(support: Database, database: Database) -> None:
    balance = scalar(database, "SELECT daphine FROM gacha.users WHERE id = 3")
    before = counts(database)
    with pytest.raises(InsufficientBalance) as refused:
        grant(support, 3, "daphine", -(balance + 1), "Clawback")
    assert f"has {balance:,} daphine" in str(refused.value) and "below zero" in str(refused.value)
    assert refused.value.title == "Insufficient balance"
    assert counts(database) == before
    # Down to exactly zero is allowed.
    if balance:
        assert grant(support, 3, "daphine", -balance, "Clawback").balance_after == 0


@pytest.mark.parametrize(
    ("currency_", "amount", "reason", "error", "message"),
    [
        ("quartzs", 10, "   ", ReasonRequired, "reason is required"),
        ("quartzs", 10, "", ReasonRequired, "reason is required"),
        ("quartzs", 0, "why", BadAmount, "must not be zero"),
        ("gold", 10, "why", UnknownCurrency, "unknown currency 'gold'"),
        ("quartzs", 2**31, "why", BadAmount, "at most"),
    ],
)
def test_bad_requests_are_refused_before_anything_runs(
    support: Database, database: Database, currency_: str, amount: int, reason: str, error: type, message: str
) -> None:
    before = counts(database)
    with pytest.raises(error, match=message):
        grant(support, 1, currency_, amount, reason)
    assert counts(database) == before


def test_an_unknown_player(support: Database) -> None:
    with pytest.raises(PlayerNotFound, match="no gacha player with id 999999") as refused:
        grant(support, 999_999, "quartzs", 5, "why")
    assert refused.value.title == "Player not found"


def test_the_support_role_is_bounded_by_max_grant(database_url: URL, support: Database, database: Database) -> None:
    before = counts(database)
    with pytest.raises(
        GrantLimitExceeded, match=r"1,001 quartzs is over this profile's limit of 1,000.*admin"
    ) as refused:
        grant(support, 4, "quartzs", 1001, "Compensation")
    assert isinstance(refused.value, PermissionError)
    assert counts(database) == before
    assert grant(support, 4, "quartzs", 1000, "Compensation").delta == 1000
    # Deductions are bounded by the balance, not by the limit.
    assert grant(support, 4, "quartzs", -1000, "Reversal").delta == -1000
    with desk(database_url, Role.ADMIN, max_grant=1000) as admin:
        assert grant(admin, 4, "quartzs", 50_000, "Tournament prize").balance_after >= 50_000
    # A profile without max_grant still bounds the support role.
    with desk(database_url) as unset:
        assert currency.grant_limit(unset.settings) == DEFAULT_MAX_GRANT
        with pytest.raises(GrantLimitExceeded, match=f"limit of {DEFAULT_MAX_GRANT:,}"):
            grant(unset, 4, "quartzs", DEFAULT_MAX_GRANT + 1, "Compensation")


def test_developers_and_read_only_profiles_cannot_grant(database_url: URL, database: Database) -> None:
    before = counts(database)
    with desk(database_url, Role.DEVELOPER) as developer:
        with pytest.raises(PermissionError, match="developer role cannot use the support desk"):
            grant(developer, 1, "quartzs", 5, "why")
    with desk(database_url, Role.ADMIN, read_only=True) as read_only:
        with pytest.raises(PermissionError, match="read-only"):
            grant(read_only, 1, "quartzs", 5, "why")
    assert counts(database) == before


def test_a_balance_that_would_overflow_is_refused(support: Database, database: Database) -> None:
    with database.connect() as connection:
        connection.execute(text("UPDATE gacha.users SET quartzs = 2147483000 WHERE id = 2"))
    with pytest.raises(BalanceTooLarge, match="largest balance"):
        grant(support, 2, "quartzs", 1000, "why")


def test_a_grant_is_one_message_and_only_a_refusal_looks_again(
    support: Database, database: Database, tmp_path: Path
) -> None:
    """libpq's protocol trace: a grant and a deduction are each one simple-protocol message
    holding BEGIN, the statement and COMMIT (one round trip, the player's row locked for
    the server's work alone); a deduction the balance cannot pay looks again under the lock
    to say why, and writes nothing."""
    balance = scalar(database, "SELECT quartzs FROM gacha.users WHERE id = 4")
    assert isinstance(balance, int)
    with protocol_trace(support, tmp_path / "trace") as sent:
        grant(support, 4, "quartzs", 7, "Compensation")
        deduct(support, 4, "quartzs", 2, "Clawback")
        paid = sent()
        before = counts(database)
        with pytest.raises(InsufficientBalance):
            deduct(support, 4, "quartzs", balance + 6, "Too much")
        refused = sent()[len(paid) :]
    assert round_trips(paid) == 2
    queries = [text.strip().strip('"') for way, kind, text in paid if way == "F"]
    assert len(queries) == 2 and all(q.startswith("BEGIN READ WRITE; ") and q.endswith("; COMMIT") for q in queries)
    assert "PREPARE" in queries[0] and queries[1].startswith("BEGIN READ WRITE; EXECUTE "), queries
    assert round_trips(refused) > 1 and counts(database) == before
    assert scalar(database, "SELECT quartzs FROM gacha.users WHERE id = 4") == balance + 5


def test_credit_belongs_to_the_callers_transaction(support: Database, database: Database) -> None:
    before = counts(database)
    with pytest.raises(RuntimeError, match="later step failed"):
        with support.connect_for_desk_action() as connection:
            entry = credit(connection, support.settings, 6, "quartzs", 40, "Part of something larger", action="redeem")
            assert entry.delta == 40
            raise RuntimeError("a later step failed")
    assert counts(database) == before


def mismatches(connection: Connection) -> list[object]:
    return list(connection.execute(text(MISMATCHES)).all())


def test_the_ledger_sums_to_the_balances(database_url: URL, support: Database, database: Database) -> None:
    with database.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM gacha.currency_ledger")).scalar() > 1000
        assert mismatches(connection) == []  # the demo data's ledger
    with desk(database_url, Role.ADMIN) as admin:
        for step, (user, currency_, amount) in enumerate(
            [
                (1, "quartzs", 300),
                (1, "quartzs", -120),
                (2, "daphine", 7),
                (1, "sakura_crystals", 5000),
                (2, "daphine", -7),
                (3, "quartzs", 999),
                (1, "quartzs", -1),
            ]
        ):
            grant(admin if abs(amount) > 1000 else support, user, currency_, amount, f"step {step}")
        with pytest.raises(InsufficientBalance):
            grant(support, 2, "daphine", -(10**6), "too much")
    with database.connect() as connection:
        assert mismatches(connection) == []
        changed = connection.execute(
            text("SELECT count(*) FROM gacha.currency_ledger WHERE reason LIKE 'step %'")
        ).scalar()
    assert changed == 7


# The command line: the same function, one-line refusals, meaningful exit codes.


def test_console_grant_and_deduct(database_url: URL, database: Database) -> None:
    url = socket_url(database_url)
    before = scalar(database, "SELECT quartzs FROM gacha.users WHERE id = 8")
    done = run_console("--url", url, "--json", "grant", "8", "1500", "quartzs", "--reason", "Tournament prize")
    assert done.returncode == 0, done.stderr
    entry = json.loads(done.stdout)
    assert (entry["user_id"], entry["delta"], entry["balance_after"]) == (8, 1500, before + 1500)
    # A negative amount deducts; the human output says so.
    done = run_console("--url", url, "--role", "support", "grant", "8", "-500", "quartzs", "--reason", "Reversal")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"deducted 500 quartzs from player 8: balance {before + 1000:,}")
    assert scalar(database, "SELECT quartzs FROM gacha.users WHERE id = 8") == before + 1000
    assert (
        scalar(database, "SELECT string_agg(role || ':' || action, ',' ORDER BY id) FROM console.audit_log")
        == "admin:grant,support:deduct"
    )


def test_console_grant_refusals(database_url: URL, database: Database, capsys: pytest.CaptureFixture[str]) -> None:
    url = socket_url(database_url)
    before = counts(database)
    # The first as a user runs it; the others in this process (run_console_here).
    assert_refused(
        run_console("--url", url, "grant", "8", "-99999999", "quartzs", "--reason", "x"), 1, "below zero", "quartzs"
    )
    assert_refused(run_console_here(capsys, "--url", url, "grant", "8", "5", "quartzs"), 2, "reason is required")
    assert_refused(
        run_console_here(capsys, "--url", url, "grant", "8", "0", "quartzs", "--reason", "x"), 2, "must not be zero"
    )
    assert_refused(
        run_console_here(capsys, "--url", url, "grant", "8", "ten", "quartzs", "--reason", "x"),
        2,
        "AMOUNT must be a whole number written with the digits 0-9, not 'ten'",
    )
    assert_refused(
        run_console_here(capsys, "--url", url, "grant", "8", "5", "gold", "--reason", "x"), 2, "unknown currency 'gold'"
    )
    assert_refused(
        run_console_here(capsys, "--url", url, "grant", "424242", "5", "quartzs", "--reason", "x"),
        1,
        "no gacha player with id 424242",
    )
    assert_refused(
        run_console_here(capsys, "--url", url, "--role", "support", "grant", "8", "10001", "quartzs", "--reason", "x"),
        1,
        "limit of 10,000",
        "admin role",
    )
    assert_refused(
        run_console_here(capsys, "--url", url, "--role", "developer", "grant", "8", "5", "quartzs", "--reason", "x"),
        1,
        "developer role cannot use the support desk",
    )
    assert_refused(
        run_console_here(capsys, "--url", url, "--read-only", "grant", "8", "5", "quartzs", "--reason", "x"),
        1,
        "read-only",
    )
    assert counts(database) == before


def test_console_max_grant_comes_from_the_profile(tmp_path: Path, database_url: URL) -> None:
    config = tmp_path / "config.toml"
    login = socket_url(database_url.set(username=Role.SUPPORT.login))
    config.write_text(f'[profiles.desk]\nurl = "{login}"\nrole = "support"\nmax_grant = 100\n')
    base = ("--config", str(config), "--profile", "desk", "grant", "8")
    assert_refused(
        run_console(*base, "101", "daphine", "--reason", "x"), 1, "101 daphine is over this profile's limit of 100"
    )
    assert run_console(*base, "100", "daphine", "--reason", "x").returncode == 0
    for bad in ("0", "-5", "true", '"lots"', "2.5"):
        config.write_text(f'[profiles.desk]\nurl = "{socket_url(database_url)}"\nmax_grant = {bad}\n')
        with pytest.raises(ConfigError, match="profiles.desk.max_grant: expected int"):
            load_config(config)
    assert_one_line_error(run_console(*base, "5", "daphine", "--reason", "x"), "max_grant")

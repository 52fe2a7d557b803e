"""Gift codes: create (unique regardless of case, even concurrently), list, (de)activate, and
every redemption rule, with the reward credited through the ledger."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import URL

from data import migration_plan
from data.engine import ConnectionSettings, Database, PoolSettings, connect_arguments, guard_typed_sql
from data.inputs import BadInput
from data.migrate.run import run_migration
from data.roles import Role
from data.support.currency import BalanceTooLarge, GrantLimitExceeded
from data.support.giftcodes import (
    AlreadyRedeemed,
    CodeExists,
    CodeExpired,
    CodeInactive,
    CodeNotFound,
    CodeUsedUp,
    InvalidGiftCode,
    activate_code,
    code_info,
    create_code,
    deactivate_code,
    list_codes,
    redeem,
)
from data.support.players import PlayerNotFound
from tests.conftest import (
    SMALL_POOL,
    assert_refused,
    login_settings,
    protocol_trace,
    round_trips,
    run_console,
    run_console_here,
    socket_url,
    wait_for_lock_waiter,
)


@pytest.fixture
def support(database_url: URL) -> Iterator[Database]:
    with Database(login_settings(database_url, Role.SUPPORT, pool=SMALL_POOL, operator="ren", max_grant=5000)) as db:
        yield db


def rows(database: Database, sql: str, **params: object) -> list:
    with database.connect() as connection:
        return list(connection.execute(text(sql), params).all())


def scalar(database: Database, sql: str, **params: object) -> object:
    return rows(database, sql, **params)[0][0]


def written(database: Database) -> tuple[object, ...]:
    return tuple(
        rows(
            database,
            """
        SELECT (SELECT count(*) FROM gacha.gift_codes), (SELECT count(*) FROM gacha.gift_code_redemptions),
               (SELECT count(*) FROM gacha.currency_ledger), (SELECT count(*) FROM console.audit_log),
               (SELECT sum(quartzs::bigint + sakura_crystals + daphine) FROM gacha.users)""",
        )[0]
    )


def fresh_players(database: Database, count: int) -> list[int]:
    """Players who have redeemed nothing yet."""
    return [
        r.id
        for r in rows(
            database,
            """
        SELECT id FROM gacha.users u WHERE NOT EXISTS (
            SELECT FROM gacha.gift_code_redemptions r WHERE r.user_id = u.discord_id)
         ORDER BY id LIMIT :n""",
            n=count,
        )
    ]


def blocked_behind(database: Database, holder_sql: str, action: Callable[[], object]) -> Future:
    """Run `action` in a thread while another transaction holds `holder_sql` uncommitted,
    commit that transaction once the action waits on it, and return the action's future."""
    with database.engine.connect() as holder, ThreadPoolExecutor(1) as pool:
        holder.execute(text(holder_sql))
        future = pool.submit(action)
        wait_for_lock_waiter(database)
        holder.commit()
        future.exception(timeout=30)
    return future


def test_create_a_code(support: Database, database: Database) -> None:
    expires = datetime.now(timezone.utc) + timedelta(days=30)
    info = create_code(
        support, "  Spring-2026 ", "quartzs", 150, usage_limit=10, expires_at=expires, reason="a test code"
    )
    assert (info.code, info.reward_type, info.reward_value, info.usage_limit, info.is_active) == (
        "Spring-2026",
        "quartzs",
        150,
        10,
        True,
    )
    assert info.expires_at == expires and info.redemptions == 0 and info.status == "active"
    (audit,) = rows(database, "SELECT * FROM console.audit_log")
    assert (audit.action, audit.table_name, audit.operator, audit.role, audit.primary_key) == (
        "giftcode-create",
        "gift_codes",
        "ren",
        "support",
        {"code": "Spring-2026"},
    )
    assert audit.after["reward_value"] == 150 and audit.after["usage_limit"] == 10
    unlimited = create_code(support, "forever", "daphine", 2, usage_limit=None, active=False, reason="a test code")
    assert unlimited.unlimited and unlimited.status == "inactive" and unlimited.usage == "0 (unlimited)"
    naive = create_code(support, "naive-time", "daphine", 1, expires_at=datetime(2099, 1, 1), reason="a test code")
    assert naive.expires_at == datetime(2099, 1, 1, tzinfo=timezone.utc)


def test_codes_are_unique_regardless_of_case(support: Database, database: Database) -> None:
    before = written(database)
    with pytest.raises(CodeExists, match="'welcome2025' already exists as 'WELCOME2025'") as refused:
        create_code(support, "welcome2025", "quartzs", 10, reason="a test code")
    assert refused.value.title == "Gift code exists"
    assert written(database) == before


def test_a_concurrent_duplicate_is_the_same_refusal(support: Database, database: Database) -> None:
    # The other desk's insert is not committed when ours looks: only the index can refuse it.
    future = blocked_behind(
        database,
        "INSERT INTO gacha.gift_codes (code, reward_type, reward_value) VALUES ('RaceCode', 'quartzs', 5)",
        lambda: create_code(support, "racecode", "quartzs", 5, reason="a test code"),
    )
    assert isinstance(future.exception(), CodeExists)
    assert "'racecode' already exists" in str(future.exception())
    assert (
        scalar(database, "SELECT string_agg(code, ',') FROM gacha.gift_codes WHERE lower(code) = 'racecode'")
        == "RaceCode"
    )
    assert scalar(database, "SELECT count(*) FROM console.audit_log") == 0


@pytest.mark.parametrize(
    ("code", "reward", "value", "options", "message"),
    [
        ("  ", "quartzs", 5, {}, "cannot be blank"),
        ("X1", "gold", 5, {}, "unknown reward type 'gold'"),
        ("X1", "quartzs", 0, {}, "reward value must be"),
        ("X1", "quartzs", -3, {}, "reward value must be"),
        ("X1", "quartzs", 5, {"usage_limit": -2}, "usage limit must be"),
        ("X1", "quartzs", 5, {"expires_at": datetime(2020, 1, 1, tzinfo=timezone.utc)}, "already past"),
    ],
)
def test_bad_codes_are_refused(
    support: Database, database: Database, code: str, reward: str, value: int, options: dict, message: str
) -> None:
    before = written(database)
    with pytest.raises((InvalidGiftCode, BadInput), match=message):
        create_code(support, code, reward, value, **options, reason="a test code")
    assert written(database) == before


def test_a_code_worth_more_than_the_limit_needs_an_admin(database_url: URL, support: Database) -> None:
    with pytest.raises(GrantLimitExceeded, match="gift code worth 5,001 quartzs is over this profile's limit of 5,000"):
        create_code(support, "BIG", "quartzs", 5001, reason="a test code")
    with Database(ConnectionSettings(url=database_url, pool=SMALL_POOL, max_grant=5000)) as admin:
        assert create_code(admin, "BIG", "quartzs", 5001, reason="a test code").reward_value == 5001
    with Database(login_settings(database_url, Role.DEVELOPER, pool=SMALL_POOL)) as developer:
        with pytest.raises(PermissionError, match="developer role cannot use the support desk"):
            create_code(developer, "DEV", "quartzs", 1, reason="a test code")


def test_list_codes_with_their_redemption_counts(support: Database, database: Database) -> None:
    counted = dict(
        rows(
            database,
            """
        SELECT g.code, count(r.code) FROM gacha.gift_codes g
          LEFT JOIN gacha.gift_code_redemptions r ON r.code = g.code GROUP BY g.code""",
        )
    )
    codes = list_codes(support)
    assert {c.code: c.redemptions for c in codes} == counted
    assert sum(counted.values()) > 0
    assert [c.is_active for c in codes] == sorted((c.is_active for c in codes), reverse=True)
    summerfest = next(c for c in codes if c.code == "SUMMERFEST")
    assert summerfest.status == "inactive"
    assert next(c for c in codes if c.code == "HALLOWEEN25").status == "expired"
    assert "SUMMERFEST" not in {c.code for c in list_codes(support, include_inactive=False)}


def test_deactivate_and_activate(support: Database, database: Database) -> None:
    assert deactivate_code(support, "welcome2025", reason="a test").is_active is False
    assert code_info(support, "WELCOME2025").status == "inactive"
    assert deactivate_code(support, "WELCOME2025", reason="a test").is_active is False  # already: nothing to audit
    assert activate_code(support, "Welcome2025", reason="a test").is_active is True
    audits = rows(database, "SELECT action, primary_key, before, after FROM console.audit_log ORDER BY id")
    assert audits == [
        ("giftcode-deactivate", {"code": "WELCOME2025"}, {"is_active": True}, {"is_active": False}),
        ("giftcode-activate", {"code": "WELCOME2025"}, {"is_active": False}, {"is_active": True}),
    ]
    with pytest.raises(CodeNotFound, match="no gift code 'NOPE'"):
        deactivate_code(support, "NOPE", reason="a test")


def test_redeem_credits_through_the_ledger(support: Database, database: Database) -> None:
    create_code(support, "Spring", "quartzs", 150, usage_limit=3, reason="a test code")
    (player,) = fresh_players(database, 1)
    discord_id, quartzs = rows(database, "SELECT discord_id, quartzs FROM gacha.users WHERE id = :u", u=player)[0]
    done = redeem(support, " SPRING ", player)
    assert (done.code, done.user_id, done.discord_id, done.reward_type, done.reward_value) == (
        "Spring",
        player,
        discord_id,
        "quartzs",
        150,
    )
    assert (done.used, done.usage_limit) == (1, 3)
    assert (done.ledger.delta, done.ledger.balance_after, done.ledger.reason, done.ledger.operator) == (
        150,
        quartzs + 150,
        "Gift code Spring",
        "ren",
    )
    assert scalar(database, "SELECT quartzs FROM gacha.users WHERE id = :u", u=player) == quartzs + 150
    assert rows(database, "SELECT user_id, code FROM gacha.gift_code_redemptions WHERE code = 'Spring'") == [
        (discord_id, "Spring")
    ]
    audits = rows(
        database,
        "SELECT action, table_name, primary_key, before, after FROM console.audit_log WHERE action = 'redeem' ORDER BY table_name",
    )
    assert audits == [
        (
            "redeem",
            "gift_code_redemptions",
            {"user_id": discord_id, "code": "Spring"},
            None,
            {"player": player, "reward_type": "quartzs", "reward_value": 150},
        ),
        ("redeem", "users", {"id": player}, {"quartzs": quartzs}, {"quartzs": quartzs + 150}),
    ]
    assert code_info(support, "spring").usage == "1 of 3"
    # An unlimited code is not counted.
    assert redeem(support, "WELCOME2025", fresh_players(database, 1)[0]).used is None


def test_every_redemption_refusal_names_its_rule(support: Database, database: Database) -> None:
    create_code(support, "TWO", "daphine", 3, usage_limit=2, reason="a test code")
    create_code(support, "GONE", "daphine", 3, reason="a test code")
    create_code(support, "OFF", "daphine", 3, active=False, reason="a test code")
    with database.connect() as connection:
        connection.execute(
            text("UPDATE gacha.gift_codes SET expires_at = now() - interval '1 second' WHERE code = 'GONE'")
        )
    first, second, third = fresh_players(database, 3)
    redeem(support, "two", first)
    before = written(database)
    cases = [
        ("NOSUCH", first, CodeNotFound, "no gift code 'NOSUCH'"),
        ("off", first, CodeInactive, "gift code 'OFF' is not active"),
        ("gone", first, CodeExpired, "gift code 'GONE' has expired"),
        ("TWO", first, AlreadyRedeemed, f"player {first} has already redeemed gift code 'TWO'"),
        ("TWO", 999_999, PlayerNotFound, "no gacha player with id 999999"),
    ]
    for code, player, error, message in cases:
        with pytest.raises(error, match=message):
            redeem(support, code, player)
    assert written(database) == before
    redeem(support, "TWO", second)
    with pytest.raises(CodeUsedUp, match="gift code 'TWO' is used up: used 2 of 2") as used_up:
        redeem(support, "TWO", third)
    assert used_up.value.title == "Gift code used up"
    # Deactivated or limited codes seeded by the demo data are refused the same way.
    with pytest.raises(CodeInactive):
        redeem(support, "summerfest", third)


def test_a_reward_the_balance_cannot_hold_is_refused_and_nothing_is_written(
    support: Database, database: Database
) -> None:
    (player,) = fresh_players(database, 1)
    with database.connect() as connection:
        connection.execute(text("UPDATE gacha.users SET quartzs = 2147483500 WHERE id = :u"), {"u": player})
    before = written(database)
    with pytest.raises(BalanceTooLarge, match="largest balance"):
        redeem(support, "GEMINYA-1ST-ANNIV", player)  # 300 quartzs, one too many
    assert written(database) == before


def test_a_redemption_written_behind_our_back_is_already_redeemed(support: Database, database: Database) -> None:
    # The bot inserts the same redemption without the code's lock; ours finds the key taken.
    (player,) = fresh_players(database, 1)
    discord_id = scalar(database, "SELECT discord_id FROM gacha.users WHERE id = :u", u=player)
    before = written(database)
    future = blocked_behind(
        database,
        f"INSERT INTO gacha.gift_code_redemptions (user_id, code) VALUES ('{discord_id}', 'WELCOME2025')",
        lambda: redeem(support, "WELCOME2025", player),
    )
    assert isinstance(future.exception(), AlreadyRedeemed)
    assert written(database)[1] == before[1] + 1  # the bot's row only
    assert written(database)[2:] == before[2:]
    # That was the session's first redemption: its PREPARE outlived the failed transaction,
    # and the next one prepares the statement again under a name of its own.
    (other,) = fresh_players(database, 1)
    assert redeem(support, "WELCOME2025", other).user_id == other


# The command line: giftcode create/list/deactivate/activate and redeem.


def console_json(*args: str) -> object:
    result = run_console(*args)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_console_giftcodes(database_url: URL, database: Database) -> None:
    url = socket_url(database_url)
    created = console_json(
        "--url",
        url,
        "--json",
        "giftcode",
        "create",
        "Launch",
        "--reward",
        "quartzs:250",
        "--limit",
        "1",
        "--expires",
        "2099-01-01",
        "--reason",
        "launch event",
    )
    assert (created["code"], created["reward_value"], created["usage_limit"], created["status"]) == (
        "Launch",
        250,
        1,
        "active",
    )
    assert created["expires_at"].startswith("2099-01-01 00:00:00+00")
    listed = run_console("--url", url, "giftcode", "list")
    assert listed.returncode == 0, listed.stderr
    header, *lines = listed.stdout.splitlines()
    assert header.split() == ["CODE", "REWARD", "USED", "STATUS", "EXPIRES"]
    assert any(line.split()[:2] == ["Launch", "250"] and "0 of 1" in line for line in lines)
    assert len(lines) == scalar(database, "SELECT count(*) FROM gacha.gift_codes")
    active = console_json("--url", url, "--json", "giftcode", "list", "--active-only")
    assert "SUMMERFEST" not in {code["code"] for code in active}

    player = fresh_players(database, 2)
    done = run_console("--url", url, "--role", "support", "redeem", "launch", str(player[0]))
    assert done.returncode == 0, done.stderr
    assert (
        done.stdout.startswith(f"redeemed Launch for player {player[0]}: +250 quartzs") and "used 1 of 1" in done.stdout
    )
    assert_refused(run_console("--url", url, "redeem", "LAUNCH", str(player[1])), 1, "used up: used 1 of 1")
    assert_refused(run_console("--url", url, "redeem", "LAUNCH", str(player[0])), 1, "already redeemed")
    assert_refused(run_console("--url", url, "redeem", "nope", str(player[1])), 1, "no gift code 'nope'")

    off = run_console("--url", url, "giftcode", "deactivate", "welcome2025", "--reason", "event over")
    assert off.returncode == 0 and off.stdout.startswith("gift code WELCOME2025 is inactive"), off.stderr
    assert_refused(run_console("--url", url, "redeem", "WELCOME2025", str(player[1])), 1, "is not active")
    assert (
        console_json("--url", url, "--json", "giftcode", "activate", "WELCOME2025", "--reason", "back by demand")[
            "is_active"
        ]
        is True
    )


def test_console_giftcode_refusals(database_url: URL, database: Database, capsys: pytest.CaptureFixture[str]) -> None:
    url = socket_url(database_url)
    before = written(database)
    # The first as a user runs it; the others in this process (run_console_here).
    assert_refused(
        run_console("--url", url, "giftcode", "create", "welcome2025", "--reward", "quartzs:5", "--reason", "again"),
        1,
        "already exists as 'WELCOME2025'",
    )
    assert_refused(
        run_console_here(capsys, "--url", url, "giftcode", "create", "X", "--reward", "gold:5"),
        2,
        "unknown currency 'gold'",
    )
    assert_refused(
        run_console_here(capsys, "--url", url, "giftcode", "create", "X", "--reward", "quartzs"),
        2,
        "--reward VALUE must be a whole number",
    )
    assert_refused(
        run_console_here(capsys, "--url", url, "giftcode", "create", "X", "--reward", "quartzs:0"),
        2,
        "--reward VALUE must be from 1",
    )
    assert_refused(
        run_console_here(capsys, "--url", url, "giftcode", "create", "X", "--reward", "quartzs:5", "--limit", "-2"),
        2,
        "--limit must be from -1",
    )
    assert_refused(
        run_console_here(capsys, "--url", url, "giftcode", "create", "X", "--reward", "quartzs:5", "--expires", "soon"),
        2,
        "--expires must be an ISO date",
    )
    assert_refused(
        run_console_here(
            capsys,
            "--url",
            url,
            "--role",
            "developer",
            "giftcode",
            "create",
            "X",
            "--reward",
            "quartzs:5",
            "--reason",
            "r",
        ),
        1,
        "developer role cannot use the support desk",
    )
    assert_refused(
        run_console_here(capsys, "--url", url, "--role", "developer", "redeem", "WELCOME2025", "1"), 1, "developer role"
    )
    assert_refused(
        run_console_here(capsys, "--url", url, "redeem", "WELCOME2025", "one"), 2, "USER_ID must be a whole number"
    )
    assert_refused(
        run_console_here(capsys, "--url", url, "giftcode", "deactivate", "nope", "--reason", "r"),
        1,
        "no gift code 'nope'",
    )
    assert_refused(
        run_console_here(capsys, "--url", url, "giftcode", "create", "X", "--reward", "quartzs:5"),
        2,
        "a reason is required to create a gift code",
    )
    assert_refused(
        run_console_here(capsys, "--url", url, "giftcode", "deactivate", "WELCOME2025", "--reason", " "),
        2,
        "a reason is required to deactivate a gift code",
    )
    assert written(database) == before


# At scale: the limit is tested against the code's used_count, which triggers keep for every
# writer, and refusals are answered without the code's lock.


def counts_agree(database: Database) -> bool:
    """Every code's used_count equals the redemptions it has."""
    return not rows(
        database,
        """
        SELECT c.code FROM gacha.gift_codes c
         WHERE c.used_count <> (SELECT count(*) FROM gacha.gift_code_redemptions r WHERE r.code = c.code)""",
    )


def used_count(database: Database, code: str) -> object:
    return scalar(database, "SELECT used_count FROM gacha.gift_codes WHERE code = :code", code=code)


def test_the_used_count_follows_every_writer(support: Database, database: Database) -> None:
    assert counts_agree(database)  # the migration filled in the demo's redemptions
    create_code(support, "KEPT", "daphine", 1, usage_limit=5, reason="a test code")
    create_code(support, "OTHER", "daphine", 1, reason="a test code")
    first, second, third = fresh_players(database, 3)
    redeem(support, "kept", first)
    assert used_count(database, "KEPT") == 1 and code_info(support, "KEPT").usage == "1 of 5"
    with database.connect() as connection:  # the bot, an admin's edit, a player removed
        connection.execute(
            text("""
            INSERT INTO gacha.gift_code_redemptions (user_id, code)
            SELECT discord_id, 'KEPT' FROM gacha.users WHERE id IN (:a, :b)"""),
            {"a": second, "b": third},
        )
    assert used_count(database, "KEPT") == 3
    with database.connect() as connection:
        connection.execute(
            text("""
            UPDATE gacha.gift_code_redemptions SET code = 'OTHER'
             WHERE code = 'KEPT' AND user_id = (SELECT discord_id FROM gacha.users WHERE id = :p)"""),
            {"p": second},
        )
        connection.execute(text("DELETE FROM gacha.users WHERE id = :p"), {"p": third})
    assert (used_count(database, "KEPT"), used_count(database, "OTHER")) == (1, 1)
    assert counts_agree(database)
    with database.connect() as connection:
        connection.execute(text("TRUNCATE gacha.gift_code_redemptions"))
    assert counts_agree(database) and used_count(database, "KEPT") == 0


def test_the_count_triggers_run_sql_planned_once_and_leave_the_search_path(
    support: Database, database: Database
) -> None:
    """The triggers' UPDATEs are written out: EXECUTE would parse and plan them on every
    redemption, while the code's row lock is held. The search_path they set to find the
    codes does not outlive the call."""
    body = scalar(database, "SELECT prosrc FROM pg_proc WHERE oid = 'gacha.count_gift_code_redemptions'::regproc")
    assert "EXECUTE" not in body.upper() and "UPDATE gift_codes" in body
    create_code(support, "PATH", "daphine", 1, reason="a test code")
    player = fresh_players(database, 1)[0]
    with database.connect() as connection:
        connection.execute(text("SET search_path = public"))
        connection.execute(
            text("""
            INSERT INTO gacha.gift_code_redemptions (user_id, code)
            SELECT discord_id, 'PATH' FROM gacha.users WHERE id = :p"""),
            {"p": player},
        )
        assert connection.execute(text("SHOW search_path")).scalar() == "public"
        connection.execute(text("RESET search_path"))
    assert used_count(database, "PATH") == 1 and counts_agree(database)


def test_no_writer_can_take_a_code_past_its_limit(support: Database, database: Database) -> None:
    create_code(support, "ONCE", "daphine", 1, usage_limit=1, reason="a test code")
    first, second = fresh_players(database, 2)
    redeem(support, "ONCE", first)
    with pytest.raises(Exception, match="ck_gift_codes_used_within_limit"), database.connect() as connection:
        connection.execute(
            text("""
            INSERT INTO gacha.gift_code_redemptions (user_id, code)
            SELECT discord_id, 'ONCE' FROM gacha.users WHERE id = :p"""),
            {"p": second},
        )
    assert used_count(database, "ONCE") == 1 and counts_agree(database)


def test_the_support_role_cannot_set_a_used_count(support: Database) -> None:
    with pytest.raises(Exception, match="permission denied"), support.connect_for_desk_action() as connection:
        connection.execute(text("UPDATE gacha.gift_codes SET used_count = 0"))


def test_a_known_refusal_does_not_wait_for_the_codes_lock(support: Database, database: Database) -> None:
    create_code(support, "FULL", "daphine", 1, usage_limit=1, reason="a test code")
    create_code(support, "LIVE", "daphine", 1, reason="a test code")
    first, second = fresh_players(database, 2)
    redeem(support, "FULL", first)
    redeem(support, "LIVE", first)
    with database.engine.connect() as holder, ThreadPoolExecutor(1) as pool:
        holder.execute(text("SELECT FROM gacha.gift_codes WHERE code IN ('FULL', 'LIVE') FOR UPDATE"))
        used_up = pool.submit(redeem, support, "FULL", second)
        again = pool.submit(redeem, support, "LIVE", first)
        # Without the lock-free read both would wait here until the holder ends.
        assert isinstance(used_up.exception(timeout=10), CodeUsedUp)
        assert isinstance(again.exception(timeout=10), AlreadyRedeemed)
        holder.rollback()


@pytest.mark.parametrize(
    "change, refusal",
    [
        ("UPDATE gacha.gift_codes SET is_active = false WHERE code = 'RACE'", CodeInactive),
        (
            (
                "INSERT INTO gacha.gift_code_redemptions (user_id, code) SELECT discord_id, 'RACE' FROM gacha.users"
                " WHERE id = (SELECT max(id) FROM gacha.users)"
            ),
            CodeUsedUp,
        ),
    ],
    ids=["deactivated", "last-use-taken"],
)
def test_a_code_changed_while_a_redemption_waited_is_refused_by_its_new_state(
    support: Database, database: Database, change: str, refusal: type
) -> None:
    create_code(support, "RACE", "daphine", 1, usage_limit=1, reason="a test code")
    (player,) = fresh_players(database, 1)
    future = blocked_behind(database, change, lambda: redeem(support, "RACE", player))
    assert isinstance(future.exception(), refusal)
    assert counts_agree(database) and not rows(
        database,
        """
        SELECT FROM gacha.gift_code_redemptions r JOIN gacha.users u ON u.discord_id = r.user_id
         WHERE r.code = 'RACE' AND u.id = :p""",
        p=player,
    )


def test_a_redemption_is_one_message_with_its_begin_and_commit(
    database_url: URL, database: Database, tmp_path: Path
) -> None:
    """libpq's protocol trace of one redemption and one refusal: each is one simple-protocol
    message holding its BEGIN, the statement and its COMMIT, so the code's lock is held for
    the server's work alone, and each is one round trip. The first prepares the statement in
    its own message; the second only EXECUTEs it."""
    create_code(database, "ONE-TRIP", "daphine", 1, usage_limit=1, reason="a test code")
    first, second = fresh_players(database, 2)
    with (
        Database(login_settings(database_url, Role.SUPPORT, pool=SMALL_POOL)) as support,
        protocol_trace(support, tmp_path / "trace") as sent,
    ):
        redeem(support, "ONE-TRIP", first)
        with pytest.raises(CodeUsedUp):
            redeem(support, "ONE-TRIP", second)
        messages = sent()
    assert round_trips(messages) == 2
    sent_by_us = [(kind, text.strip().strip('"')) for way, kind, text in messages if way == "F"]
    assert {kind for kind, _ in sent_by_us} == {"Query"}, sent_by_us  # no Parse, Bind, Sync
    redemption, refusal = (text for _, text in sent_by_us)
    for message in (redemption, refusal):
        assert message.startswith("BEGIN READ WRITE; ") and message.endswith("; COMMIT"), message
    name = redemption.split()[4]
    assert redemption.startswith(f"BEGIN READ WRITE; PREPARE {name} AS WITH state AS"), redemption
    assert refusal.startswith(f"BEGIN READ WRITE; EXECUTE {name}(") and ", 'ONE-TRIP', " in refusal, refusal
    assert f", {second}, " in refusal and "PREPARE" not in refusal, refusal


ONE_SESSION = PoolSettings(size=1, max_overflow=0)


def test_a_session_plans_the_redemption_once(database_url: URL, database: Database) -> None:
    """Planning was most of a redemption's server time: on a session of its own (no
    pooler) the statement is prepared, and after PostgreSQL's five custom plans it runs
    on the generic plan it keeps."""
    create_code(database, "PLANNED-ONCE", "daphine", 1, reason="a test code")
    players = fresh_players(database, 8)
    with Database(login_settings(database_url, Role.SUPPORT, pool=ONE_SESSION)) as support:
        for player in players:
            redeem(support, "PLANNED-ONCE", player)
        with support.connect() as connection:  # the same session: a pool of one
            prepared = connection.execute(
                text("""SELECT generic_plans, custom_plans FROM pg_prepared_statements
                         WHERE statement LIKE '%gift_code_redemptions%'""")
            ).all()
    assert len(prepared) == 1, prepared
    generic, custom = prepared[0]
    assert custom <= 5 and generic >= 3, prepared


def prepared_by_the_session(support: Database) -> tuple[int, int]:
    """The session's id and how many statements it has prepared, read as typed SQL (which
    has the session reset with DISCARD ALL when it goes back to the pool)."""
    with support.connect() as connection:
        guard_typed_sql(connection, read_only=False)
        row = connection.execute(text("SELECT pg_backend_pid(), (SELECT count(*) FROM pg_prepared_statements)")).one()
        connection.commit()
    return int(row[0]), int(row[1])


def test_after_typed_sql_the_session_prepares_the_redemption_again(database_url: URL, database: Database) -> None:
    """A connection that ran typed SQL is reset at check-in with DISCARD ALL, which drops the
    session's prepared statements too: the next redemption on that session prepares its
    statement again rather than EXECUTE one the session no longer has ("prepared statement
    does not exist"). Typed SQL itself is never prepared."""
    create_code(database, "TYPED-THEN", "daphine", 1, reason="a test code")
    players = fresh_players(database, 3)
    with Database(login_settings(database_url, Role.SUPPORT, pool=ONE_SESSION)) as support:
        seen = [prepared_by_the_session(support)]
        for player in players:
            redemption = redeem(support, "TYPED-THEN", player)
            assert redemption.user_id == player
            seen.append(prepared_by_the_session(support))
    assert seen == [(seen[0][0], 0)] + [(seen[0][0], 1)] * 3, seen  # one session throughout


def test_behind_a_pooler_nothing_is_prepared(database_url: URL, database: Database) -> None:
    """PgBouncer in transaction mode hands each transaction to any server session: the
    statement goes out whole, its values quoted into it, and no session keeps a statement."""
    create_code(database, "POOLED", "daphine", 1, reason="a test code")
    players = fresh_players(database, 2)
    settings = login_settings(database_url, Role.SUPPORT, pool=ONE_SESSION, pooler="pgbouncer")
    with Database(settings) as support:
        for player in players:
            assert redeem(support, "POOLED", player).user_id == player
        assert prepared_by_the_session(support)[1] == 0
    assert connect_arguments(settings)["prepare_threshold"] is None  # nor does psycopg
    assert counts_agree(database) and used_count(database, "POOLED") == 2


HOSTILE_CODES = ("O'Brien %s %%", "back\\slash'; COMMIT; DROP TABLE gacha.users; --", "$1 $$ %(typed)s", "新年 🎉\tend")


@pytest.mark.parametrize("pooler", [None, "pgbouncer"], ids=["prepared", "whole"])
def test_a_code_of_any_text_is_quoted_into_the_message(
    database_url: URL, database: Database, pooler: str | None
) -> None:
    """psycopg quotes the values into the one message a redemption sends: quotes,
    backslashes, semicolons, placeholders of psycopg's and PostgreSQL's own are the code's
    text, on a session of our own (EXECUTE of the prepared statement) as behind a pooler
    (the statement whole); so is an operator's name."""
    players = iter(fresh_players(database, len(HOSTILE_CODES)))
    settings = login_settings(database_url, Role.SUPPORT, pool=ONE_SESSION, pooler=pooler, operator="d'Artagnan %s")
    with Database(settings) as support:
        for code in HOSTILE_CODES:
            create_code(database, code, "daphine", 3, usage_limit=5, reason="a test code")
            player = next(players)
            redemption = redeem(support, code.lower(), player)
            assert (redemption.code, redemption.user_id, redemption.used) == (code, player, 1)
            written = rows(
                database,
                "SELECT reason, operator FROM gacha.currency_ledger WHERE id = :id",
                id=redemption.ledger.id,
            )
            assert [tuple(row) for row in written] == [(f"Gift code {code}", "d'Artagnan %s")]
            with pytest.raises(AlreadyRedeemed, match="has already redeemed"):
                redeem(support, code, player)
    assert [used_count(database, code) for code in HOSTILE_CODES] == [1] * len(HOSTILE_CODES)
    assert counts_agree(database) and scalar(database, "SELECT count(*) FROM gacha.users") > 0


def test_the_migration_counts_the_redemptions_made_before_it(database: Database) -> None:
    def move(direction: str, target: str) -> None:
        plan = migration_plan.plan(database, direction, target)
        assert all(o.ok for o in run_migration(database, direction, plan.target, log=lambda line: None))

    move("downgrade", "gacha@-1")
    with database.connect() as connection:  # redeemed while no count was kept
        connection.execute(
            text("""
            INSERT INTO gacha.gift_code_redemptions (user_id, code)
            SELECT discord_id, 'WELCOME2025' FROM gacha.users u
             WHERE NOT EXISTS (SELECT FROM gacha.gift_code_redemptions r
                                WHERE r.user_id = u.discord_id AND r.code = 'WELCOME2025')""")
        )
    move("upgrade", "gacha@head")
    assert counts_agree(database)
    assert used_count(database, "WELCOME2025") == scalar(database, "SELECT count(*) FROM gacha.users")


def test_a_redemption_where_the_profile_maps_the_schema_elsewhere(database_url: URL, database: Database) -> None:
    with database.connect() as connection:
        connection.execute(text("ALTER SCHEMA gacha RENAME TO game"))
    settings = ConnectionSettings(url=database_url, role=Role.SUPPORT, pool=SMALL_POOL, schema_map={"gacha": "game"})
    with Database(settings) as mapped:
        create_code(mapped, "MAPPED", "daphine", 4, usage_limit=2, reason="a test code")
        player = rows(database, "SELECT min(id) FROM game.users")[0][0]
        done = redeem(mapped, "mapped", player)
        assert (done.used, done.ledger.delta) == (1, 4)
        assert code_info(mapped, "MAPPED").usage == "1 of 2"
    assert scalar(database, "SELECT used_count FROM game.gift_codes WHERE code = 'MAPPED'") == 1

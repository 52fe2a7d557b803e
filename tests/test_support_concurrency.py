"""The desk under concurrent clients: real connections, started together by a barrier.

A usage limit is never exceeded however many players redeem at once, and concurrent grants
to one player leave the exact balance, with a ledger that sums to it and whose rows form
one unbroken chain (each balance_after is the previous one plus its delta).
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from sqlalchemy import text
from sqlalchemy.engine import URL

from data.engine import Database, PoolSettings
from data.roles import Role
from data.support.currency import InsufficientBalance, grant
from data.support.giftcodes import AlreadyRedeemed, CodeUsedUp, Redemption, create_code, redeem
from tests.conftest import login_settings, wait_for_lock_waiter

T = TypeVar("T")


def together(clients: int, work: Callable[[int], T]) -> list[T | BaseException]:
    """Run work(0..clients-1) on as many threads, released at once; results or exceptions."""
    barrier = threading.Barrier(clients)

    def run(index: int) -> T | BaseException:
        barrier.wait(timeout=30)
        try:
            return work(index)
        except Exception as error:  # noqa: BLE001 - the test counts refusals
            return error

    with ThreadPoolExecutor(clients) as pool:
        return list(pool.map(run, range(clients)))


def desk(url: URL, connections: int) -> Database:
    pool = PoolSettings(size=connections, max_overflow=0, timeout=60)
    return Database(login_settings(url, Role.SUPPORT, pool=pool, operator="desk", max_grant=10_000))


def test_fifty_simultaneous_redemptions_of_a_code_limited_to_ten(database_url: URL, database: Database) -> None:
    with database.connect() as connection:
        players = connection.execute(text("SELECT id, quartzs FROM gacha.users ORDER BY id LIMIT 50")).all()
    assert len(players) == 50
    with desk(database_url, 50) as support:
        create_code(support, "RUSH", "quartzs", 77, usage_limit=10, reason="a test code")
        # Open all 50 connections before the start, so that all 50 clients really race.
        warm = [support.engine.connect() for _ in range(50)]
        for connection in warm:
            connection.close()
        outcomes = together(50, lambda i: redeem(support, "rush", players[i].id))
    won = [o for o in outcomes if isinstance(o, Redemption)]
    refused = [o for o in outcomes if isinstance(o, CodeUsedUp)]
    assert (len(won), len(refused)) == (10, 40), [o for o in outcomes if not isinstance(o, (Redemption, CodeUsedUp))]
    assert sorted(r.used for r in won) == list(range(1, 11))
    assert all("used 10 of 10" in str(error) for error in refused)
    winners = {r.user_id for r in won}
    with database.connect() as connection:
        assert (
            connection.execute(text("SELECT count(*) FROM gacha.gift_code_redemptions WHERE code = 'RUSH'")).scalar()
            == 10
        )
        credited = (
            connection.execute(text("SELECT user_id FROM gacha.currency_ledger WHERE reason = 'Gift code RUSH'"))
            .scalars()
            .all()
        )
        balances = dict(
            connection.execute(
                text("SELECT id, quartzs FROM gacha.users WHERE id = ANY(:ids)"), {"ids": [p.id for p in players]}
            ).all()
        )
    assert sorted(credited) == sorted(winners)
    assert all(balances[p.id] == p.quartzs + (77 if p.id in winners else 0) for p in players)


def test_eight_writers_granting_five_hundred_times_each_to_one_player(database_url: URL, database: Database) -> None:
    player = 11
    # Player 11 may start at 0 quartzs, and writer 3's first step is a deduction: whether it
    # ran before another writer's grant depended on the scheduling (a flaky refusal). A float
    # of one quartz per step of all the writers makes every deduction payable in any order.
    grant(database, player, "quartzs", 4000, "float for the concurrent deductions")
    with database.connect() as connection:
        start, entries_before = connection.execute(
            text(
                "SELECT quartzs, (SELECT count(*) FROM gacha.currency_ledger WHERE user_id = 11) FROM gacha.users WHERE id = 11"
            )
        ).one()
    # Each writer's amounts are known in advance: mostly grants, some small deductions.
    plans = [[random.Random(w * 1000 + n).choice((1, 2, 3, 5, 8, -1)) for n in range(500)] for w in range(8)]

    def writer(index: int) -> int:
        refused = 0
        for n, amount in enumerate(plans[index]):
            try:
                grant(support, player, "quartzs", amount, f"writer {index} step {n}")
            except InsufficientBalance:
                refused += 1
        return refused

    with desk(database_url, 8) as support:
        results = together(8, writer)
    assert all(isinstance(r, int) for r in results), results
    assert results == [0] * 8  # the float covers every deduction, in any order
    expected = start + sum(sum(plan) for plan in plans)
    with database.connect() as connection:
        balance = connection.execute(text("SELECT quartzs FROM gacha.users WHERE id = 11")).scalar()
        ledger = connection.execute(
            text(
                "SELECT delta, balance_after FROM gacha.currency_ledger WHERE user_id = 11 AND currency = 'quartzs' ORDER BY id"
            )
        ).all()
        entries = connection.execute(text("SELECT count(*) FROM gacha.currency_ledger WHERE user_id = 11")).scalar()
        audits = connection.execute(
            text("SELECT count(*) FROM console.audit_log WHERE primary_key = '{\"id\": 11}'")
        ).scalar()
    assert balance == expected
    assert sum(delta for delta, _ in ledger) == balance
    assert entries - entries_before == 4000 and audits == 4001  # the float's audit row too
    # Ledger ids are taken under the row lock, so in id order the balances chain exactly.
    running = 0
    for delta, balance_after in ledger:
        running += delta
        assert balance_after == running


def test_an_unlimited_code_redeemed_at_once_by_many_and_by_one_player_many_times(
    database_url: URL, database: Database
) -> None:
    with database.connect() as connection:
        players = connection.execute(text("SELECT id FROM gacha.users ORDER BY id DESC LIMIT 40")).scalars().all()
    with desk(database_url, 45) as support:
        create_code(support, "FOR-ALL", "daphine", 2, usage_limit=-1, reason="a test code")
        # 40 players, and one more player trying five times at once.
        attempts = [*players, 1, 1, 1, 1, 1]
        outcomes = together(len(attempts), lambda i: redeem(support, "for-all", attempts[i]))
    won = [o for o in outcomes if isinstance(o, Redemption)]
    again = [o for o in outcomes if isinstance(o, AlreadyRedeemed)]
    assert (len(won), len(again)) == (41, 4), [o for o in outcomes if not isinstance(o, (Redemption, AlreadyRedeemed))]
    assert sorted(r.user_id for r in won) == sorted([*players, 1])
    with database.connect() as connection:
        credited = connection.execute(
            text("SELECT user_id, count(*) FROM gacha.currency_ledger WHERE reason = 'Gift code FOR-ALL' GROUP BY 1")
        ).all()
        assert len(credited) == 41 and all(count == 1 for _, count in credited)
        assert (
            connection.execute(text("SELECT count(*) FROM gacha.gift_code_redemptions WHERE code = 'FOR-ALL'")).scalar()
            == 41
        )


def test_a_deduction_waits_for_a_grant_under_way(database_url: URL, database: Database) -> None:
    # The deduction's snapshot sees too small a balance, but a grant holding the row will
    # commit: the deduction must wait for it and go through, not refuse.
    with database.connect() as connection:
        balance = connection.execute(text("SELECT quartzs FROM gacha.users WHERE id = 12")).scalar()
    with desk(database_url, 2) as support, database.engine.connect() as holder, ThreadPoolExecutor(1) as pool:
        holder.execute(text("UPDATE gacha.users SET quartzs = quartzs + 1000 WHERE id = 12"))
        holder.execute(
            text(
                "INSERT INTO gacha.currency_ledger (user_id, currency, delta, balance_after, reason, operator)"
                " VALUES (12, 'quartzs', 1000, :b, 'the grant under way', 'bot')"
            ),
            {"b": balance + 1000},
        )
        future = pool.submit(grant, support, 12, "quartzs", -(balance + 500), "Clawback")
        wait_for_lock_waiter(database)
        holder.commit()
        entry = future.result(timeout=30)
    assert (entry.delta, entry.balance_after) == (-(balance + 500), 500)
    with database.connect() as connection:
        assert connection.execute(text("SELECT quartzs FROM gacha.users WHERE id = 12")).scalar() == 500

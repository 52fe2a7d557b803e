"""Support desk figures: gift-code redemptions and grants per second with 8 concurrent clients,
a redemption's cost against the redemptions made before it (pgbench running the same
statement as the floor), the used-count trigger's two bodies against each other, and finding a
player by name prefix among a million players.

Run apart from the default suite:
`pytest -m bench tests/bench/test_support.py -s -n 0`. Prints the figures;
asserts nothing about time, only that a usage limit was never exceeded and that the ledger
still sums to the balances.
"""

from __future__ import annotations

import importlib.util
import multiprocessing
import re
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import URL

from console.embedded import EmbeddedServer
from data.engine import ConnectionSettings, Database, PoolSettings
from data.roles import Role
from data.support.currency import grant
from data.support.giftcodes import (
    CodeUsedUp,
    GiftCodeRefused,
    create_code,
    redeem,
    redemption_parameters,
    redemption_statement,
)
from data.support.players import find_players, search_statement
from tests.conftest import ROOT, create_database, drop_database

pytestmark = pytest.mark.bench

CLIENTS = 8
PER_CLIENT = 500
PLAYERS = CLIENTS * PER_CLIENT + CLIENTS * 100
MILLION = 1_000_000
RUNS = 21
# The index the name search needs (see data/support/players.py); the migrations lack it.
NAME_INDEX = 'CREATE INDEX ix_users_lower_academy_name ON gacha.users (lower(academy_name) COLLATE "C", id)'
WORDS = (
    "'{Sakura,Starlight,Moonlit,Crimson,Azure,Silver,Aurora,Hanami,Twilight,Royal,Shining,Lunar}'::text[]",
    "'{Academy,Gakuen,Institute,Conservatory,High,College}'::text[]",
)


def add_players(database: Database, count: int, tag: str) -> None:
    """`count` players named like the demo's, plus a number: "Sakura Academy 4242"."""
    with database.connect() as connection:
        connection.execute(
            text(f"""
            INSERT INTO gacha.users (discord_id, academy_name)
            SELECT '{tag}' || g,
                   CASE WHEN g % 10 = 0 THEN NULL
                        ELSE ({WORDS[0]})[1 + g % 12] || ' ' || ({WORDS[1]})[1 + (g / 12) % 6] || ' ' || g END
              FROM generate_series(1, {count}) g""")
        )
    with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM ANALYZE gacha.users")


def desk(url: URL, role: Role = Role.SUPPORT) -> Database:
    pool = PoolSettings(size=CLIENTS, max_overflow=0)
    return Database(ConnectionSettings(url=url, role=role, pool=pool, operator="bench", max_grant=10_000))


def client_work(database: Database, job: tuple) -> None:
    """One client's share of a run: ("redeem", code, player ids) or ("grant", currency, player ids)."""
    kind, what, players = job
    for player in players:
        if kind == "redeem":
            try:
                redeem(database, what, player)
            except CodeUsedUp:
                pass
        elif kind == "refused":
            try:
                redeem(database, what, player)
            except GiftCodeRefused:
                pass
            else:
                raise AssertionError(f"{what} was redeemed for {player}")
        else:
            grant(database, player, what, 1, "bench")


def _process_client(url: URL, job: tuple, barrier: Any, times: Any) -> None:
    """A client in its own process (so its own interpreter and GIL) and its own connection."""
    with Database(
        ConnectionSettings(url=url, role=Role.SUPPORT, pool=PoolSettings(size=1), operator="bench", max_grant=10_000)
    ) as database:
        database.engine.connect().close()
        barrier.wait()
        started = time.perf_counter()  # CLOCK_MONOTONIC: comparable across processes
        client_work(database, job)
        times.put((started, time.perf_counter()))


def run_clients(url: URL, jobs: list[tuple], processes: bool) -> float:
    """Seconds from the common start until the last of len(jobs) clients is done."""
    if processes:
        context = multiprocessing.get_context("spawn")
        barrier, times = context.Barrier(len(jobs)), context.Queue()
        workers = [context.Process(target=_process_client, args=(url, job, barrier, times)) for job in jobs]
        for worker in workers:
            worker.start()
        spans = [times.get(timeout=600) for _ in workers]
        for worker in workers:
            worker.join()
        return max(end for _, end in spans) - min(start for start, _ in spans)
    with desk(url) as database:
        warm = [database.engine.connect() for _ in jobs]
        for connection in warm:
            connection.close()
        barrier = threading.Barrier(len(jobs) + 1)

        def run(job: tuple) -> None:
            barrier.wait()
            client_work(database, job)

        with ThreadPoolExecutor(len(jobs)) as pool:
            futures = [pool.submit(run, job) for job in jobs]
            barrier.wait()
            started = time.perf_counter()
            for future in futures:
                future.result()
            return time.perf_counter() - started


@pytest.fixture(scope="module")
def desk_url(embedded_server: EmbeddedServer, template_database: str) -> Iterator[URL]:
    """The demo database with PLAYERS more players, so every redemption has its own player."""
    url = create_database(embedded_server, template_database)
    try:
        with Database(ConnectionSettings(url=url)) as admin:
            add_players(admin, PLAYERS, "bench")
        yield url
    finally:
        drop_database(embedded_server, url)


def player_ids(url: URL) -> list[int]:
    with Database(ConnectionSettings(url=url)) as admin, admin.connect() as connection:
        return list(
            connection.execute(text("SELECT id FROM gacha.users WHERE discord_id LIKE 'bench%' ORDER BY id")).scalars()
        )


def split(players: list[int]) -> list[list[int]]:
    return [players[c * PER_CLIENT : (c + 1) * PER_CLIENT] for c in range(CLIENTS)]


@pytest.mark.parametrize("processes", [True, False], ids=["processes", "threads"])
def test_redemptions_per_second(desk_url: URL, processes: bool) -> None:
    players = player_ids(desk_url)
    total = CLIENTS * PER_CLIENT
    kind = "processes" if processes else "threads"
    figures = []
    with desk(desk_url) as support:
        for code, limit in ((f"OPEN-{kind}", -1), (f"LIMITED-{kind}", total)):
            create_code(support, code, "quartzs", 10, usage_limit=limit, reason="a test code")
            seconds = run_clients(desk_url, [("redeem", code, chunk) for chunk in split(players[:total])], processes)
            figures.append((limit, seconds))
    # Oversubscribed: 800 more players on the used-up code, all refused.
    late = players[total : total + CLIENTS * 100]
    late_seconds = run_clients(
        desk_url, [("redeem", f"LIMITED-{kind}", late[c::CLIENTS]) for c in range(CLIENTS)], processes
    )
    with Database(ConnectionSettings(url=desk_url)) as admin, admin.connect() as connection:
        used = dict(
            connection.execute(
                text("SELECT code, count(*) FROM gacha.gift_code_redemptions WHERE code LIKE :k GROUP BY code"),
                {"k": f"%-{kind}"},
            ).all()
        )
        credited = connection.execute(
            text("SELECT count(*) FROM gacha.currency_ledger WHERE reason LIKE :k"), {"k": f"Gift code %-{kind}"}
        ).scalar()
    assert used == {f"OPEN-{kind}": total, f"LIMITED-{kind}": total}, used
    assert credited == 2 * total
    print()
    for limit, seconds in figures:
        code = "one unlimited code" if limit < 0 else f"one code limited to {limit:,}"
        print(f"redemptions, {CLIENTS} client {kind}, {code}: {total:,} in {seconds:.2f} s = {total / seconds:,.0f}/s")
    print(
        f"{len(late):,} more attempts on the used-up code, all refused: {len(late) / late_seconds:,.0f}/s; "
        f"redeemed {used[f'LIMITED-{kind}']:,} of {total:,}, never over the limit"
    )


@pytest.mark.parametrize("processes", [True, False], ids=["processes", "threads"])
def test_grants_per_second(desk_url: URL, processes: bool) -> None:
    players = player_ids(desk_url)[-CLIENTS:]
    total = CLIENTS * PER_CLIENT
    apart = run_clients(desk_url, [("grant", "quartzs", [players[c]] * PER_CLIENT) for c in range(CLIENTS)], processes)
    before = _daphine(desk_url, players[0])
    same = run_clients(desk_url, [("grant", "daphine", [players[0]] * PER_CLIENT) for c in range(CLIENTS)], processes)
    balance, ledger = _daphine(desk_url, players[0])
    assert balance == ledger == before[0] + total
    kind = "processes" if processes else "threads"
    print()
    print(
        f"grants, {CLIENTS} client {kind}, each to its own player: {total:,} in {apart:.2f} s = {total / apart:,.0f}/s"
    )
    print(
        f"grants, {CLIENTS} client {kind}, all to one player (serialised on its row): {total:,} in {same:.2f} s = "
        f"{total / same:,.0f}/s; the ledger sums to the balance"
    )


def _daphine(url: URL, player: int) -> tuple[int, int]:
    with Database(ConnectionSettings(url=url)) as admin, admin.connect() as connection:
        return tuple(
            connection.execute(
                text(
                    "SELECT daphine, (SELECT coalesce(sum(delta), 0) FROM gacha.currency_ledger WHERE user_id = :u AND currency = 'daphine')"
                    "  FROM gacha.users WHERE id = :u"
                ),
                {"u": player},
            ).one()
        )  # type: ignore[return-value]


def median_ms(action: Callable[[], object], runs: int = RUNS) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def test_find_a_player_among_a_million(embedded_server: EmbeddedServer, template_database: str) -> None:
    url = create_database(embedded_server, template_database)
    try:
        with Database(ConnectionSettings(url=url, pool=PoolSettings(size=2))) as database:
            started = time.perf_counter()
            add_players(database, MILLION, "m")
            built = time.perf_counter() - started
            assert len(find_players(database, "sakura academy 12", limit=5)) == 5
            with database.connect() as connection:  # the baseline: only the plain name index
                connection.exec_driver_sql("DROP INDEX gacha.ix_users_lower_academy_name")
            without = median_ms(lambda: find_players(database, "sakura"), runs=5)
            with database.connect() as connection:
                connection.exec_driver_sql(NAME_INDEX)
                connection.exec_driver_sql("ANALYZE gacha.users")
            queries = {
                "broad prefix 'sakura'": "sakura",
                "narrow prefix 'Moonlit Gakuen 4242'": "Moonlit Gakuen 4242",
                "no match 'zzz'": "zzz",
                "id '500000'": "500000",
                "discord_id 'm777777'": "m777777",
            }
            figures = {label: median_ms(lambda q=q: find_players(database, q)) for label, q in queries.items()}
            hits = find_players(database, "SAKURA")
            assert len(hits) == 50 and all(h.academy_name.lower().startswith("sakura") for h in hits)
            sql = str(
                search_statement("sakura", 50).compile(
                    dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}
                )
            )
            with database.connect() as connection:
                plan = list(
                    connection.execute(text("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) " + sql)).scalars()
                )
    finally:
        drop_database(embedded_server, url)
    print()
    print(f"built {MILLION:,} more players in {built:.1f} s")
    print(f"find_players('sakura') with only the existing academy_name index: {without:.1f} ms (median of 5)")
    for label, value in figures.items():
        print(f"find_players {label}, with ix_users_lower_academy_name: {value:.2f} ms (median of {RUNS})")
    print("EXPLAIN ANALYZE of find_players('sakura'):")
    for line in plan:
        print("   " + line)


EARLIER = (0, 10_000, 100_000)
FLAT_PER_CLIENT = 100
ROUNDS = 3
FLAT_ROUNDS = 5
"""Rounds of the flat test: one round of 800 redemptions lasts about a second, and on a
shared machine three of them left the three codes 1.1-1.2x apart by chance alone."""
FLAT_LIMIT = 1_000_000
SENTINEL = 2_147_480_001  # a player id no bench player has: marks the id in the SQL for pgbench


def redemption_sql(database: Database, code: str) -> str:
    """The statement one redemption of `code` sends, its values inlined and the player drawn
    from the sequence flat_players: what pgbench runs."""
    compiled = redemption_statement().compile(dialect=database.engine.dialect)
    values = compiled.construct_params(redemption_parameters(database.settings, code, SENTINEL))
    with database.engine.connect() as connection:
        sql = psycopg.ClientCursor(connection.connection.dbapi_connection).mogrify(compiled.string, values)
    sql = sql.replace(str(SENTINEL), "(SELECT uid FROM p)")
    assert sql.startswith("WITH ")
    return "WITH p AS MATERIALIZED (SELECT nextval('flat_players')::int AS uid), " + sql[len("WITH ") :]


PGBENCH_MODES = ("extended", "prepared")
"""pgbench's protocols: extended plans the statement on every run, as the console did before
it prepared the desk's statements; prepared plans it once per client session, as the console does."""


def pgbench(server: EmbeddedServer, url: URL, script: str, transactions: int, mode: str = "extended") -> float:
    """Transactions per second of `script` with CLIENTS clients, `transactions` each, sent
    with pgbench's query `mode` (-M)."""
    binary = server.binary("pgbench")
    path = Path(tempfile.mkdtemp()) / "redeem.sql"
    path.write_text(script.replace("\n", " ") + ";\n")
    try:
        result = subprocess.run(
            [
                str(binary),
                "--no-vacuum",
                "-n",
                "-M",
                mode,
                "-c",
                str(CLIENTS),
                "-j",
                str(CLIENTS),
                "-t",
                str(transactions),
                "-f",
                str(path),
                "-h",
                str(server.cluster),
                "-U",
                url.username or "postgres",
                url.database or "",
            ],
            capture_output=True,
            text=True,
            timeout=600,
            check=True,
        )
    finally:
        shutil.rmtree(path.parent, ignore_errors=True)
    match = re.search(r"tps = ([0-9.]+)", result.stdout)
    assert match, result.stdout + result.stderr
    assert "number of failed transactions: 0" in result.stdout, result.stdout
    return float(match.group(1))


@pytest.mark.parametrize("processes", [False, True], ids=["threads", "processes"])
def test_a_redemptions_cost_is_flat_however_many_redeemed_before(
    embedded_server: EmbeddedServer, template_database: str, processes: bool
) -> None:
    """Redemptions/s of codes with 0, 10,000 and 100,000 earlier redemptions, refusals/s on
    a used-up code, and pgbench running the same statement on a code with 100,000 earlier:
    FLAT_ROUNDS rounds, interleaved so that the machine's drift falls on every figure alike;
    the medians are printed."""
    kind = "processes" if processes else "threads"
    per_round = CLIENTS * FLAT_PER_CLIENT
    url = create_database(embedded_server, template_database)
    try:
        with Database(ConnectionSettings(url=url)) as admin:
            # Players for our rounds, and for pgbench's in each mode (drawn from flat_players).
            add_players(admin, max(EARLIER) + len(PGBENCH_MODES) * FLAT_ROUNDS * per_round, "flat")
            with admin.connect() as connection:
                players = list(
                    connection.execute(
                        text("SELECT id FROM gacha.users WHERE discord_id LIKE 'flat%' ORDER BY id")
                    ).scalars()
                )
                connection.execute(text(f"CREATE SEQUENCE flat_players START {players[max(EARLIER)]}"))
        earlier, fresh = players[: max(EARLIER)], players[max(EARLIER) :]
        codes = {f"FLAT-{count}": count for count in EARLIER} | {"FLAT-PGBENCH": max(EARLIER)}
        with desk(url) as support:
            for code, count in codes.items():
                create_code(support, code, "quartzs", 1, usage_limit=FLAT_LIMIT, reason="a test code")
                with Database(ConnectionSettings(url=url)) as admin, admin.connect() as connection:
                    connection.execute(
                        text("""
                        INSERT INTO gacha.gift_code_redemptions (user_id, code)
                        SELECT discord_id, :code FROM gacha.users WHERE id = ANY(:ids)"""),
                        {"code": code, "ids": earlier[:count]},
                    )
            create_code(support, "FLAT-USED", "quartzs", 1, usage_limit=1, reason="a test code")
            redeem(support, "FLAT-USED", earlier[0])
            script = redemption_sql(support, "FLAT-PGBENCH")
        floors = [f"pgbench {mode}" for mode in PGBENCH_MODES]
        ours_codes = [f"FLAT-{count}" for count in EARLIER]
        rates: dict[str, list[float]] = {label: [] for label in [*ours_codes, *floors, "FLAT-USED"]}
        for round_ in range(FLAT_ROUNDS):
            batch = fresh[round_ * per_round : (round_ + 1) * per_round]
            for mode, floor_label in zip(PGBENCH_MODES, floors, strict=True):
                rates[floor_label].append(pgbench(embedded_server, url, script, FLAT_PER_CLIENT, mode))
            turn = round_ % len(ours_codes)  # each code takes its turn first: drift within a round falls alike
            for code in [*ours_codes[turn:], *ours_codes[:turn], "FLAT-USED"]:
                work = "refused" if code == "FLAT-USED" else "redeem"
                jobs = [(work, code, batch[c::CLIENTS]) for c in range(CLIENTS)]
                rates[code].append(per_round / run_clients(url, jobs, processes))
        with Database(ConnectionSettings(url=url)) as admin, admin.connect() as connection:
            counts = dict(
                connection.execute(text("SELECT code, used_count FROM gacha.gift_codes WHERE code LIKE 'FLAT-%'")).all()
            )
            agree = connection.execute(
                text("""
                SELECT bool_and(used_count = (SELECT count(*) FROM gacha.gift_code_redemptions r
                                               WHERE r.code = c.code))
                  FROM gacha.gift_codes c""")
            ).scalar()
    finally:
        drop_database(embedded_server, url)
    assert agree, "a used_count differs from the redemptions it counts"
    runs = {code: len(PGBENCH_MODES) if code == "FLAT-PGBENCH" else 1 for code in codes}
    expected = {code: count + runs[code] * FLAT_ROUNDS * per_round for code, count in codes.items()}
    assert counts == {**expected, "FLAT-USED": 1}, counts
    median = {code: statistics.median(values) for code, values in rates.items()}
    ours = [median[code] for code in ours_codes]
    print()
    for count, rate in zip(EARLIER, ours, strict=True):
        print(
            f"redemptions, {CLIENTS} client {kind}, a code with {count:,} earlier redemptions: {rate:,.0f}/s "
            f"(median of {FLAT_ROUNDS} rounds of {per_round:,})"
        )
    print(f"spread, fastest over slowest: {max(ours) / min(ours):.2f}x (the goal: within 1.20x)")
    print(f"refusals on a used-up code, {CLIENTS} client {kind}: {median['FLAT-USED']:,.0f}/s")
    for mode, floor_label in zip(PGBENCH_MODES, floors, strict=True):
        floor = median[floor_label]
        print(
            f"pgbench -M {mode}, the same statement, {CLIENTS} clients, a code with {max(EARLIER):,} earlier: "
            f"{floor:,.0f}/s; ours / pgbench: {ours[-1] / floor:.2f} (the goal: at least 0.8)"
        )


TRIGGER_REVISION = ROOT / "migrations" / "versions" / "2026-12-07_gacha_gift_code_count_planned_once.py"
TRIGGER_TIME = re.compile(r"Trigger trg_gift_code_redemptions_counted_insert on \S+: time=([0-9.]+)")
EXECUTION_TIME = re.compile(r"Execution Time: ([0-9.]+) ms")


def trigger_bodies() -> dict[str, str]:
    """The used-count function as revision e5c4f6a7b808 made it (EXECUTE format(), parsed and
    planned on every call) and as e5c4f6a7b809 makes it (written out, planned once)."""
    spec = importlib.util.spec_from_file_location("count_planned_once", TRIGGER_REVISION)
    assert spec is not None and spec.loader is not None
    revision = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(revision)
    return {"parsed each time": revision.PARSED_EACH_TIME, "planned once": revision.PLANNED_ONCE}


def test_the_count_trigger_planned_once_against_parsed_each_time(
    embedded_server: EmbeddedServer, template_database: str
) -> None:
    """The redemption with either body of the used-count function, in the same run, taking
    turns: the trigger's time and the statement's inside one redemption (EXPLAIN ANALYZE,
    rolled back, on one session per round), and pgbench's redemptions/s with 8 clients."""
    bodies = trigger_bodies()
    per_round = CLIENTS * FLAT_PER_CLIENT
    explained = RUNS // ROUNDS + 1  # the first of each round only warms the session up
    url = create_database(embedded_server, template_database)
    try:
        with Database(ConnectionSettings(url=url)) as admin:
            add_players(admin, ROUNDS * len(bodies) * (per_round + explained), "trig")
            with admin.connect() as connection:
                first = connection.execute(
                    text("SELECT min(id) FROM gacha.users WHERE discord_id LIKE 'trig%'")
                ).scalar()
                connection.execute(text(f"CREATE SEQUENCE flat_players START {first}"))
        with desk(url) as support:
            create_code(support, "TRIGGER", "quartzs", 1, usage_limit=FLAT_LIMIT, reason="a test code")
            script = redemption_sql(support, "TRIGGER")
        timings: dict[str, list[tuple[float, float]]] = {label: [] for label in bodies}
        rates: dict[str, list[float]] = {label: [] for label in bodies}
        with Database(ConnectionSettings(url=url)) as admin:
            for round_ in range(ROUNDS):
                for label, body in bodies.items():
                    with admin.engine.connect() as connection:  # one session: the plans it keeps
                        driver = connection.connection.driver_connection
                        assert driver is not None
                        with driver.transaction():
                            driver.execute(body)  # no parameters: its format() %I stays as it is
                        for run in range(explained):
                            with driver.transaction(force_rollback=True):
                                plan = "\n".join(row[0] for row in driver.execute(f"EXPLAIN ANALYZE {script}"))
                            if run:  # the first plans and caches what the session keeps
                                trigger, statement = TRIGGER_TIME.search(plan), EXECUTION_TIME.search(plan)
                                assert trigger and statement, plan
                                timings[label].append((float(trigger.group(1)), float(statement.group(1))))
                    rates[label].append(pgbench(embedded_server, url, script, FLAT_PER_CLIENT))
            with admin.connect() as connection:
                agree = connection.execute(
                    text("""SELECT used_count = (SELECT count(*) FROM gacha.gift_code_redemptions
                                                  WHERE code = 'TRIGGER')
                              FROM gacha.gift_codes WHERE code = 'TRIGGER'""")
                ).scalar()
    finally:
        drop_database(embedded_server, url)
    assert agree, "the used count differs from the redemptions it counts"
    print()
    for label in bodies:
        trigger = statistics.median(t for t, _ in timings[label])
        statement = statistics.median(s for _, s in timings[label])
        print(
            f"used-count function {label}: its trigger {trigger:.3f} ms of a redemption's {statement:.3f} ms "
            f"(EXPLAIN ANALYZE, median of {len(timings[label])}); pgbench, {CLIENTS} clients: "
            f"{statistics.median(rates[label]):,.0f}/s (median of {ROUNDS} rounds of {per_round:,})"
        )
    before, after = (statistics.median(rates[label]) for label in bodies)
    print(f"planned once / parsed each time, redemptions/s: {after / before:.2f}x")

"""Finding a gacha player and their profile, checked against direct SQL on the demo data."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import URL

from data.engine import Database
from data.roles import Role
from data.support.players import (
    MAX_RESULTS,
    PlayerNotFound,
    describe_effect,
    find_players,
    like_prefix,
    player_profile,
    search_statement,
)
from tests.conftest import SMALL_POOL, login_settings

# The index the name search is written for (to be added by a migration).


def rows(database: Database, sql: str, **params: object) -> list:
    with database.connect() as connection:
        return list(connection.execute(text(sql), params).all())


def add_players(database: Database, *names: str) -> dict[str, int]:
    with database.connect() as connection:
        return {
            name: connection.execute(
                text("INSERT INTO gacha.users (discord_id, academy_name) VALUES (:d, :n) RETURNING id"),
                {"d": f"test-{n}", "n": name},
            ).scalar_one()
            for n, name in enumerate(names)
        }


def test_find_by_id_and_by_discord_id(database: Database) -> None:
    (player,) = rows(database, "SELECT id, discord_id, academy_name, quartzs FROM gacha.users WHERE id = 17")
    hits = find_players(database, " 17 ")
    assert hits[0].id == 17 and hits[0].matched == "id" and hits[0].quartzs == player.quartzs
    by_discord = find_players(database, player.discord_id)
    assert [(h.id, h.matched) for h in by_discord] == [(17, "discord_id")]
    assert find_players(database, player.discord_id[:-1]) == []  # exact, not a prefix
    assert find_players(database, "   ") == []
    assert find_players(database, "99999999999999999999") == []  # past integer: not an id


def test_find_by_name_prefix_ignores_case(database: Database) -> None:
    expected = {r.id for r in rows(database, "SELECT id FROM gacha.users WHERE academy_name ILIKE 'sakura%'")}
    assert len(expected) > 3
    hits = find_players(database, "SAKURA", limit=MAX_RESULTS)
    assert {h.id for h in hits} == expected
    assert all(h.matched == "name" for h in hits)
    names = [(h.academy_name.lower(), h.id) for h in hits]
    assert names == sorted(names)
    few = find_players(database, "s", limit=5)
    assert len(few) == 5 and [h.academy_name.lower() for h in few] == sorted(h.academy_name.lower() for h in few)


def test_like_wildcards_in_the_query_are_literal(database: Database) -> None:
    ids = add_players(
        database, "Zeta_Academy", "ZetaXAcademy", "Zeta%Club", "Zeta Hall", "zeta\\Dojo", "ZETA_academy two"
    )
    assert like_prefix("a_b%c\\") == "a\\_b\\%c\\\\%"
    assert {h.academy_name for h in find_players(database, "zeta_")} == {"Zeta_Academy", "ZETA_academy two"}
    assert [h.academy_name for h in find_players(database, "zeta%")] == ["Zeta%Club"]
    assert [h.academy_name for h in find_players(database, "ZETA\\")] == ["zeta\\Dojo"]
    assert {h.id for h in find_players(database, "zeta")} == set(ids.values())


def test_a_number_matches_id_discord_id_and_name_once_each(database: Database) -> None:
    ids = add_players(database, "42nd Street Academy")
    with database.connect() as connection:
        connection.execute(
            text("UPDATE gacha.users SET discord_id = '42' WHERE id = :id"), {"id": ids["42nd Street Academy"]}
        )
    hits = find_players(database, "42")
    assert [(h.id, h.matched) for h in hits] == [(42, "id"), (ids["42nd Street Academy"], "discord_id")]
    assert len(find_players(database, "42", limit=1)) == 1


def test_the_name_search_is_served_by_the_name_index(database: Database) -> None:
    statement = search_statement("sak", 50)
    sql = str(statement.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))
    with database.connect() as connection:
        connection.execute(text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join(connection.execute(text("EXPLAIN " + sql)).scalars())
    assert "ix_users_lower_academy_name" in plan
    assert "Index Cond" in plan and "~>=~" not in plan  # a plain range on the C-collated key


def test_limit_is_bounded(database: Database) -> None:
    with pytest.raises(ValueError, match="limit"):
        find_players(database, "a", limit=0)


def test_profile_matches_the_database(database: Database) -> None:
    # The demo player with the most going on: expeditions out, equipment, codes.
    (user,) = rows(
        database,
        """
        SELECT u.* FROM gacha.users u
         WHERE EXISTS (SELECT FROM gacha.user_expeditions e WHERE e.user_id = u.id AND e.status = 'in_progress')
           AND EXISTS (SELECT FROM gacha.equipment q WHERE q.discord_id = u.discord_id)
           AND EXISTS (SELECT FROM gacha.gift_code_redemptions r WHERE r.user_id = u.discord_id)
         ORDER BY u.id
         LIMIT 1""",
    )
    profile = player_profile(database, user.id)
    assert (profile.id, profile.discord_id, profile.academy_name) == (user.id, user.discord_id, user.academy_name)
    assert profile.balances == {
        "sakura_crystals": user.sakura_crystals,
        "quartzs": user.quartzs,
        "daphine": user.daphine,
    }
    assert (profile.pity_counter, profile.collector_rank) == (user.pity_counter, user.collector_rank)

    ledger = rows(
        database,
        "SELECT id FROM gacha.currency_ledger WHERE user_id = :u ORDER BY created_at DESC, id DESC LIMIT 20",
        u=user.id,
    )
    total = rows(database, "SELECT count(*) FROM gacha.currency_ledger WHERE user_id = :u", u=user.id)[0][0]
    assert [e.id for e in profile.ledger] == [r.id for r in ledger] and len(ledger) == min(20, total) > 0
    latest = {}
    for entry in reversed(profile.ledger):
        latest[entry.currency] = entry.balance_after
    assert all(profile.balances[c] == b for c, b in latest.items())

    by_rarity = dict(
        rows(
            database,
            """
        SELECT w.rarity, count(*) FROM gacha.user_waifus uw JOIN gacha.waifus w USING (waifu_id)
         WHERE uw.user_id = :u GROUP BY w.rarity""",
            u=user.id,
        )
    )
    assert {c.rarity: c.count for c in profile.collection} == {r: by_rarity.get(r, 0) for r in (1, 2, 3)}
    assert profile.collection_size == sum(by_rarity.values())

    equipment = rows(database, "SELECT id FROM gacha.equipment WHERE discord_id = :d", d=user.discord_id)
    assert profile.equipment_count == len(equipment) > 0
    assert {p.id for p in profile.equipment} == {r.id for r in equipment}

    out = rows(
        database,
        "SELECT id, started_at, duration_hours FROM gacha.user_expeditions WHERE user_id = :u AND status = 'in_progress'",
        u=user.id,
    )
    assert {e.id for e in profile.expeditions} == {r.id for r in out} and out
    parties = dict(rows(database, "SELECT expedition_id, count(*) FROM gacha.expedition_participants GROUP BY 1"))
    assert all(e.party_size == parties.get(e.id, 0) and e.due_at > e.started_at for e in profile.expeditions)

    codes = rows(database, "SELECT code FROM gacha.gift_code_redemptions WHERE user_id = :d", d=user.discord_id)
    assert sorted(c.code for c in profile.redeemed_codes) == sorted(r.code for r in codes)


def test_the_recent_ledger_is_the_last_twenty(database: Database) -> None:
    (busiest,) = rows(database, "SELECT user_id FROM gacha.currency_ledger GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")
    ledger = rows(
        database,
        "SELECT id FROM gacha.currency_ledger WHERE user_id = :u ORDER BY created_at DESC, id DESC",
        u=busiest.user_id,
    )
    assert len(ledger) > 20
    assert [e.id for e in player_profile(database, busiest.user_id).ledger] == [r.id for r in ledger[:20]]


def test_a_player_with_nothing(database: Database) -> None:
    ids = add_players(database, "Empty Academy")
    profile = player_profile(database, ids["Empty Academy"])
    assert profile.balances == {"sakura_crystals": 2000, "quartzs": 0, "daphine": 0}  # the seed's defaults
    assert profile.ledger == () and profile.equipment == () and profile.equipment_count == 0
    assert [(c.rarity, c.count) for c in profile.collection] == [(1, 0), (2, 0), (3, 0)]
    assert profile.expeditions == () and profile.redeemed_codes == ()


def test_an_unknown_player(database: Database) -> None:
    with pytest.raises(PlayerNotFound, match="no gacha player with id 123456") as missing:
        player_profile(database, 123_456)
    assert missing.value.title == "Player not found"


def test_the_support_role_can_look_players_up(database_url: URL) -> None:
    with Database(login_settings(database_url, Role.SUPPORT, pool=SMALL_POOL)) as support:
        assert find_players(support, "1")[0].id == 1
        assert player_profile(support, 1).id == 1


def test_effects_are_summarised() -> None:
    assert (
        describe_effect('{"type": "affinity_add", "affinity": "favored", "value": "fire", "stat": null}')
        == "affinity_add: fire"
    )
    assert describe_effect('{"type": "stat_check_bonus", "value": 12, "stat": "atk"}') == "stat_check_bonus: atk 12"
    assert describe_effect("not json") == "not json"

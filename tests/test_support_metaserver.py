"""Metaserver desk: finding players, sessions and their revocation, bans, stats, rooms."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError

from data.engine import Database
from data.inputs import ReasonRequired
from data.roles import Role
from data.sensitive import MASK
from data.support import metaserver as ms
from tests.conftest import role_database


@pytest.fixture
def support(database_url: URL) -> Iterator[Database]:
    with role_database(database_url, Role.SUPPORT) as db:
        yield db


def run(database: Database, sql: str, **params: Any) -> Any:
    with database.connect() as connection:
        return connection.execute(text(sql), params)


def audit_rows(database: Database) -> list[Any]:
    with database.connect() as connection:
        return connection.execute(
            text(
                "SELECT operator, role, action, schema_name, table_name, primary_key, before, after, reason"
                " FROM console.audit_log ORDER BY id"
            )
        ).all()


@pytest.fixture
def player(database: Database) -> int:
    """A player of our own with one live, one expired and one revoked session."""
    user_id = run(
        database,
        "INSERT INTO metaserver.users (username, password_hash, caste)"
        " VALUES ('Desk_Tester', 'secret-hash', 4) RETURNING id",
    ).scalar()
    run(
        database,
        """
        INSERT INTO metaserver.sessions (user_id, session_token, ip_address, created_at, expires_at, is_active)
        VALUES (:u, 'live-token', '192.0.2.7', now() - interval '1 day', now() + interval '1 day', true),
               (:u, 'old-token', '2001:db8::1', now() - interval '40 days', now() - interval '10 days', true),
               (:u, 'gone-token', NULL, now() - interval '5 days', now() + interval '5 days', false)
    """,
        u=user_id,
    )
    return user_id


def test_find_by_name_prefix_ignores_case_and_escapes_wildcards(database: Database, player: int) -> None:
    run(database, "INSERT INTO metaserver.users (username, password_hash) VALUES ('DeskXTester', 'h')")
    assert [p.username for p in ms.find_meta_users(database, "desk_t")] == ["Desk_Tester"]
    assert {p.username for p in ms.find_meta_users(database, "DESK")} == {"Desk_Tester", "DeskXTester"}
    assert ms.find_meta_users(database, "%") == []
    found = ms.find_meta_users(database, "Desk_Tester")[0]
    assert (found.id, found.caste, found.is_active) == (player, 4, True)


def test_find_by_id_puts_the_exact_id_first(database: Database) -> None:
    [by_id, *_] = ms.find_meta_users(database, "7")
    assert by_id.id == 7
    assert len(ms.find_meta_users(database, "", limit=5)) == 5


def test_sessions_are_active_expired_or_revoked_by_the_servers_clock(database: Database, player: int) -> None:
    sessions = ms.user_sessions(database, player)
    assert [(s.state, s.ip_address) for s in sessions] == [
        ("active", "192.0.2.7"),
        ("revoked", None),
        ("expired", "2001:db8::1"),
    ]
    with pytest.raises(ms.PlayerNotFound, match="no metaserver player has id 999999"):
        ms.user_sessions(database, 999999)


def test_support_revokes_one_session_with_an_audit_row(support: Database, database: Database, player: int) -> None:
    live, revoked, expired = (s.id for s in ms.user_sessions(database, player))
    result = ms.revoke_session(support, live, "  account shared on a forum ")
    assert (result.id, result.state) == (live, "revoked")
    assert [s.state for s in ms.user_sessions(database, player)] == ["revoked", "revoked", "expired"]
    [audit] = audit_rows(database)
    assert audit[:6] == ("desk-tester", "support", "revoke-session", "metaserver", "sessions", {"id": live})
    assert (audit.before["is_active"], audit.after["is_active"]) == (True, False)
    assert audit.before["session_token"] == audit.after["session_token"] == MASK
    assert audit.reason == "account shared on a forum"

    with pytest.raises(ms.SessionNotActive, match=f"session {live} is already revoked"):
        ms.revoke_session(support, live, "again")
    with pytest.raises(ms.SessionNotActive, match="already expired"):
        ms.revoke_session(support, expired, "old")
    with pytest.raises(ms.SessionNotFound):
        ms.revoke_session(support, 10**8, "none")
    with pytest.raises(ReasonRequired) as refused:
        ms.revoke_session(support, revoked, "   ")
    assert refused.value.title == "Reason required"
    assert len(audit_rows(database)) == 1


def test_revoke_all_revokes_only_live_sessions(support: Database, database: Database, player: int) -> None:
    run(
        database,
        "INSERT INTO metaserver.sessions (user_id, session_token, expires_at)"
        " VALUES (:u, 'second-live', now() + interval '1 hour')",
        u=player,
    )
    assert ms.revoke_all_sessions(support, player, "password reset") == 2
    assert {s.state for s in ms.user_sessions(database, player)} == {"revoked", "expired"}
    audits = audit_rows(database)
    assert [a.action for a in audits] == ["revoke-session"] * 2
    assert {a.reason for a in audits} == {"password reset"}
    assert ms.revoke_all_sessions(support, player, "again") == 0
    with pytest.raises(ms.PlayerNotFound):
        ms.revoke_all_sessions(support, 999999, "nobody")


def test_ban_revokes_live_sessions_and_unban_lifts_it(support: Database, database: Database, player: int) -> None:
    result = ms.ban(support, player, "cheating in ranked")
    assert (result.player.is_active, result.sessions_revoked) == (False, 1)
    audits = audit_rows(database)
    assert [(a.action, a.table_name) for a in audits] == [("ban", "users"), ("revoke-session", "sessions")]
    ban_row = audits[0]
    assert (ban_row.primary_key, ban_row.before["is_active"], ban_row.after["is_active"]) == (
        {"id": player},
        True,
        False,
    )
    assert ban_row.before["password_hash"] == ban_row.after["password_hash"] == MASK
    assert ban_row.after["username"] == "Desk_Tester"

    with pytest.raises(ms.AlreadyBanned, match="Desk_Tester .* is already banned") as refused:
        ms.ban(support, player, "twice")
    assert refused.value.title == "Player already banned"

    assert ms.unban(support, player, "appeal accepted").is_active is True
    unban_row = audit_rows(database)[-1]
    assert (unban_row.action, unban_row.primary_key, unban_row.reason) == ("unban", {"id": player}, "appeal accepted")
    assert (unban_row.before["is_active"], unban_row.after["is_active"]) == (False, True)
    with pytest.raises(ms.NotBanned, match="is not banned"):
        ms.unban(support, player, "again")
    with pytest.raises(ms.PlayerNotFound):
        ms.ban(support, 999999, "nobody")
    with pytest.raises(ReasonRequired):
        ms.ban(support, player, "")


def test_a_write_and_its_audit_row_commit_together(support: Database, database: Database, player: int) -> None:
    run(
        database,
        "CREATE FUNCTION public.refuse() RETURNS trigger LANGUAGE plpgsql"
        " AS $$ BEGIN RAISE EXCEPTION 'refused by test trigger'; END $$",
    )
    # The audit row cannot be written: the session must stay live.
    run(
        database,
        "CREATE TRIGGER no_audit BEFORE INSERT ON console.audit_log FOR EACH ROW EXECUTE FUNCTION public.refuse()",
    )
    live = ms.user_sessions(database, player)[0].id
    with pytest.raises(DBAPIError, match="refused by test trigger"):
        ms.revoke_session(support, live, "fails")
    assert ms.user_sessions(database, player)[0].state == "active"
    run(database, "DROP TRIGGER no_audit ON console.audit_log")
    # The ban's audit row is written, then revoking its sessions fails: neither stays.
    run(
        database,
        "CREATE TRIGGER no_revoke BEFORE UPDATE ON metaserver.sessions FOR EACH ROW EXECUTE FUNCTION public.refuse()",
    )
    with pytest.raises(DBAPIError, match="refused by test trigger"):
        ms.ban(support, player, "fails too")
    assert audit_rows(database) == []
    assert ms.find_meta_users(database, "Desk_Tester")[0].is_active is True


def test_developer_and_read_only_profiles_cannot_act(database_url: URL, player: int) -> None:
    with role_database(database_url, Role.DEVELOPER) as developer:
        assert ms.user_sessions(developer, player)  # reading is fine
        with pytest.raises(PermissionError, match="developer role cannot use the support desk"):
            ms.ban(developer, player, "no")
    with role_database(database_url, Role.SUPPORT, read_only=True) as read_only:
        with pytest.raises(PermissionError, match="read-only"):
            ms.revoke_all_sessions(read_only, player, "no")
    with role_database(database_url, Role.ADMIN) as admin:
        assert ms.revoke_all_sessions(admin, player, "admin may") == 1


def test_player_stats_total_every_game(database: Database) -> None:
    user_id, games, score, kills, deaths, assists, best = run(
        database,
        """
        SELECT user_id, count(*), sum(score), sum(kills), sum(deaths), sum(assists), max(score)
          FROM metaserver.player_stats GROUP BY user_id ORDER BY count(*) DESC, user_id LIMIT 1""",
    ).one()
    stats = ms.player_stats(database, user_id, recent=5)
    assert stats.player.id == user_id
    assert stats.totals == ms.Totals(games, score, kills, deaths, assists)
    assert (stats.best_score, stats.totals.kd) == (best, pytest.approx(kills / deaths))
    assert len(stats.recent) == 5
    assert [g.played_at for g in stats.recent] == sorted((g.played_at for g in stats.recent), reverse=True)
    with pytest.raises(ms.PlayerNotFound):
        ms.player_stats(database, 999999)


def test_a_player_without_games_has_zero_stats(database: Database, player: int) -> None:
    stats = ms.player_stats(database, player)
    assert (stats.totals, stats.totals.kd, stats.best_score, stats.recent) == (ms.Totals(0, 0, 0, 0, 0), 0.0, None, ())
    assert ms.Totals(3, 10, 7, 0, 1).kd == 7.0  # no deaths: the kills themselves


def test_leaderboard_ranks_by_total_score_and_pages(database: Database) -> None:
    expected = run(
        database,
        """
        SELECT user_id, count(*), sum(score), sum(kills), sum(deaths), sum(assists)
          FROM metaserver.player_stats GROUP BY user_id ORDER BY sum(score) DESC, user_id LIMIT 30""",
    ).all()
    board = ms.leaderboard(database, limit=20) + ms.leaderboard(database, limit=10, offset=20)
    assert [(e.player.id, *dataclasses.astuple(e.totals)) for e in board] == [tuple(r) for r in expected]
    assert board[0].rank == 1 and all(a.rank <= b.rank for a, b in zip(board, board[1:]))
    assert board[0].player.username


def test_rooms_have_their_caste_bounds(database: Database) -> None:
    rooms = {room.name: room for room in ms.rooms(database)}
    assert len(rooms) == 12
    cloudspine = rooms["Cloudspine"]
    assert (cloudspine.min_caste, cloudspine.max_caste, cloudspine.is_ranked) == (5, 99, True)
    assert cloudspine.admits(5) and not cloudspine.admits(4)
    assert rooms["Training Grounds"].admits(-1) and not rooms["Training Grounds"].admits(3)

"""Support desk for the Myth metaserver: players, their sessions, bans, stats and rooms.

Reads run in the profile's ordinary transaction (READ ONLY for support and developer).
Every write is one transaction from `Database.connect_for_desk_action()` holding the change
and its console.audit_log row, so the two commit or vanish together. As the seed's model
and the demo data do, a session is revoked by clearing its is_active flag (the row stays,
for the record) and a player is banned by clearing users.is_active; a ban also revokes the
player's live sessions, in the same transaction, so a banned player is out at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, cast

from sqlalchemy import ColumnElement, Connection, Table, case, desc, func, or_, select, update
from sqlalchemy.sql.functions import coalesce

from data import inputs
from data.audit import AuditEntry, write_audit
from data.engine import Database
from data.errors import Refusal
from data.models.metaserver import SCHEMA, Game, MetaSession, MetaUser, PlayerStat, Room
from data.sensitive import audit_image, readable_columns

SessionState = Literal["active", "expired", "revoked"]

_USERS = cast(Table, MetaUser.__table__)
_SESSIONS = cast(Table, MetaSession.__table__)


class MetaserverRefusal(Refusal, ValueError):
    """A metaserver desk action refused; the message is one line naming the rule."""

    title = "Metaserver action refused"


class PlayerNotFound(MetaserverRefusal):
    title = "No such player"


class SessionNotFound(MetaserverRefusal):
    title = "No such session"


class SessionNotActive(MetaserverRefusal):
    title = "Session not active"


class AlreadyBanned(MetaserverRefusal):
    title = "Player already banned"


class NotBanned(MetaserverRefusal):
    title = "Player not banned"


@dataclass(frozen=True)
class MetaPlayer:
    """A metaserver player; is_active False means banned."""

    id: int
    username: str
    caste: int
    is_active: bool
    is_admin: bool
    created_at: datetime
    last_login: datetime | None


@dataclass(frozen=True)
class SessionInfo:
    """A login session; state is judged by the server's clock (revoked wins over expired)."""

    id: int
    user_id: int
    state: SessionState
    ip_address: str | None
    created_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class BanResult:
    player: MetaPlayer
    sessions_revoked: int


@dataclass(frozen=True)
class Totals:
    """Sums over a player's games; kd is kills per death (kills alone with no deaths)."""

    games: int
    score: int
    kills: int
    deaths: int
    assists: int

    @property
    def kd(self) -> float:
        return self.kills / self.deaths if self.deaths else float(self.kills)


@dataclass(frozen=True)
class GameResult:
    """One game of a player: what they scored in it."""

    game_id: int
    game_type: str
    room_name: str | None
    played_at: datetime
    score: int
    kills: int
    deaths: int
    assists: int


@dataclass(frozen=True)
class PlayerStats:
    player: MetaPlayer
    totals: Totals
    best_score: int | None
    recent: tuple[GameResult, ...]
    """The latest games, newest first."""


@dataclass(frozen=True)
class LeaderboardEntry:
    rank: int
    """Shared by equal scores (SQL rank())."""
    player: MetaPlayer
    totals: Totals


@dataclass(frozen=True)
class RoomInfo:
    """A lobby and the caste bounds of the players it admits."""

    id: int
    name: str
    room_type: str
    max_players: int
    min_caste: int
    max_caste: int
    is_ranked: bool
    is_tournament: bool

    def admits(self, caste: int) -> bool:
        return self.min_caste <= caste <= self.max_caste


_PLAYER_COLUMNS = (
    MetaUser.id,
    MetaUser.username,
    MetaUser.caste,
    MetaUser.is_active,
    MetaUser.is_admin,
    MetaUser.created_at,
    MetaUser.last_login,
)


def _player(row: Any) -> MetaPlayer:
    return MetaPlayer(row.id, row.username, row.caste, row.is_active, row.is_admin, row.created_at, row.last_login)


def _totals(row: Any) -> Totals:
    # sum() of integers is numeric in PostgreSQL: back to int.
    return Totals(row.games, int(row.score), int(row.kills), int(row.deaths), int(row.assists))


def _like_prefix(text: str) -> str:
    """A LIKE pattern for `text` as a prefix, its wildcards taken literally."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def find_meta_users(database: Database, query: str, limit: int = 50) -> list[MetaPlayer]:
    """Players whose id is `query` (when it is a number) or whose name starts with it.

    The name match ignores case and treats % and _ literally; the exact id comes first.
    """
    inputs.row_count(limit, "the limit")
    query = query.strip()
    conditions: list[ColumnElement[bool]] = [MetaUser.username.ilike(_like_prefix(query))]
    exact_id = int(query) if query.isdigit() and len(query) < 10 else None
    if exact_id is not None:
        conditions.append(MetaUser.id == exact_id)
    statement = (
        select(*_PLAYER_COLUMNS)
        .where(or_(*conditions))
        .order_by(desc(MetaUser.id == exact_id) if exact_id is not None else MetaUser.username, MetaUser.username)
        .limit(limit)
    )
    with database.connect() as connection:
        return [_player(row) for row in connection.execute(statement)]


def _state() -> Any:
    return case(
        (MetaSession.is_active.is_(False), "revoked"),
        (MetaSession.expires_at <= func.now(), "expired"),
        else_="active",
    )


def _session(row: Any, state: SessionState) -> SessionInfo:
    address = None if row.ip_address is None else str(row.ip_address)
    return SessionInfo(row.id, row.user_id, state, address, row.created_at, row.expires_at)


def _get_player(connection: Connection, user_id: int, *, lock: bool = False) -> Any:
    statement = select(*readable_columns(_USERS)).where(_USERS.c.id == user_id)
    row = connection.execute(statement.with_for_update() if lock else statement).first()
    if row is None:
        raise PlayerNotFound(f"no metaserver player has id {user_id}")
    return row


def user_sessions(database: Database, user_id: int, limit: int = 200) -> list[SessionInfo]:
    """A player's sessions: active ones first, then the rest, newest first.

    Raises:
        PlayerNotFound: no player has this id.
        BadInput: the id or the limit is not a whole number in range.
    """
    inputs.row_id(user_id, "the player id")
    inputs.row_count(limit, "the limit")
    state = _state().label("state")
    statement = (
        select(
            MetaSession.id,
            MetaSession.user_id,
            state,
            MetaSession.ip_address,
            MetaSession.created_at,
            MetaSession.expires_at,
        )
        .where(MetaSession.user_id == user_id)
        .order_by(desc(state == "active"), MetaSession.created_at.desc(), MetaSession.id.desc())
        .limit(limit)
    )
    with database.connect() as connection:
        _get_player(connection, user_id)
        rows = connection.execute(statement).all()
    return [_session(row, row.state) for row in rows]


def revoke_session(database: Database, session_id: int, reason: str) -> SessionInfo:
    """Revoke one live session (is_active false), audited with the reason.

    Raises:
        PermissionError: the role may not use the desk or the profile is read-only.
        inputs.ReasonRequired: the reason is blank.
        SessionNotFound: no session has this id.
        SessionNotActive: the session is already revoked or expired: nothing to revoke.
    """
    inputs.row_id(session_id, "the session id")
    reason = _reason(reason)
    with database.connect_for_desk_action() as connection:
        row = connection.execute(
            select(*readable_columns(_SESSIONS), _state().label("state"))
            .where(_SESSIONS.c.id == session_id)
            .with_for_update()
        ).first()
        if row is None:
            raise SessionNotFound(f"no metaserver session has id {session_id}")
        if row.state != "active":
            raise SessionNotActive(f"session {session_id} is already {row.state}: nothing to revoke")
        revoked = _revoke(connection, database, MetaSession.id == session_id, reason)
    return revoked[0]


def revoke_all_sessions(database: Database, user_id: int, reason: str) -> int:
    """Revoke every live session of a player; returns how many were revoked (maybe 0).

    Raises:
        PermissionError: the role may not use the desk or the profile is read-only.
        inputs.ReasonRequired: the reason is blank.
        PlayerNotFound: no player has this id.
    """
    inputs.row_id(user_id, "the player id")
    reason = _reason(reason)
    with database.connect_for_desk_action() as connection:
        # The player row lock serialises this with a ban or another revoke-all.
        _get_player(connection, user_id, lock=True)
        return len(_revoke(connection, database, MetaSession.user_id == user_id, reason))


def _revoke(connection: Connection, database: Database, where: Any, reason: str) -> list[SessionInfo]:
    """Revoke the live sessions matching `where`, one audit row per session."""
    live = where & MetaSession.is_active.is_(True) & (MetaSession.expires_at > func.now())
    rows = connection.execute(
        update(_SESSIONS).where(live).values(is_active=False).returning(*readable_columns(_SESSIONS))
    ).all()
    for row in rows:
        after = audit_image(_SESSIONS, row._mapping)
        _audit(
            connection,
            database,
            "revoke-session",
            "sessions",
            {"id": row.id},
            {**after, "is_active": True},
            after,
            reason,
        )
    return [_session(row, "revoked") for row in rows]


def ban(database: Database, user_id: int, reason: str) -> BanResult:
    """Ban a player (users.is_active false) and revoke their live sessions, audited.

    Raises:
        PermissionError: the role may not use the desk or the profile is read-only.
        inputs.ReasonRequired: the reason is blank.
        PlayerNotFound: no player has this id.
        AlreadyBanned: the player is banned already.
    """
    return _set_banned(database, user_id, reason, banned=True)


def unban(database: Database, user_id: int, reason: str) -> MetaPlayer:
    """Lift a player's ban (users.is_active true), audited; revoked sessions stay revoked.

    Raises:
        PermissionError: the role may not use the desk or the profile is read-only.
        inputs.ReasonRequired: the reason is blank.
        PlayerNotFound: no player has this id.
        NotBanned: the player is not banned.
    """
    return _set_banned(database, user_id, reason, banned=False).player


def _set_banned(database: Database, user_id: int, reason: str, *, banned: bool) -> BanResult:
    inputs.row_id(user_id, "the player id")
    reason = _reason(reason)
    with database.connect_for_desk_action() as connection:
        # Locked, so that two operators cannot both pass the check below.
        before = _get_player(connection, user_id, lock=True)
        if banned and not before.is_active:
            raise AlreadyBanned(f"player {before.username} (id {user_id}) is already banned")
        if not banned and before.is_active:
            raise NotBanned(f"player {before.username} (id {user_id}) is not banned")
        after = connection.execute(
            update(_USERS)
            .where(_USERS.c.id == user_id)
            .values(is_active=not banned)
            .returning(*readable_columns(_USERS))
        ).one()
        _audit(
            connection,
            database,
            "ban" if banned else "unban",
            "users",
            {"id": user_id},
            audit_image(_USERS, before._mapping),
            audit_image(_USERS, after._mapping),
            reason,
        )
        revoked = _revoke(connection, database, MetaSession.user_id == user_id, reason) if banned else []
    return BanResult(_player(after), len(revoked))


_SUMS = (
    func.count().label("games"),
    coalesce(func.sum(PlayerStat.score), 0).label("score"),
    coalesce(func.sum(PlayerStat.kills), 0).label("kills"),
    coalesce(func.sum(PlayerStat.deaths), 0).label("deaths"),
    coalesce(func.sum(PlayerStat.assists), 0).label("assists"),
)


def player_stats(database: Database, user_id: int, recent: int = 10) -> PlayerStats:
    """A player's totals over every game, best score, and latest `recent` games.

    Raises:
        PlayerNotFound: no player has this id.
    """
    totals = select(*_SUMS, func.max(PlayerStat.score).label("best")).where(PlayerStat.user_id == user_id)
    latest = (
        select(
            Game.id,
            Game.game_type,
            Room.name,
            PlayerStat.played_at,
            PlayerStat.score,
            PlayerStat.kills,
            PlayerStat.deaths,
            PlayerStat.assists,
        )
        .join(Game, Game.id == PlayerStat.game_id)
        .outerjoin(Room, Room.id == Game.room_id)
        .where(PlayerStat.user_id == user_id)
        .order_by(PlayerStat.played_at.desc(), PlayerStat.id.desc())
        .limit(recent)
    )
    with database.connect() as connection:
        player = _player(_get_player(connection, user_id))
        row = connection.execute(totals).one()
        games = tuple(GameResult(*game) for game in connection.execute(latest))
    return PlayerStats(player, _totals(row), row.best, games)


def leaderboard(database: Database, limit: int = 20, offset: int = 0) -> list[LeaderboardEntry]:
    """Players by total score, highest first (ties by id), with kills, deaths and assists.

    Banned players stay on the board, flagged by is_active, so support sees them.
    """
    score = func.sum(PlayerStat.score)
    statement = (
        select(func.rank().over(order_by=score.desc()).label("rank"), *_PLAYER_COLUMNS, *_SUMS)
        .join(MetaUser, MetaUser.id == PlayerStat.user_id)
        .group_by(MetaUser.id)
        .order_by(score.desc(), MetaUser.id)
        .limit(limit)
        .offset(offset)
    )
    with database.connect() as connection:
        rows = connection.execute(statement).all()
    return [LeaderboardEntry(row.rank, _player(row), _totals(row)) for row in rows]


def rooms(database: Database) -> list[RoomInfo]:
    """Every room with its caste bounds, by name."""
    statement = select(
        Room.id,
        Room.name,
        Room.room_type,
        Room.max_players,
        Room.min_caste,
        Room.max_caste,
        Room.is_ranked,
        Room.is_tournament,
    ).order_by(Room.name, Room.id)
    with database.connect() as connection:
        return [RoomInfo(*row) for row in connection.execute(statement)]


def _reason(reason: str | None) -> str:
    return inputs.required_reason(reason, "for every metaserver desk action")


def _audit(
    connection: Connection,
    database: Database,
    action: str,
    table: str,
    key: dict[str, Any],
    before: dict[str, Any],
    after: dict[str, Any],
    reason: str,
) -> None:
    settings = database.settings
    # The schema the row really lives in, as the grid's audit rows name it.
    write_audit(
        connection,
        settings,
        AuditEntry(action, settings.real_schema(SCHEMA), table, key=key, before=before, after=after, reason=reason),
    )

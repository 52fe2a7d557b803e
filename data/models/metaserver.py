"""metaserver: the Myth metaserver (seed 002): users, rooms, games, player stats, sessions.

Tables, columns, defaults and index names are the seed's SQL. Tightened: every relation is one
foreign key (the seed declares each twice, inline and as a named constraint; the named one
with its ON DELETE rule is kept), the flags and creation times are NOT NULL, and CHECKs keep
counts non-negative and caste bounds ordered. Session tokens are unique.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    text,
)
from sqlalchemy.dialects.postgresql import INET, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from data.models.base import Base

SCHEMA = "metaserver"


def _created_at() -> Mapped[datetime]:
    return mapped_column(DateTime(timezone=True), nullable=False, server_default=text("CURRENT_TIMESTAMP"))


class MetaUser(Base):
    """A player account; caste is the player's rank, which rooms admit within bounds."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("caste BETWEEN -1 AND 99", name="caste_range"),
        Index("idx_users_username", "username"),
        Index("idx_users_caste", "caste"),
        {"schema": SCHEMA, "comment": "Myth metaserver players"},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(50), nullable=False, unique=True)
    password_hash: Mapped[str] = mapped_column(String(128), nullable=False)
    caste: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"))
    created_at: Mapped[datetime] = _created_at()
    last_login: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("true"))
    is_admin: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("false"))
    # "metadata" is reserved on declarative classes, hence the attribute name.
    meta: Mapped[dict[str, Any] | None] = mapped_column("metadata", JSONB)


class Room(Base):
    """A lobby; players whose caste is within [min_caste, max_caste] may join."""

    __tablename__ = "rooms"
    __table_args__ = (
        CheckConstraint("max_players > 0", name="max_players_positive"),
        CheckConstraint("min_caste <= max_caste", name="caste_bounds"),
        Index("idx_rooms_type", "room_type"),
        {"schema": SCHEMA, "comment": "Myth metaserver rooms (lobbies)"},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    room_type: Mapped[str] = mapped_column(String(20), nullable=False)
    max_players: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("32"))
    min_caste: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("-1"))
    max_caste: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("99"))
    is_ranked: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("false"))
    is_tournament: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("false"))
    created_at: Mapped[datetime] = _created_at()
    meta: Mapped[dict[str, Any] | None] = mapped_column("metadata", JSONB)


class Game(Base):
    """One game played in a room; the room may since have been deleted (SET NULL)."""

    __tablename__ = "games"
    __table_args__ = (
        CheckConstraint("player_count >= 0", name="player_count_non_negative"),
        CheckConstraint("end_time >= start_time", name="ends_after_start"),
        Index("idx_games_room", "room_id"),
        Index("idx_games_type", "game_type"),
        {"schema": SCHEMA, "comment": "Myth metaserver games"},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    room_id: Mapped[int | None] = mapped_column(ForeignKey(f"{SCHEMA}.rooms.id", ondelete="SET NULL", name="fk_room"))
    game_type: Mapped[str] = mapped_column(String(20), nullable=False)
    start_time: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    end_time: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    player_count: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"))
    game_state: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    meta: Mapped[dict[str, Any] | None] = mapped_column("metadata", JSONB)


class PlayerStat(Base):
    """One player's result in one game."""

    __tablename__ = "player_stats"
    __table_args__ = (
        CheckConstraint("kills >= 0 AND deaths >= 0 AND assists >= 0", name="counts_non_negative"),
        Index("idx_stats_user", "user_id"),
        Index("idx_stats_game", "game_id"),
        {"schema": SCHEMA, "comment": "Per-player results of Myth games"},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey(f"{SCHEMA}.users.id", ondelete="CASCADE", name="fk_user"), nullable=False
    )
    game_id: Mapped[int] = mapped_column(
        ForeignKey(f"{SCHEMA}.games.id", ondelete="CASCADE", name="fk_game"), nullable=False
    )
    score: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"))
    kills: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"))
    deaths: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"))
    assists: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"))
    played_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=text("CURRENT_TIMESTAMP")
    )
    meta: Mapped[dict[str, Any] | None] = mapped_column("metadata", JSONB)


class MetaSession(Base):
    """A login session; support revokes one by clearing is_active."""

    __tablename__ = "sessions"
    __table_args__ = (
        CheckConstraint("expires_at > created_at", name="expires_after_created"),
        # A token identifies exactly one session, so the seed's lookup index is unique.
        Index("idx_sessions_token", "session_token", unique=True),
        Index("idx_sessions_user", "user_id"),
        {"schema": SCHEMA, "comment": "Myth metaserver login sessions"},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey(f"{SCHEMA}.users.id", ondelete="CASCADE", name="fk_user"), nullable=False
    )
    session_token: Mapped[str] = mapped_column(String(256), nullable=False)
    ip_address: Mapped[str | None] = mapped_column(INET)
    created_at: Mapped[datetime] = _created_at()
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("true"))

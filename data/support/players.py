"""Find a gacha player and show what support needs to know about them.

`find_players` looks a player up by id, by Discord id or by the start of their academy
name, each through an index so it stays fast on a million players. The name search
compares `lower(academy_name) COLLATE "C"`: the C collation lets a plain btree on that
expression serve a LIKE prefix and the ORDER BY at once, whatever the database's locale,
so the first page of a broad prefix ("s") costs a few index entries, not a sort of every
match (id breaks ties, so it is the index's second column). The index it needs is

    CREATE INDEX ix_users_lower_academy_name ON gacha.users (lower(academy_name) COLLATE "C", id);

`player_profile` reads one player's balances, ledger, collection, equipment, expeditions
and redeemed codes in one REPEATABLE READ transaction, so the ledger shown is the one that
sums to the balances shown.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, cast

from sqlalchemy import Connection, Select, Table, and_, false, func, literal, select, union_all

from data import inputs
from data.engine import Database
from data.errors import Refusal
from data.inputs import CURRENCIES, INT4_MAX
from data.models.gacha import (
    CurrencyLedger,
    Equipment,
    ExpeditionParticipant,
    GachaUser,
    GiftCode,
    GiftCodeRedemption,
    UserExpedition,
    UserWaifu,
    Waifu,
)

MatchKind = Literal["id", "discord_id", "name"]

MAX_RESULTS = 200
RECENT_LEDGER = 20
EQUIPMENT_SHOWN = 20  # the bot's MAX_EQUIPMENT_PER_USER: a player rarely has more

USERS = cast(Table, GachaUser.__table__)
LEDGER = cast(Table, CurrencyLedger.__table__)
# The expression the name index is built on; the query must spell it the same way.
NAME_KEY = func.lower(USERS.c.academy_name).collate("C")


class PlayerNotFound(Refusal, ValueError):
    """No gacha player has this id."""

    title = "Player not found"

    def __init__(self, user_id: int) -> None:
        super().__init__(f"no gacha player with id {user_id}")
        self.user_id = user_id


@dataclass(frozen=True)
class PlayerHit:
    """One player found by `find_players`, and which of the query's readings matched."""

    id: int
    discord_id: str
    academy_name: str | None
    collector_rank: int
    sakura_crystals: int
    quartzs: int
    daphine: int
    matched: MatchKind


@dataclass(frozen=True)
class LedgerEntry:
    """One row of gacha.currency_ledger: a change to one balance and the balance after it."""

    id: int
    user_id: int
    currency: str
    delta: int
    balance_after: int
    reason: str
    operator: str
    created_at: datetime


@dataclass(frozen=True)
class RarityCount:
    """How many characters of one rarity (1-3 stars) a player owns, and how many awakened."""

    rarity: int
    count: int
    awakened: int


@dataclass(frozen=True)
class EquipmentPiece:
    """A piece of equipment, its main effect summarised from the bot's JSON."""

    id: int
    main_effect: str
    unlocked_sub_slots: int
    updated_at: datetime


@dataclass(frozen=True)
class ExpeditionInProgress:
    """An expedition still out, with when it is due back (started + duration)."""

    id: int
    name: str
    location: str
    difficulty: str
    started_at: datetime
    due_at: datetime
    party_size: int


@dataclass(frozen=True)
class RedeemedCode:
    """A gift code the player redeemed, with what it gave."""

    code: str
    reward_type: str
    reward_value: int
    redeemed_at: datetime


@dataclass(frozen=True)
class PlayerProfile:
    """Everything the support desk shows about one player."""

    id: int
    discord_id: str
    academy_name: str | None
    collector_rank: int
    pity_counter: int
    sakura_crystals: int
    quartzs: int
    daphine: int
    created_at: datetime
    ledger: tuple[LedgerEntry, ...]
    """The most recent entries, newest first (at most RECENT_LEDGER)."""
    collection: tuple[RarityCount, ...]
    """One entry per rarity 1-3, zeros included."""
    equipment_count: int
    equipment: tuple[EquipmentPiece, ...]
    """The most recently changed pieces (at most EQUIPMENT_SHOWN)."""
    expeditions: tuple[ExpeditionInProgress, ...]
    redeemed_codes: tuple[RedeemedCode, ...]

    @property
    def balances(self) -> dict[str, int]:
        """The three currencies by name, in CURRENCIES order."""
        return {currency: getattr(self, currency) for currency in CURRENCIES}

    @property
    def collection_size(self) -> int:
        return sum(entry.count for entry in self.collection)


def like_prefix(text_: str) -> str:
    """A LIKE pattern matching strings that start with `text_` literally (escape: backslash)."""
    escaped = text_.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%"


def find_players(database: Database, query: str, limit: int = 50) -> list[PlayerHit]:
    """Players whose id or Discord id is `query`, or whose academy name starts with it.

    The name match ignores case; `%`, `_` and `\\` in the query are taken literally. A
    query of digits can match all three ways (Discord ids are digits too): exact matches
    come first (id, then Discord id), then names in alphabetical order, each player once.

    Args:
        query: what the user typed; surrounding spaces are ignored, blank finds nothing.
        limit: the most players to return (1 to MAX_RESULTS).

    Raises:
        BadInput: limit out of range.
    """
    inputs.whole(limit, "the limit", low=1, high=MAX_RESULTS)
    typed = query.strip()
    if not typed:
        return []
    with database.connect() as connection:
        rows = connection.execute(search_statement(typed, limit)).all()
    hits: dict[int, PlayerHit] = {}
    for row in rows:
        if row.id not in hits and len(hits) < limit:
            hits[row.id] = PlayerHit(
                row.id,
                row.discord_id,
                row.academy_name,
                row.collector_rank,
                row.sakura_crystals,
                row.quartzs,
                row.daphine,
                matched=row.matched,
            )
    return list(hits.values())


def search_statement(typed: str, limit: int) -> Select[*tuple[Any, ...]]:
    """The query behind `find_players`: three indexed branches, at most limit + 2 rows."""
    columns = (
        USERS.c.id,
        USERS.c.discord_id,
        USERS.c.academy_name,
        USERS.c.collector_rank,
        USERS.c.sakura_crystals,
        USERS.c.quartzs,
        USERS.c.daphine,
        NAME_KEY.label("name_key"),
    )
    numeric = typed.isascii() and typed.isdigit() and int(typed) <= INT4_MAX
    # Each branch is served by its own index (primary key, discord_id, the name index);
    # one OR over the three would push the planner to a bitmap or a sequential scan.
    branches = [
        select(*columns, literal(0).label("rank"), literal("id").label("matched")).where(
            USERS.c.id == int(typed) if numeric else false()
        ),
        select(*columns, literal(1).label("rank"), literal("discord_id").label("matched")).where(
            USERS.c.discord_id == typed
        ),
        select(*columns, literal(2).label("rank"), literal("name").label("matched"))
        .where(NAME_KEY.like(func.lower(like_prefix(typed)), escape="\\"))
        .order_by(NAME_KEY, USERS.c.id)
        .limit(limit),
    ]
    found = union_all(*(branch.subquery().select() for branch in branches)).subquery()
    # At most limit + 2 rows reach this sort: the branches have done the real work.
    return select(found).order_by(found.c.rank, found.c.name_key, found.c.id)


def player_profile(database: Database, user_id: int) -> PlayerProfile:
    """One player's balances, recent ledger, collection, equipment, expeditions and codes.

    Six queries in one REPEATABLE READ transaction: a grant committed half-way through
    cannot make the ledger disagree with the balances.

    Raises:
        PlayerNotFound: no player has this id.
        BadInput: the id is not a whole number in an int4's range.
    """
    inputs.row_id(user_id, "the player id")
    with database.connect() as connection:
        # Allowed here: nothing has run in this transaction yet (SET is not a query).
        connection.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        user = connection.execute(select(USERS).where(USERS.c.id == user_id)).one_or_none()
        if user is None:
            raise PlayerNotFound(user_id)
        equipment_count, equipment = _equipment(connection, user.discord_id)
        return PlayerProfile(
            id=user.id,
            discord_id=user.discord_id,
            academy_name=user.academy_name,
            collector_rank=user.collector_rank,
            pity_counter=user.pity_counter,
            sakura_crystals=user.sakura_crystals,
            quartzs=user.quartzs,
            daphine=user.daphine,
            created_at=user.created_at,
            ledger=recent_ledger(connection, user_id),
            collection=_collection(connection, user_id),
            equipment_count=equipment_count,
            equipment=equipment,
            expeditions=_expeditions(connection, user_id),
            redeemed_codes=_redeemed(connection, user.discord_id),
        )


def recent_ledger(connection: Connection, user_id: int, limit: int = RECENT_LEDGER) -> tuple[LedgerEntry, ...]:
    """A player's latest ledger entries, newest first (served by the (user_id, created_at) index)."""
    rows = connection.execute(
        select(
            LEDGER.c.id,
            LEDGER.c.user_id,
            LEDGER.c.currency,
            LEDGER.c.delta,
            LEDGER.c.balance_after,
            LEDGER.c.reason,
            LEDGER.c.operator,
            LEDGER.c.created_at,
        )
        .where(LEDGER.c.user_id == user_id)
        .order_by(LEDGER.c.created_at.desc(), LEDGER.c.id.desc())
        .limit(limit)
    ).all()
    return tuple(LedgerEntry(*row) for row in rows)


def _collection(connection: Connection, user_id: int) -> tuple[RarityCount, ...]:
    owned = cast(Table, UserWaifu.__table__)
    waifus = cast(Table, Waifu.__table__)
    rows = connection.execute(
        select(waifus.c.rarity, func.count(), func.count().filter(owned.c.is_awakened))
        .select_from(owned.join(waifus, owned.c.waifu_id == waifus.c.waifu_id))
        .where(owned.c.user_id == user_id)
        .group_by(waifus.c.rarity)
    ).all()
    counts = {rarity: (count, awakened) for rarity, count, awakened in rows}
    return tuple(RarityCount(r, *counts.get(r, (0, 0))) for r in (1, 2, 3))


def _equipment(connection: Connection, discord_id: str) -> tuple[int, tuple[EquipmentPiece, ...]]:
    """How many pieces the player has, and the latest EQUIPMENT_SHOWN of them."""
    table = cast(Table, Equipment.__table__)
    rows = connection.execute(
        select(
            table.c.id,
            table.c.main_effect,
            table.c.unlocked_sub_slots,
            table.c.updated_at,
            func.count().over().label("total"),
        )
        .where(table.c.discord_id == discord_id)
        .order_by(table.c.updated_at.desc(), table.c.id.desc())
        .limit(EQUIPMENT_SHOWN)
    ).all()
    pieces = tuple(
        EquipmentPiece(r.id, describe_effect(r.main_effect), r.unlocked_sub_slots, r.updated_at) for r in rows
    )
    return (rows[0].total if rows else 0), pieces


def describe_effect(raw: str) -> str:
    """The bot's effect JSON as a short phrase ("affinity_add: fire"); odd text as it is."""
    try:
        effect = json.loads(raw)
    except ValueError:
        return raw
    if not isinstance(effect, dict) or "type" not in effect:
        return raw
    value = effect.get("value")
    stat = effect.get("stat")
    detail = " ".join(str(part) for part in (stat, value) if part is not None)
    return f"{effect['type']}: {detail}" if detail else str(effect["type"])


def _expeditions(connection: Connection, user_id: int) -> tuple[ExpeditionInProgress, ...]:
    table = cast(Table, UserExpedition.__table__)
    party = cast(Table, ExpeditionParticipant.__table__)
    size = select(func.count()).where(party.c.expedition_id == table.c.id).correlate(table).scalar_subquery()
    rows = connection.execute(
        select(
            table.c.id,
            table.c.expedition_name,
            table.c.location,
            table.c.difficulty,
            table.c.started_at,
            table.c.duration_hours,
            size.label("party_size"),
        )
        .where(and_(table.c.user_id == user_id, table.c.status == "in_progress"))
        .order_by(table.c.started_at)
    ).all()
    return tuple(
        ExpeditionInProgress(
            r.id,
            r.expedition_name,
            r.location,
            r.difficulty,
            r.started_at,
            r.started_at + timedelta(hours=r.duration_hours),
            r.party_size,
        )
        for r in rows
    )


def _redeemed(connection: Connection, discord_id: str) -> tuple[RedeemedCode, ...]:
    redemptions = cast(Table, GiftCodeRedemption.__table__)
    codes = cast(Table, GiftCode.__table__)
    rows = connection.execute(
        select(codes.c.code, codes.c.reward_type, codes.c.reward_value, redemptions.c.redeemed_at)
        .select_from(redemptions.join(codes, redemptions.c.code == codes.c.code))
        .where(redemptions.c.user_id == discord_id)
        .order_by(redemptions.c.redeemed_at.desc())
    ).all()
    return tuple(RedeemedCode(*row) for row in rows)

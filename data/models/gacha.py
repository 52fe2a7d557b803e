"""gacha: Geminya's collection game (seed 004), plus our currency ledger.

Tables, columns, defaults and index names are the seed's. Tightened as the design asks:
every relation is a foreign key (the seed's VARCHAR discord-id columns reference
users.discord_id), columns with a default or a required meaning are NOT NULL, CHECKs bound
the enumerations and ranges, and every foreign key and lookup path has an index. The seed's
JSON-in-TEXT columns stay TEXT and its TIMESTAMP columns stay without time zone: the console
shows what the real database holds.
"""

from __future__ import annotations

import datetime as dt
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Double,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from data.inputs import CURRENCIES, GIFT_CODE_MAX, REASON_MAX
from data.models.base import Base

SCHEMA = "gacha"

EXPEDITION_STATUSES: tuple[str, ...] = ("in_progress", "completed", "cancelled")
MISSION_DIFFICULTIES: tuple[str, ...] = ("easy", "medium", "hard")
BANNER_TYPES: tuple[str, ...] = ("rate-up", "limited")
PURCHASE_STATUSES: tuple[str, ...] = ("pending", "completed", "failed", "refunded")


def _in(column: str, values: tuple[str, ...]) -> str:
    """The SQL of a CHECK that column holds one of values."""
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _int(default: int) -> Mapped[int]:
    """A NOT NULL integer with the seed's default, kept in the database."""
    return mapped_column(Integer, nullable=False, server_default=text(str(default)))


def _flag(default: bool) -> Mapped[bool]:
    """A NOT NULL boolean with the seed's default, kept in the database."""
    return mapped_column(Boolean, nullable=False, server_default=text(str(default).lower()))


def _now() -> Mapped[datetime]:
    """The seed's `TIMESTAMP DEFAULT CURRENT_TIMESTAMP`, made NOT NULL."""
    return mapped_column(DateTime, nullable=False, server_default=text("CURRENT_TIMESTAMP"))


def _user_fk() -> ForeignKey:
    """users.id, as the seed's integer user_id columns reference it."""
    return ForeignKey(f"{SCHEMA}.users.id", ondelete="CASCADE")


def _discord_fk() -> ForeignKey:
    """users.discord_id: the seed keys some tables by the player's Discord id."""
    return ForeignKey(f"{SCHEMA}.users.discord_id", ondelete="CASCADE")


class GachaUser(Base):
    """A Discord player and their three currencies."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("sakura_crystals >= 0", name="sakura_crystals_non_negative"),
        CheckConstraint("quartzs >= 0", name="quartzs_non_negative"),
        CheckConstraint("daphine >= 0", name="daphine_non_negative"),
        CheckConstraint("collector_rank >= 1", name="collector_rank_positive"),
        CheckConstraint("pity_counter >= 0", name="pity_counter_non_negative"),
        CheckConstraint("last_daily_reset >= 0", name="last_daily_reset_non_negative"),
        Index("idx_discord_id", "discord_id"),
        # Support finds players by name as well as by id.
        Index(None, "academy_name"),
        {"schema": SCHEMA, "comment": "Geminya players and their currencies"},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    discord_id: Mapped[str] = mapped_column(String(100), nullable=False, unique=True)
    academy_name: Mapped[str | None] = mapped_column(String(255))
    collector_rank: Mapped[int] = _int(1)
    sakura_crystals: Mapped[int] = _int(2000)
    quartzs: Mapped[int] = _int(0)
    pity_counter: Mapped[int] = _int(0)
    # Unix time (seconds) of the last daily reset, as the bot stores it.
    last_daily_reset: Mapped[int] = mapped_column(BigInteger, nullable=False, server_default=text("0"))
    daphine: Mapped[int] = _int(0)
    created_at: Mapped[datetime] = _now()


class Series(Base):
    """An anime or manga series, imported from an external catalogue (ids are theirs)."""

    __tablename__ = "series"
    __table_args__ = (
        CheckConstraint("favorites >= 0", name="favorites_non_negative"),
        CheckConstraint("members >= 0", name="members_non_negative"),
        CheckConstraint("score >= 0 AND score <= 10", name="score_range"),
        {"schema": SCHEMA, "comment": "Anime and manga series"},
    )

    series_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(255), nullable=False, unique=True)
    english_name: Mapped[str | None] = mapped_column(String(255))
    image_link: Mapped[str | None] = mapped_column(Text)
    studios: Mapped[str | None] = mapped_column(Text)
    genres: Mapped[str | None] = mapped_column(Text)
    synopsis: Mapped[str | None] = mapped_column(Text)
    favorites: Mapped[int | None] = mapped_column(Integer)
    members: Mapped[int | None] = mapped_column(Integer)
    score: Mapped[float | None] = mapped_column(Double)


class Waifu(Base):
    """A collectible character; the JSON columns are TEXT, as the bot writes them."""

    __tablename__ = "waifus"
    __table_args__ = (
        CheckConstraint("rarity >= 1 AND rarity <= 3", name="rarity"),
        Index(None, "series_id"),
        Index(None, "name"),
        {"schema": SCHEMA, "comment": "Collectible characters"},
    )

    waifu_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    series_id: Mapped[int] = mapped_column(ForeignKey(f"{SCHEMA}.series.series_id"), nullable=False)
    # Denormalised series name, as in the seed.
    series: Mapped[str] = mapped_column(String(255), nullable=False)
    genre: Mapped[str] = mapped_column(String(100), nullable=False)
    rarity: Mapped[int] = mapped_column(Integer, nullable=False)
    image_url: Mapped[str | None] = mapped_column(Text)
    about: Mapped[str | None] = mapped_column(Text)
    stats: Mapped[str | None] = mapped_column(Text)
    elemental_type: Mapped[str | None] = mapped_column(Text)
    archetype: Mapped[str | None] = mapped_column(Text)
    potency: Mapped[str | None] = mapped_column(Text)
    elemental_resistances: Mapped[str | None] = mapped_column(Text)
    birthday: Mapped[dt.date | None] = mapped_column(Date)
    favorite_gifts: Mapped[str | None] = mapped_column(Text)
    special_dialogue: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = _now()


class UserWaifu(Base):
    """One character in a player's collection, with its progression."""

    __tablename__ = "user_waifus"
    __table_args__ = (
        # The bot's batch insert says ON CONFLICT (user_id, waifu_id): that needs this key.
        UniqueConstraint("user_id", "waifu_id"),
        CheckConstraint("bond_level >= 1", name="bond_level_positive"),
        CheckConstraint("constellation_level >= 0", name="constellation_non_negative"),
        CheckConstraint("current_star_level BETWEEN 1 AND 6", name="star_level_range"),
        CheckConstraint("star_shards >= 0 AND character_shards >= 0", name="shards_non_negative"),
        CheckConstraint("total_conversations >= 0", name="conversations_non_negative"),
        Index("idx_user_id", "user_id"),
        Index("idx_waifu_id", "waifu_id"),
        {"schema": SCHEMA, "comment": "Players' character collections"},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(_user_fk(), nullable=False)
    waifu_id: Mapped[int] = mapped_column(ForeignKey(f"{SCHEMA}.waifus.waifu_id", ondelete="CASCADE"), nullable=False)
    bond_level: Mapped[int] = _int(1)
    constellation_level: Mapped[int] = _int(0)
    current_star_level: Mapped[int | None] = mapped_column(Integer)
    star_shards: Mapped[int] = _int(0)
    character_shards: Mapped[int] = _int(0)
    is_awakened: Mapped[bool] = _flag(False)
    current_mood: Mapped[str] = mapped_column(String(50), nullable=False, server_default=text("'neutral'"))
    last_interaction: Mapped[datetime | None] = mapped_column(DateTime)
    total_conversations: Mapped[int] = _int(0)
    favorite_memory: Mapped[str | None] = mapped_column(Text)
    custom_nickname: Mapped[str | None] = mapped_column(String(100))
    room_decorations: Mapped[str | None] = mapped_column(Text)
    obtained_at: Mapped[datetime] = _now()


class Equipment(Base):
    """A piece of equipment: one main effect and up to five sub slots."""

    __tablename__ = "equipment"
    __table_args__ = (
        CheckConstraint("unlocked_sub_slots BETWEEN 0 AND 5", name="unlocked_sub_slots_range"),
        Index("idx_equipment_discord_id", "discord_id"),
        {"schema": SCHEMA, "comment": "Players' equipment"},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    discord_id: Mapped[str] = mapped_column(_discord_fk(), nullable=False)
    main_effect: Mapped[str] = mapped_column(Text, nullable=False)
    unlocked_sub_slots: Mapped[int] = _int(0)
    created_at: Mapped[datetime] = _now()
    updated_at: Mapped[datetime] = _now()


class EquipmentSubSlot(Base):
    """One of an equipment's sub slots (1-5), each at most once."""

    __tablename__ = "equipment_sub_slots"
    __table_args__ = (
        UniqueConstraint("equipment_id", "slot_index"),
        CheckConstraint("slot_index >= 1 AND slot_index <= 5", name="slot_index_range"),
        {"schema": SCHEMA, "comment": "Equipment sub slots"},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    equipment_id: Mapped[int] = mapped_column(ForeignKey(f"{SCHEMA}.equipment.id", ondelete="CASCADE"), nullable=False)
    slot_index: Mapped[int] = mapped_column(Integer, nullable=False)
    effect: Mapped[str | None] = mapped_column(Text)
    is_unlocked: Mapped[bool] = _flag(False)


class UserExpedition(Base):
    """An expedition a player sent a party on; difficulty is the template's number as text."""

    __tablename__ = "user_expeditions"
    __table_args__ = (
        CheckConstraint(_in("status", EXPEDITION_STATUSES), name="status"),
        # The bot writes str(template.difficulty): a whole number, stored as text.
        CheckConstraint("difficulty ~ '^[0-9]+$'", name="difficulty_numeric"),
        CheckConstraint("duration_hours > 0", name="duration_positive"),
        CheckConstraint("completed_at >= started_at", name="completed_after_started"),
        CheckConstraint("NOT rewards_claimed OR status = 'completed'", name="claim_when_completed"),
        Index("idx_user_expeditions_user_id", "user_id"),
        Index("idx_user_expeditions_status", "status"),
        Index(None, "equipped_equipment_id"),
        {"schema": SCHEMA, "comment": "Players' expeditions"},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(_user_fk(), nullable=False)
    expedition_name: Mapped[str] = mapped_column(String(255), nullable=False)
    location: Mapped[str] = mapped_column(String(255), nullable=False)
    difficulty: Mapped[str] = mapped_column(String(50), nullable=False)
    status: Mapped[str] = mapped_column(String(50), nullable=False, server_default=text("'in_progress'"))
    duration_hours: Mapped[float] = mapped_column(Double, nullable=False)
    started_at: Mapped[datetime] = _now()
    completed_at: Mapped[datetime | None] = mapped_column(DateTime)
    rewards_claimed: Mapped[bool] = _flag(False)
    expedition_data: Mapped[str] = mapped_column(Text, nullable=False, server_default=text("'{}'"))
    final_results: Mapped[str | None] = mapped_column(Text)
    # Equipment is consumed (deleted) to unlock slots on other pieces; history keeps a NULL.
    equipped_equipment_id: Mapped[int | None] = mapped_column(ForeignKey(f"{SCHEMA}.equipment.id", ondelete="SET NULL"))


class ExpeditionParticipant(Base):
    """A character in an expedition's party; the bot numbers positions from 0."""

    __tablename__ = "expedition_participants"
    __table_args__ = (
        UniqueConstraint("expedition_id", "position_in_party"),
        UniqueConstraint("expedition_id", "user_waifu_id"),
        CheckConstraint("position_in_party >= 0", name="position_non_negative"),
        CheckConstraint("star_level_used BETWEEN 1 AND 6", name="star_level_range"),
        CheckConstraint("final_hp >= 0 AND final_mp >= 0", name="final_non_negative"),
        Index(None, "user_waifu_id"),
        {"schema": SCHEMA, "comment": "Expedition parties"},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    expedition_id: Mapped[int] = mapped_column(
        ForeignKey(f"{SCHEMA}.user_expeditions.id", ondelete="CASCADE"), nullable=False
    )
    user_waifu_id: Mapped[int] = mapped_column(
        ForeignKey(f"{SCHEMA}.user_waifus.id", ondelete="CASCADE"), nullable=False
    )
    position_in_party: Mapped[int] = mapped_column(Integer, nullable=False)
    star_level_used: Mapped[int] = mapped_column(Integer, nullable=False)
    final_hp: Mapped[int | None] = mapped_column(Integer)
    final_mp: Mapped[int | None] = mapped_column(Integer)


class ExpeditionLog(Base):
    """One event of an expedition: start, encounters, loot, completion or cancellation."""

    __tablename__ = "expedition_logs"
    __table_args__ = (
        CheckConstraint("encounter_number >= 1", name="encounter_number_positive"),
        Index(None, "expedition_id", "timestamp"),
        {"schema": SCHEMA, "comment": "Expedition event logs"},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    expedition_id: Mapped[int] = mapped_column(
        ForeignKey(f"{SCHEMA}.user_expeditions.id", ondelete="CASCADE"), nullable=False
    )
    log_type: Mapped[str] = mapped_column(String(50), nullable=False)
    encounter_number: Mapped[int | None] = mapped_column(Integer)
    message: Mapped[str] = mapped_column(Text, nullable=False)
    data: Mapped[str] = mapped_column(Text, nullable=False, server_default=text("'{}'"))
    timestamp: Mapped[datetime] = _now()


class ShopItem(Base):
    """An item on sale; stock_limit -1 means unlimited."""

    __tablename__ = "shop_items"
    __table_args__ = (
        CheckConstraint("price >= 0", name="price_non_negative"),
        CheckConstraint("stock_limit >= -1", name="stock_limit_range"),
        Index(None, "category"),
        {"schema": SCHEMA, "comment": "The shop's catalogue"},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    price: Mapped[int] = mapped_column(Integer, nullable=False)
    category: Mapped[str] = mapped_column(String(50), nullable=False)
    item_type: Mapped[str] = mapped_column(String(50), nullable=False)
    item_data: Mapped[str | None] = mapped_column(Text)
    effects: Mapped[str | None] = mapped_column(Text)
    stock_limit: Mapped[int] = _int(-1)
    is_active: Mapped[bool] = _flag(True)
    created_at: Mapped[datetime] = _now()


class UserPurchase(Base):
    """A shop purchase; user_id is the player's discord id, as in the seed."""

    __tablename__ = "user_purchases"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("total_cost >= 0", name="total_cost_non_negative"),
        CheckConstraint(_in("currency_type", CURRENCIES), name="currency_type"),
        CheckConstraint(_in("transaction_status", PURCHASE_STATUSES), name="transaction_status"),
        Index(None, "user_id", "purchased_at"),
        Index(None, "shop_item_id"),
        {"schema": SCHEMA, "comment": "Shop purchases"},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(_discord_fk(), nullable=False)
    shop_item_id: Mapped[int] = mapped_column(ForeignKey(f"{SCHEMA}.shop_items.id", ondelete="CASCADE"), nullable=False)
    quantity: Mapped[int] = _int(1)
    total_cost: Mapped[int] = mapped_column(Integer, nullable=False)
    currency_type: Mapped[str] = mapped_column(String(50), nullable=False, server_default=text("'quartzs'"))
    transaction_status: Mapped[str] = mapped_column(String(50), nullable=False, server_default=text("'completed'"))
    purchased_at: Mapped[datetime] = _now()


class UserInventoryItem(Base):
    """An item a player holds; user_id is the player's discord id, as in the seed."""

    __tablename__ = "user_inventory"
    __table_args__ = (
        CheckConstraint("quantity >= 0", name="quantity_non_negative"),
        Index(None, "user_id"),
        {"schema": SCHEMA, "comment": "Players' inventories"},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(_discord_fk(), nullable=False)
    item_name: Mapped[str] = mapped_column(String(255), nullable=False)
    item_type: Mapped[str] = mapped_column(String(50), nullable=False)
    quantity: Mapped[int] = _int(1)
    # "metadata" is reserved on declarative classes, hence the attribute name.
    meta: Mapped[str | None] = mapped_column("metadata", Text)
    effects: Mapped[str | None] = mapped_column(Text)
    is_active: Mapped[bool] = _flag(True)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime)
    acquired_at: Mapped[datetime] = _now()


class Banner(Base):
    """A gacha banner: a rate-up or limited pool open between two times."""

    __tablename__ = "banners"
    __table_args__ = (
        CheckConstraint(_in("type", BANNER_TYPES), name="type"),
        CheckConstraint("end_time > start_time", name="ends_after_start"),
        Index(None, "is_active", "end_time"),
        {"schema": SCHEMA, "comment": "Gacha banners"},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    type: Mapped[str] = mapped_column(String(50), nullable=False)
    start_time: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    end_time: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    is_active: Mapped[bool] = _flag(True)
    series_ids: Mapped[str | None] = mapped_column(Text)


class BannerItem(Base):
    """A character in a banner's pool; drop_rate is a probability (0, 1]."""

    __tablename__ = "banner_items"
    __table_args__ = (
        UniqueConstraint("banner_id", "item_id"),
        CheckConstraint("drop_rate > 0 AND drop_rate <= 1", name="drop_rate_range"),
        Index(None, "item_id"),
        {"schema": SCHEMA, "comment": "Characters in banner pools"},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    banner_id: Mapped[int] = mapped_column(ForeignKey(f"{SCHEMA}.banners.id", ondelete="CASCADE"), nullable=False)
    item_id: Mapped[int] = mapped_column(ForeignKey(f"{SCHEMA}.waifus.waifu_id", ondelete="CASCADE"), nullable=False)
    rate_up: Mapped[bool] = _flag(False)
    drop_rate: Mapped[float | None] = mapped_column(Double)


class DailyMission(Base):
    """A daily mission: reach target_count of an action, earn reward_amount of a currency."""

    __tablename__ = "daily_missions"
    __table_args__ = (
        CheckConstraint("target_count > 0", name="target_count_positive"),
        CheckConstraint("reward_amount > 0", name="reward_amount_positive"),
        CheckConstraint(_in("reward_type", CURRENCIES), name="reward_type"),
        CheckConstraint(_in("difficulty", MISSION_DIFFICULTIES), name="difficulty"),
        {"schema": SCHEMA, "comment": "Daily mission definitions"},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    type: Mapped[str] = mapped_column(String(50), nullable=False)
    target_count: Mapped[int] = mapped_column(Integer, nullable=False)
    reward_type: Mapped[str] = mapped_column(String(50), nullable=False)
    reward_amount: Mapped[int] = mapped_column(Integer, nullable=False)
    difficulty: Mapped[str] = mapped_column(String(20), nullable=False, server_default=text("'easy'"))
    is_active: Mapped[bool] = _flag(True)


class UserMissionProgress(Base):
    """A player's progress on one mission on one day."""

    __tablename__ = "user_mission_progress"
    __table_args__ = (
        UniqueConstraint("user_id", "mission_id", "date"),
        CheckConstraint("current_progress >= 0", name="progress_non_negative"),
        CheckConstraint("NOT claimed OR completed", name="claim_when_completed"),
        Index(None, "mission_id"),
        {"schema": SCHEMA, "comment": "Players' daily mission progress"},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(_user_fk(), nullable=False)
    mission_id: Mapped[int] = mapped_column(
        ForeignKey(f"{SCHEMA}.daily_missions.id", ondelete="CASCADE"), nullable=False
    )
    current_progress: Mapped[int] = _int(0)
    completed: Mapped[bool] = _flag(False)
    claimed: Mapped[bool] = _flag(False)
    # NOT NULL: the unique key is per day, and NULLs would never collide.
    date: Mapped[dt.date] = mapped_column(Date, nullable=False)


class GiftCode(Base):
    """A gift code; usage_limit -1 or NULL means unlimited, expires_at NULL never expires."""

    __tablename__ = "gift_codes"
    __table_args__ = (
        CheckConstraint("code = btrim(code) AND code <> ''", name="code_not_blank"),
        CheckConstraint(_in("reward_type", CURRENCIES), name="reward_type"),
        CheckConstraint("reward_value > 0", name="reward_value_positive"),
        CheckConstraint("usage_limit >= -1", name="usage_limit_range"),
        CheckConstraint(f"char_length(code) <= {GIFT_CODE_MAX}", name="code_length"),
        CheckConstraint("usage_limit <> 0", name="usage_limit_not_zero"),
        CheckConstraint("used_count >= 0", name="used_count_not_negative"),
        CheckConstraint(
            "usage_limit IS NULL OR usage_limit < 0 OR used_count <= usage_limit", name="used_within_limit"
        ),
        {"schema": SCHEMA, "comment": "Gift codes, unique case-insensitively"},
    )

    code: Mapped[str] = mapped_column(Text, primary_key=True)
    reward_type: Mapped[str] = mapped_column(Text, nullable=False)
    reward_value: Mapped[int] = mapped_column(Integer, nullable=False)
    is_active: Mapped[bool] = _flag(True)
    usage_limit: Mapped[int | None] = mapped_column(Integer)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = _now()
    # Kept by triggers on gift_code_redemptions (migrations e5c4f6a7b808 and e5c4f6a7b809), whoever inserts
    # or deletes redemptions: a redemption tests the limit against it instead of counting.
    used_count: Mapped[int] = mapped_column(
        Integer, nullable=False, server_default="0", comment="Redemptions of this code, kept by triggers"
    )


# Codes are typed by players in any case: "SPRING" and "spring" must be the same code.
Index("uq_gift_codes_code_lower", func.lower(GiftCode.code), unique=True)

# The support desk finds players by the start of their academy name, whatever its case:
# a C-collated lower() key serves that prefix as an index range scan in any locale, and
# the id orders ties without a sort.
# The migration creates it as lower(academy_name) COLLATE "C"; SQLAlchemy's reflection
# drops the COLLATE, so the model names the bare expression for autogenerate to compare.
Index("ix_users_lower_academy_name", func.lower(GachaUser.academy_name), GachaUser.id)


class GiftCodeRedemption(Base):
    """One player's redemption of one code; the key makes it once per player."""

    __tablename__ = "gift_code_redemptions"
    __table_args__ = (
        PrimaryKeyConstraint("user_id", "code"),
        # Counting a code's redemptions against its limit goes by code.
        Index(None, "code"),
        {"schema": SCHEMA, "comment": "Gift code redemptions"},
    )

    user_id: Mapped[str] = mapped_column(_discord_fk())
    code: Mapped[str] = mapped_column(ForeignKey(f"{SCHEMA}.gift_codes.code", ondelete="CASCADE"))
    redeemed_at: Mapped[datetime] = _now()


class Conversation(Base):
    """One exchange between a player and a character."""

    __tablename__ = "conversations"
    __table_args__ = (
        Index(None, "user_id", "waifu_id", "timestamp"),
        Index(None, "waifu_id"),
        {"schema": SCHEMA, "comment": "Player and character conversations"},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(_user_fk(), nullable=False)
    waifu_id: Mapped[int] = mapped_column(ForeignKey(f"{SCHEMA}.waifus.waifu_id", ondelete="CASCADE"), nullable=False)
    user_message: Mapped[str] = mapped_column(Text, nullable=False)
    waifu_response: Mapped[str] = mapped_column(Text, nullable=False)
    mood_change: Mapped[int] = _int(0)
    timestamp: Mapped[datetime] = _now()


class CurrencyLedger(Base):
    """Append-only record of every balance change; per user and currency it sums to the balance."""

    __tablename__ = "currency_ledger"
    __table_args__ = (
        CheckConstraint(_in("currency", CURRENCIES), name="currency"),
        CheckConstraint("delta <> 0", name="delta_non_zero"),
        CheckConstraint("balance_after >= 0", name="balance_after_non_negative"),
        CheckConstraint("btrim(reason) <> ''", name="reason_not_blank"),
        CheckConstraint(f"char_length(reason) <= {REASON_MAX}", name="reason_length"),
        Index(None, "user_id", "created_at"),
        {"schema": SCHEMA, "comment": "Currency ledger: every grant, deduction and spend"},
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(_user_fk(), nullable=False)
    currency: Mapped[str] = mapped_column(String(20), nullable=False)
    delta: Mapped[int] = mapped_column(Integer, nullable=False)
    balance_after: Mapped[int] = mapped_column(Integer, nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    operator: Mapped[str] = mapped_column(String(255), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())

"""heroes: Mids Hero Web's City of Heroes build-planner data (seed 000), plus saved builds.

The game data: archetypes, their powersets (primary, secondary, epic; pools belong to no
archetype), powers with their prerequisites and the enhancement attributes each accepts,
enhancement sets with their pieces and bonuses, and the log of imports. The planner's own
data: builds, the pool powersets a build uses, the powers picked and their slots.

Tightened as DESIGN.md asks: every relation is a foreign key with an index, values the game
requires are NOT NULL, and CHECKs hold the enumerations and the game's ranges (levels 1-50,
pick and slot levels, pieces_required 2-6, slot_index 0-5). The vocabularies the CHECKs use
are the module constants below, so services and the demo loader share one definition.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from data.models.base import Base

SCHEMA = "heroes"

POWERSET_TYPES: tuple[str, ...] = ("primary", "secondary", "pool", "epic")
ARCHETYPE_GROUPS: tuple[str, ...] = ("damage", "control", "defense", "support")
# City of Data's spellings, so an import can store the source value as it is.
POWER_TYPES: tuple[str, ...] = ("Click", "Toggle", "Auto")
ENHANCEMENT_TYPES: tuple[str, ...] = ("IO", "SO", "DO", "TO", "HamiO", "set_piece")

ENHANCEMENT_ATTRIBUTES: dict[str, str] = {
    "accuracy": "A",
    "damage": "A",
    "endurance_reduction": "A",
    "recharge": "A",
    "heal": "A",
    "endurance_modification": "A",
    "to_hit_debuff": "A",
    "defense_debuff": "A",
    "hold": "A",
    "stun": "A",
    "immobilize": "A",
    "sleep": "A",
    "slow": "A",
    "knockback": "A",
    "taunt": "A",
    "run_speed": "A",
    "jump": "A",
    "fly_speed": "A",
    "defense": "B",
    "resistance": "B",
    "to_hit": "B",
    "range": "B",
    "interrupt": "C",
    "fear": "D",
    "confuse": "D",
}
"""Every attribute an enhancement can enhance, with its diversification schedule (A-D).

The keys are the vocabulary of power_enhancement_compatibility.enhancement_type and of the
strengths an enhancement carries (the six seed columns plus other_bonuses)."""

ENHANCEMENT_COLUMNS: dict[str, str] = {
    "accuracy": "accuracy_bonus",
    "damage": "damage_bonus",
    "endurance_reduction": "endurance_bonus",
    "recharge": "recharge_bonus",
    "defense": "defense_bonus",
    "resistance": "resistance_bonus",
}
"""The attributes the seed gives a column of their own; the others live in other_bonuses."""

PICK_LEVELS: tuple[int, ...] = (1, 1, *range(2, 33, 2), 35, 38, 41, 44, 47, 49)
"""The 24 power picks by level: two at level 1 (one primary, one secondary)."""

ADDED_SLOT_LEVELS: tuple[int, ...] = (
    *(level for level in range(3, 30, 2) for _ in range(2)),
    *(level for level in (31, 33, 34, 36, 37, 39, 40, 42, 43, 45, 46, 48, 50) for _ in range(3)),
)
"""The 67 added slots by level: two at every odd level 3-29, three at the later levels."""

IMPORT_TYPES: tuple[str, ...] = ("i12", "cod", "characters", "series", "csv", "json")
IMPORT_STATUSES: tuple[str, ...] = ("running", "completed", "failed", "cancelled")


def _sql_list(values: tuple[Any, ...] | list[Any]) -> str:
    """Values as the inside of an SQL IN (...) list: quoted strings, bare integers."""
    return ", ".join(f"'{v}'" if isinstance(v, str) else str(v) for v in values)


def _timestamp() -> Mapped[datetime]:
    """created_at / updated_at: set by the server; writers set updated_at = now() on change."""
    return mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())


class Archetype(Base):
    """A character class (Blaster, Tanker...) and the hit points it has at level 50."""

    __tablename__ = "archetypes"
    __table_args__ = (
        CheckConstraint(f"primary_group IN ({_sql_list(ARCHETYPE_GROUPS)})", name="primary_group"),
        CheckConstraint(f"secondary_group IN ({_sql_list(ARCHETYPE_GROUPS)})", name="secondary_group"),
        CheckConstraint("hit_points_base > 0 AND hit_points_max >= hit_points_base", name="hit_points"),
        {"schema": SCHEMA, "comment": "Character classes (seed 000 archetypes)"},
    )

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False, unique=True)
    display_name: Mapped[str] = mapped_column(String(100), nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    primary_group: Mapped[str | None] = mapped_column(
        String(20), comment="Role of the primary powersets: damage, control, defense, support"
    )
    secondary_group: Mapped[str | None] = mapped_column(String(20))
    hit_points_base: Mapped[Decimal | None] = mapped_column(Numeric(8, 2), comment="Hit points at level 50")
    hit_points_max: Mapped[Decimal | None] = mapped_column(Numeric(8, 2), comment="Hit point cap at level 50")
    source: Mapped[dict[str, Any] | None] = mapped_column(JSONB, comment="The imported source record, as it came")
    created_at: Mapped[datetime] = _timestamp()
    updated_at: Mapped[datetime] = _timestamp()

    powersets: Mapped[list[Powerset]] = relationship(
        back_populates="archetype", passive_deletes=True, order_by="Powerset.id"
    )


class Powerset(Base):
    """A group of powers: an archetype's primary, secondary or epic set, or a shared pool.

    Pools are shared by every archetype, so a pool has no archetype (archetype_id NULL);
    every other powerset belongs to exactly one.
    """

    __tablename__ = "powersets"
    __table_args__ = (
        # NULLS NOT DISTINCT: two pools of the same name would otherwise both be allowed.
        UniqueConstraint("name", "archetype_id", "powerset_type", postgresql_nulls_not_distinct=True),
        CheckConstraint(f"powerset_type IN ({_sql_list(POWERSET_TYPES)})", name="powerset_type"),
        CheckConstraint("(powerset_type = 'pool') = (archetype_id IS NULL)", name="pool_shared"),
        Index(None, "archetype_id", "powerset_type"),
        {"schema": SCHEMA, "comment": "Groups of powers per archetype; pools are shared"},
    )

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    display_name: Mapped[str] = mapped_column(String(100), nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    internal_name: Mapped[str | None] = mapped_column(
        String(200), unique=True, comment="The game's full name, e.g. Blaster_Ranged.Fire_Blast"
    )
    archetype_id: Mapped[int | None] = mapped_column(ForeignKey(f"{SCHEMA}.archetypes.id", ondelete="CASCADE"))
    powerset_type: Mapped[str] = mapped_column(String(20), nullable=False)
    source: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    created_at: Mapped[datetime] = _timestamp()
    updated_at: Mapped[datetime] = _timestamp()

    archetype: Mapped[Archetype | None] = relationship(back_populates="powersets")
    powers: Mapped[list[Power]] = relationship(
        back_populates="powerset", passive_deletes=True, order_by="Power.position"
    )


class Power(Base):
    """One power of a powerset, with its base numbers and what can be slotted in it.

    level_available is the character level the power can first be picked at. Numbers are
    the unenhanced base values; effects holds the effect scales (archetype-independent, as
    the game data gives them) and `source` the imported record.
    """

    __tablename__ = "powers"
    __table_args__ = (
        # The seed's upsert conflicts on (name, powerset_id).
        UniqueConstraint("name", "powerset_id"),
        CheckConstraint("level_available BETWEEN 1 AND 50", name="level_available"),
        CheckConstraint(f"power_type IN ({_sql_list(POWER_TYPES)})", name="power_type"),
        CheckConstraint("max_slots BETWEEN 1 AND 6", name="max_slots"),
        CheckConstraint("max_targets >= 1", name="max_targets"),
        CheckConstraint("position >= 0", name="position"),
        CheckConstraint(
            "accuracy >= 0 AND damage_scale >= 0 AND endurance_cost >= 0"
            " AND recharge_time >= 0 AND activation_time >= 0 AND range >= 0 AND radius >= 0",
            name="non_negative",
        ),
        Index("idx_power_search", "powerset_id", "level_available"),
        # The seed's JSONB query pattern: effects->>'damage_type' = 'fire'.
        Index("idx_power_effects", text("(effects ->> 'damage_type')")),
        Index(None, "allowed_set_categories", postgresql_using="gin"),
        {"schema": SCHEMA, "comment": "Individual abilities (seed 000 powers)"},
    )

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    display_name: Mapped[str] = mapped_column(String(100), nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    internal_name: Mapped[str | None] = mapped_column(
        String(200),
        unique=True,
        comment="The game's full name, e.g. Blaster_Ranged.Fire_Blast.Flares",
    )
    powerset_id: Mapped[int] = mapped_column(ForeignKey(f"{SCHEMA}.powersets.id", ondelete="CASCADE"), nullable=False)
    position: Mapped[int] = mapped_column(
        SmallInteger, nullable=False, server_default=text("0"), comment="Display order in its set"
    )
    level_available: Mapped[int] = mapped_column(SmallInteger, nullable=False, server_default=text("1"))
    power_type: Mapped[str] = mapped_column(String(20), nullable=False)
    target_type: Mapped[str | None] = mapped_column(String(50))
    accuracy: Mapped[Decimal] = mapped_column(Numeric(6, 4), nullable=False, server_default=text("1.0"))
    damage_scale: Mapped[Decimal] = mapped_column(
        Numeric(8, 4),
        nullable=False,
        server_default=text("0"),
        comment="Sum of the damage scales; times the archetype's damage table",
    )
    endurance_cost: Mapped[Decimal] = mapped_column(Numeric(8, 4), nullable=False, server_default=text("0"))
    recharge_time: Mapped[Decimal] = mapped_column(
        Numeric(8, 3), nullable=False, server_default=text("0"), comment="Seconds"
    )
    activation_time: Mapped[Decimal] = mapped_column(
        Numeric(6, 3), nullable=False, server_default=text("0"), comment="Seconds"
    )
    range: Mapped[Decimal] = mapped_column(Numeric(8, 2), nullable=False, server_default=text("0"), comment="Feet")
    radius: Mapped[Decimal] = mapped_column(
        Numeric(8, 2), nullable=False, server_default=text("0"), comment="Feet; 0 = one target"
    )
    max_targets: Mapped[int] = mapped_column(SmallInteger, nullable=False, server_default=text("1"))
    max_slots: Mapped[int] = mapped_column(SmallInteger, nullable=False, server_default=text("6"))
    allowed_set_categories: Mapped[list[str]] = mapped_column(
        ARRAY(String(50)),
        nullable=False,
        server_default=text("'{}'::character varying[]"),
        comment="Enhancement set categories whose pieces can be slotted here",
    )
    effects: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False, server_default=text("'{}'::jsonb"))
    source: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    created_at: Mapped[datetime] = _timestamp()
    updated_at: Mapped[datetime] = _timestamp()

    powerset: Mapped[Powerset] = relationship(back_populates="powers")
    prerequisites: Mapped[list[PowerPrerequisite]] = relationship(
        foreign_keys="PowerPrerequisite.power_id", viewonly=True
    )
    compatibility: Mapped[list[PowerEnhancementCompatibility]] = relationship(viewonly=True)


class PowerPrerequisite(Base):
    """A power another power requires: groups are alternatives, rows in a group all required.

    A power is available when, for at least one of its group_numbers, every required power
    of that group has been taken; a power without rows has no prerequisite. So "Tough needs
    Boxing or Kick" is two groups of one row, and "Weave needs two of Boxing, Kick, Tough"
    is three groups of two rows.
    """

    __tablename__ = "power_prerequisites"
    __table_args__ = (
        CheckConstraint("power_id <> required_power_id", name="not_self"),
        CheckConstraint("group_number >= 1", name="group_number"),
        Index(None, "required_power_id"),
        {"schema": SCHEMA, "comment": "Powers a power requires; groups are alternatives (OR)"},
    )

    power_id: Mapped[int] = mapped_column(ForeignKey(f"{SCHEMA}.powers.id", ondelete="CASCADE"), primary_key=True)
    group_number: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    required_power_id: Mapped[int] = mapped_column(
        ForeignKey(f"{SCHEMA}.powers.id", ondelete="CASCADE"), primary_key=True
    )


class EnhancementSet(Base):
    """A named set of enhancements (Thunderstrike...) slotted in powers of its category."""

    __tablename__ = "enhancement_sets"
    __table_args__ = (
        CheckConstraint("min_level BETWEEN 1 AND 50", name="min_level"),
        CheckConstraint("max_level BETWEEN min_level AND 50", name="max_level"),
        Index(None, "category"),
        {"schema": SCHEMA, "comment": "Named enhancement sets (seed 000 enhancement_sets)"},
    )

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False, unique=True)
    display_name: Mapped[str] = mapped_column(String(100), nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    category: Mapped[str] = mapped_column(
        String(50), nullable=False, comment="Set category, e.g. Ranged Damage, Defense Sets"
    )
    min_level: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    max_level: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    source: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    created_at: Mapped[datetime] = _timestamp()
    updated_at: Mapped[datetime] = _timestamp()

    enhancements: Mapped[list[Enhancement]] = relationship(
        back_populates="enhancement_set", passive_deletes=True, order_by="Enhancement.position"
    )
    bonuses: Mapped[list[SetBonus]] = relationship(order_by="SetBonus.pieces_required", viewonly=True)


class Enhancement(Base):
    """An enhancement: a training, dual or single origin, crafted IO, HamiO or set piece.

    Strengths are percentages: accuracy_bonus .. resistance_bonus for the seed's six
    attributes (endurance_bonus is endurance cost reduction), other_bonuses for the rest
    ({"heal": 42.4}); keys are ENHANCEMENT_ATTRIBUTES. For crafted IOs and set pieces the
    strength is the value at level 50, which the planner scales by the IO level curve; TO,
    DO, SO and HamiO strengths are fixed. global_bonuses are always-on effects for the
    whole build (Luck of the Gambler's +7.5 % recharge), keyed like set_bonuses.bonus_type.
    """

    __tablename__ = "enhancements"
    __table_args__ = (
        CheckConstraint(f"enhancement_type IN ({_sql_list(ENHANCEMENT_TYPES)})", name="enhancement_type"),
        CheckConstraint("(enhancement_type = 'set_piece') = (set_id IS NOT NULL)", name="set_piece"),
        CheckConstraint("level_min BETWEEN 1 AND 50", name="level_min"),
        CheckConstraint("level_max BETWEEN level_min AND 50", name="level_max"),
        CheckConstraint(
            "COALESCE(accuracy_bonus, 0) >= 0 AND COALESCE(damage_bonus, 0) >= 0"
            " AND COALESCE(endurance_bonus, 0) >= 0 AND COALESCE(recharge_bonus, 0) >= 0"
            " AND COALESCE(defense_bonus, 0) >= 0 AND COALESCE(resistance_bonus, 0) >= 0",
            name="bonuses_non_negative",
        ),
        Index(None, "set_id"),
        Index(None, "enhancement_type"),
        {"schema": SCHEMA, "comment": "Enhancements and set pieces with their strengths"},
    )

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    name: Mapped[str] = mapped_column(String(150), nullable=False, unique=True)
    enhancement_type: Mapped[str] = mapped_column(String(20), nullable=False)
    set_id: Mapped[int | None] = mapped_column(ForeignKey(f"{SCHEMA}.enhancement_sets.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(
        SmallInteger, nullable=False, server_default=text("0"), comment="Piece order in its set"
    )
    level_min: Mapped[int] = mapped_column(SmallInteger, nullable=False, server_default=text("1"))
    level_max: Mapped[int] = mapped_column(SmallInteger, nullable=False, server_default=text("50"))
    accuracy_bonus: Mapped[Decimal | None] = mapped_column(Numeric(8, 4))
    damage_bonus: Mapped[Decimal | None] = mapped_column(Numeric(8, 4))
    endurance_bonus: Mapped[Decimal | None] = mapped_column(Numeric(8, 4), comment="Endurance cost reduction")
    recharge_bonus: Mapped[Decimal | None] = mapped_column(Numeric(8, 4))
    defense_bonus: Mapped[Decimal | None] = mapped_column(Numeric(8, 4))
    resistance_bonus: Mapped[Decimal | None] = mapped_column(Numeric(8, 4))
    other_bonuses: Mapped[dict[str, Any]] = mapped_column(
        JSONB,
        nullable=False,
        server_default=text("'{}'::jsonb"),
        comment='Strengths of the other attributes, e.g. {"heal": 42.4}',
    )
    global_bonuses: Mapped[dict[str, Any]] = mapped_column(
        JSONB,
        nullable=False,
        server_default=text("'{}'::jsonb"),
        comment="Build-wide effects, keyed like set_bonuses.bonus_type",
    )
    is_unique: Mapped[bool] = mapped_column(
        Boolean, nullable=False, server_default=text("false"), comment="At most once per build"
    )
    is_proc: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("false"))
    source: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    created_at: Mapped[datetime] = _timestamp()
    updated_at: Mapped[datetime] = _timestamp()

    enhancement_set: Mapped[EnhancementSet | None] = relationship(back_populates="enhancements")

    def strengths(self) -> dict[str, Decimal]:
        """Every attribute this enhancement enhances, with its strength in percent."""
        values = {
            attribute: getattr(self, column)
            for attribute, column in ENHANCEMENT_COLUMNS.items()
            if getattr(self, column) is not None
        }
        values.update({key: Decimal(str(v)) for key, v in (self.other_bonuses or {}).items()})
        return values


class SetBonus(Base):
    """One effect a set grants when pieces_required or more of its pieces share a power.

    A bonus the game grants as one power (for example "Moderate Increased Energy/Negative
    Energy/Ranged Def Bonus") is one row per bonus_type, all with the same display_text;
    the rule of five counts bonuses by that text across the whole build.
    """

    __tablename__ = "set_bonuses"
    __table_args__ = (
        UniqueConstraint("set_id", "pieces_required", "bonus_type"),
        CheckConstraint("pieces_required BETWEEN 2 AND 6", name="pieces_required"),
        # A dotted lower-case key: recharge, defense.ranged, resistance.fire ...
        CheckConstraint(r"bonus_type ~ '^[a-z_]+(\.[a-z_]+)?$'", name="bonus_type"),
        {"schema": SCHEMA, "comment": "Bonuses for slotting several pieces of a set"},
    )

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    set_id: Mapped[int] = mapped_column(ForeignKey(f"{SCHEMA}.enhancement_sets.id", ondelete="CASCADE"), nullable=False)
    pieces_required: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    bonus_type: Mapped[str] = mapped_column(String(50), nullable=False)
    bonus_amount: Mapped[Decimal] = mapped_column(Numeric(8, 4), nullable=False, comment="Percent")
    display_text: Mapped[str] = mapped_column(
        String(150), nullable=False, comment="The bonus as the game names it; rule-of-five key"
    )


class PowerEnhancementCompatibility(Base):
    """An enhancement attribute a power accepts (damage, accuracy, hold, ...)."""

    __tablename__ = "power_enhancement_compatibility"
    __table_args__ = (
        CheckConstraint(
            f"enhancement_type IN ({_sql_list(tuple(ENHANCEMENT_ATTRIBUTES))})",
            name="enhancement_type",
        ),
        Index(None, "enhancement_type"),
        {"schema": SCHEMA, "comment": "Enhancement attributes each power accepts"},
    )

    power_id: Mapped[int] = mapped_column(ForeignKey(f"{SCHEMA}.powers.id", ondelete="CASCADE"), primary_key=True)
    enhancement_type: Mapped[str] = mapped_column(String(30), primary_key=True)


class ImportLog(Base):
    """One run of an import: what, from where, how far it got and how it ended."""

    __tablename__ = "import_logs"
    __table_args__ = (
        CheckConstraint(f"import_type IN ({_sql_list(IMPORT_TYPES)})", name="import_type"),
        CheckConstraint(f"status IN ({_sql_list(IMPORT_STATUSES)})", name="status"),
        CheckConstraint(
            "records_processed >= 0 AND error_count >= 0 AND resume_from >= 0",
            name="counts_non_negative",
        ),
        CheckConstraint("(status = 'running') = (completed_at IS NULL)", name="completed"),
        CheckConstraint("completed_at >= started_at", name="completed_after_started"),
        Index(None, "created_at"),
        Index(None, "import_type", "created_at"),
        {"schema": SCHEMA, "comment": "History of data imports (I12, City of Data, CSV...)"},
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    import_type: Mapped[str] = mapped_column(String(20), nullable=False)
    source_file: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, server_default=text("'running'"))
    resume_from: Mapped[int] = mapped_column(
        Integer, nullable=False, server_default=text("0"), comment="Record number the run began at"
    )
    batch_size: Mapped[int | None] = mapped_column(Integer)
    records_total: Mapped[int | None] = mapped_column(Integer)
    records_processed: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"))
    error_count: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"))
    errors: Mapped[list[dict[str, Any]]] = mapped_column(
        JSONB,
        nullable=False,
        server_default=text("'[]'::jsonb"),
        comment='Rejected records: [{"index": n, "message": ...}]',
    )
    message: Mapped[str | None] = mapped_column(Text, comment="Why the run failed, if it did")
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = _timestamp()


class Build(Base):
    """A planned character: archetype, primary, secondary and epic powerset, target level.

    The pool powersets it uses are build_powersets; its picks are build_powers.
    """

    __tablename__ = "builds"
    __table_args__ = (
        CheckConstraint("level BETWEEN 1 AND 50", name="level"),
        CheckConstraint("primary_powerset_id <> secondary_powerset_id", name="distinct_sets"),
        CheckConstraint("updated_at >= created_at", name="updated_after_created"),
        Index(None, "name"),
        Index(None, "archetype_id"),
        Index(None, "primary_powerset_id"),
        Index(None, "secondary_powerset_id"),
        Index(None, "epic_powerset_id"),
        {"schema": SCHEMA, "comment": "Saved character builds of the planner"},
    )

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    # Game data a build uses cannot be deleted from under it (RESTRICT).
    archetype_id: Mapped[int] = mapped_column(
        ForeignKey(f"{SCHEMA}.archetypes.id", ondelete="RESTRICT"), nullable=False
    )
    primary_powerset_id: Mapped[int] = mapped_column(
        ForeignKey(f"{SCHEMA}.powersets.id", ondelete="RESTRICT"), nullable=False
    )
    secondary_powerset_id: Mapped[int] = mapped_column(
        ForeignKey(f"{SCHEMA}.powersets.id", ondelete="RESTRICT"), nullable=False
    )
    epic_powerset_id: Mapped[int | None] = mapped_column(ForeignKey(f"{SCHEMA}.powersets.id", ondelete="RESTRICT"))
    level: Mapped[int] = mapped_column(SmallInteger, nullable=False, server_default=text("50"))
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = _timestamp()
    updated_at: Mapped[datetime] = _timestamp()

    pool_powersets: Mapped[list[BuildPowerset]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, order_by="BuildPowerset.position"
    )
    powers: Mapped[list[BuildPower]] = relationship(
        back_populates="build",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="[BuildPower.pick_level, BuildPower.pick_index]",
    )


class BuildPowerset(Base):
    """A pool powerset a build uses, in the order chosen (at most four)."""

    __tablename__ = "build_powersets"
    __table_args__ = (
        UniqueConstraint("build_id", "powerset_id"),
        CheckConstraint("position BETWEEN 1 AND 4", name="position"),
        Index(None, "powerset_id"),
        {"schema": SCHEMA, "comment": "The pool powersets of a build (up to four)"},
    )

    build_id: Mapped[int] = mapped_column(ForeignKey(f"{SCHEMA}.builds.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    powerset_id: Mapped[int] = mapped_column(ForeignKey(f"{SCHEMA}.powersets.id", ondelete="RESTRICT"), nullable=False)


class BuildPower(Base):
    """A power picked in a build, at a pick level; level 1 has two picks (pick_index 0, 1)."""

    __tablename__ = "build_powers"
    __table_args__ = (
        UniqueConstraint("build_id", "power_id"),
        UniqueConstraint("build_id", "pick_level", "pick_index"),
        CheckConstraint(f"pick_level IN ({_sql_list(sorted(set(PICK_LEVELS)))})", name="pick_level"),
        CheckConstraint("pick_index = 0 OR (pick_index = 1 AND pick_level = 1)", name="pick_index"),
        Index(None, "power_id"),
        {"schema": SCHEMA, "comment": "Powers picked in a build, by pick level"},
    )

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    build_id: Mapped[int] = mapped_column(ForeignKey(f"{SCHEMA}.builds.id", ondelete="CASCADE"), nullable=False)
    power_id: Mapped[int] = mapped_column(ForeignKey(f"{SCHEMA}.powers.id", ondelete="RESTRICT"), nullable=False)
    pick_level: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    pick_index: Mapped[int] = mapped_column(SmallInteger, nullable=False, server_default=text("0"))

    build: Mapped[Build] = relationship(back_populates="powers")
    slots: Mapped[list[BuildSlot]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, order_by="BuildSlot.slot_index"
    )


class BuildSlot(Base):
    """A slot of a picked power (0 is the base slot) and the enhancement placed in it."""

    __tablename__ = "build_slots"
    __table_args__ = (
        CheckConstraint("slot_index BETWEEN 0 AND 5", name="slot_index"),
        CheckConstraint("slot_level BETWEEN 1 AND 50", name="slot_level"),
        # Added slots come only at the levels the game grants them.
        CheckConstraint(
            f"slot_index = 0 OR slot_level IN ({_sql_list(sorted(set(ADDED_SLOT_LEVELS)))})",
            name="added_slot_level",
        ),
        CheckConstraint("enhancement_level BETWEEN 1 AND 50", name="enhancement_level"),
        CheckConstraint("enhancement_id IS NULL OR enhancement_level IS NOT NULL", name="enhancement_level_set"),
        Index(None, "enhancement_id"),
        {"schema": SCHEMA, "comment": "Enhancement slots of the powers picked in a build"},
    )

    build_power_id: Mapped[int] = mapped_column(
        ForeignKey(f"{SCHEMA}.build_powers.id", ondelete="CASCADE"), primary_key=True
    )
    slot_index: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    slot_level: Mapped[int] = mapped_column(
        SmallInteger, nullable=False, comment="Level the slot was added at (the pick level for 0)"
    )
    # An enhancement deleted from the game data leaves the slot empty, not the build broken.
    enhancement_id: Mapped[int | None] = mapped_column(ForeignKey(f"{SCHEMA}.enhancements.id", ondelete="SET NULL"))
    enhancement_level: Mapped[int | None] = mapped_column(SmallInteger)

"""The game data the planner works with, as plain frozen values: no database, no ORM.

`data.planner.store.load_catalogue` reads it from the heroes schema once; the rules
(`data.planner.plan`, `data.planner.totals`) and the screens only ever see these values.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property


@dataclass(frozen=True)
class ArchetypeInfo:
    id: int
    name: str
    display_name: str
    hit_points_base: float
    """Hit points at level 50."""
    hit_points_max: float


@dataclass(frozen=True)
class PowersetInfo:
    id: int
    name: str
    display_name: str
    powerset_type: str
    """primary, secondary, pool or epic."""
    archetype_id: int | None
    """None for a pool: pools are shared by every archetype."""
    power_ids: tuple[int, ...]
    """Its powers in their display order."""


@dataclass(frozen=True)
class PowerInfo:
    id: int
    name: str
    display_name: str
    powerset_id: int
    position: int
    level_available: int
    power_type: str
    accuracy: float
    damage_scale: float
    endurance_cost: float
    recharge_time: float
    """Seconds."""
    activation_time: float
    range: float
    max_slots: int
    accepted: frozenset[str]
    """The enhancement attributes it accepts (power_enhancement_compatibility)."""
    set_categories: frozenset[str]
    """The set categories whose pieces it takes."""
    prerequisites: tuple[tuple[int, ...], ...] = ()
    """Alternatives: the power is available once every power of any one group is taken."""


@dataclass(frozen=True)
class EnhancementInfo:
    id: int
    name: str
    kind: str
    """IO, SO, DO, TO, HamiO or set_piece."""
    set_id: int | None
    level_min: int
    level_max: int
    strengths: Mapping[str, float]
    """Attribute -> percent as stored (at level 50 for IOs and set pieces)."""
    global_bonuses: Mapping[str, float] = field(default_factory=dict)
    """Build-wide effects while slotted, keyed like a set bonus type."""
    is_unique: bool = False
    is_proc: bool = False


@dataclass(frozen=True)
class BonusInfo:
    """One set bonus as the game grants it: one display text, one or more effects."""

    set_id: int
    pieces_required: int
    display_text: str
    """The rule of five counts bonuses by this text across the whole build."""
    effects: tuple[tuple[str, float], ...]
    """(bonus_type, percent) pairs: defense.ranged, recharge, resistance.fire ..."""


@dataclass(frozen=True)
class SetInfo:
    id: int
    name: str
    display_name: str
    category: str
    min_level: int
    max_level: int
    piece_ids: tuple[int, ...]
    bonuses: tuple[BonusInfo, ...]
    """By pieces_required."""


@dataclass(frozen=True, eq=False, repr=False)
class Catalogue:
    """Every archetype, powerset, power, enhancement and set, by id."""

    archetypes: Mapping[int, ArchetypeInfo]
    powersets: Mapping[int, PowersetInfo]
    powers: Mapping[int, PowerInfo]
    enhancements: Mapping[int, EnhancementInfo]
    sets: Mapping[int, SetInfo]

    def __repr__(self) -> str:
        # Short: a test failure or a log line should not print the whole game.
        return (
            f"Catalogue({len(self.archetypes)} archetypes, {len(self.powersets)} powersets, "
            f"{len(self.powers)} powers, {len(self.enhancements)} enhancements, {len(self.sets)} sets)"
        )

    def powersets_for(self, archetype_id: int | None, powerset_type: str) -> list[PowersetInfo]:
        """The archetype's powersets of a type (pools whatever the archetype), by name."""
        return sorted(
            (
                p
                for p in self.powersets.values()
                if p.powerset_type == powerset_type and (powerset_type == "pool" or p.archetype_id == archetype_id)
            ),
            key=lambda p: p.display_name,
        )

    def powers_of(self, powerset_id: int) -> list[PowerInfo]:
        return [self.powers[power_id] for power_id in self.powersets[powerset_id].power_ids]

    def archetype_named(self, name: str) -> ArchetypeInfo | None:
        return self._archetypes_by_name.get(name.casefold())

    def enhancement_named(self, name: str) -> EnhancementInfo | None:
        return self._enhancements_by_name.get(name.casefold())

    def pieces_of(self, set_id: int) -> list[EnhancementInfo]:
        return [self.enhancements[i] for i in self.sets[set_id].piece_ids]

    @cached_property
    def _archetypes_by_name(self) -> dict[str, ArchetypeInfo]:
        return _by_names(self.archetypes.values())

    @cached_property
    def _enhancements_by_name(self) -> dict[str, EnhancementInfo]:
        return {e.name.casefold(): e for e in self.enhancements.values()}


def _by_names(items: Iterable[ArchetypeInfo]) -> dict[str, ArchetypeInfo]:
    """By name and by display name, case-insensitively (a file may use either)."""
    found: dict[str, ArchetypeInfo] = {}
    for item in items:
        found.setdefault(item.display_name.casefold(), item)
        found[item.name.casefold()] = item
    return found

"""What a plan adds up to: each power's enhanced values after ED, the set bonuses it earns
with the rule of five applied across the build, and the build's totals per bonus type.

`build_totals` recomputes everything from the plan in one pass (a full level-50 build
takes well under a millisecond), so every edit simply asks for it again.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from data.planner.catalogue import BonusInfo, Catalogue, PowerInfo
from data.planner.enhancing import diversified, enhancement_strengths, schedule_of
from data.planner.plan import BuildPlan, PickedPower

RULE_OF_FIVE = 5
"""The same set bonus counts at most this many times in a build."""

# The build-wide bonus types that change a power's own numbers.
_ACCURACY, _DAMAGE, _RECHARGE, _DISCOUNT = "accuracy", "damage", "recharge", "endurance_discount"

BONUS_GROUPS: tuple[tuple[str, str], ...] = (
    ("defense", "Defense"),
    ("resistance", "Resistance"),
    ("recharge", "Recharge"),
    ("accuracy", "Accuracy"),
    ("damage", "Damage"),
    ("recovery", "Recovery"),
    ("regeneration", "Regeneration"),
    ("hit_points", "Hit points"),
    ("endurance", "Endurance"),
    ("movement", "Movement"),
    ("to_hit", "To hit"),
    ("heal", "Healing"),
    ("endurance_discount", "Endurance discount"),
    ("mez_resistance", "Mez resistance"),
)
"""The families of bonus types in the order the totals list them (defense.ranged is in defense)."""


@dataclass(frozen=True)
class AttributeValue:
    """One attribute a power's enhancements raise: their sum, and what is left after ED."""

    attribute: str
    schedule: str
    before: float
    """Percent, the sum of the slotted values."""
    after: float
    """Percent, after ED."""


@dataclass(frozen=True)
class PowerTotals:
    pick: int
    power: PowerInfo
    attributes: tuple[AttributeValue, ...]
    accuracy: float
    """The enhanced accuracy (1.0 = the base of an ordinary power), with build-wide accuracy."""
    damage_scale: float
    endurance_cost: float
    recharge_time: float
    """Seconds, after enhancement and the build's recharge bonuses."""

    def enhancement(self, attribute: str) -> AttributeValue | None:
        return next((a for a in self.attributes if a.attribute == attribute), None)


@dataclass(frozen=True)
class EarnedBonus:
    """A set bonus a power's pieces earn; `suppressed` when the rule of five drops it."""

    pick: int
    power_id: int
    set_id: int
    pieces: int
    """How many pieces of the set the power holds."""
    bonus: BonusInfo
    occurrence: int
    """The how-manyth time this bonus appears in the build (1-based, build order)."""

    @property
    def suppressed(self) -> bool:
        return self.occurrence > RULE_OF_FIVE


@dataclass(frozen=True)
class BuildTotals:
    powers: tuple[PowerTotals, ...]
    bonuses: tuple[EarnedBonus, ...]
    """Every earned set bonus in build order, suppressed ones included."""
    global_effects: tuple[tuple[str, str, float], ...]
    """(enhancement name, bonus type, percent) of the slotted pieces with always-on effects."""
    totals: dict[str, float]
    """Bonus type -> percent, from the bonuses that count and the always-on effects."""

    def group(self, family: str) -> dict[str, float]:
        """The totals of one family: {"ranged": 5.0, "fire": 2.5} for defense, {"": 10.0} for recharge."""
        found = {}
        for bonus_type, amount in self.totals.items():
            head, _, rest = bonus_type.partition(".")
            if head == family:
                found[rest] = amount
        return dict(sorted(found.items()))


def build_totals(plan: BuildPlan, catalogue: Catalogue) -> BuildTotals:
    """Everything the plan adds up to (see the module docstring)."""
    bonuses = _earned_bonuses(plan, catalogue)
    totals: defaultdict[str, float] = defaultdict(float)
    for earned in bonuses:
        if not earned.suppressed:
            for bonus_type, amount in earned.bonus.effects:
                totals[bonus_type] += amount
    global_effects = []
    for picked in plan.powers:
        for slot in picked.slots:
            enhancement = catalogue.enhancements.get(slot.enhancement_id) if slot.enhancement_id else None
            if enhancement is not None:
                for bonus_type, amount in enhancement.global_bonuses.items():
                    global_effects.append((enhancement.name, bonus_type, float(amount)))
                    totals[bonus_type] += float(amount)
    powers = tuple(
        _power_totals(picked, catalogue, totals) for picked in plan.powers if picked.power_id in catalogue.powers
    )
    return BuildTotals(powers, bonuses, tuple(global_effects), dict(sorted(totals.items())))


def _earned_bonuses(plan: BuildPlan, catalogue: Catalogue) -> tuple[EarnedBonus, ...]:
    seen: Counter[str] = Counter()
    earned = []
    for picked in plan.powers:
        pieces: Counter[int] = Counter()
        for slot in picked.slots:
            enhancement = catalogue.enhancements.get(slot.enhancement_id) if slot.enhancement_id else None
            if enhancement is not None and enhancement.set_id is not None:
                pieces[enhancement.set_id] += 1
        for set_id, count in pieces.items():  # in slot order: the first piece's set first
            for bonus in catalogue.sets[set_id].bonuses:
                if bonus.pieces_required <= count:
                    seen[bonus.display_text] += 1
                    earned.append(
                        EarnedBonus(picked.pick, picked.power_id, set_id, count, bonus, seen[bonus.display_text])
                    )
    return tuple(earned)


def _power_totals(picked: PickedPower, catalogue: Catalogue, totals: dict[str, float]) -> PowerTotals:
    power = catalogue.powers[picked.power_id]
    sums: defaultdict[str, float] = defaultdict(float)
    for slot in picked.slots:
        enhancement = catalogue.enhancements.get(slot.enhancement_id) if slot.enhancement_id else None
        if enhancement is None:
            continue
        for attribute, value in enhancement_strengths(enhancement, slot.enhancement_level).items():
            if attribute in power.accepted:  # a power ignores the aspects it does not take
                sums[attribute] += value
    attributes = tuple(
        AttributeValue(a, schedule_of(a), before, diversified(before, schedule_of(a)))
        for a, before in sorted(sums.items())
    )
    after = {a.attribute: a.after / 100 for a in attributes}
    return PowerTotals(
        pick=picked.pick,
        power=power,
        attributes=attributes,
        accuracy=power.accuracy * (1 + after.get("accuracy", 0.0) + totals.get(_ACCURACY, 0.0) / 100),
        damage_scale=power.damage_scale * (1 + after.get("damage", 0.0) + totals.get(_DAMAGE, 0.0) / 100),
        endurance_cost=power.endurance_cost
        / (1 + after.get("endurance_reduction", 0.0) + totals.get(_DISCOUNT, 0.0) / 100),
        recharge_time=power.recharge_time / (1 + after.get("recharge", 0.0) + totals.get(_RECHARGE, 0.0) / 100),
    )

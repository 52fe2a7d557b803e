"""A build being planned, and every rule of placing its powers, slots and enhancements.

A BuildPlan is a frozen value: each edit (`pick_power`, `add_slot`, `slot_enhancement`...)
returns a new plan or raises PlanError naming the rule it would break, so a refused edit
loses nothing. `problems` checks a whole plan (an imported file, a plan before saving)
against the same rules. Nothing here touches the database.

The rules are DESIGN.md's, as Mids Reborn applies them: 24 picks (two at level 1, the
first one of the first two primary powers, the second a secondary power), a power offered
from its level_available once its prerequisites are taken at an earlier pick, epic powers
from level 35, at most four pools; a base slot per power and 67 added slots at fixed
levels, each in a power picked at or before its level, at most 6 slots per power;
enhancements the power accepts, set pieces of its set categories, a piece once per power,
unique enhancements once per build, each at a level within its range.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from itertools import combinations

from data.errors import Refusal
from data.models.heroes import ADDED_SLOT_LEVELS, PICK_LEVELS
from data.planner.catalogue import Catalogue, EnhancementInfo, PowerInfo

MAX_SLOTS = 6
MAX_POOLS = 4
EPIC_LEVEL = 35
SLOTS_GRANTED: Counter[int] = Counter(ADDED_SLOT_LEVELS)
"""Added slots the game grants at each level."""


class PlanError(Refusal, ValueError):
    """An edit or a whole plan breaks a planner rule; the message names it in one line."""

    title = "Build rule"


@dataclass(frozen=True)
class Slot:
    level: int
    """The level it was placed at (the pick level for the base slot)."""
    enhancement_id: int | None = None
    enhancement_level: int | None = None


@dataclass(frozen=True)
class PickedPower:
    pick: int
    """Which of the 24 picks (an index into PICK_LEVELS)."""
    power_id: int
    slots: tuple[Slot, ...]
    """The base slot first, then the added slots by level."""

    @property
    def level(self) -> int:
        return PICK_LEVELS[self.pick]


@dataclass(frozen=True)
class BuildPlan:
    name: str = "New build"
    archetype_id: int | None = None
    primary_id: int | None = None
    secondary_id: int | None = None
    pool_ids: tuple[int, ...] = ()
    epic_id: int | None = None
    level: int = 50
    notes: str | None = None
    powers: tuple[PickedPower, ...] = ()
    """By pick."""
    id: int | None = None
    """The saved build's id; None until it is saved."""
    version: int | None = field(default=None, compare=False)
    """The saved build's row version as it was read (data.base.VERSION_SQL): saving over a
    build that has changed since is refused. Not part of what the plan is."""

    def at(self, pick: int) -> PickedPower | None:
        return next((p for p in self.powers if p.pick == pick), None)

    def picked(self, power_id: int) -> PickedPower | None:
        return next((p for p in self.powers if p.power_id == power_id), None)

    @property
    def powerset_ids(self) -> tuple[int, ...]:
        """Every powerset whose powers the build may pick."""
        chosen = (self.primary_id, self.secondary_id, *self.pool_ids, self.epic_id)
        return tuple(i for i in chosen if i is not None)


@dataclass(frozen=True)
class PickOption:
    """A power the pick could take, or why it cannot."""

    power: PowerInfo
    reason: str | None
    """None when the power can be picked here."""


def pick_label(pick: int) -> str:
    """ "Level 1" for both level-1 picks, "Level 20" ..."""
    return f"Level {PICK_LEVELS[pick]}"


def _power_name(catalogue: Catalogue, power_id: int) -> str:
    power = catalogue.powers.get(power_id)
    return power.display_name if power else f"power {power_id}"


def _with_powers(plan: BuildPlan, powers: Iterable[PickedPower]) -> BuildPlan:
    return replace(plan, powers=tuple(sorted(powers, key=lambda p: p.pick)))


# ---- archetype and powersets ---------------------------------------------------------


def powers_from(plan: BuildPlan, catalogue: Catalogue, powerset_ids: Iterable[int]) -> list[str]:
    """The names of the picked powers that come from these powersets (what a change loses)."""
    wanted = set(powerset_ids)
    return [
        catalogue.powers[p.power_id].display_name
        for p in plan.powers
        if p.power_id in catalogue.powers and catalogue.powers[p.power_id].powerset_id in wanted
    ]


def set_archetype(plan: BuildPlan, catalogue: Catalogue, archetype_id: int) -> BuildPlan:
    """The plan with another archetype: its powersets and every pick are discarded.

    Raises:
        PlanError: no such archetype.
    """
    if archetype_id not in catalogue.archetypes:
        raise PlanError(f"no archetype has id {archetype_id}")
    if archetype_id == plan.archetype_id:
        return plan
    return replace(
        plan, archetype_id=archetype_id, primary_id=None, secondary_id=None, epic_id=None, pool_ids=(), powers=()
    )


def set_powerset(plan: BuildPlan, catalogue: Catalogue, role: str, powerset_id: int | None) -> BuildPlan:
    """The plan with another primary, secondary or epic powerset; picks from the old one go.

    Picks that needed a discarded power go too. `powers_from` names what would be lost.

    Raises:
        PlanError: the powerset is not one of the archetype's of that role, or an epic
            pool for a build below level 35.
    """
    if role not in ("primary", "secondary", "epic"):
        raise PlanError(f"unknown powerset role {role!r}")
    if plan.archetype_id is None:
        raise PlanError("choose an archetype first")
    if powerset_id is not None:
        powerset = catalogue.powersets.get(powerset_id)
        if powerset is None or powerset.powerset_type != role or powerset.archetype_id != plan.archetype_id:
            archetype = catalogue.archetypes[plan.archetype_id].display_name
            raise PlanError(f"that is not a {role} powerset of the {archetype}")
        if role == "epic" and plan.level < EPIC_LEVEL:
            raise PlanError(f"epic pools open at level {EPIC_LEVEL}; this build is level {plan.level}")
    field_name = f"{role}_id"
    old = getattr(plan, field_name)
    if old == powerset_id:
        return plan
    changed = replace(plan, **{field_name: powerset_id})  # type: ignore[arg-type]  # one of the *_id fields
    return _without_powersets(changed, catalogue, {old} if old is not None else set())


def set_pools(plan: BuildPlan, catalogue: Catalogue, pool_ids: Iterable[int]) -> BuildPlan:
    """The plan with these pool powersets (at most four, in order); picks from dropped ones go.

    Raises:
        PlanError: more than four pools, a repeated one, or a powerset that is no pool.
    """
    pools = tuple(pool_ids)
    if len(pools) > MAX_POOLS:
        raise PlanError(f"a build has at most {MAX_POOLS} pool powersets")
    if len(set(pools)) != len(pools):
        raise PlanError("a pool powerset is chosen twice")
    for pool_id in pools:
        powerset = catalogue.powersets.get(pool_id)
        if powerset is None or powerset.powerset_type != "pool":
            raise PlanError(f"powerset {pool_id} is not a pool")
    dropped = set(plan.pool_ids) - set(pools)
    return _without_powersets(replace(plan, pool_ids=pools), catalogue, dropped)


def set_level(plan: BuildPlan, level: int) -> BuildPlan:
    """The plan planned up to another level: picks and slots above it are discarded.

    Raises:
        PlanError: the level is not 1-50.
    """
    if not 1 <= level <= 50:
        raise PlanError(f"a build's level is 1 to 50, not {level}")
    powers = [
        replace(p, slots=tuple(s for i, s in enumerate(p.slots) if i == 0 or s.level <= level))
        for p in plan.powers
        if p.level <= level
    ]
    epic_id = plan.epic_id if level >= EPIC_LEVEL else None
    return _with_powers(replace(plan, level=level, epic_id=epic_id), powers)


def _without_powersets(plan: BuildPlan, catalogue: Catalogue, powerset_ids: set[int]) -> BuildPlan:
    """Drop the picks from these powersets, then every pick whose prerequisites went with them."""
    powers = [
        p
        for p in plan.powers
        if p.power_id not in catalogue.powers or catalogue.powers[p.power_id].powerset_id not in powerset_ids
    ]
    while True:
        kept = [p for p in powers if _prerequisite_met(catalogue.powers[p.power_id], powers, p.pick)]
        if len(kept) == len(powers):
            return _with_powers(plan, kept)
        powers = kept


# ---- picks ---------------------------------------------------------------------------


def _prerequisite_met(power: PowerInfo, powers: Iterable[PickedPower], pick: int) -> bool:
    if not power.prerequisites:
        return True
    earlier = {p.power_id for p in powers if p.pick < pick}
    return any(all(required in earlier for required in group) for group in power.prerequisites)


def _prerequisite_text(catalogue: Catalogue, power: PowerInfo) -> str:
    """ "needs Boxing or Kick first"; every pair of three powers reads "needs 2 of Boxing, Kick, Tough first"."""
    groups = power.prerequisites
    members = list(dict.fromkeys(r for group in groups for r in group))
    size = len(groups[0])
    if (
        size > 1
        and all(len(g) == size for g in groups)
        and {frozenset(g) for g in groups} == {frozenset(c) for c in combinations(members, size)}
    ):
        return f"needs {size} of {', '.join(_power_name(catalogue, r) for r in members)} first"
    texts = [" and ".join(_power_name(catalogue, r) for r in group) for group in groups]
    return "needs " + " or ".join(texts) + " first"


def pick_problem(plan: BuildPlan, catalogue: Catalogue, pick: int, power: PowerInfo) -> str | None:
    """Why `power` cannot be taken at `pick` (ignoring what the pick holds now), or None."""
    level = PICK_LEVELS[pick]
    powerset = catalogue.powersets.get(power.powerset_id)
    if powerset is None or power.powerset_id not in plan.powerset_ids:
        return "its powerset is not part of this build"
    if level > plan.level:
        return f"level {level} is above the build's level {plan.level}"
    holder = plan.picked(power.id)
    if holder is not None and holder.pick != pick:
        return f"already taken at level {holder.level}"
    if pick == 0:
        if power.powerset_id != plan.primary_id:
            return "the first level-1 pick is a primary power"
        if power.id not in catalogue.powersets[plan.primary_id].power_ids[:2]:
            return "the first pick is one of the first two primary powers"
    if pick == 1 and power.powerset_id != plan.secondary_id:
        return "the second level-1 pick is a secondary power"
    if powerset.powerset_type == "epic" and level < EPIC_LEVEL:
        return f"epic powers from level {EPIC_LEVEL}"
    if power.level_available > level:
        return f"available from level {power.level_available}"
    if not _prerequisite_met(power, plan.powers, pick):
        return _prerequisite_text(catalogue, power)
    return None


def pick_options(plan: BuildPlan, catalogue: Catalogue, pick: int) -> list[PickOption]:
    """Every power of the build's powersets for this pick, each with why it is unavailable."""
    return [
        PickOption(power, pick_problem(plan, catalogue, pick, power))
        for powerset_id in plan.powerset_ids
        for power in catalogue.powers_of(powerset_id)
    ]


def _dependents(plan: BuildPlan, catalogue: Catalogue, without: PickedPower) -> list[str]:
    rest = [p for p in plan.powers if p.pick != without.pick]
    return [
        catalogue.powers[p.power_id].display_name
        for p in rest
        if p.pick > without.pick and not _prerequisite_met(catalogue.powers[p.power_id], rest, p.pick)
    ]


def pick_power(plan: BuildPlan, catalogue: Catalogue, pick: int, power_id: int) -> BuildPlan:
    """Take a power at a pick (replacing what it held: slots stay, enhancements it cannot take go).

    Raises:
        PlanError: the pick is not 0-23, or the power is not available there (the reason).
    """
    if not 0 <= pick < len(PICK_LEVELS):
        raise PlanError(f"there are {len(PICK_LEVELS)} picks, numbered 0 to {len(PICK_LEVELS) - 1}")
    power = catalogue.powers.get(power_id)
    if power is None:
        raise PlanError(f"no power has id {power_id}")
    problem = pick_problem(plan, catalogue, pick, power)
    if problem:
        raise PlanError(f"{power.display_name} at {pick_label(pick).lower()}: {problem}")
    old = plan.at(pick)
    if old is None:
        return _with_powers(plan, (*plan.powers, PickedPower(pick, power_id, (Slot(PICK_LEVELS[pick]),))))
    if old.power_id == power_id:
        return plan
    blocked = _dependents(plan, catalogue, old)
    if blocked:
        raise PlanError(f"{', '.join(blocked)} needs {_power_name(catalogue, old.power_id)}: change that first")
    replaced = PickedPower(pick, power_id, old.slots[: power.max_slots])
    others = [p for p in plan.powers if p.pick != pick]
    plan = _with_powers(plan, (*others, replaced))
    for index, slot in enumerate(replaced.slots):
        enhancement = catalogue.enhancements.get(slot.enhancement_id) if slot.enhancement_id else None
        if enhancement and enhancement_problem(plan, catalogue, pick, index, enhancement, slot.enhancement_level):
            plan = clear_enhancement(plan, pick, index)
    return plan


def unpick(plan: BuildPlan, catalogue: Catalogue, pick: int) -> BuildPlan:
    """Empty a pick, with its slots.

    Raises:
        PlanError: the pick is empty, or a later pick needs its power.
    """
    old = plan.at(pick)
    if old is None:
        raise PlanError(f"nothing is picked at {pick_label(pick).lower()}")
    blocked = _dependents(plan, catalogue, old)
    if blocked:
        raise PlanError(f"{', '.join(blocked)} needs {_power_name(catalogue, old.power_id)}: remove that first")
    return _with_powers(plan, (p for p in plan.powers if p.pick != pick))


# ---- slots ---------------------------------------------------------------------------


def free_slot_levels(plan: BuildPlan) -> Counter[int]:
    """The added slots not yet placed, by level, up to the build's level."""
    used = Counter(slot.level for p in plan.powers for slot in p.slots[1:])
    granted = Counter({level: n for level, n in SLOTS_GRANTED.items() if level <= plan.level})
    return granted - used


def slots_left(plan: BuildPlan) -> int:
    return sum(free_slot_levels(plan).values())


def _picked_or_fail(plan: BuildPlan, pick: int) -> PickedPower:
    picked = plan.at(pick)
    if picked is None:
        raise PlanError(f"nothing is picked at {pick_label(pick).lower()}")
    return picked


def _slot_room(catalogue: Catalogue, picked: PickedPower) -> None:
    power = catalogue.powers[picked.power_id]
    most = min(MAX_SLOTS, power.max_slots)
    if len(picked.slots) >= most:
        raise PlanError(f"{power.display_name} holds at most {most} slots")


def _with_slots(plan: BuildPlan, picked: PickedPower, slots: Iterable[Slot]) -> BuildPlan:
    base, *added = list(slots)
    ordered = (base, *sorted(added, key=lambda s: s.level))
    return _with_powers(plan, (*(p for p in plan.powers if p.pick != picked.pick), replace(picked, slots=ordered)))


def add_slot(plan: BuildPlan, catalogue: Catalogue, pick: int, level: int | None = None) -> BuildPlan:
    """Place an added slot in the power at `pick`: at `level`, or the earliest one left.

    Raises:
        PlanError: nothing picked there, the power is full, no slot is left at or after
            its pick level, or none is left at the level asked for.
    """
    picked = _picked_or_fail(plan, pick)
    _slot_room(catalogue, picked)
    free = free_slot_levels(plan)
    name = _power_name(catalogue, picked.power_id)
    if level is None:
        level = next((lvl for lvl in sorted(free) if lvl >= picked.level), None)
        if level is None:
            raise PlanError(f"no added slot is left from level {picked.level}, where {name} was picked")
    elif level < picked.level:
        raise PlanError(f"a level-{level} slot cannot go in {name}, picked at level {picked.level}")
    elif free[level] <= 0:
        raise PlanError(f"no added slot is left at level {level}")
    return _with_slots(plan, picked, (*picked.slots, Slot(level)))


def remove_slot(plan: BuildPlan, pick: int, slot_index: int) -> BuildPlan:
    """Take an added slot (and its enhancement) out of a power; its level is free again.

    Raises:
        PlanError: nothing picked there, no such slot, or the base slot.
    """
    picked = _picked_or_fail(plan, pick)
    if slot_index == 0:
        raise PlanError("the base slot stays with its power")
    if not 0 < slot_index < len(picked.slots):
        raise PlanError(f"the power has no slot {slot_index + 1}")
    return _with_slots(plan, picked, (s for i, s in enumerate(picked.slots) if i != slot_index))


def move_slot(plan: BuildPlan, catalogue: Catalogue, pick: int, slot_index: int, to_pick: int) -> BuildPlan:
    """Move an added slot, keeping its level, to another power (its enhancement too if legal there).

    Raises:
        PlanError: as remove_slot; the target is empty, full, or picked after the slot's level.
    """
    source = _picked_or_fail(plan, pick)
    target = _picked_or_fail(plan, to_pick)
    if to_pick == pick:
        return plan
    if not 0 < slot_index < len(source.slots):
        raise PlanError("only an added slot can move" if slot_index == 0 else f"the power has no slot {slot_index + 1}")
    slot = source.slots[slot_index]
    _slot_room(catalogue, target)
    if target.level > slot.level:
        raise PlanError(
            f"a level-{slot.level} slot cannot go in {_power_name(catalogue, target.power_id)}, "
            f"picked at level {target.level}"
        )
    moved = remove_slot(plan, pick, slot_index)
    moved = _with_slots(moved, moved.at(to_pick) or target, (*target.slots, Slot(slot.level)))
    if slot.enhancement_id is None:
        return moved
    new_index = _slot_index_of_level(moved.at(to_pick), slot.level)
    enhancement = catalogue.enhancements.get(slot.enhancement_id)
    if enhancement and not enhancement_problem(
        moved, catalogue, to_pick, new_index, enhancement, slot.enhancement_level
    ):
        return slot_enhancement(moved, catalogue, to_pick, new_index, enhancement.id, slot.enhancement_level)
    return moved


def _slot_index_of_level(picked: PickedPower | None, level: int) -> int:
    assert picked is not None
    return max(i for i, s in enumerate(picked.slots) if s.level == level and s.enhancement_id is None and i > 0)


# ---- enhancements --------------------------------------------------------------------


def _placed(plan: BuildPlan) -> Iterator[tuple[PickedPower, int, Slot]]:
    for picked in plan.powers:
        for index, slot in enumerate(picked.slots):
            if slot.enhancement_id is not None:
                yield picked, index, slot


def enhancement_problem(
    plan: BuildPlan, catalogue: Catalogue, pick: int, slot_index: int, enhancement: EnhancementInfo, level: int | None
) -> str | None:
    """Why this enhancement cannot go in that slot at that level, or None."""
    picked = plan.at(pick)
    if picked is None or not 0 <= slot_index < len(picked.slots):
        return "there is no such slot"
    power = catalogue.powers[picked.power_id]
    if level is None or not enhancement.level_min <= level <= enhancement.level_max:
        return f"{enhancement.name} is slotted at level {enhancement.level_min}-{enhancement.level_max}"
    if enhancement.set_id is not None:
        enhancement_set = catalogue.sets.get(enhancement.set_id)
        category = enhancement_set.category if enhancement_set else "?"
        if category not in power.set_categories:
            return f"{power.display_name} takes no {category} sets"
    elif not set(enhancement.strengths) & power.accepted:
        kinds = ", ".join(a.replace("_", " ") for a in sorted(enhancement.strengths)) or "nothing"
        return f"{power.display_name} does not accept {kinds}"
    for other, index, slot in _placed(plan):
        if other.pick == pick and index == slot_index or slot.enhancement_id != enhancement.id:
            continue
        if enhancement.is_unique:
            return f"{enhancement.name} is unique: already in {_power_name(catalogue, other.power_id)}"
        if enhancement.set_id is not None and other.pick == pick:
            return f"{enhancement.name} is already in this power"
    return None


def enhancement_options(plan: BuildPlan, catalogue: Catalogue, pick: int, slot_index: int) -> list[EnhancementInfo]:
    """The enhancements that may go in the slot at some level, generic ones first, then by set."""
    picked = plan.at(pick)
    if picked is None:
        return []
    options = [
        e
        for e in catalogue.enhancements.values()
        if enhancement_problem(plan, catalogue, pick, slot_index, e, e.level_max) is None
    ]
    return sorted(options, key=lambda e: (e.set_id is not None, e.name))


def slot_enhancement(
    plan: BuildPlan, catalogue: Catalogue, pick: int, slot_index: int, enhancement_id: int, level: int | None = None
) -> BuildPlan:
    """Put an enhancement in a slot, at `level` (default: the build's level within its range).

    Raises:
        PlanError: the slot does not exist or the enhancement breaks a rule (which one).
    """
    picked = _picked_or_fail(plan, pick)
    enhancement = catalogue.enhancements.get(enhancement_id)
    if enhancement is None:
        raise PlanError(f"no enhancement has id {enhancement_id}")
    if level is None:
        level = max(enhancement.level_min, min(enhancement.level_max, plan.level))
    problem = enhancement_problem(plan, catalogue, pick, slot_index, enhancement, level)
    if problem:
        raise PlanError(problem)
    slots = list(picked.slots)
    slots[slot_index] = replace(slots[slot_index], enhancement_id=enhancement_id, enhancement_level=level)
    return _with_powers(plan, (*(p for p in plan.powers if p.pick != pick), replace(picked, slots=tuple(slots))))


def clear_enhancement(plan: BuildPlan, pick: int, slot_index: int) -> BuildPlan:
    """Empty a slot (the slot stays)."""
    picked = _picked_or_fail(plan, pick)
    if not 0 <= slot_index < len(picked.slots):
        raise PlanError(f"the power has no slot {slot_index + 1}")
    slots = list(picked.slots)
    slots[slot_index] = Slot(slots[slot_index].level)
    return _with_powers(plan, (*(p for p in plan.powers if p.pick != pick), replace(picked, slots=tuple(slots))))


# ---- a whole plan --------------------------------------------------------------------


def problems(plan: BuildPlan, catalogue: Catalogue) -> list[str]:
    """Every rule the plan breaks, one line each, in build order; empty when it is legal."""
    found = _powerset_problems(plan, catalogue)
    if found:
        return found
    seen_picks: set[int] = set()
    for picked in plan.powers:
        label = pick_label(picked.pick) if 0 <= picked.pick < len(PICK_LEVELS) else f"pick {picked.pick}"
        power = catalogue.powers.get(picked.power_id)
        if power is None or not 0 <= picked.pick < len(PICK_LEVELS) or picked.pick in seen_picks:
            found.append(f"{label}: " + ("unknown power" if power is None else "not a free pick"))
            continue
        seen_picks.add(picked.pick)
        earlier = replace(plan, powers=tuple(p for p in plan.powers if p.pick < picked.pick))
        problem = pick_problem(earlier, catalogue, picked.pick, power)
        if problem:
            found.append(f"{label}, {power.display_name}: {problem}")
        found += [f"{power.display_name}: {p}" for p in _slot_problems(plan, catalogue, picked, power)]
    used = Counter(slot.level for p in plan.powers for slot in p.slots[1:])
    over = [
        f"{n - SLOTS_GRANTED[level]} too many slots at level {level}"
        for level, n in sorted(used.items())
        if n > SLOTS_GRANTED[level] and SLOTS_GRANTED[level] > 0
    ]
    return found + over


def _powerset_problems(plan: BuildPlan, catalogue: Catalogue) -> list[str]:
    if plan.archetype_id is None or plan.archetype_id not in catalogue.archetypes:
        return ["the build has no known archetype"]
    archetype = catalogue.archetypes[plan.archetype_id].display_name
    found = []
    if not 1 <= plan.level <= 50:
        found.append(f"the build's level is 1 to 50, not {plan.level}")
    for role, powerset_id in (("primary", plan.primary_id), ("secondary", plan.secondary_id), ("epic", plan.epic_id)):
        powerset = catalogue.powersets.get(powerset_id) if powerset_id is not None else None
        if powerset_id is None and role != "epic":
            found.append(f"the build has no {role} powerset")
        elif powerset_id is not None and (
            powerset is None or powerset.powerset_type != role or powerset.archetype_id != plan.archetype_id
        ):
            found.append(f"powerset {powerset_id} is not a {role} powerset of the {archetype}")
    if plan.epic_id is not None and plan.level < EPIC_LEVEL:
        found.append(f"epic pools open at level {EPIC_LEVEL}; the build is level {plan.level}")
    try:
        set_pools(BuildPlan(), catalogue, plan.pool_ids)
    except PlanError as error:
        found.append(str(error))
    return found


def _slot_problems(plan: BuildPlan, catalogue: Catalogue, picked: PickedPower, power: PowerInfo) -> list[str]:
    found = []
    most = min(MAX_SLOTS, power.max_slots)
    if not picked.slots:
        return ["has no base slot"]
    if len(picked.slots) > most:
        found.append(f"{len(picked.slots)} slots, at most {most}")
    if picked.slots[0].level != picked.level:
        found.append(f"its base slot is at level {picked.slots[0].level}, not its pick level {picked.level}")
    for index, slot in enumerate(picked.slots):
        if index and (slot.level not in SLOTS_GRANTED or slot.level < picked.level or slot.level > plan.level):
            found.append(f"slot {index + 1} at level {slot.level}: no added slot can go there")
        if slot.enhancement_id is None:
            continue
        enhancement = catalogue.enhancements.get(slot.enhancement_id)
        if enhancement is None:
            found.append(f"slot {index + 1}: unknown enhancement {slot.enhancement_id}")
            continue
        problem = enhancement_problem(plan, catalogue, picked.pick, index, enhancement, slot.enhancement_level)
        if problem:
            found.append(f"slot {index + 1}: {problem}")
    return found

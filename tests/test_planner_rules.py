"""The planner's rules as plain functions: ED, strengths, the pick and slot schedules, picks,
slots, enhancements, per-power values and the rule of five.

The arithmetic needs no database; the rules of picks and enhancements use the demo game
data, read once per module from a copy of the demo database.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from data.engine import Database
from data.models.heroes import ADDED_SLOT_LEVELS, PICK_LEVELS
from data.planner.catalogue import Catalogue, EnhancementInfo, PowerInfo
from data.planner.enhancing import ED_THRESHOLDS, diversified, enhancement_strengths, io_scale
from data.planner.exchange import import_json
from data.planner.plan import (
    BuildPlan,
    PlanError,
    add_slot,
    clear_enhancement,
    free_slot_levels,
    move_slot,
    pick_options,
    pick_power,
    powers_from,
    problems,
    remove_slot,
    set_archetype,
    set_level,
    set_pools,
    set_powerset,
    slot_enhancement,
    slots_left,
    unpick,
)
from data.planner.totals import RULE_OF_FIVE, build_totals

FULL_BUILD = Path(__file__).parent / "fixtures" / "planner" / "full_sets_build.json"
SCHEDULES = sorted(ED_THRESHOLDS)
percent = st.floats(min_value=0, max_value=400, allow_nan=False)


# ---- ED and strengths ----------------------------------------------------------------


@given(st.sampled_from(SCHEDULES), percent, percent)
def test_ed_is_monotone(schedule: str, a: float, b: float) -> None:
    low, high = sorted((a, b))
    assert diversified(low, schedule) <= diversified(high, schedule)


@given(st.sampled_from(SCHEDULES), st.integers(0, 2), st.floats(min_value=1e-9, max_value=1e-3))
def test_ed_is_continuous_at_the_thresholds(schedule: str, which: int, epsilon: float) -> None:
    threshold = ED_THRESHOLDS[schedule][which]
    below, at, above = (diversified(threshold + d, schedule) for d in (-epsilon, 0.0, epsilon))
    assert at - below <= epsilon + 1e-9 and above - at <= epsilon + 1e-9
    assert below <= at <= above


@given(st.sampled_from(SCHEDULES), percent)
def test_ed_keeps_everything_below_the_first_threshold_and_never_adds(schedule: str, total: float) -> None:
    result = diversified(total, schedule)
    assert result <= total + 1e-9
    if total <= ED_THRESHOLDS[schedule][0]:
        assert result == pytest.approx(total)


def test_ed_rates_between_the_thresholds() -> None:
    assert diversified(80, "A") == pytest.approx(70 + 0.9 * 10)
    assert diversified(95, "A") == pytest.approx(70 + 18 + 0.7 * 5)
    assert diversified(110, "A") == pytest.approx(70 + 18 + 7 + 0.15 * 10)
    assert diversified(55, "B") == pytest.approx(40 + 9 + 3.5)
    assert diversified(130, "C") == pytest.approx(80 + 18 + 14 + 1.5)
    assert diversified(200, "D") == pytest.approx(120 + 27 + 21 + 3)


def _generic(kind: str, value: float, attribute: str = "damage") -> EnhancementInfo:
    return EnhancementInfo(1, f"{kind}: {attribute}", kind, None, 1, 50, {attribute: value})


def test_three_single_origin_damage_enhancements_give_94_99_percent() -> None:
    single_origin = _generic("SO", 33.3)  # as the seed stores it
    total = 3 * enhancement_strengths(single_origin, 50)["damage"]
    assert round(diversified(total, "A"), 2) == 94.99


@given(st.integers(1, 3), st.integers(1, 50))
def test_origin_strengths_are_fixed_and_exact(grade: int, level: int) -> None:
    stored = {1: 8.3, 2: 16.7, 3: 33.3}[grade]
    exact = {1: 8.33, 2: 16.67, 3: 33.33}[grade]  # Mids Reborn's values
    kind = {1: "TO", 2: "DO", 3: "SO"}[grade]
    assert enhancement_strengths(_generic(kind, stored), level)["damage"] == pytest.approx(exact)


def test_crafted_io_strength_by_level() -> None:
    invention = _generic("IO", 42.4)
    assert [round(enhancement_strengths(invention, level)["damage"], 1) for level in (50, 25, 10)] == [42.4, 32.0, 11.7]


@given(st.integers(1, 49))
def test_io_strength_grows_with_level(level: int) -> None:
    assert 0 < io_scale(level) < io_scale(level + 1) <= 1.0


# ---- schedules -----------------------------------------------------------------------


def test_24_picks_and_67_added_slots() -> None:
    assert len(PICK_LEVELS) == 24 and PICK_LEVELS.count(1) == 2
    assert PICK_LEVELS[2:18] == tuple(range(2, 33, 2)) and PICK_LEVELS[18:] == (35, 38, 41, 44, 47, 49)
    assert len(ADDED_SLOT_LEVELS) == 67 and len(PICK_LEVELS) + len(ADDED_SLOT_LEVELS) == 91
    counts = Counter(ADDED_SLOT_LEVELS)
    assert all(counts[level] == 2 for level in range(3, 30, 2))
    assert all(counts[level] == 3 for level in (31, 33, 34, 36, 37, 39, 40, 42, 43, 45, 46, 48, 50))
    assert sum(free_slot_levels(BuildPlan(level=50)).values()) == 67
    assert sum(free_slot_levels(BuildPlan(level=20)).values()) == 18


# ---- the demo game data ----------------------------------------------------------------


@pytest.fixture(scope="module")
def catalogue(demo: tuple[Database, Catalogue]) -> Catalogue:
    return demo[1]


def power(catalogue: Catalogue, powerset: str, name: str) -> PowerInfo:
    return next(
        p
        for p in catalogue.powers.values()
        if p.display_name == name and catalogue.powersets[p.powerset_id].display_name == powerset
    )


def enhancement(catalogue: Catalogue, name: str) -> EnhancementInfo:
    found = catalogue.enhancement_named(name)
    assert found is not None, name
    return found


def fire_blaster(catalogue: Catalogue, *pools: str) -> BuildPlan:
    blaster = catalogue.archetype_named("Blaster")
    assert blaster is not None
    plan = set_archetype(BuildPlan(name="Test"), catalogue, blaster.id)
    for role, name in (("primary", "Fire Blast"), ("secondary", "Fire Manipulation")):
        powerset = next(p for p in catalogue.powersets_for(blaster.id, role) if p.display_name == name)
        plan = set_powerset(plan, catalogue, role, powerset.id)
    return set_pools(plan, catalogue, [p.id for p in catalogue.powersets_for(None, "pool") if p.display_name in pools])


def reasons(plan: BuildPlan, catalogue: Catalogue, pick: int) -> dict[str, str | None]:
    return {option.power.display_name: option.reason for option in pick_options(plan, catalogue, pick)}


def test_level_one_picks(catalogue: Catalogue) -> None:
    plan = fire_blaster(catalogue)
    first = reasons(plan, catalogue, 0)
    assert first["Flares"] is None and first["Fire Blast"] is None
    assert first["Fire Ball"] == "the first pick is one of the first two primary powers"
    assert first["Ring of Fire"] == "the first level-1 pick is a primary power"
    second = reasons(plan, catalogue, 1)
    assert second["Ring of Fire"] is None and second["Flares"] == "the second level-1 pick is a secondary power"
    with pytest.raises(PlanError, match="Fire Ball at level 1"):
        pick_power(plan, catalogue, 0, power(catalogue, "Fire Blast", "Fire Ball").id)


def test_a_power_is_offered_from_its_level_once_its_prerequisites_are_taken(catalogue: Catalogue) -> None:
    plan = fire_blaster(catalogue, "Fighting")
    at_level_26 = PICK_LEVELS.index(26)
    assert reasons(plan, catalogue, at_level_26)["Inferno"] == "needs Flares or Fire Blast first"
    assert reasons(plan, catalogue, 2)["Blaze"] == "available from level 18"
    assert reasons(plan, catalogue, PICK_LEVELS.index(14))["Tough"] == "needs Boxing or Kick first"
    assert reasons(plan, catalogue, PICK_LEVELS.index(14))["Weave"] == "needs 2 of Boxing, Kick, Tough first"
    plan = pick_power(plan, catalogue, 0, power(catalogue, "Fire Blast", "Flares").id)
    assert reasons(plan, catalogue, at_level_26)["Inferno"] is None
    assert reasons(plan, catalogue, 2)["Flares"] == "already taken at level 1"
    assert "Hasten" not in reasons(plan, catalogue, 4), "Speed is not one of the build's pools"
    plan = pick_power(plan, catalogue, at_level_26, power(catalogue, "Fire Blast", "Inferno").id)
    with pytest.raises(PlanError, match="Inferno needs Flares: remove that first"):
        unpick(plan, catalogue, 0)
    assert len(unpick(unpick(plan, catalogue, at_level_26), catalogue, 0).powers) == 0


def test_pools_and_the_epic_pool(catalogue: Catalogue) -> None:
    plan = fire_blaster(catalogue)
    pools = [p.id for p in catalogue.powersets_for(None, "pool")]
    with pytest.raises(PlanError, match="at most 4 pool"):
        set_pools(plan, catalogue, pools[:5])
    epic = catalogue.powersets_for(plan.archetype_id, "epic")[0]
    with pytest.raises(PlanError, match="epic pools open at level 35"):
        set_powerset(set_level(plan, 30), catalogue, "epic", epic.id)
    plan = set_powerset(plan, catalogue, "epic", epic.id)
    first_epic = catalogue.powers_of(epic.id)[0]
    assert reasons(plan, catalogue, PICK_LEVELS.index(32))[first_epic.display_name] == "epic powers from level 35"
    assert reasons(plan, catalogue, PICK_LEVELS.index(35))[first_epic.display_name] is None
    other = next(p for p in catalogue.powersets.values() if p.powerset_type == "epic" and p.id != epic.id)
    with pytest.raises(PlanError, match="not a epic powerset of the Blaster"):
        set_powerset(plan, catalogue, "epic", other.id)


def test_changing_a_powerset_discards_its_picks_and_what_needed_them(catalogue: Catalogue) -> None:
    plan = fire_blaster(catalogue)
    plan = pick_power(plan, catalogue, 0, power(catalogue, "Fire Blast", "Flares").id)
    plan = pick_power(plan, catalogue, 1, power(catalogue, "Fire Manipulation", "Ring of Fire").id)
    plan = pick_power(
        plan, catalogue, PICK_LEVELS.index(32), power(catalogue, "Fire Manipulation", "Hot Feet").id
    )  # needs Ring of Fire
    assert powers_from(plan, catalogue, [plan.secondary_id]) == ["Ring of Fire", "Hot Feet"]
    energy = next(
        p for p in catalogue.powersets_for(plan.archetype_id, "secondary") if p.display_name == "Energy Manipulation"
    )
    changed = set_powerset(plan, catalogue, "secondary", energy.id)
    assert [catalogue.powers[p.power_id].display_name for p in changed.powers] == ["Flares"]
    other = next(a for a in catalogue.archetypes.values() if a.id != plan.archetype_id)
    assert set_archetype(plan, catalogue, other.id).powers == ()


def test_slots_arrive_by_level_go_to_earlier_picks_and_stop_at_six(catalogue: Catalogue) -> None:
    plan = fire_blaster(catalogue)
    plan = pick_power(plan, catalogue, 0, power(catalogue, "Fire Blast", "Flares").id)
    plan = pick_power(plan, catalogue, 1, power(catalogue, "Fire Manipulation", "Ring of Fire").id)
    last = PICK_LEVELS.index(49)
    plan = pick_power(plan, catalogue, last, power(catalogue, "Fire Blast", "Blaze").id)
    for _ in range(5):
        plan = add_slot(plan, catalogue, 0)
    assert [s.level for s in plan.at(0).slots] == [1, 3, 3, 5, 5, 7]
    assert slots_left(plan) == 62
    with pytest.raises(PlanError, match="Flares holds at most 6 slots"):
        add_slot(plan, catalogue, 0)
    plan = add_slot(plan, catalogue, last)
    assert [s.level for s in plan.at(last).slots] == [49, 50]
    with pytest.raises(PlanError, match="a level-3 slot cannot go in Blaze, picked at level 49"):
        move_slot(plan, catalogue, 0, 1, last)
    with pytest.raises(PlanError, match="no added slot is left at level 3"):
        add_slot(plan, catalogue, 1, level=3)
    moved = move_slot(plan, catalogue, 0, 1, 1)
    assert [s.level for s in moved.at(1).slots] == [1, 3] and len(moved.at(0).slots) == 5
    removed = remove_slot(moved, 0, 4)
    assert [s.level for s in removed.at(0).slots] == [1, 3, 5, 5] and slots_left(removed) == slots_left(moved) + 1
    with pytest.raises(PlanError, match="base slot stays"):
        remove_slot(removed, 0, 0)


def test_enhancement_rules(catalogue: Catalogue) -> None:
    plan = fire_blaster(catalogue, "Speed", "Fighting")
    plan = pick_power(plan, catalogue, 0, power(catalogue, "Fire Blast", "Flares").id)
    plan = pick_power(plan, catalogue, 2, power(catalogue, "Fire Blast", "Fire Blast").id)
    hasten = PICK_LEVELS.index(6)
    plan = pick_power(plan, catalogue, hasten, power(catalogue, "Speed", "Hasten").id)
    weave, tough, boxing = (PICK_LEVELS.index(level) for level in (24, 22, 20))
    plan = pick_power(plan, catalogue, boxing, power(catalogue, "Fighting", "Boxing").id)
    plan = pick_power(plan, catalogue, tough, power(catalogue, "Fighting", "Tough").id)
    plan = pick_power(plan, catalogue, weave, power(catalogue, "Fighting", "Weave").id)
    for pick in (0, 0, 2, 2, weave, weave):
        plan = add_slot(plan, catalogue, pick)

    def refused(pick: int, slot: int, name: str, level: int | None = None) -> str:
        with pytest.raises(PlanError) as caught:
            slot_enhancement(plan, catalogue, pick, slot, enhancement(catalogue, name).id, level)
        return str(caught.value)

    assert refused(hasten, 0, "Single Origin: Damage Increase") == "Hasten does not accept damage"
    assert refused(hasten, 0, "Thunderstrike: Accuracy/Damage") == "Hasten takes no Ranged Damage sets"
    assert refused(0, 0, "Thunderstrike: Accuracy/Damage", 20) == (
        "Thunderstrike: Accuracy/Damage is slotted at level 30-50"
    )
    plan = slot_enhancement(plan, catalogue, 0, 0, enhancement(catalogue, "Thunderstrike: Accuracy/Damage").id)
    assert plan.at(0).slots[0].enhancement_level == 50
    assert refused(0, 1, "Thunderstrike: Accuracy/Damage") == "Thunderstrike: Accuracy/Damage is already in this power"
    plan = slot_enhancement(plan, catalogue, 0, 1, enhancement(catalogue, "Thunderstrike: Damage/Endurance").id, 30)
    plan = slot_enhancement(plan, catalogue, 2, 0, enhancement(catalogue, "Thunderstrike: Accuracy/Damage").id)
    for index in range(3):  # a generic enhancement may repeat
        plan = slot_enhancement(plan, catalogue, hasten, 0, enhancement(catalogue, "Invention: Recharge Reduction").id)
    luck = enhancement(catalogue, "Luck of the Gambler: Defense/+Recharge")
    assert luck.is_unique
    plan = slot_enhancement(plan, catalogue, weave, 0, luck.id)
    plan = slot_enhancement(plan, catalogue, tough, 0, enhancement(catalogue, "Training: Resist Damage").id)
    assert refused(weave, 1, luck.name) == f"{luck.name} is unique: already in Weave"
    assert problems(plan, catalogue) == []
    assert clear_enhancement(plan, 0, 0).at(0).slots[0].enhancement_id is None


def full_build(catalogue: Catalogue) -> BuildPlan:
    return import_json(FULL_BUILD.read_text(), catalogue)


def test_the_full_build_is_legal_with_91_slots_of_set_pieces(catalogue: Catalogue) -> None:
    plan = full_build(catalogue)
    slots = [s for p in plan.powers for s in p.slots]
    assert len(plan.powers) == 24 and len(slots) == 91 and slots_left(plan) == 0
    assert all(catalogue.enhancements[s.enhancement_id].set_id is not None for s in slots if s.enhancement_id)
    assert all(s.enhancement_id for s in slots)


def test_per_power_values_after_ed(catalogue: Catalogue) -> None:
    plan = fire_blaster(catalogue)
    plan = pick_power(plan, catalogue, 0, power(catalogue, "Fire Blast", "Flares").id)
    plan = add_slot(add_slot(plan, catalogue, 0), catalogue, 0)
    damage_so = enhancement(catalogue, "Single Origin: Damage Increase").id
    for slot in range(3):
        plan = slot_enhancement(plan, catalogue, 0, slot, damage_so)
    (flares,) = build_totals(plan, catalogue).powers
    damage = flares.enhancement("damage")
    assert damage is not None and damage.schedule == "A"
    assert round(damage.before, 2) == 99.99 and round(damage.after, 2) == 94.99
    assert flares.damage_scale == pytest.approx(flares.power.damage_scale * 1.9499, rel=1e-4)
    assert flares.recharge_time == pytest.approx(flares.power.recharge_time)
    recharge_so = enhancement(catalogue, "Single Origin: Recharge Reduction").id
    plan = slot_enhancement(plan, catalogue, 0, 2, recharge_so)
    (flares,) = build_totals(plan, catalogue).powers
    assert flares.recharge_time == pytest.approx(flares.power.recharge_time / 1.3333)
    assert flares.enhancement("damage").after == pytest.approx(66.66)  # below t1: no ED


def test_rule_of_five_counts_a_bonus_five_times_and_shows_the_rest_suppressed(catalogue: Catalogue) -> None:
    totals = build_totals(full_build(catalogue), catalogue)
    occurrences = Counter(b.bonus.display_text for b in totals.bonuses)
    repeated = [text for text, n in occurrences.items() if n > RULE_OF_FIVE]
    assert repeated, "the full build earns some bonus more than five times"
    for text in repeated:
        earned = [b for b in totals.bonuses if b.bonus.display_text == text]
        assert [b.suppressed for b in earned] == [False] * 5 + [True] * (len(earned) - 5)
    expected: Counter[str] = Counter()
    for earned in totals.bonuses:
        if not earned.suppressed:
            for bonus_type, amount in earned.bonus.effects:
                expected[bonus_type] += amount
    for _, bonus_type, amount in totals.global_effects:
        expected[bonus_type] += amount
    assert totals.totals == pytest.approx(dict(expected))
    assert totals.group("defense") and set(totals.group("defense")) <= {
        "melee",
        "ranged",
        "aoe",
        "smashing",
        "lethal",
        "fire",
        "cold",
        "energy",
        "negative_energy",
        "psionic",
        "toxic",
    }


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_rule_of_five_holds_whatever_is_left_slotted(catalogue: Catalogue, data: st.DataObject) -> None:
    plan = full_build(catalogue)
    for picked in list(plan.powers):
        keep = data.draw(st.integers(0, len(picked.slots)), label=f"pieces kept at pick {picked.pick}")
        for index in range(keep, len(picked.slots)):
            plan = clear_enhancement(plan, picked.pick, index)
    totals = build_totals(plan, catalogue)
    counted = Counter(b.bonus.display_text for b in totals.bonuses if not b.suppressed)
    assert max(counted.values(), default=0) <= RULE_OF_FIVE
    for earned in totals.bonuses:
        assert earned.pieces >= earned.bonus.pieces_required
    assert problems(plan, catalogue) == []


def test_a_whole_plan_names_each_broken_rule(catalogue: Catalogue) -> None:
    plan = full_build(catalogue)
    first = plan.powers[0]
    broken = replace(plan, powers=(replace(first, slots=first.slots + (first.slots[-1],) * 3), *plan.powers[1:]))
    found = problems(broken, catalogue)
    assert "Flares: 7 slots, at most 6" in found
    assert any("is already in this power" in line for line in found)
    assert any("too many slots at level" in line for line in found)
    assert problems(set_level(plan, 30), catalogue) == []
    assert len(set_level(plan, 30).powers) == PICK_LEVELS.index(30) + 1


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.integers(0, 23), max_size=120))
def test_added_slots_never_exceed_the_schedule(catalogue: Catalogue, picks: list[int]) -> None:
    full = full_build(catalogue)
    plan = replace(full, powers=tuple(replace(p, slots=p.slots[:1]) for p in full.powers))
    placed = 0
    for pick in picks:
        try:
            plan = add_slot(plan, catalogue, pick)
            placed += 1
        except PlanError:
            pass
    assert slots_left(plan) == len(ADDED_SLOT_LEVELS) - placed
    used = Counter(s.level for p in plan.powers for s in p.slots[1:])
    assert all(n <= Counter(ADDED_SLOT_LEVELS)[level] for level, n in used.items())
    for picked in plan.powers:
        assert len(picked.slots) <= 6 and all(s.level >= picked.level for s in picked.slots)
    assert problems(plan, catalogue) == []


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_picks_taken_from_what_is_offered_always_make_a_legal_build(catalogue: Catalogue, data: st.DataObject) -> None:
    plan = set_powerset(
        fire_blaster(catalogue, "Fighting", "Leaping", "Speed", "Fitness"),
        catalogue,
        "epic",
        catalogue.powersets_for(catalogue.archetype_named("Blaster").id, "epic")[0].id,
    )  # type: ignore[union-attr]
    for pick in data.draw(st.permutations(range(len(PICK_LEVELS))), label="pick order"):
        offered = [o.power for o in pick_options(plan, catalogue, pick) if o.reason is None]
        if offered:
            choice = data.draw(st.sampled_from(offered), label=f"pick {pick}")
            plan = pick_power(plan, catalogue, pick, choice.id)
    assert problems(plan, catalogue) == []
    assert len(plan.powers) <= 24 and len({p.power_id for p in plan.powers}) == len(plan.powers)
    assert all(catalogue.powers[p.power_id].level_available <= p.level for p in plan.powers)


def test_every_kind_of_enhancement_slots_and_counts(catalogue: Catalogue) -> None:
    plan = fire_blaster(catalogue)
    plan = pick_power(plan, catalogue, 0, power(catalogue, "Fire Blast", "Flares").id)
    for _ in range(5):
        plan = add_slot(plan, catalogue, 0)
    kinds = (
        ("Training: Damage Increase", 50),
        ("Dual Origin: Damage Increase", 10),
        ("Single Origin: Accuracy", 20),
        ("Invention: Accuracy", 25),
        ("Nucleolus Exposure", 50),
        ("Thunderstrike: Accuracy/Damage", 30),
    )
    for index, (name, level) in enumerate(kinds):
        plan = slot_enhancement(plan, catalogue, 0, index, enhancement(catalogue, name).id, level)
    assert [catalogue.enhancements[s.enhancement_id].kind for s in plan.at(0).slots] == [  # type: ignore[index]
        "TO",
        "DO",
        "SO",
        "IO",
        "HamiO",
        "set_piece",
    ]
    (flares,) = build_totals(plan, catalogue).powers
    thunderstrike_at_30 = 42.4 * 0.625 * io_scale(30)
    assert flares.enhancement("damage").before == pytest.approx(  # type: ignore[union-attr]
        8.33 + 16.67 + 33.33 + thunderstrike_at_30
    )
    assert flares.enhancement("accuracy").before == pytest.approx(  # type: ignore[union-attr]
        33.33 + 32.0 + 33.33 + thunderstrike_at_30
    )
    with pytest.raises(PlanError, match="Dual Origin: Damage Increase is slotted at level 10-50"):
        slot_enhancement(plan, catalogue, 0, 1, enhancement(catalogue, "Dual Origin: Damage Increase").id, 9)


def test_a_moved_slot_keeps_its_enhancement_when_the_new_power_takes_it(catalogue: Catalogue) -> None:
    plan = fire_blaster(catalogue, "Speed")
    plan = pick_power(plan, catalogue, 0, power(catalogue, "Fire Blast", "Flares").id)
    plan = pick_power(plan, catalogue, 2, power(catalogue, "Fire Blast", "Fire Ball").id)
    hasten = PICK_LEVELS.index(6)
    plan = pick_power(plan, catalogue, hasten, power(catalogue, "Speed", "Hasten").id)
    plan = add_slot(add_slot(plan, catalogue, 0, level=9), catalogue, 0, level=7)
    assert [s.level for s in plan.at(0).slots] == [1, 7, 9]
    plan = slot_enhancement(plan, catalogue, 0, 1, enhancement(catalogue, "Single Origin: Recharge Reduction").id)
    plan = slot_enhancement(plan, catalogue, 0, 2, enhancement(catalogue, "Single Origin: Damage Increase").id)
    to_fire_ball = move_slot(plan, catalogue, 0, 2, 2)
    assert [(s.level, s.enhancement_id is not None) for s in to_fire_ball.at(2).slots] == [(2, False), (9, True)]
    to_hasten = move_slot(plan, catalogue, 0, 2, hasten)  # Hasten takes no damage: the slot moves empty
    assert [(s.level, s.enhancement_id) for s in to_hasten.at(hasten).slots][1] == (9, None)
    recharge = move_slot(plan, catalogue, 0, 1, hasten)
    assert recharge.at(hasten).slots[1].enhancement_id == enhancement(catalogue, "Single Origin: Recharge Reduction").id

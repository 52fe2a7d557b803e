"""Build planner figures: recomputing every total of a full build after one change.

The build is tests/fixtures/planner/full_sets_build.json: 24 powers, 91 slots, every one
a set piece. Each round changes one slot (a piece swapped for another piece of its set,
checked against every rule as the screen does) and recomputes everything: per-power
values after ED, the set bonuses with the rule of five, the totals. The baseline, measured
in the same run, is the same recompute of the same build with every slot empty. The
screen figure adds refilling the planner's tables after the change.

Run apart from the default suite: `pytest -m bench tests/bench/test_planner.py -s -n 0`.
Prints the medians; asserts nothing about time (DESIGN.md's target is < 5 ms).
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from data.engine import Database
from data.planner import store
from data.planner.catalogue import Catalogue
from data.planner.exchange import import_json
from data.planner.plan import BuildPlan, clear_enhancement, enhancement_options, slot_enhancement
from data.planner.totals import build_totals
from screens.build_planner import BuildPlannerScreen
from tests.app_factory import make_app

pytestmark = pytest.mark.bench

FULL_BUILD = Path(__file__).parents[1] / "fixtures" / "planner" / "full_sets_build.json"
ROUNDS = 501
TARGET_MS = 5.0


def median_ms(action: Callable[[int], object], rounds: int = ROUNDS) -> float:
    times = []
    for number in range(rounds):
        start = time.perf_counter()
        action(number)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def changes(plan: BuildPlan, catalogue: Catalogue) -> list[tuple[int, int, int]]:
    """(pick, slot, enhancement) edits that each swap one slotted piece for another legal one."""
    found = []
    for picked in plan.powers:
        for index, slot in enumerate(picked.slots):
            current = catalogue.enhancements[slot.enhancement_id]  # type: ignore[index]
            other = next(
                (
                    e
                    for e in enhancement_options(plan, catalogue, picked.pick, index)
                    if e.set_id is not None and e.id != current.id
                ),
                None,
            )
            if other is not None:
                found.append((picked.pick, index, other.id))
    return found


def test_recompute_a_full_build_after_one_change(database: Database) -> None:
    catalogue = store.load_catalogue(database)
    plan = import_json(FULL_BUILD.read_text(), catalogue)
    assert sum(len(p.slots) for p in plan.powers) == 91 and len(plan.powers) == 24
    edits = changes(plan, catalogue)
    assert edits

    empty = plan
    for picked in plan.powers:
        for index in range(len(picked.slots)):
            empty = clear_enhancement(empty, picked.pick, index)

    def one_change(number: int) -> BuildPlan:
        pick, index, enhancement_id = edits[number % len(edits)]
        return slot_enhancement(plan, catalogue, pick, index, enhancement_id)

    changed = [one_change(n) for n in range(len(edits))]
    baseline = median_ms(lambda n: build_totals(empty, catalogue))
    totals_only = median_ms(lambda n: build_totals(changed[n % len(changed)], catalogue))
    edit_and_totals = median_ms(lambda n: build_totals(one_change(n), catalogue))
    bonuses = build_totals(plan, catalogue).bonuses
    print(
        f"\nfull build: 24 powers, 91 set pieces, {len(bonuses)} set bonuses "
        f"({sum(b.suppressed for b in bonuses)} suppressed by the rule of five)"
    )
    print(f"  recompute all totals (baseline, every slot empty):  {baseline:.3f} ms")
    print(
        f"  recompute all totals after one change:               {totals_only:.3f} ms "
        f"({totals_only / baseline:.1f}x baseline, {totals_only / TARGET_MS:.2f} of the 5 ms target)"
    )
    print(
        f"  the change checked by the rules, then recompute:     {edit_and_totals:.3f} ms "
        f"({edit_and_totals / baseline:.1f}x baseline)"
    )

    async def through_the_screen() -> float:
        app = make_app(database)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("8")
            await app.workers.wait_for_complete()
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, BuildPlannerScreen)

            def change_and_show(number: int) -> None:
                screen.plan = changed[number % len(changed)]
                screen.show_plan()

            return median_ms(change_and_show, rounds=101)

    screen_ms = asyncio.run(through_the_screen())
    print(
        f"  ... and the screen's tables refilled:               {screen_ms:.3f} ms "
        f"({screen_ms / totals_only:.1f}x the recompute)"
    )

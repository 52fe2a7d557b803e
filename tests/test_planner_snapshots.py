"""The look of the build planner at the smallest supported terminal and a comfortable one.

Review the report before accepting a change with
`pytest tests/test_planner_snapshots.py --snapshot-update`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, OptionList

from data.engine import Database
from tests.app_factory import make_app, settle

FULL_BUILD = Path(__file__).parent / "fixtures" / "planner" / "full_sets_build.json"


def steps(*actions: str | Callable[[Pilot[None]], Awaitable[None]]) -> Callable[[Pilot[None]], Awaitable[None]]:
    """A run_before: the planner (key 8), then each key pressed or coroutine awaited, settling after each."""

    async def run_before(pilot: Pilot[None]) -> None:
        await pilot.press("8")
        await settle(pilot)
        for action in actions:
            if isinstance(action, str):
                await pilot.press(action)
            else:
                await action(pilot)
            await settle(pilot)

    return run_before


def option(label: str) -> Callable[[Pilot[None]], Awaitable[None]]:
    async def highlight(pilot: Pilot[None]) -> None:
        options = pilot.app.screen.query_one(OptionList)
        options.highlighted = next(i for i, o in enumerate(options.options) if str(o.prompt).startswith(label))

    return highlight


async def type_full_build_path(pilot: Pilot[None]) -> None:
    pilot.app.screen.query_one(Input).value = str(FULL_BUILD)


async def focus_bonuses(pilot: Pilot[None]) -> None:
    from widgets.build_tables import BonusesTable

    pilot.app.screen.query_one(BonusesTable).focus()


OPEN_BLAZE = ("o", option("Blaze of Glory"), "enter")


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_planner_power(snap_compare, snapshot_database: Database, size: tuple[int, int]) -> None:
    """Blaze of Glory open on Fire Blast: the picks, its six Thunderstrike slots by level, its values after ED."""
    app = make_app(snapshot_database)
    assert snap_compare(app, terminal_size=size, run_before=steps(*OPEN_BLAZE, "down", "down"))


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_planner_set_bonuses(snap_compare, snapshot_database: Database, size: tuple[int, int]) -> None:
    """The full set-piece build imported: its set bonuses, the rule of five's suppressed ones marked."""
    app = make_app(snapshot_database)
    run_before = steps("i", type_full_build_path, "enter", "t", focus_bonuses, "ctrl+end")
    assert snap_compare(app, terminal_size=size, run_before=run_before)


def test_planner_totals(snap_compare, snapshot_database: Database) -> None:
    """Blaze of Glory's totals: defense and resistance by type, recharge, accuracy, recovery..."""
    app = make_app(snapshot_database)
    assert snap_compare(app, terminal_size=(120, 40), run_before=steps(*OPEN_BLAZE, "t", "t"))


def test_planner_pick_dialog(snap_compare, snapshot_database: Database) -> None:
    """Choosing the level-2 power of Blaze of Glory: unavailable powers say why."""
    app = make_app(snapshot_database)
    assert snap_compare(app, terminal_size=(80, 24), run_before=steps(*OPEN_BLAZE, "down", "down", "enter"))

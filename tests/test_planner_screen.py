"""The build planner screen, driven with Pilot on a real database with demo data.

The long test builds a level-50 Fire/Fire Blaster from nothing with the keyboard: the
archetype, powersets and pools, all 24 picks, all 67 added slots and enhancements, then
saves it and reads it back from the database. The others work the rules the screen
enforces (and says why), slots moved and removed, the saved-build actions and the files.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path

from sqlalchemy.engine import URL
from textual.pilot import Pilot
from textual.widgets import Input, OptionList, Static
from textual.widgets._toast import Toast

from console.app import ConsoleApp
from data.engine import Database
from data.models.heroes import PICK_LEVELS
from data.planner import store
from data.planner.plan import slots_left
from data.roles import Role
from screens.build_planner import BuildPlannerScreen
from tests.app_factory import make_app, settle, visible_text, write_over
from tests.conftest import login_settings
from widgets.build_tables import PicksTable, SlotsTable, TotalsTable
from widgets.dialogs import ChoiceDialog, ConfirmDialog, TextPrompt

SIZE = (80, 24)
FULL_BUILD = Path(__file__).parent / "fixtures" / "planner" / "full_sets_build.json"

# Blaze of Glory's picks and how many added slots each power gets (67 in all).
PICKS = (
    ("Flares", 5),
    ("Ring of Fire", 1),
    ("Fire Blast", 5),
    ("Fire Ball", 5),
    ("Hasten", 2),
    ("Fire Breath", 5),
    ("Combustion", 3),
    ("Aim", 2),
    ("Boxing", 0),
    ("Build Up", 2),
    ("Blaze", 5),
    ("Tough", 3),
    ("Blazing Bolt", 5),
    ("Weave", 3),
    ("Inferno", 3),
    ("Combat Jumping", 1),
    ("Fire Sword Circle", 2),
    ("Hot Feet", 3),
    ("Static Discharge", 4),
    ("Charged Armor", 3),
    ("Electrifying Fences", 1),
    ("Electric Shackles", 1),
    ("Rain of Fire", 2),
    ("Cauterizing Aura", 1),
)


def run(
    database: Database, scenario: Callable[[Pilot[None], ConsoleApp], Awaitable[None]], size: tuple[int, int] = SIZE
) -> None:
    async def main() -> None:
        app = make_app(database)
        async with app.run_test(size=size, notifications=True) as pilot:
            await pilot.press("8")
            await settle(pilot)
            assert isinstance(app.screen, BuildPlannerScreen)
            await scenario(pilot, app)

    asyncio.run(main())


def planner(app: ConsoleApp) -> BuildPlannerScreen:
    screen = app.screen_stack[-1] if isinstance(app.screen_stack[-1], BuildPlannerScreen) else app.screen_stack[-2]
    assert isinstance(screen, BuildPlannerScreen)
    return screen


def options(app: ConsoleApp) -> list[tuple[str, bool]]:
    assert isinstance(app.screen, ChoiceDialog), app.screen
    option_list = app.screen.query_one(OptionList)
    return [(str(option.prompt), not option.disabled) for option in option_list.options]


async def choose(pilot: Pilot[None], label: str) -> None:
    """In the open choice dialog, highlight the option that starts with `label`, and Enter.

    The highlight is set, not walked to with arrow keys: a list of forty powers walked key
    by key costs a repaint per key and tests nothing the arrow keys' own tests do not.
    """
    app = pilot.app
    texts = [text for text, _ in options(app)]  # type: ignore[arg-type]
    target = next(i for i, text in enumerate(texts) if text.strip().lstrip("✓ ").startswith(label))
    option_list = app.screen.query_one(OptionList)
    option_list.highlighted = target
    await pilot.pause()
    assert option_list.highlighted == target, (label, texts)
    await pilot.press("enter")
    await settle(pilot)


async def go_to_pick(pilot: Pilot[None], pick: int) -> None:
    """Put the picks table's cursor on `pick` (one key when it is the next row, as a user
    going down the list would press; a jump otherwise)."""
    table = planner(pilot.app).query_one(PicksTable)  # type: ignore[arg-type]
    table.focus()
    if table.cursor_row == pick - 1:
        await pilot.press("down")
    else:
        table.move_cursor(row=pick)
        await pilot.pause()
    assert table.cursor_row == pick


async def focus_slots(pilot: Pilot[None]) -> SlotsTable:
    slots = planner(pilot.app).query_one(SlotsTable)  # type: ignore[arg-type]
    for _ in range(5):
        if slots.has_focus:
            break
        await pilot.press("tab")
    assert slots.has_focus
    return slots


def toasts(app: ConsoleApp) -> list[str]:
    return [str(toast.render()) for toast in app.screen.query(Toast)]


def heading(app: ConsoleApp) -> str:
    return str(planner(app).query_one("#planner-heading", Static).render())


async def start_fire_blaster(pilot: Pilot[None]) -> None:
    for key, label in (
        ("a", "Blaster"),
        ("p", "Fire Blast"),
        ("s", "Fire Manipulation"),
        ("l", "Speed"),
        ("l", "Fighting"),
        ("l", "Leaping"),
        ("e", "Mu Mastery"),
    ):
        await pilot.press(key)
        await settle(pilot)
        await choose(pilot, label)


def test_a_level_50_character_end_to_end(database: Database) -> None:
    async def scenario(pilot: Pilot[None], app: ConsoleApp) -> None:
        assert "New build · level 50 no archetype" in heading(app)
        await start_fire_blaster(pilot)
        assert heading(app).startswith("New build · level 50 Blaster · Fire Blast / Fire Manipulation · 0/24")
        for pick, (name, _) in enumerate(PICKS):
            await go_to_pick(pilot, pick)
            await pilot.press("enter")
            await settle(pilot)
            await choose(pilot, name)
        assert "24/24 picks · 67 slots left" in heading(app)
        for pick, (_, added) in enumerate(PICKS):
            await go_to_pick(pilot, pick)
            for _ in range(added):
                await pilot.press("plus")
        await settle(pilot)
        assert "24/24 picks · 0 slots left · unsaved" in heading(app)
        await pilot.press("plus")  # none left: the screen says so and changes nothing
        await settle(pilot)
        assert any("no added slot is left" in text for text in toasts(app))

        # Flares: six Decimation pieces, each at level 40 (the prompt's default, within 25-40).
        await go_to_pick(pilot, 0)
        slots = await focus_slots(pilot)
        pieces = (
            "Decimation: Accuracy/Damage",
            "Decimation: Damage/Endurance",
            "Decimation: Damage/Recharge",
            "Decimation: Accuracy/Endurance/Recharge",
            "Decimation: Accuracy/Damage/Recharge",
            "Decimation: Chance for Build Up",
        )
        for index, piece in enumerate(pieces):
            while slots.cursor_row != index:
                await pilot.press("down")
            await pilot.press("enter")
            await settle(pilot)
            await choose(pilot, piece)
            assert isinstance(app.screen, TextPrompt)
            assert app.screen.query_one(Input).value == "40"
            await pilot.press("enter")
            await settle(pilot)
        assert [str(slots.get_row_at(row)[2]) for row in (0, 5)] == [f"{pieces[0]} (40)", f"{pieces[5]} (40)"]
        summary = str(planner(app).query_one("#planner-power-summary", Static).render()).splitlines()
        # Three two-aspect pieces (26.5 % at 50) and one three-aspect (21.2 %) of damage, at level 40
        # (0.902 of the level-50 strength): 90.82 %, which ED brings to 70 + 18 + 0.7 * 0.82.
        assert summary[0] == "Flares Fire Blast"
        assert summary[2:] == [
            "Enhancement, before → after ED:",
            "accuracy 62.14%→62.14% (A)",
            "damage 90.82%→88.57% (A)",
            "endurance reduction 43.02%→43.02% (A)",
            "recharge 62.14%→62.14% (A)",
        ]

        await pilot.press("t", "t")  # the totals
        await settle(pilot)
        totals = planner(app).query_one(TotalsTable)
        labels = [str(totals.get_row_at(row)[0]) for row in range(totals.row_count)]
        assert "Resistance (energy)" in labels and "Hit points" in labels

        await pilot.press("ctrl+s")
        await settle(pilot)
        assert any("Saved 'New build' (build " in text for text in toasts(app))
        assert "unsaved" not in heading(app)

    run(database, scenario)
    catalogue = store.load_catalogue(database)
    saved = next(s for s in store.list_builds(database) if s.name == "New build")
    assert (saved.archetype, saved.primary, saved.secondary, saved.epic, saved.level) == (
        "Blaster",
        "Fire Blast",
        "Fire Manipulation",
        "Mu Mastery",
        50,
    )
    assert (saved.powers, saved.slots) == (24, 91)
    plan = store.load_build(database, saved.id)
    assert slots_left(plan) == 0
    assert [catalogue.powers[p.power_id].display_name for p in plan.powers] == [name for name, _ in PICKS]
    assert [p.level for p in plan.powers] == list(PICK_LEVELS)
    flares = plan.powers[0]
    assert [catalogue.enhancements[s.enhancement_id].name for s in flares.slots] == list(
        (
            "Decimation: Accuracy/Damage",
            "Decimation: Damage/Endurance",
            "Decimation: Damage/Recharge",
            "Decimation: Accuracy/Endurance/Recharge",
            "Decimation: Accuracy/Damage/Recharge",
            "Decimation: Chance for Build Up",
        )
    )
    assert [s.level for s in flares.slots] == [1, 3, 3, 5, 5, 7]


def test_unavailable_powers_say_why_and_changes_that_lose_picks_ask_first(database: Database) -> None:
    async def scenario(pilot: Pilot[None], app: ConsoleApp) -> None:
        await start_fire_blaster(pilot)
        await go_to_pick(pilot, 0)
        await pilot.press("enter")
        await settle(pilot)
        offered = dict(options(app))
        assert offered["Flares"] and offered["Fire Blast"]
        assert offered["Fire Ball — the first pick is one of the first two primary powers"] is False
        assert offered["Ring of Fire — the first level-1 pick is a primary power"] is False
        await choose(pilot, "Flares")
        await go_to_pick(pilot, 2)
        await pilot.press("enter")
        await settle(pilot)
        offered = dict(options(app))
        assert offered["Blaze — available from level 18"] is False
        assert offered["Flares — already taken at level 1"] is False
        assert offered["Tough — available from level 14"] is False
        assert offered["Static Discharge — epic powers from level 35"] is False
        await choose(pilot, "Fire Ball")
        await go_to_pick(pilot, PICK_LEVELS.index(14))
        await pilot.press("enter")
        await settle(pilot)
        offered = dict(options(app))
        assert offered["Tough — needs Boxing or Kick first"] is False and offered["Boxing"] is True
        await pilot.press("escape")
        await settle(pilot)

        await pilot.press("p")  # another primary: Flares and Fire Ball would go
        await settle(pilot)
        await choose(pilot, "Energy Blast")
        assert isinstance(app.screen, ConfirmDialog)
        assert "This discards 2 picked power(s): Flares, Fire Ball." in visible_text(app)
        await pilot.press("escape")
        await settle(pilot)
        assert "Fire Blast / Fire Manipulation · 2/24" in heading(app)

        await pilot.press("a")
        await settle(pilot)
        await choose(pilot, "Tanker")
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("enter")
        await settle(pilot)
        assert "level 50 Tanker · - / - · 0/24 picks" in heading(app)

    run(database, scenario)


def test_slots_move_and_remove_and_refusals_name_the_rule(database: Database) -> None:
    blaze = PICK_LEVELS.index(18)

    async def scenario(pilot: Pilot[None], app: ConsoleApp) -> None:
        await start_fire_blaster(pilot)
        for pick, name in ((0, "Flares"), (1, "Ring of Fire"), (2, "Fire Ball"), (blaze, "Blaze")):
            await go_to_pick(pilot, pick)
            await pilot.press("enter")
            await settle(pilot)
            await choose(pilot, name)
        await go_to_pick(pilot, 0)
        for _ in range(6):
            await pilot.press("plus")
        await settle(pilot)
        assert any("Flares holds at most 6 slots" in text for text in toasts(app))
        slots = planner(app).query_one(SlotsTable)
        assert [slots.get_row_at(row)[1] for row in range(slots.row_count)] == ["1", "3", "3", "5", "5", "7"]
        await focus_slots(pilot)
        await pilot.press("down")  # slot 2, placed at level 3
        await pilot.press("m")
        await settle(pilot)
        await choose(pilot, "18: Blaze")
        assert any("a level-3 slot cannot go in Blaze, picked at level 18" in text for text in toasts(app))
        assert slots.row_count == 6
        await pilot.press("m")
        await settle(pilot)
        await choose(pilot, "2: Fire Ball")
        assert slots.row_count == 5
        await go_to_pick(pilot, 2)
        assert [slots.get_row_at(row)[1] for row in range(slots.row_count)] == ["2", "3"]
        assert "62 slots left" in heading(app)
        await focus_slots(pilot)
        await pilot.press("down", "minus")
        await settle(pilot)
        assert slots.row_count == 1 and "63 slots left" in heading(app)
        await pilot.press("minus")  # the base slot stays
        await settle(pilot)
        assert slots.row_count == 1 and "63 slots left" in heading(app)

    run(database, scenario)


def test_open_copy_rename_delete(database: Database) -> None:
    async def scenario(pilot: Pilot[None], app: ConsoleApp) -> None:
        await pilot.press("o")
        await settle(pilot)
        listed = [text for text, _ in options(app)]
        assert "Blaze of Glory · 50 Blaster · Fire Blast/Fire Manipulation" in listed
        await choose(pilot, "Iron Wall")
        assert heading(app).startswith("Iron Wall · level 20 Tanker · Invulnerability / Super Strength · 12/24")
        await pilot.press("c")
        await settle(pilot)
        assert app.screen.query_one(Input).value == "Iron Wall (copy)"
        await pilot.press("enter")
        await settle(pilot)
        assert heading(app).startswith("Iron Wall (copy) · level 20")
        await pilot.press("r")
        await settle(pilot)
        app.screen.query_one(Input).value = " "
        await pilot.press("enter")
        await settle(pilot)
        assert "a build needs a name" in visible_text(app)
        app.screen.query_one(Input).value = "Iron Wall II"
        await pilot.press("enter")
        await settle(pilot)
        assert heading(app).startswith("Iron Wall II · level 20")
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("enter")
        await settle(pilot)
        assert heading(app).endswith("· unsaved")

    run(database, scenario)
    names = [b.name for b in store.list_builds(database)]
    assert "Iron Wall" in names and "Iron Wall (copy)" not in names and "Iron Wall II" not in names


def test_export_and_import_files(database: Database, tmp_path: Path) -> None:
    exported = tmp_path / "blaze.json"
    bad = tmp_path / "bad.json"
    document = json.loads(FULL_BUILD.read_text())
    document["powers"][0]["slots"].extend([{"level": 50}] * 3)
    bad.write_text(json.dumps(document))

    async def scenario(pilot: Pilot[None], app: ConsoleApp) -> None:
        await pilot.press("o")
        await settle(pilot)
        await choose(pilot, "Blaze of Glory")
        await pilot.press("x")
        await settle(pilot)
        app.screen.query_one(Input).value = str(exported)
        await pilot.press("enter")
        await settle(pilot)
        assert json.loads(exported.read_text())["name"] == "Blaze of Glory"
        # A second export to the same file asks before replacing it; Escape keeps it.
        exported.write_text("mine")
        for answer in ("escape", "enter"):
            await write_over(pilot, "x", exported, answer)
            assert exported.read_text() == "mine" if answer == "escape" else json.loads(exported.read_text())
        before = planner(app).plan
        await pilot.press("i")
        await settle(pilot)
        app.screen.query_one(Input).value = str(bad)
        await pilot.press("enter")
        await settle(pilot)
        assert any("Flares: 7 slots, at most 6" in text for text in toasts(app))
        assert planner(app).plan == before, "a rejected file loads nothing"
        await pilot.press("i")
        await settle(pilot)
        app.screen.query_one(Input).value = str(FULL_BUILD)
        await pilot.press("enter")
        await settle(pilot)
        assert heading(app).startswith("Full sets · level 50 Blaster") and heading(app).endswith("unsaved")

    run(database, scenario)


def test_a_developer_plans_but_saving_is_refused(database_url: URL) -> None:
    with Database(login_settings(database_url, Role.DEVELOPER)) as developer:

        async def scenario(pilot: Pilot[None], app: ConsoleApp) -> None:
            await start_fire_blaster(pilot)
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert any("the developer role writes nothing" in text for text in toasts(app))

        run(developer, scenario)


def test_a_save_over_a_build_changed_elsewhere_is_refused(database: Database) -> None:
    """Another session saves the open build; ctrl+s here says so and writes nothing."""
    build_id = next(s for s in store.list_builds(database) if s.name == "Iron Wall").id

    async def scenario(pilot: Pilot[None], app: ConsoleApp) -> None:
        await pilot.press("o")
        await settle(pilot)
        await choose(pilot, "Iron Wall")
        await go_to_pick(pilot, 11)
        await pilot.press("delete")  # an unsaved change here: the level-20 pick emptied
        await settle(pilot)
        assert heading(app).endswith("unsaved")
        store.rename_build(database, build_id, "Iron Wall (theirs)")  # another session's write
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert any("was changed elsewhere after it was opened; nothing was saved" in text for text in toasts(app))
        assert heading(app).endswith("unsaved"), "the change here is kept, to copy or redo"

    before = store.load_build(database, build_id)
    run(database, scenario)
    assert store.load_build(database, build_id) == replace(before, name="Iron Wall (theirs)")

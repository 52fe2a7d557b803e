"""A build exported to JSON and imported back unchanged; a file that breaks a rule is refused."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from data.engine import Database
from data.planner import store
from data.planner.catalogue import Catalogue
from data.planner.exchange import BuildFileError, export_build, export_json, import_build, import_json

FULL_BUILD = Path(__file__).parent / "fixtures" / "planner" / "full_sets_build.json"


def test_every_demo_build_round_trips_unchanged(demo: tuple[Database, Catalogue]) -> None:
    database, catalogue = demo
    for summary in store.list_builds(database):
        plan = store.load_build(database, summary.id)
        text = export_json(plan, catalogue)
        again = import_json(text, catalogue)
        assert again == replace(plan, id=None), summary.name
        assert export_json(again, catalogue) == text


def test_the_file_names_things_as_the_game_does(demo: tuple[Database, Catalogue]) -> None:
    _, catalogue = demo
    document = json.loads(FULL_BUILD.read_text())
    assert (document["archetype"], document["primary"], document["epic"]) == ("Blaster", "Fire Blast", "Mu Mastery")
    assert document["powers"][0]["power"] == "Fire Blast / Flares"
    assert document["powers"][0]["slots"][0] == {
        "level": 1,
        "enhancement": "Thunderstrike: Accuracy/Damage",
        "enhancement_level": 50,
    }
    assert export_build(import_build(document, catalogue), catalogue) == document


def edited(change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    document = json.loads(FULL_BUILD.read_text())
    change(document)
    return document


def _seventh_slot(d: dict[str, Any]) -> None:
    d["powers"][0]["slots"].extend([{"level": 50}] * 3)


def _unknown_power(d: dict[str, Any]) -> None:
    d["powers"][3]["power"] = "Fire Manipulation / Fire Whip"


def _hasten_with_damage(d: dict[str, Any]) -> None:
    d["powers"][0]["slots"][0] = {
        "level": 1,
        "enhancement": "Crushing Impact: Accuracy/Damage",
        "enhancement_level": 50,
    }


def _unique_twice(d: dict[str, Any]) -> None:
    for hover_then_maneuvers in d["powers"][19:21]:
        hover_then_maneuvers["slots"][2]["enhancement"] = "Luck of the Gambler: Defense/+Recharge"


def _early_slot(d: dict[str, Any]) -> None:
    d["powers"][-1]["slots"][1]["level"] = 3


def _below_range(d: dict[str, Any]) -> None:
    d["powers"][0]["slots"][0]["enhancement_level"] = 10


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (_unknown_power, "power 4: unknown power 'Fire Manipulation / Fire Whip' in this build's powersets"),
        (_seventh_slot, "Flares: 7 slots, at most 6"),
        (_hasten_with_damage, "Flares: slot 1: Flares takes no Melee Damage sets"),
        (_unique_twice, "is unique: already in"),
        (_early_slot, "Kick: slot 2 at level 3: no added slot can go there"),
        (_below_range, "Thunderstrike: Accuracy/Damage is slotted at level 30-50"),
        (lambda d: d.update(archetype="Mastermind"), "unknown archetype 'Mastermind'"),
        (lambda d: d.update(primary="Ice Control"), "unknown primary powerset 'Ice Control' for this archetype"),
        (lambda d: d.update(format="mids"), 'not a build file: "format" should be "console.build"'),
        (
            lambda d: d["powers"][1]["slots"][0].update(enhancement="Thunderstrike: Nothing"),
            "power 2 (Fire Manipulation / Ring of Fire), slot 1: unknown enhancement 'Thunderstrike: Nothing'",
        ),
        (lambda d: d["powers"][0].update(pick=25), '"pick" should be 1 to 24'),
        (lambda d: d["powers"][2].update(pick=1), "not a free pick"),
        (lambda d: d.update(pools=["Fighting", "Flight", "Leadership", "Leaping", "Speed"]), "at most 4 pool"),
    ],
)
def test_a_file_breaking_a_rule_names_the_problem(
    demo: tuple[Database, Catalogue], change: Callable[[dict[str, Any]], None], message: str
) -> None:
    _, catalogue = demo
    document = edited(change)
    with pytest.raises(BuildFileError) as caught:
        import_json(json.dumps(document), catalogue)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_text_that_is_no_json_is_refused(demo: tuple[Database, Catalogue]) -> None:
    _, catalogue = demo
    with pytest.raises(BuildFileError, match="not JSON: Expecting value at line 1, column 1"):
        import_json("<build/>", catalogue)
    with pytest.raises(BuildFileError, match="not a build file"):
        import_json("[1, 2]", catalogue)

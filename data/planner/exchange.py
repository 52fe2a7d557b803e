"""A build as a JSON file, and back: names instead of ids, so a file moves between databases.

The file names the archetype, powersets, powers and enhancements as the game data does
(a power as "Powerset / Power"), every pick with its level and every slot with the level
it was placed at. Importing resolves every name and checks the whole build against the
planner's rules before anything is returned: a file that names something unknown or
breaks a rule is rejected with the problem named, and nothing is loaded.
"""

from __future__ import annotations

import json
from typing import Any

from data.errors import Refusal
from data.models.heroes import PICK_LEVELS
from data.planner.catalogue import Catalogue, PowersetInfo
from data.planner.plan import BuildPlan, PickedPower, Slot, problems

FORMAT = "console.build"
VERSION = 1


class BuildFileError(Refusal, ValueError):
    """A build file cannot be imported; the message names the first problem found."""

    title = "Build file rejected"


def _powerset_ref(catalogue: Catalogue, powerset_id: int | None) -> str | None:
    return catalogue.powersets[powerset_id].display_name if powerset_id is not None else None


def export_build(plan: BuildPlan, catalogue: Catalogue) -> dict[str, Any]:
    """The plan as a JSON-ready document (see the module docstring)."""
    powers = []
    for picked in plan.powers:
        power = catalogue.powers[picked.power_id]
        slots = []
        for slot in picked.slots:
            entry: dict[str, Any] = {"level": slot.level}
            if slot.enhancement_id is not None:
                entry["enhancement"] = catalogue.enhancements[slot.enhancement_id].name
                entry["enhancement_level"] = slot.enhancement_level
            slots.append(entry)
        powers.append(
            {
                "pick": picked.pick + 1,
                "level": picked.level,
                "power": f"{catalogue.powersets[power.powerset_id].display_name} / {power.display_name}",
                "slots": slots,
            }
        )
    return {
        "format": FORMAT,
        "version": VERSION,
        "name": plan.name,
        "notes": plan.notes,
        "level": plan.level,
        "archetype": catalogue.archetypes[plan.archetype_id].display_name if plan.archetype_id else None,
        "primary": _powerset_ref(catalogue, plan.primary_id),
        "secondary": _powerset_ref(catalogue, plan.secondary_id),
        "pools": [_powerset_ref(catalogue, pool_id) for pool_id in plan.pool_ids],
        "epic": _powerset_ref(catalogue, plan.epic_id),
        "powers": powers,
    }


def export_json(plan: BuildPlan, catalogue: Catalogue) -> str:
    return json.dumps(export_build(plan, catalogue), indent=2, ensure_ascii=False) + "\n"


def import_json(text: str, catalogue: Catalogue) -> BuildPlan:
    """The build a JSON text describes, checked against every rule (it has no id yet).

    Raises:
        BuildFileError: the text is not JSON, not a build file, names something the game
            data does not have, or describes a build that breaks a rule.
    """
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise BuildFileError(f"not JSON: {error.msg} at line {error.lineno}, column {error.colno}") from None
    return import_build(document, catalogue)


def import_build(document: Any, catalogue: Catalogue) -> BuildPlan:
    """As import_json, from the parsed document."""
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise BuildFileError(f'not a build file: "format" should be "{FORMAT}"')
    if document.get("version") != VERSION:
        raise BuildFileError(f"build file version {document.get('version')!r} is not supported (only {VERSION})")
    name = _text(document, "name", "the build")
    archetype = catalogue.archetype_named(_text(document, "archetype", "the build"))
    if archetype is None:
        raise BuildFileError(f"unknown archetype {document['archetype']!r}")
    level = document.get("level", 50)
    if not isinstance(level, int) or isinstance(level, bool):
        raise BuildFileError(f"the build's level should be a whole number, not {level!r}")
    notes = document.get("notes")
    if notes is not None and not isinstance(notes, str):
        raise BuildFileError('"notes" should be text')
    sets = {kind: _powersets(catalogue, archetype.id, kind) for kind in ("primary", "secondary", "epic", "pool")}
    primary = _resolve_powerset(sets["primary"], _text(document, "primary", "the build"), "primary")
    secondary = _resolve_powerset(sets["secondary"], _text(document, "secondary", "the build"), "secondary")
    epic_name = document.get("epic")
    epic = _resolve_powerset(sets["epic"], epic_name, "epic") if epic_name is not None else None
    pool_names = document.get("pools", [])
    if not isinstance(pool_names, list):
        raise BuildFileError('"pools" should be a list of pool names')
    pools = tuple(_resolve_powerset(sets["pool"], n, "pool") for n in pool_names)
    chosen = [primary, secondary, *pools, *([epic] if epic is not None else [])]
    powers = document.get("powers", [])
    if not isinstance(powers, list):
        raise BuildFileError('"powers" should be a list')
    picks = tuple(_picked(catalogue, chosen, entry, number) for number, entry in enumerate(powers, start=1))
    plan = BuildPlan(
        name=name,
        archetype_id=archetype.id,
        primary_id=primary,
        secondary_id=secondary,
        pool_ids=pools,
        epic_id=epic,
        level=level,
        notes=notes,
        powers=tuple(sorted(picks, key=lambda p: p.pick)),
    )
    found = problems(plan, catalogue)
    if found:
        more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
        raise BuildFileError(found[0] + more)
    return plan


def _text(document: dict[str, Any], key: str, where: str) -> str:
    value = document.get(key)
    if not isinstance(value, str) or not value.strip():
        raise BuildFileError(f'{where} needs "{key}" (text)')
    return value.strip()


def _powersets(catalogue: Catalogue, archetype_id: int, kind: str) -> list[PowersetInfo]:
    return catalogue.powersets_for(archetype_id, kind)


def _resolve_powerset(options: list[PowersetInfo], name: Any, kind: str) -> int:
    if isinstance(name, str):
        for powerset in options:
            if name.strip().casefold() in (powerset.display_name.casefold(), powerset.name.casefold()):
                return powerset.id
    raise BuildFileError(f"unknown {kind} powerset {name!r} for this archetype")


def _picked(catalogue: Catalogue, powerset_ids: list[int], entry: Any, number: int) -> PickedPower:
    where = f"power {number}"
    if not isinstance(entry, dict):
        raise BuildFileError(f"{where} should be an object")
    reference = _text(entry, "power", where)
    pick = entry.get("pick")
    if not isinstance(pick, int) or isinstance(pick, bool) or not 1 <= pick <= len(PICK_LEVELS):
        raise BuildFileError(f'{where} ({reference}): "pick" should be 1 to {len(PICK_LEVELS)}')
    powerset_name, _, power_name = reference.rpartition("/")
    power_id = next(
        (
            power.id
            for powerset_id in powerset_ids
            if not powerset_name.strip()
            or powerset_name.strip().casefold() == catalogue.powersets[powerset_id].display_name.casefold()
            for power in catalogue.powers_of(powerset_id)
            if power_name.strip().casefold() in (power.display_name.casefold(), power.name.casefold())
        ),
        None,
    )
    if power_id is None:
        raise BuildFileError(f"{where}: unknown power {reference!r} in this build's powersets")
    slots = entry.get("slots")
    if not isinstance(slots, list) or not slots:
        raise BuildFileError(f'{where} ({reference}): "slots" should list at least its base slot')
    return PickedPower(
        pick - 1,
        power_id,
        tuple(_slot(catalogue, s, f"{where} ({reference}), slot {i}") for i, s in enumerate(slots, start=1)),
    )


def _slot(catalogue: Catalogue, entry: Any, where: str) -> Slot:
    if not isinstance(entry, dict):
        raise BuildFileError(f"{where} should be an object")
    level = entry.get("level")
    if not isinstance(level, int) or isinstance(level, bool):
        raise BuildFileError(f'{where}: "level" should be a whole number')
    name = entry.get("enhancement")
    if name is None:
        return Slot(level)
    enhancement = catalogue.enhancement_named(name) if isinstance(name, str) else None
    if enhancement is None:
        raise BuildFileError(f"{where}: unknown enhancement {name!r}")
    enhancement_level = entry.get("enhancement_level", enhancement.level_max)
    if not isinstance(enhancement_level, int) or isinstance(enhancement_level, bool):
        raise BuildFileError(f'{where}: "enhancement_level" should be a whole number')
    return Slot(level, enhancement.id, enhancement_level)

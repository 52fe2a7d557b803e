"""City of Data: the Homecoming game export, into the heroes game data.

The export's layout (shared/data/README.md describes it): archetypes/<at>.json,
powers/<category>/index.json and powers/<category>/<powerset>/index.json with one file per
power, boost_sets/<set>.json. It maps onto:

- archetypes (by name): hit points at level 50 from attrib_max / attrib_max_max, the
  primary and secondary groups from the category names (Blaster_RANGED: damage).
- powersets (by internal name, Blaster_Ranged.Fire_Blast): an archetype's primary or
  secondary set where its primary_category or secondary_category names the category; a
  Pool set for everyone; an Epic set for the archetype its powers name.
- powers (by internal name): position and level from the powerset's index
  (available_level is 0-based), the numbers, the damage scale summed over its PvE damage
  templates, accepted enhancement attributes (boosts_allowed) and set categories
  (allowed_boostset_cats), prerequisites from `requires` (data/imports/requires.py).
- enhancement_sets (by name), their crafted pieces as enhancements (by name; strengths
  from the aspects, as the planner's generic IO tables give them) and set_bonuses (the
  bonus texts the game uses, with the amounts of its bonus tables).

The source records are kept in `source` (without the per-level attribute tables and the
animation data, which no one queries and which would make each row a megabyte). The whole
import is one transaction: a re-run updates the same rows, and a cancel or a failure
leaves the database as it was. Powers granted automatically (available_level -1) and
game data it has no column for (PvP bonuses, bonus texts it does not know) are counted
under "skipped".
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Connection, Table, and_, bindparam, delete, func, insert, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import DBAPIError

from data.demo.heroes import (
    ASPECT_LABELS,
    ASPECT_SHARE,
    BONUS_AMOUNTS,
    BONUS_NAMES,
    DEFENSE_COMBOS,
    DEFENSE_TYPES,
    RESISTANCE_COMBOS,
    STRENGTHS,
    _bonus_rows,
)
from data.engine import Database
from data.imports.common import (
    HEROES,
    CancelFlag,
    ImportFailed,
    ImportResult,
    ImportRun,
    ProgressCallback,
    RecordError,
    check_can_import,
    source_path,
)
from data.imports.requires import prerequisite_groups
from data.models.heroes import (
    ENHANCEMENT_ATTRIBUTES,
    ENHANCEMENT_COLUMNS,
    POWER_TYPES,
    Archetype,
    Enhancement,
    EnhancementSet,
    Power,
    PowerEnhancementCompatibility,
    PowerPrerequisite,
    Powerset,
    SetBonus,
)

ARCHETYPES = cast(Table, Archetype.__table__)
POWERSETS = cast(Table, Powerset.__table__)
POWERS = cast(Table, Power.__table__)
PREREQUISITES = cast(Table, PowerPrerequisite.__table__)
COMPATIBILITY = cast(Table, PowerEnhancementCompatibility.__table__)
SETS = cast(Table, EnhancementSet.__table__)
ENHANCEMENTS = cast(Table, Enhancement.__table__)
BONUSES = cast(Table, SetBonus.__table__)

LEVEL_50 = 49  # index of level 50 in the per-level attribute tables

# The last word of a category name says the role of its powersets.
CATEGORY_GROUPS: dict[str, str] = {
    "ranged": "damage",
    "melee": "damage",
    "assault": "damage",
    "summon": "damage",
    "offensive": "damage",
    "control": "control",
    "defense": "defense",
    "defensive": "defense",
    "support": "support",
    "buff": "support",
}

# boosts_allowed -> the enhancement attribute (power_enhancement_compatibility.enhancement_type).
BOOSTS: dict[str, str] = {
    "Enhance Accuracy": "accuracy",
    "Enhance Damage": "damage",
    "Reduce Endurance Cost": "endurance_reduction",
    "Enhance Recharge Speed": "recharge",
    "Enhance Heal": "heal",
    "Enhance Endurance Modification": "endurance_modification",
    "Enhance ToHit DeBuffs": "to_hit_debuff",
    "Enhance Defense DeBuff": "defense_debuff",
    "Enhance Hold": "hold",
    "Enhance Disorient": "stun",
    "Enhance Immobilization": "immobilize",
    "Enhance Sleep": "sleep",
    "Enhance Slow Movement": "slow",
    "Enhance KnockBack": "knockback",
    "Enhance Threat Duration": "taunt",
    "Enhance Running Speed": "run_speed",
    "Enhance Jump": "jump",
    "Enhance Flying Speed": "fly_speed",
    "Enhance Defense": "defense",
    "Enhance Damage Resistance": "resistance",
    "Enhance ToHit Buffs": "to_hit",
    "Enhance Range": "range",
    "Reduce Interrupt Time": "interrupt",
    "Enhance Fear": "fear",
    "Enhance Confusion": "confuse",
}
ASPECTS: dict[str, str] = {label: attribute for attribute, label in ASPECT_LABELS.items()}
_DEFENSE_ALL = {f"defense.{kind}": 3.0 for kind in DEFENSE_TYPES}
# The build-wide effects of the unique pieces, by the name the game gives them.
GLOBAL_BONUSES: dict[str, dict[str, float]] = {
    "Luck of the Gambler: Recharge Speed": {"recharge": 7.5},
    "Gladiator's Armor: +Def(All)": _DEFENSE_ALL,
    "Steadfast Protection: Resistance/Defense": _DEFENSE_ALL,
    "Aegis: Psionic/Status Resistance": {"resistance.psionic": 3.0, "mez_resistance": 20.0},
    "Unbreakable Guard": {"hit_points": 7.5},
}
AREAS = {"character": "single"}
SOURCE_LEFT_OUT = ("fx", "custom_fx")


def _bonus_texts() -> dict[str, list[tuple[str, float, str]]]:
    """Every set bonus text the game uses that the bonus tables know, with its rows.

    The demo data's tables are the one description of the game's bonus sizes and names
    ("Moderate Increased Energy/Negative Energy/Ranged Def Bonus"), so the importer asks
    them for every size of every kind rather than keeping a second copy.
    """
    sizes = {size for amounts in BONUS_AMOUNTS.values() for size in amounts}
    kinds = [*BONUS_NAMES, *(f"def:{k}" for k in DEFENSE_COMBOS), *(f"res:{k}" for k in RESISTANCE_COMBOS)]
    texts: dict[str, list[tuple[str, float, str]]] = {}
    for size in sizes:
        for kind in kinds:
            try:
                rows = _bonus_rows(size, kind)
            except KeyError:
                continue
            texts[rows[0][2]] = rows
    return texts


BONUS_TEXTS = _bonus_texts()


class BadFile(ValueError):
    """A file of the export that cannot be read as the layout says."""


@dataclass
class _State:
    """What the import has written so far, for the later stages' lookups."""

    archetypes: dict[str, tuple[int, str, str]] = field(default_factory=dict)
    """CoD name -> (id, primary category, secondary category), categories lower-cased."""
    powers: dict[str, int] = field(default_factory=dict)
    """Lower-cased internal name -> id, for the powers of this run."""
    requires: list[tuple[int, str]] = field(default_factory=list)
    accepted: list[tuple[int, list[str]]] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)

    def skip(self, what: str, count: int = 1) -> None:
        self.skipped[what] = self.skipped.get(what, 0) + count


def _load(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BadFile(f"not valid JSON: {error}") from None


def _files(root: Path) -> tuple[list[Path], list[tuple[Path, list[Path]]], list[Path]]:
    """(archetype files, [(powerset dir, its power files)], set files) in a stable order."""
    archetypes_dir = root / "archetypes"
    archetypes = sorted(p for p in archetypes_dir.glob("*.json") if p.name != "index.json")
    index = archetypes_dir / "index.json"
    if index.exists():
        # The index tells player classes from the game's NPC ranks, which have no powersets.
        players = set(_load(index).get("player_archetypes") or [])
        archetypes = [p for p in archetypes if p.stem in players] if players else archetypes
    powersets = [
        (directory, sorted(p for p in directory.glob("*.json") if p.name != "index.json"))
        for directory in sorted((root / "powers").glob("*/*"))
        if directory.is_dir() and (directory / "index.json").exists()
    ]
    sets = sorted((root / "boost_sets").glob("*.json"))
    return archetypes, powersets, sets


def import_city_of_data(
    database: Database,
    directory: str | Path,
    *,
    progress: ProgressCallback | None = None,
    cancelled: CancelFlag | None = None,
) -> ImportResult:
    """Import a City of Data export directory into the heroes game data, in one transaction.

    A file that cannot be read (bad JSON, a missing key) is rejected with its path and
    the rest goes on; `counts` gives the rows written per table and what was skipped.

    Raises:
        PermissionError: not an admin, or a read-only connection.
        ImportFailed: the directory is missing or is not a City of Data export.
    """
    check_can_import(database)
    root = source_path(directory, directory=True)
    archetype_files, powerset_dirs, set_files = _files(root)
    if not (archetype_files or powerset_dirs or set_files):
        raise ImportFailed(f"{directory}: not a City of Data export (no archetypes/, powers/ or boost_sets/)")
    total = len(archetype_files) + sum(1 + len(files) for _, files in powerset_dirs) + len(set_files)
    run = ImportRun(database, "cod", root, table=f"{HEROES}.powers", progress=progress, cancelled=cancelled)
    state = _State()
    errors: list[RecordError] = []

    def reject(path: Path, message: str) -> None:
        error = RecordError(run.read, f"{path.relative_to(root)}: {message}")
        run.reject(error)
        errors.append(error)

    def step(count: int = 1) -> bool:
        """Count files read; report; True when the user asked to stop."""
        run.read += count
        run.report(run.read / total)
        return run.cancel_requested()

    with database.engine.connect() as connection:
        try:
            for path in archetype_files:
                try:
                    _write_archetype(connection, state, _load(path))
                except BadFile as error:
                    reject(path, str(error))
                if step():
                    return _cancelled(connection, run)
            for directory, files in powerset_dirs:
                try:
                    _write_powerset(connection, state, run, directory, files, reject)
                except BadFile as error:
                    reject(directory / "index.json", str(error))
                if step(1 + len(files)):
                    return _cancelled(connection, run)
            _write_links(connection, state, run)
            for path in set_files:
                try:
                    _write_set(connection, state, run, _load(path))
                except BadFile as error:
                    reject(path, str(error))
                if step():
                    return _cancelled(connection, run)
            for what, count in state.skipped.items():
                run.counts[f"skipped: {what}"] = count
            written = sum(count for key, count in run.counts.items() if not key.startswith("skipped"))
            return run.commit_whole(connection, written, errors, {"counts": dict(run.counts)})
        except DBAPIError as error:
            return run.failed_whole(connection, error)


def _cancelled(connection: Connection, run: ImportRun) -> ImportResult:
    run.counts.clear()
    return run.roll_back_whole(
        connection, "cancelled", "cancelled: nothing was written (the import is one transaction)"
    )


def _count(run_counts: dict[str, int], table: str, count: int) -> None:
    run_counts[table] = run_counts.get(table, 0) + count


def _upsert(
    connection: Connection, table: Table, rows: list[dict[str, Any]], key: str, conflict: tuple[str, ...] | None = None
) -> dict[str, int]:
    """Insert or update `rows` on their unique `conflict` columns (default: `key`).

    Returns:
        The value of `key` -> the row's id, for every row.
    """
    if not rows:
        return {}
    statement = pg_insert(table).values(rows)
    target = conflict or (key,)
    columns = {name: statement.excluded[name] for name in rows[0] if name not in target}
    upsert = statement.on_conflict_do_update(
        index_elements=list(target), set_={**columns, "updated_at": statement.excluded.updated_at}
    ).returning(table.c[key], table.c.id)
    return {row[0]: row[1] for row in connection.execute(upsert)}


def _save(connection: Connection, table: Table, rows: list[dict[str, Any]], existing: list[int | None]) -> list[int]:
    """Update the rows that already exist (by id) and insert the others; their ids in order.

    Game data already in the database is found by its internal name whatever its case
    (the export spells Tough_hide where a planner may have Tough_Hide), or else by the
    seed's natural key, so a re-run, or a run over the demo data, updates those rows.
    """
    # Bound names must differ from the column names an UPDATE sets.
    updates = [
        {**{f"new_{name}": value for name, value in row.items()}, "row_id": row_id}
        for row, row_id in zip(rows, existing)
        if row_id is not None
    ]
    if updates:
        values: dict[str, Any] = {name: bindparam(f"new_{name}", type_=table.c[name].type) for name in rows[0]}
        connection.execute(
            update(table).where(table.c.id == bindparam("row_id")).values({**values, "updated_at": func.now()}),
            updates,
        )
    inserts = [row for row, row_id in zip(rows, existing) if row_id is None]
    new_ids = iter(
        connection.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True), inserts).scalars().all()
        if inserts
        else []
    )
    return [row_id if row_id is not None else next(new_ids) for row_id in existing]


def _level_50(table: Any, what: str) -> float:
    values = (table or {}).get("hit_points")
    if not isinstance(values, list) or len(values) <= LEVEL_50:
        raise BadFile(f"{what}.hit_points has no value for level 50")
    return round(float(values[LEVEL_50]), 2)


def _group(category: str | None) -> str | None:
    word = (category or "").rsplit("_", 1)[-1].lower()
    return CATEGORY_GROUPS.get(word)


def _write_archetype(connection: Connection, state: _State, record: Any) -> None:
    try:
        name, display = record["name"], record["display_name"]
        primary, secondary = record.get("primary_category"), record.get("secondary_category")
    except (KeyError, TypeError) as error:
        raise BadFile(f"missing key {error}") from None
    base = _level_50(record.get("attrib_max"), "attrib_max")
    cap = _level_50(record.get("attrib_max_max"), "attrib_max_max")
    if base <= 0 or cap < base:
        raise BadFile(f"hit points {base} (cap {cap}) are not a positive base under its cap")
    source = {key: value for key, value in record.items() if not key.startswith("attrib_") and key != "named_tables"}
    ids = _upsert(
        connection,
        ARCHETYPES,
        [
            {
                "name": display,
                "display_name": display,
                "description": record.get("display_help"),
                "primary_group": _group(primary),
                "secondary_group": _group(secondary),
                "hit_points_base": base,
                "hit_points_max": cap,
                "source": source,
            }
        ],
        "name",
    )
    state.archetypes[name.lower()] = (ids[display], (primary or "").lower(), (secondary or "").lower())


_CLASS = re.compile(r"@Class_(\w+)", re.IGNORECASE)


def _owners(
    state: _State, category: str, powerset: str, power_records: list[dict[str, Any]]
) -> list[tuple[int | None, str]]:
    """(archetype id or None, powerset type) for the archetype that uses the powerset."""
    lowered = category.lower()
    if lowered == "pool":
        return [(None, "pool")]
    if lowered == "epic":
        # Epic powers name no archetype; their requirement does ($archetype == @Class_Blaster),
        # and so does the set's name (Blaster_Mu_Mastery).
        named = [at.lower() for record in power_records for at in record.get("archetypes") or []]
        named += [match.lower() for record in power_records for match in _CLASS.findall(str(record.get("requires")))]
        named.append(powerset.split("_", 1)[0].lower())
        users = [state.archetypes[at][0] for at in dict.fromkeys(named) if at in state.archetypes]
        # internal_name is unique: an epic set shared by several archetypes goes to the first.
        return [(users[0], "epic")] if users else []
    owners: list[tuple[int | None, str]] = []
    for archetype_id, primary, secondary in state.archetypes.values():
        if lowered == primary:
            owners.append((archetype_id, "primary"))
        elif lowered == secondary:
            owners.append((archetype_id, "secondary"))
    return owners[:1]


def _write_powerset(
    connection: Connection,
    state: _State,
    run: ImportRun,
    directory: Path,
    files: list[Path],
    reject: Callable[[Path, str], None],
) -> None:
    index = _load(directory / "index.json")
    category_index = directory.parent / "index.json"
    category = _load(category_index).get("name") if category_index.exists() else directory.parent.name
    try:
        name, display = index["name"], index["display_name"]
        power_names: list[str] = list(index.get("power_names") or [])
        levels: list[int] = list(index.get("available_level") or [])
    except (KeyError, TypeError) as error:
        raise BadFile(f"missing key {error}") from None
    records: list[tuple[Path, dict[str, Any]]] = []
    for path in files:
        try:
            record = _load(path)
            if not isinstance(record, dict) or "full_name" not in record:
                raise BadFile("not a power record (no full_name)")
            records.append((path, record))
        except BadFile as error:
            reject(path, str(error))
    owners = _owners(state, category, name, [record for _, record in records])
    if not owners:
        state.skip("powersets of archetypes not imported")
        return
    archetype_id, kind = owners[0]
    internal = f"{category}.{name}"
    row = {
        "name": name,
        "display_name": display,
        "description": index.get("display_help"),
        "internal_name": internal,
        "archetype_id": archetype_id,
        "powerset_type": kind,
        "source": index,
    }
    existing = connection.execute(
        select(POWERSETS.c.id)
        .where(
            or_(
                func.lower(POWERSETS.c.internal_name) == internal.lower(),
                and_(
                    POWERSETS.c.name == name,
                    POWERSETS.c.archetype_id.is_not_distinct_from(archetype_id),
                    POWERSETS.c.powerset_type == kind,
                ),
            )
        )
        .order_by((func.lower(POWERSETS.c.internal_name) == internal.lower()).desc())
        .limit(1)
    ).scalar()
    powerset_id = _save(connection, POWERSETS, [row], [existing])[0]
    _count(run.counts, "powersets", 1)
    order = {full.lower(): position for position, full in enumerate(power_names)}
    rows: list[dict[str, Any]] = []
    pending: list[tuple[str, dict[str, Any]]] = []
    for path, record in records:
        try:
            power = _power_row(record, powerset_id, order, levels)
        except BadFile as error:
            reject(path, str(error))
            continue
        if power is None:
            state.skip("powers granted automatically or of a kind that cannot be picked")
            continue
        rows.append(power)
        pending.append((power["internal_name"], record))
    known = connection.execute(
        select(POWERS.c.id, POWERS.c.name, func.lower(POWERS.c.internal_name)).where(
            POWERS.c.powerset_id == powerset_id
        )
    ).all()
    by_internal = {internal_name: power_id for power_id, _, internal_name in known if internal_name}
    by_name = {power_name: power_id for power_id, power_name, _ in known}
    ids = _save(
        connection, POWERS, rows, [by_internal.get(r["internal_name"].lower()) or by_name.get(r["name"]) for r in rows]
    )
    _count(run.counts, "powers", len(ids))
    for (internal_name, record), power_id in zip(pending, ids):
        state.powers[internal_name.lower()] = power_id
        state.requires.append((power_id, str(record.get("requires") or "")))
        state.accepted.append((power_id, list(record.get("boosts_allowed") or [])))


def _power_row(
    record: dict[str, Any], powerset_id: int, order: dict[str, int], levels: list[int]
) -> dict[str, Any] | None:
    full_name: str = record["full_name"]
    position = order.get(full_name.lower(), len(order))
    level = levels[position] if position < len(levels) else record.get("available_level", 0)
    if not isinstance(level, int) or level < 0 or record.get("type") not in POWER_TYPES:
        return None
    try:
        damage = _damage(record.get("effects") or [])
        numbers = {
            "accuracy": float(record.get("accuracy", 1.0)),
            "endurance_cost": float(record.get("endurance_cost", 0)),
            "recharge_time": float(record.get("recharge_time", 0)),
            "activation_time": float(record.get("activation_time", 0)),
            "range": max(0.0, float(record.get("range", 0))),
            "radius": max(0.0, float(record.get("radius", 0))),
        }
    except (TypeError, ValueError) as error:
        raise BadFile(f"a number is not a number: {error}") from None
    area = str(record.get("effect_area") or "").lower()
    effects: dict[str, Any] = {"area": AREAS.get(area, area)}
    if numbers["radius"]:
        effects["radius"] = numbers["radius"]
    if damage:
        effects["damage"] = [{"type": kind, "scale": scale} for kind, scale in damage.items()]
        effects["damage_type"] = max(damage, key=lambda kind: damage[kind])
    return {
        "name": record.get("name") or full_name.rsplit(".", 1)[-1],
        "display_name": record.get("display_name") or record.get("name"),
        "description": record.get("display_short_help"),
        "internal_name": full_name,
        "powerset_id": powerset_id,
        "position": position + 1,
        "level_available": min(50, level + 1),
        "power_type": record["type"],
        "target_type": (record.get("target_type") or None),
        "damage_scale": round(sum(damage.values()), 4),
        **numbers,
        "max_targets": max(1, int(record.get("max_targets_hit") or 1)),
        "max_slots": min(6, max(1, int(record.get("max_boosts") or 1))),
        "allowed_set_categories": list(record.get("allowed_boostset_cats") or []),
        "effects": effects,
        "source": {key: value for key, value in record.items() if key not in SOURCE_LEFT_OUT},
    }


_SECONDS = re.compile(r"^\s*([\d.]+)")


def _damage(groups: Iterable[dict[str, Any]]) -> dict[str, float]:
    """Damage scale per type over the PvE damage templates, damage over time counted per tick."""
    totals: dict[str, float] = {}
    for group in groups:
        if group.get("is_pvp") == "PVP_ONLY":
            continue
        chance = float(group.get("chance", 1.0))
        for template in group.get("templates") or []:
            table = str(template.get("table", "")).lower()
            if template.get("aspect") != "Absolute" or "damage" not in table or "pvp" in table:
                continue
            duration = _SECONDS.match(str(template.get("duration", "0")))
            seconds = float(duration.group(1)) if duration else 0.0
            period = float(template.get("application_period") or 0)
            ticks = 1 + math.floor(seconds / period + 1e-9) if period > 0 and seconds > 0 else 1
            scale = float(template.get("scale", 0)) * ticks * float(template.get("tick_chance", 1.0)) * chance
            for attribute in template.get("attribs") or []:
                if attribute.endswith("_Dmg") and scale > 0:
                    kind = attribute[: -len("_Dmg")].lower()
                    totals[kind] = round(totals.get(kind, 0.0) + scale, 4)
    return totals


def _write_links(connection: Connection, state: _State, run: ImportRun) -> None:
    """Prerequisites and accepted enhancement attributes of this run's powers, replaced."""
    ids = [power_id for power_id, _ in state.accepted]
    if not ids:
        return
    connection.execute(delete(PREREQUISITES).where(PREREQUISITES.c.power_id.in_(ids)))
    connection.execute(delete(COMPATIBILITY).where(COMPATIBILITY.c.power_id.in_(ids)))
    prerequisites: list[dict[str, Any]] = []
    for power_id, expression in state.requires:
        groups = prerequisite_groups(expression, lambda name: name.lower() in state.powers)
        for number, group in enumerate(groups, start=1):
            required = {state.powers[name.lower()] for name in group} - {power_id}
            prerequisites += [
                {"power_id": power_id, "group_number": number, "required_power_id": r} for r in sorted(required)
            ]
    compatibility = [
        {"power_id": power_id, "enhancement_type": attribute}
        for power_id, boosts in state.accepted
        for attribute in sorted({BOOSTS[b] for b in boosts if b in BOOSTS})
    ]
    for table, rows in ((PREREQUISITES, prerequisites), (COMPATIBILITY, compatibility)):
        if rows:
            connection.execute(insert(table), rows)
        run.counts[table.name] = run.counts.get(table.name, 0) + len(rows)


def _write_set(connection: Connection, state: _State, run: ImportRun, record: Any) -> None:
    try:
        name, display, category = record["name"], record["display_name"], record["group_name"]
        low, high = int(record["min_level"]), int(record["max_level"])
        computed = record.get("computed") or {}
        pieces: list[list[str]] = record["boost_lists"]
    except (KeyError, TypeError, ValueError) as error:
        raise BadFile(f"missing or bad key {error}") from None
    if not (1 <= low <= high <= 50):
        raise BadFile(f"level range {low}-{high} is not within 1-50")
    set_id = _upsert(
        connection,
        SETS,
        [
            {
                "name": name,
                "display_name": display,
                "category": category,
                "min_level": low,
                "max_level": high,
                "source": {key: value for key, value in record.items() if key != "computed"},
            }
        ],
        "name",
    )[name]
    _count(run.counts, "enhancement_sets", 1)
    infos = computed.get("boost_infos") or {}
    names = computed.get("boosts") or []
    rows = [
        row
        for row in (_piece(position, boosts, infos, names, set_id, low, high) for position, boosts in enumerate(pieces))
        if row is not None
    ]
    if rows:
        defaults: dict[str, Any] = {"global_bonuses": {}, **{column: None for column in ENHANCEMENT_COLUMNS.values()}}
        _upsert(connection, ENHANCEMENTS, [{**defaults, **row} for row in rows], "name")
        _count(run.counts, "enhancements", len(rows))
    connection.execute(delete(BONUSES).where(BONUSES.c.set_id == set_id))
    bonus_rows = list(_bonuses(state, record, computed, set_id))
    if bonus_rows:
        connection.execute(insert(BONUSES), bonus_rows)
    _count(run.counts, "set_bonuses", len(bonus_rows))


def _piece(
    position: int, boosts: list[str], infos: dict[str, Any], names: list[list[str]], set_id: int, low: int, high: int
) -> dict[str, Any] | None:
    """The crafted piece of a boost list (the attuned copy is the same piece for a build)."""
    if not boosts:
        return None
    key = boosts[0].split(".")[1].lower() if "." in boosts[0] else boosts[0].lower()
    info = infos.get(key) or {}
    name = info.get("computed_name") or (names[position][0] if position < len(names) and names[position] else None)
    if not name:
        return None
    attributes = [ASPECTS[aspect] for aspect in info.get("aspects") or [] if aspect in ASPECTS]
    share = ASPECT_SHARE.get(len(attributes), 0.0)
    strengths = {a: round(STRENGTHS[ENHANCEMENT_ATTRIBUTES[a]][3] * share, 4) for a in attributes}
    global_bonuses: dict[str, float] = {}
    for _, text in info.get("global_bonuses") or []:
        global_bonuses.update(GLOBAL_BONUSES.get(text, {}))
    row: dict[str, Any] = {
        "name": name[:150],
        "enhancement_type": "set_piece",
        "set_id": set_id,
        "position": position + 1,
        "level_min": low,
        "level_max": high,
        "is_unique": bool(info.get("is_unique")),
        "is_proc": bool(info.get("is_proc")),
        "global_bonuses": global_bonuses,
        "source": info or None,
        "other_bonuses": {a: v for a, v in strengths.items() if a not in ENHANCEMENT_COLUMNS},
    }
    row.update({ENHANCEMENT_COLUMNS[a]: v for a, v in strengths.items() if a in ENHANCEMENT_COLUMNS})
    return row


def _bonuses(state: _State, record: dict[str, Any], computed: dict[str, Any], set_id: int) -> Iterator[dict[str, Any]]:
    texts = {code: text for group in computed.get("bonuses") or [] for code, text in group}
    seen: set[tuple[int, str]] = set()
    for bonus in record.get("bonuses") or []:
        pieces = int(bonus.get("min_boosts", 0))
        if bonus.get("is_pvp_bonus") or not 2 <= pieces <= 6:
            # PvP bonuses do not count in the planner; one piece means the piece's own global.
            state.skip("PvP bonuses and single-piece globals")
            continue
        for code in bonus.get("auto_powers") or []:
            text = texts.get(code, code)
            rows = BONUS_TEXTS.get(text)
            if rows is None:
                state.skip("bonus texts without an amount in the bonus tables")
                continue
            for bonus_type, amount, display in rows:
                if (pieces, bonus_type) in seen:
                    continue
                seen.add((pieces, bonus_type))
                yield {
                    "set_id": set_id,
                    "pieces_required": pieces,
                    "bonus_type": bonus_type,
                    "bonus_amount": amount,
                    "display_text": display,
                }

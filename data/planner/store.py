"""The planner's database side: the game data as a Catalogue, and saved builds.

Builds live in heroes.builds, build_powersets (the pools), build_powers and build_slots.
Every write (save, copy, rename, delete) is one transaction with its console.audit_log
row; a save replaces the build's picks and slots, so what is stored is exactly the plan.
A plan is checked against every planner rule before it is written: a build that breaks
one is refused and nothing is written.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, Table, delete, func, insert, literal_column, select, update
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.sql.elements import Label

from data import inputs
from data.audit import AuditEntry, write_audit
from data.base import VERSION_SQL
from data.engine import Database
from data.errors import Refusal
from data.models.heroes import (
    ENHANCEMENT_COLUMNS,
    PICK_LEVELS,
    SCHEMA,
    Archetype,
    Build,
    BuildPower,
    BuildPowerset,
    BuildSlot,
    Enhancement,
    EnhancementSet,
    Power,
    PowerEnhancementCompatibility,
    PowerPrerequisite,
    Powerset,
    SetBonus,
)
from data.planner.catalogue import (
    ArchetypeInfo,
    BonusInfo,
    Catalogue,
    EnhancementInfo,
    PowerInfo,
    PowersetInfo,
    SetInfo,
)
from data.planner.plan import BuildPlan, PickedPower, PlanError, Slot, problems

NAME_LENGTH = 100
_BUILDS = cast(Table, Build.__table__)
_VERSION: Label[int] = literal_column(VERSION_SQL).label("version")
_TABLES = {model: cast(Table, model.__table__) for model in (BuildPowerset, BuildPower, BuildSlot)}
"""The Core tables the saves write (the models' own, typed as tables)."""


class BuildNotFound(Refusal, LookupError):
    title = "No such build"


class BuildChanged(Refusal, RuntimeError):
    """The stored build changed (saved, renamed) after this plan of it was read: saving
    would overwrite a change nobody here has seen, so nothing was written."""

    title = "Build changed"


def _game_columns(model: Any) -> Any:
    """A model's table without the imported source records and texts the planner never reads
    (an imported power's source JSON can be larger than everything else together)."""
    table = cast(Table, model.__table__)
    return select(*(c for c in table.c if c.name not in ("source", "description", "effects")))


def _number(value: Any) -> float:
    return float(value) if value is not None else 0.0


def load_catalogue(database: Database) -> Catalogue:
    """Every archetype, powerset, power, enhancement and set of the heroes schema."""
    with database.connect() as connection:
        archetypes = {
            row.id: ArchetypeInfo(
                row.id, row.name, row.display_name, _number(row.hit_points_base), _number(row.hit_points_max)
            )
            for row in connection.execute(_game_columns(Archetype))
        }
        accepted: defaultdict[int, set[str]] = defaultdict(set)
        for power_id, kind in connection.execute(select(PowerEnhancementCompatibility.__table__)):
            accepted[power_id].add(kind)
        groups: defaultdict[int, defaultdict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
        for row in connection.execute(
            select(PowerPrerequisite.__table__).order_by(
                PowerPrerequisite.power_id, PowerPrerequisite.group_number, PowerPrerequisite.required_power_id
            )
        ):
            groups[row.power_id][row.group_number].append(row.required_power_id)
        powers: dict[int, PowerInfo] = {}
        members: defaultdict[int, list[int]] = defaultdict(list)
        for row in connection.execute(_game_columns(Power).order_by(Power.powerset_id, Power.position, Power.id)):
            powers[row.id] = PowerInfo(
                row.id,
                row.name,
                row.display_name,
                row.powerset_id,
                row.position,
                row.level_available,
                row.power_type,
                _number(row.accuracy),
                _number(row.damage_scale),
                _number(row.endurance_cost),
                _number(row.recharge_time),
                _number(row.activation_time),
                _number(row.range),
                row.max_slots,
                frozenset(accepted[row.id]),
                frozenset(row.allowed_set_categories or ()),
                tuple(tuple(group) for group in groups[row.id].values()),
            )
            members[row.powerset_id].append(row.id)
        powersets = {
            row.id: PowersetInfo(
                row.id, row.name, row.display_name, row.powerset_type, row.archetype_id, tuple(members[row.id])
            )
            for row in connection.execute(_game_columns(Powerset))
        }
        enhancements: dict[int, EnhancementInfo] = {}
        pieces: defaultdict[int, list[int]] = defaultdict(list)
        for enhancement in _enhancements(connection):
            enhancements[enhancement.id] = enhancement
            if enhancement.set_id is not None:
                pieces[enhancement.set_id].append(enhancement.id)
        effects: defaultdict[tuple[int, int, str], list[tuple[str, float]]] = defaultdict(list)
        for row in connection.execute(
            select(SetBonus.__table__).order_by(SetBonus.set_id, SetBonus.pieces_required, SetBonus.id)
        ):
            effects[(row.set_id, row.pieces_required, row.display_text)].append(
                (row.bonus_type, _number(row.bonus_amount))
            )
        bonuses: defaultdict[int, list[BonusInfo]] = defaultdict(list)
        for (set_id, required, display_text), items in effects.items():
            bonuses[set_id].append(BonusInfo(set_id, required, display_text, tuple(items)))
        sets = {
            row.id: SetInfo(
                row.id,
                row.name,
                row.display_name,
                row.category,
                row.min_level,
                row.max_level,
                tuple(pieces[row.id]),
                tuple(bonuses[row.id]),
            )
            for row in connection.execute(_game_columns(EnhancementSet))
        }
    return Catalogue(archetypes, powersets, powers, enhancements, sets)


def _enhancements(connection: Connection) -> Iterator[EnhancementInfo]:
    table = cast(Table, Enhancement.__table__)
    for row in connection.execute(_game_columns(Enhancement).order_by(table.c.set_id, table.c.position, table.c.id)):
        strengths = {
            attribute: float(value)
            for attribute, column in ENHANCEMENT_COLUMNS.items()
            if (value := row._mapping[column]) is not None
        }
        strengths.update({key: float(value) for key, value in (row.other_bonuses or {}).items()})
        yield EnhancementInfo(
            row.id,
            row.name,
            row.enhancement_type,
            row.set_id,
            row.level_min,
            row.level_max,
            strengths,
            {key: float(value) for key, value in (row.global_bonuses or {}).items()},
            row.is_unique,
            row.is_proc,
        )


# ---- saved builds --------------------------------------------------------------------


@dataclass(frozen=True)
class BuildSummary:
    """A saved build as the list shows it."""

    id: int
    name: str
    archetype: str
    primary: str
    secondary: str
    epic: str | None
    pools: tuple[str, ...]
    level: int
    powers: int
    slots: int
    updated_at: datetime


def list_builds(database: Database) -> list[BuildSummary]:
    """Every saved build by name, with its archetype, powersets, level and counts."""
    primary, secondary, epic = (cast(Table, Powerset.__table__).alias(n) for n in ("primary", "secondary", "epic"))
    archetypes = cast(Table, Archetype.__table__)
    picks = select(func.count()).where(BuildPower.build_id == _BUILDS.c.id).scalar_subquery()
    slots = (
        select(func.count())
        .select_from(BuildSlot.__table__)
        .join(BuildPower.__table__)
        .where(BuildPower.build_id == _BUILDS.c.id)
        .scalar_subquery()
    )
    pools = (
        select(func.array_agg(aggregate_order_by(Powerset.display_name, BuildPowerset.position)))
        .select_from(BuildPowerset.__table__)
        .join(Powerset.__table__)
        .where(BuildPowerset.build_id == _BUILDS.c.id)
        .scalar_subquery()
    )
    statement = (
        select(
            _BUILDS.c.id,
            _BUILDS.c.name,
            archetypes.c.display_name.label("archetype"),
            primary.c.display_name.label("primary"),
            secondary.c.display_name.label("secondary"),
            epic.c.display_name.label("epic"),
            pools.label("pools"),
            _BUILDS.c.level,
            picks.label("powers"),
            slots.label("slots"),
            _BUILDS.c.updated_at,
        )
        .join(archetypes, archetypes.c.id == _BUILDS.c.archetype_id)
        .join(primary, primary.c.id == _BUILDS.c.primary_powerset_id)
        .join(secondary, secondary.c.id == _BUILDS.c.secondary_powerset_id)
        .outerjoin(epic, epic.c.id == _BUILDS.c.epic_powerset_id)
        .order_by(_BUILDS.c.name, _BUILDS.c.id)
    )
    with database.connect() as connection:
        return [
            BuildSummary(
                row.id,
                row.name,
                row.archetype,
                row.primary,
                row.secondary,
                row.epic,
                tuple(row.pools or ()),
                row.level,
                row.powers,
                row.slots,
                row.updated_at,
            )
            for row in connection.execute(statement)
        ]


def _pick_of(pick_level: int, pick_index: int) -> int:
    return 1 if (pick_level, pick_index) == (1, 1) else PICK_LEVELS.index(pick_level)


def _pick_row(pick: int) -> tuple[int, int]:
    """(pick_level, pick_index) of a pick: the second level-1 pick is index 1."""
    return PICK_LEVELS[pick], 1 if pick == 1 else 0


def load_build(database: Database, build_id: int) -> BuildPlan:
    """A saved build as a plan.

    Raises:
        BuildNotFound: no build has this id.
    """
    inputs.row_id(build_id, "the build id")
    with database.connect() as connection:
        row = connection.execute(select(_BUILDS, _VERSION).where(_BUILDS.c.id == build_id)).first()
        if row is None:
            raise BuildNotFound(f"no build has id {build_id}")
        pools = (
            connection.execute(
                select(BuildPowerset.powerset_id)
                .where(BuildPowerset.build_id == build_id)
                .order_by(BuildPowerset.position)
            )
            .scalars()
            .all()
        )
        slots: defaultdict[int, list[Slot]] = defaultdict(list)
        for slot in connection.execute(
            select(BuildSlot.__table__)
            .join(BuildPower.__table__)
            .where(BuildPower.build_id == build_id)
            .order_by(BuildSlot.build_power_id, BuildSlot.slot_index)
        ):
            slots[slot.build_power_id].append(Slot(slot.slot_level, slot.enhancement_id, slot.enhancement_level))
        powers = [
            PickedPower(_pick_of(p.pick_level, p.pick_index), p.power_id, tuple(slots[p.id]))
            for p in connection.execute(select(BuildPower.__table__).where(BuildPower.build_id == build_id))
        ]
    return BuildPlan(
        name=row.name,
        archetype_id=row.archetype_id,
        primary_id=row.primary_powerset_id,
        secondary_id=row.secondary_powerset_id,
        pool_ids=tuple(pools),
        epic_id=row.epic_powerset_id,
        level=row.level,
        notes=row.notes,
        powers=tuple(sorted(powers, key=lambda p: p.pick)),
        id=row.id,
        version=row.version,
    )


def check_name(name: str) -> str:
    """The name, trimmed, if a build may have it.

    Raises:
        PlanError: it is blank or longer than 100 characters.
    """
    name = (name or "").strip()
    if not name:
        raise PlanError("a build needs a name")
    if len(name) > NAME_LENGTH:
        raise PlanError(f"a build's name is at most {NAME_LENGTH} characters")
    return name


def check_legal(plan: BuildPlan, catalogue: Catalogue) -> None:
    """Raise PlanError naming the first rule the plan breaks (and how many more there are)."""
    found = problems(plan, catalogue)
    if found:
        more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
        raise PlanError(found[0] + more)


@contextmanager
def _writing(database: Database) -> Iterator[Connection]:
    """One read-write transaction for a build change, refused on a read-only connection."""
    settings = database.settings
    if settings.enforces_read_only:
        why = "the profile is read-only" if settings.read_only else f"the {settings.role.value} role writes nothing"
        raise PermissionError(f"builds cannot be saved here: {why}")
    with database.connect() as connection:
        yield connection


def _audit(
    connection: Connection,
    database: Database,
    action: str,
    build_id: int,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    settings = database.settings
    write_audit(
        connection,
        settings,
        AuditEntry(
            action, settings.real_schema(SCHEMA), _BUILDS.name, key={"id": build_id}, before=before, after=after
        ),
    )


def _image(connection: Connection, build_id: int) -> dict[str, Any] | None:
    """The build row and how many picks and slots it has, for the audit log."""
    row = connection.execute(select(_BUILDS).where(_BUILDS.c.id == build_id)).first()
    if row is None:
        return None
    picks = connection.execute(select(func.count()).where(BuildPower.build_id == build_id)).scalar_one()
    slots = connection.execute(
        select(func.count())
        .select_from(BuildSlot.__table__)
        .join(BuildPower.__table__)
        .where(BuildPower.build_id == build_id)
    ).scalar_one()
    image = {key: (value.isoformat() if isinstance(value, datetime) else value) for key, value in row._mapping.items()}
    return {**image, "powers": picks, "slots": slots}


def save_build(database: Database, plan: BuildPlan, catalogue: Catalogue) -> BuildPlan:
    """Store a plan: a new build when it has no id, else the build it was loaded from.

    Returns the plan with its id and new version. The picks and slots stored are exactly
    the plan's.

    Raises:
        PermissionError: the connection is read-only.
        PlanError: the name is not allowed or the plan breaks a rule (nothing is written).
        BuildNotFound: the build it was loaded from has been deleted.
        BuildChanged: the build was saved or renamed elsewhere after the plan was read
            (nothing is written; save a copy, or open the build again).
    """
    plan = replace(plan, name=check_name(plan.name))
    check_legal(plan, catalogue)
    values = {
        "name": plan.name,
        "archetype_id": plan.archetype_id,
        "primary_powerset_id": plan.primary_id,
        "secondary_powerset_id": plan.secondary_id,
        "epic_powerset_id": plan.epic_id,
        "level": plan.level,
        "notes": plan.notes,
    }
    with _writing(database) as connection:
        if plan.id is None:
            build_id = connection.execute(insert(_BUILDS).values(values).returning(_BUILDS.c.id)).scalar_one()
            before = None
        else:
            build_id = plan.id
            _lock(connection, build_id, plan.version, "saved")
            before = _image(connection, build_id)
            connection.execute(update(_BUILDS).where(_BUILDS.c.id == build_id).values(**values, updated_at=func.now()))
            connection.execute(delete(_TABLES[BuildPowerset]).where(BuildPowerset.build_id == build_id))
            connection.execute(delete(_TABLES[BuildPower]).where(BuildPower.build_id == build_id))
        _insert_contents(connection, build_id, plan)
        _audit(
            connection,
            database,
            "build-create" if before is None else "build-save",
            build_id,
            before,
            _image(connection, build_id),
        )
        version = _version(connection, build_id)
    return replace(plan, id=build_id, version=version)


def _lock(connection: Connection, build_id: int, version: int | None, doing: str) -> None:
    """Lock the build's row for this transaction and check it is the version the caller
    read (None: the caller read none, as the command line, and takes the build as it is).

    Raises:
        BuildNotFound: the build is gone.
        BuildChanged: it was changed after the caller read it.
    """
    locked = connection.execute(
        select(_BUILDS.c.name, _VERSION).where(_BUILDS.c.id == build_id).with_for_update()
    ).first()
    if locked is None:
        raise BuildNotFound(f"no build has id {build_id}")
    if version is not None and locked.version != version:
        raise BuildChanged(
            f"build {build_id} ({locked.name!r}) was changed elsewhere after it was opened; "
            f"nothing was {doing}: open it again, or save yours as a copy"
        )


def _version(connection: Connection, build_id: int) -> int:
    """The build row's version as this transaction left it."""
    return connection.execute(select(_VERSION).where(_BUILDS.c.id == build_id)).scalar_one()


def _insert_contents(connection: Connection, build_id: int, plan: BuildPlan) -> None:
    if plan.pool_ids:
        connection.execute(
            insert(_TABLES[BuildPowerset]),
            [
                {"build_id": build_id, "position": position, "powerset_id": pool_id}
                for position, pool_id in enumerate(plan.pool_ids, start=1)
            ],
        )
    if not plan.powers:
        return
    rows = [
        {
            "build_id": build_id,
            "power_id": p.power_id,
            "pick_level": _pick_row(p.pick)[0],
            "pick_index": _pick_row(p.pick)[1],
        }
        for p in plan.powers
    ]
    ids = (
        connection.execute(insert(_TABLES[BuildPower]).returning(BuildPower.id, sort_by_parameter_order=True), rows)
        .scalars()
        .all()
    )
    connection.execute(
        insert(_TABLES[BuildSlot]),
        [
            {
                "build_power_id": build_power_id,
                "slot_index": index,
                "slot_level": slot.level,
                "enhancement_id": slot.enhancement_id,
                "enhancement_level": slot.enhancement_level,
            }
            for build_power_id, picked in zip(ids, plan.powers)
            for index, slot in enumerate(picked.slots)
        ],
    )


def copy_build(database: Database, build_id: int, name: str) -> int:
    """Save a copy of a build under another name; return the copy's id.

    Raises:
        PermissionError, BuildNotFound, PlanError (the name).
    """
    inputs.row_id(build_id, "the build id")
    name = check_name(name)
    plan = load_build(database, build_id)
    with _writing(database) as connection:
        values = {
            "name": name,
            "archetype_id": plan.archetype_id,
            "primary_powerset_id": plan.primary_id,
            "secondary_powerset_id": plan.secondary_id,
            "epic_powerset_id": plan.epic_id,
            "level": plan.level,
            "notes": plan.notes,
        }
        copy_id: int = connection.execute(insert(_BUILDS).values(values).returning(_BUILDS.c.id)).scalar_one()
        _insert_contents(connection, copy_id, plan)
        _audit(connection, database, "build-copy", copy_id, {"copied_from": build_id}, _image(connection, copy_id))
    return copy_id


def rename_build(database: Database, build_id: int, name: str, *, version: int | None = None) -> int:
    """Give a saved build another name; return the build's new version.

    Raises:
        PermissionError, BuildNotFound, PlanError (the name).
        BuildChanged: `version` was given and the build has changed since.
    """
    inputs.row_id(build_id, "the build id")
    name = check_name(name)
    with _writing(database) as connection:
        _lock(connection, build_id, version, "renamed")
        before = _image(connection, build_id)
        connection.execute(update(_BUILDS).where(_BUILDS.c.id == build_id).values(name=name, updated_at=func.now()))
        _audit(connection, database, "build-rename", build_id, before, _image(connection, build_id))
        return _version(connection, build_id)


def delete_build(database: Database, build_id: int, *, version: int | None = None) -> None:
    """Delete a saved build with its picks and slots.

    Raises:
        PermissionError, BuildNotFound.
        BuildChanged: `version` was given and the build has changed since (a save made
            elsewhere is not deleted unseen).
    """
    inputs.row_id(build_id, "the build id")
    with _writing(database) as connection:
        _lock(connection, build_id, version, "deleted")
        before = _image(connection, build_id)
        connection.execute(delete(_BUILDS).where(_BUILDS.c.id == build_id))
        _audit(connection, database, "build-delete", build_id, before, None)

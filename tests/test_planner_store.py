"""The planner's database side: the catalogue, and builds saved, loaded, copied, renamed, deleted."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import text

from data.engine import Database
from data.planner import store
from data.planner.plan import PlanError, problems, remove_slot, slots_left
from data.roles import Role
from tests.conftest import login_settings


def scalar(database: Database, sql: str, **params: object) -> object:
    with database.connect() as connection:
        return connection.execute(text(sql), params).scalar()


def test_catalogue_holds_the_demo_game_data(database: Database) -> None:
    catalogue = store.load_catalogue(database)
    blaster = catalogue.archetype_named("Blaster")
    assert blaster is not None and blaster.hit_points_base == pytest.approx(1204.76)
    primaries = catalogue.powersets_for(blaster.id, "primary")
    assert [p.display_name for p in primaries] == ["Energy Blast", "Fire Blast"]
    fire_blast = next(p for p in primaries if p.display_name == "Fire Blast")
    powers = catalogue.powers_of(fire_blast.id)
    assert [p.display_name for p in powers[:2]] == ["Flares", "Fire Blast"]
    inferno = powers[-1]
    assert inferno.display_name == "Inferno"
    assert {frozenset(group) for group in inferno.prerequisites} == {
        frozenset({powers[0].id}),
        frozenset({powers[1].id}),
    }
    assert {"accuracy", "damage", "recharge"} <= powers[0].accepted
    thunderstrike = next(s for s in catalogue.sets.values() if s.display_name == "Thunderstrike")
    assert len(thunderstrike.piece_ids) == 6 and [b.pieces_required for b in thunderstrike.bonuses] == [2, 3, 4, 5, 6]
    # A bonus the game grants as one power is one entry with several effects.
    assert len(thunderstrike.bonuses[1].effects) == 3


def test_every_demo_build_loads_as_a_legal_plan(database: Database) -> None:
    catalogue = store.load_catalogue(database)
    summaries = store.list_builds(database)
    assert summaries
    for summary in summaries:
        plan = store.load_build(database, summary.id)
        assert problems(plan, catalogue) == [], summary.name
        assert len(plan.powers) == summary.powers
        assert sum(len(p.slots) for p in plan.powers) == summary.slots
    blaze = next(s for s in summaries if s.name == "Blaze of Glory")
    assert (blaze.archetype, blaze.primary, blaze.secondary, blaze.epic, blaze.level) == (
        "Blaster",
        "Fire Blast",
        "Fire Manipulation",
        "Mu Mastery",
        50,
    )
    assert set(blaze.pools) == {"Speed", "Fighting", "Leaping"}
    assert (blaze.powers, blaze.slots) == (24, 91)
    assert slots_left(store.load_build(database, blaze.id)) == 0


def test_save_load_copy_rename_delete_with_audit_rows(database: Database) -> None:
    catalogue = store.load_catalogue(database)
    original = next(s for s in store.list_builds(database) if s.name == "Iron Wall")
    plan = store.load_build(database, original.id)
    # Unchanged: saving again stores exactly what was loaded.
    assert store.load_build(database, store.save_build(database, plan, catalogue).id) == plan

    copy_id = store.copy_build(database, original.id, "Iron Wall (copy)")
    copy = store.load_build(database, copy_id)
    assert replace(copy, id=None, name="Iron Wall") == replace(plan, id=None)

    changed = remove_slot(copy, copy.powers[0].pick, 1)
    assert slots_left(changed) == 1
    saved = store.save_build(database, changed, catalogue)
    assert saved.id == copy_id and store.load_build(database, copy_id) == saved
    assert store.load_build(database, original.id) == plan, "the copy is independent"

    store.rename_build(database, copy_id, "  Iron Wall II ")
    assert store.load_build(database, copy_id).name == "Iron Wall II"

    fresh = store.save_build(database, replace(plan, id=None, name="Brand new"), catalogue)
    assert fresh.id not in (None, original.id, copy_id)

    store.delete_build(database, copy_id)
    with pytest.raises(store.BuildNotFound):
        store.load_build(database, copy_id)
    assert scalar(database, "SELECT count(*) FROM heroes.build_powers WHERE build_id = :id", id=copy_id) == 0
    actions = scalar(
        database, "SELECT string_agg(action, ',' ORDER BY id) FROM console.audit_log WHERE table_name = 'builds'"
    )
    assert actions == "build-save,build-copy,build-save,build-rename,build-create,build-delete"
    before = scalar(database, "SELECT before->>'name' FROM console.audit_log WHERE action = 'build-rename'")
    assert before == "Iron Wall (copy)"


def test_an_illegal_plan_or_name_writes_nothing(database: Database) -> None:
    catalogue = store.load_catalogue(database)
    summary = next(s for s in store.list_builds(database) if s.name == "Iron Wall")
    plan = store.load_build(database, summary.id)
    first = plan.powers[0]
    crowded = replace(plan, powers=(replace(first, slots=first.slots + first.slots[:1] * 6), *plan.powers[1:]))
    audit_rows = scalar(database, "SELECT count(*) FROM console.audit_log")
    with pytest.raises(PlanError, match="at most 6"):
        store.save_build(database, crowded, catalogue)
    with pytest.raises(PlanError, match="needs a name"):
        store.save_build(database, replace(plan, name="   "), catalogue)
    with pytest.raises(PlanError, match="at most 100"):
        store.rename_build(database, summary.id, "x" * 101)
    with pytest.raises(store.BuildNotFound):
        store.delete_build(database, 999_999)
    assert store.load_build(database, summary.id) == plan
    assert scalar(database, "SELECT count(*) FROM console.audit_log") == audit_rows


def test_a_read_only_role_plans_but_cannot_save(database_url: object) -> None:
    settings = login_settings(database_url, Role.DEVELOPER)  # type: ignore[arg-type]
    with Database(settings) as developer:
        catalogue = store.load_catalogue(developer)
        summary = store.list_builds(developer)[0]
        plan = store.load_build(developer, summary.id)
        with pytest.raises(PermissionError, match="developer role writes nothing"):
            store.save_build(developer, plan, catalogue)
        with pytest.raises(PermissionError):
            store.delete_build(developer, summary.id)


def test_nothing_overwrites_a_save_it_did_not_see(database: Database) -> None:
    """Two people open the same build; the first saves. The second's save, rename or delete
    is refused and leaves the first one's build as it was; opened again, it saves."""
    catalogue = store.load_catalogue(database)
    build_id = next(s for s in store.list_builds(database) if s.name == "Iron Wall").id
    mine, theirs = store.load_build(database, build_id), store.load_build(database, build_id)
    saved = store.save_build(database, remove_slot(theirs, theirs.powers[0].pick, 1), catalogue)
    assert saved.version != theirs.version

    audit_rows = scalar(database, "SELECT count(*) FROM console.audit_log")
    stale = replace(mine, name="Mine")
    for write in (
        lambda: store.save_build(database, stale, catalogue),
        lambda: store.rename_build(database, build_id, "Mine", version=mine.version),
        lambda: store.delete_build(database, build_id, version=mine.version),
    ):
        with pytest.raises(store.BuildChanged, match=r"build \d+ \('Iron Wall'\) was changed elsewhere"):
            write()
    assert store.load_build(database, build_id) == saved
    assert scalar(database, "SELECT count(*) FROM console.audit_log") == audit_rows

    # The one who saved goes on: each write hands back the version it left.
    again = store.save_build(database, replace(saved, notes="tanky"), catalogue)
    version = store.rename_build(database, build_id, "Iron Wall II", version=again.version)
    store.delete_build(database, build_id, version=version)
    with pytest.raises(store.BuildNotFound):
        store.load_build(database, build_id)

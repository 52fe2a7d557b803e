"""City of Data on a trimmed export (tests/fixtures/imports/cod): every table, re-runs, bad files,
and a Fire Blast/Fire Manipulation blaster planned from nothing but the imported data."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import text

from data.engine import Database
from data.imports import ImportFailed, import_city_of_data
from data.planner import plan as planner
from data.planner.store import load_catalogue
from data.planner.totals import build_totals

COD = Path(__file__).parent / "fixtures" / "imports" / "cod"
TABLES = (
    "archetypes",
    "powersets",
    "powers",
    "power_prerequisites",
    "power_enhancement_compatibility",
    "enhancement_sets",
    "enhancements",
    "set_bonuses",
)


def rows(database: Database, sql: str, **params: object) -> list:
    with database.connect() as connection:
        return connection.execute(text(sql), params).all()


def table_counts(database: Database) -> dict[str, int]:
    return {table: rows(database, f"SELECT count(*) FROM heroes.{table}")[0][0] for table in TABLES}


def without_game_data(database: Database) -> None:
    """Empty the heroes game data (and the demo builds that use it)."""
    with database.connect() as connection:
        connection.execute(
            text(
                "TRUNCATE heroes.archetypes, heroes.powersets, heroes.powers, "
                "heroes.enhancement_sets, heroes.enhancements, heroes.builds CASCADE"
            )
        )


def power(database: Database, internal_name: str):
    return rows(database, "SELECT * FROM heroes.powers WHERE internal_name = :n", n=internal_name)[0]


def test_the_export_fills_every_table(database: Database) -> None:
    without_game_data(database)
    result = import_city_of_data(database, COD)
    assert result.status == "completed", result.message
    assert result.rejected == 0, result.errors
    # 2 archetypes; 6 powersets (fire blast, fire manipulation, 2 pools, the blaster's epic,
    # the tanker's invulnerability trimmed to two powers); Double Jump (granted, level -1) is left out.
    assert table_counts(database) == {
        "archetypes": 2,
        "powersets": 6,
        "powers": 35,
        "power_prerequisites": 32,
        "power_enhancement_compatibility": 158,
        "enhancement_sets": 8,
        "enhancements": 44,
        "set_bonuses": 61,
    }
    assert result.counts["skipped: powers granted automatically or of a kind that cannot be picked"] == 1
    blaster = rows(database, "SELECT * FROM heroes.archetypes WHERE name = 'Blaster'")[0]
    assert (float(blaster.hit_points_base), float(blaster.hit_points_max)) == (1204.76, 1847.30)
    assert (blaster.primary_group, blaster.secondary_group) == ("damage", "support")
    assert blaster.source["primary_category"] == "Blaster_RANGED" and "attrib_max" not in blaster.source
    sets = {
        r.internal_name: (r.powerset_type, r.archetype)
        for r in rows(
            database,
            """
        SELECT s.internal_name, s.powerset_type, a.name AS archetype
        FROM heroes.powersets s LEFT JOIN heroes.archetypes a ON a.id = s.archetype_id""",
        )
    }
    assert sets == {
        "Blaster_Ranged.Fire_Blast": ("primary", "Blaster"),
        "Blaster_Support.Fire_Manipulation": ("secondary", "Blaster"),
        "Epic.Blaster_Mu_Mastery": ("epic", "Blaster"),
        "Tanker_Defense.Invulnerability": ("primary", "Tanker"),
        "Pool.Fighting": ("pool", None),
        "Pool.Leaping": ("pool", None),
    }
    levels = [
        r[0]
        for r in rows(
            database,
            """SELECT p.level_available FROM heroes.powers p
        JOIN heroes.powersets s ON s.id = p.powerset_id
        WHERE s.internal_name = 'Blaster_Ranged.Fire_Blast' ORDER BY p.position""",
        )
    ]
    assert levels == [1, 1, 2, 6, 8, 12, 18, 22, 26]  # available_level + 1
    fire_ball = power(database, "Blaster_Ranged.Fire_Blast.Fire_Ball")
    assert (fire_ball.position, fire_ball.power_type, fire_ball.max_targets) == (3, "Click", 16)
    assert (float(fire_ball.recharge_time), float(fire_ball.endurance_cost), float(fire_ball.radius)) == (
        16.0,
        15.184,
        15.0,
    )
    # 0.2 smashing + 0.7 fire, and the fire damage over time: 0.15 for 3 ticks at 80 %.
    assert float(fire_ball.damage_scale) == pytest.approx(1.26)
    assert fire_ball.effects["damage_type"] == "fire" and fire_ball.effects["area"] == "aoe"
    assert sorted(fire_ball.allowed_set_categories) == [
        "Blaster Archetype Sets",
        "Ranged AoE Damage",
        "Universal Damage Sets",
    ]
    assert fire_ball.source["full_name"] == "Blaster_Ranged.Fire_Blast.Fire_Ball"
    accepted = {
        r[0]
        for r in rows(
            database,
            "SELECT enhancement_type FROM heroes.power_enhancement_compatibility WHERE power_id = :id",
            id=fire_ball.id,
        )
    }
    assert accepted == {"accuracy", "damage", "endurance_reduction", "range", "recharge"}


def test_prerequisites_are_groups_of_alternatives(database: Database) -> None:
    without_game_data(database)
    import_city_of_data(database, COD)

    def groups(internal_name: str) -> list[set[str]]:
        found: dict[int, set[str]] = {}
        for number, name in rows(
            database,
            """SELECT q.group_number, r.name FROM heroes.power_prerequisites q
                JOIN heroes.powers p ON p.id = q.power_id JOIN heroes.powers r ON r.id = q.required_power_id
                WHERE p.internal_name = :n""",
            n=internal_name,
        ):
            found.setdefault(number, set()).add(name)
        return sorted(found.values(), key=sorted)

    assert groups("Pool.Fighting.Tough") == [{"Boxing"}, {"Kick"}]
    assert groups("Pool.Fighting.Weave") == [{"Boxing", "Kick"}, {"Boxing", "Tough"}, {"Kick", "Tough"}]
    # Game conditions (archetype, patron arcs, "epic powers owned") are no powers: no prerequisite.
    assert groups("Epic.Blaster_Mu_Mastery.Static_Discharge") == []
    assert groups("Pool.Fighting.Boxing") == []


def test_sets_pieces_and_bonuses(database: Database) -> None:
    without_game_data(database)
    import_city_of_data(database, COD)
    thunderstrike = rows(database, "SELECT * FROM heroes.enhancement_sets WHERE name = 'Thunderstrike'")[0]
    assert (thunderstrike.category, thunderstrike.min_level, thunderstrike.max_level) == ("Ranged Damage", 30, 50)
    pieces = rows(
        database, "SELECT * FROM heroes.enhancements WHERE set_id = :id ORDER BY position", id=thunderstrike.id
    )
    assert [p.name for p in pieces][:2] == ["Thunderstrike: Accuracy/Damage", "Thunderstrike: Damage/Endurance"]
    assert {p.enhancement_type for p in pieces} == {"set_piece"} and len(pieces) == 6
    assert (float(pieces[0].accuracy_bonus), float(pieces[0].damage_bonus)) == (26.5, 26.5)  # 42.4 x 0.625
    bonuses = {
        (r.pieces_required, r.bonus_type): float(r.bonus_amount)
        for r in rows(database, "SELECT * FROM heroes.set_bonuses WHERE set_id = :id", id=thunderstrike.id)
    }
    assert bonuses[(2, "recovery")] == 2.0
    assert bonuses[(3, "defense.energy")] == 2.5 and bonuses[(3, "defense.ranged")] == 1.25
    gambler = rows(database, "SELECT * FROM heroes.enhancements WHERE name = 'Luck of the Gambler: Defense/+Recharge'")[
        0
    ]
    assert gambler.global_bonuses == {"recharge": 7.5}
    proc = rows(database, "SELECT is_proc FROM heroes.enhancements WHERE name LIKE 'Positron''s Blast: Chance%'")
    assert proc and proc[0].is_proc


def test_a_second_run_updates_rather_than_duplicates(database: Database) -> None:
    first = import_city_of_data(database, COD)  # over the demo data: the same powers are updated
    counts = table_counts(database)
    with database.connect() as connection:
        connection.execute(
            text(
                "UPDATE heroes.powers SET recharge_time = 99 "
                "WHERE internal_name = 'Blaster_Ranged.Fire_Blast.Fire_Ball'"
            )
        )
    again = import_city_of_data(database, COD)
    assert first.status == again.status == "completed"
    assert table_counts(database) == counts
    assert float(power(database, "Blaster_Ranged.Fire_Blast.Fire_Ball").recharge_time) == 16.0
    # The demo's Tough_Hide is the export's Tough_hide: one row, updated, not a second one.
    assert (
        rows(
            database,
            "SELECT count(*) FROM heroes.powers WHERE lower(internal_name) = "
            "'tanker_defense.invulnerability.tough_hide'",
        )[0][0]
        == 1
    )


def test_a_broken_file_is_reported_and_the_rest_imported(database: Database, tmp_path: Path) -> None:
    export = tmp_path / "cod"
    shutil.copytree(COD, export)
    (export / "powers" / "blaster_ranged" / "fire_blast" / "aim.json").write_text('{"name": "Aim", ')
    (export / "boost_sets" / "decimation.json").write_text('{"name": "Decimation"}')
    without_game_data(database)
    result = import_city_of_data(database, export)
    assert result.status == "completed" and result.rejected == 2
    messages = sorted(error.message for error in result.errors)
    assert messages[0].startswith("boost_sets/decimation.json: missing or bad key")
    assert messages[1].startswith("powers/blaster_ranged/fire_blast/aim.json: not valid JSON")
    assert rows(database, "SELECT count(*) FROM heroes.powers WHERE name = 'Aim'")[0][0] == 0
    assert rows(database, "SELECT count(*) FROM heroes.powers WHERE name = 'Blaze'")[0][0] == 1
    log = rows(database, "SELECT * FROM heroes.import_logs WHERE id = :id", id=result.log_id)[0]
    assert log.error_count == 2 and log.import_type == "cod" and log.status == "completed"


def test_a_cancel_leaves_the_database_as_it_was(database: Database) -> None:
    without_game_data(database)
    calls: list[float] = []
    result = import_city_of_data(
        database, COD, progress=lambda p: calls.append(p.fraction or 0), cancelled=lambda: len(calls) >= 5
    )
    assert result.status == "cancelled" and result.written == 0
    assert set(table_counts(database).values()) == {0}
    assert rows(database, "SELECT status FROM heroes.import_logs WHERE id = :id", id=result.log_id)[0][0] == "cancelled"


def test_a_directory_that_is_not_an_export_is_refused(database: Database, tmp_path: Path) -> None:
    with pytest.raises(ImportFailed, match="not a City of Data export"):
        import_city_of_data(database, tmp_path)
    with pytest.raises(ImportFailed, match="not a directory"):
        import_city_of_data(database, COD / "archetypes" / "blaster.json")


def test_the_planner_plans_a_fire_fire_blaster_from_the_imported_data(database: Database) -> None:
    without_game_data(database)
    import_city_of_data(database, COD)
    catalogue = load_catalogue(database)
    blaster = catalogue.archetype_named("Blaster")
    assert blaster is not None and blaster.hit_points_base == pytest.approx(1204.76)
    (fire_blast,) = catalogue.powersets_for(blaster.id, "primary")
    (fire_manipulation,) = catalogue.powersets_for(blaster.id, "secondary")
    fighting = next(p for p in catalogue.powersets_for(None, "pool") if p.name == "Fighting")
    named = {(catalogue.powersets[p.powerset_id].name, p.name): p.id for p in catalogue.powers.values()}

    plan = planner.set_archetype(planner.BuildPlan(name="Fire/Fire"), catalogue, blaster.id)
    plan = planner.set_powerset(plan, catalogue, "primary", fire_blast.id)
    plan = planner.set_powerset(plan, catalogue, "secondary", fire_manipulation.id)
    plan = planner.set_pools(plan, catalogue, [fighting.id])
    plan = planner.pick_power(plan, catalogue, 0, named[("Fire_Blast", "Flares")])
    plan = planner.pick_power(plan, catalogue, 1, named[("Fire_Manipulation", "Ring_of_Fire")])
    plan = planner.pick_power(plan, catalogue, 2, named[("Fire_Blast", "Fire_Ball")])  # level 2
    # Tough (level 14, pick 8) needs Boxing or Kick: refused until Boxing is taken.
    with pytest.raises(planner.PlanError, match="Boxing"):
        planner.pick_power(plan, catalogue, 8, named[("Fighting", "Tough")])
    plan = planner.pick_power(plan, catalogue, 3, named[("Fighting", "Boxing")])  # level 4
    plan = planner.pick_power(plan, catalogue, 8, named[("Fighting", "Tough")])
    thunderstrike = catalogue.enhancement_named("Thunderstrike: Accuracy/Damage")
    assert thunderstrike is not None
    plan = planner.slot_enhancement(plan, catalogue, 0, 0, thunderstrike.id)
    plan = planner.add_slot(plan, catalogue, 2)
    plan = planner.slot_enhancement(
        plan, catalogue, 2, 1, catalogue.enhancement_named("Positron's Blast: Accuracy/Damage").id
    )
    assert planner.problems(plan, catalogue) == []
    totals = build_totals(plan, catalogue)
    flares = next(p for p in totals.powers if p.pick == 0)
    # The imported piece strengths reach the totals: Flares is enhanced past its base numbers.
    assert flares.power.name == "Flares" and flares.accuracy > flares.power.accuracy
    assert flares.damage_scale > flares.power.damage_scale > 0

"""The I12 import on fixtures: upsert in batches, resume, bad records, files that are not I12."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import text

from data.engine import ConnectionSettings, Database
from data.imports import ImportFailed, Progress, import_i12
from data.inputs import BadInput
from data.roles import Role

FIXTURES = Path(__file__).parent / "fixtures" / "imports"
POWERS = FIXTURES / "i12_powers.json"  # 12 records: Flares and Fire_Blast exist in the demo
TRAINING = "SELECT count(*) FROM heroes.powers WHERE name LIKE 'Training_Strike_%'"


def scalar(database: Database, sql: str) -> object:
    with database.connect() as connection:
        return connection.execute(text(sql)).scalar_one()


def log_row(database: Database, log_id: int):
    with database.connect() as connection:
        return connection.execute(text("SELECT * FROM heroes.import_logs WHERE id = :id"), {"id": log_id}).one()


def test_imports_every_record_in_batches_and_logs_the_run(database: Database) -> None:
    before = scalar(database, "SELECT count(*) FROM heroes.powers")
    seen: list[Progress] = []
    result = import_i12(database, POWERS, batch_size=5, progress=seen.append)
    assert result.status == "completed" and result.written == 12 and result.rejected == 0
    # Two records updated demo powers, ten are new.
    assert scalar(database, "SELECT count(*) FROM heroes.powers") == before + 10
    assert scalar(database, TRAINING) == 10
    with database.connect() as connection:
        flares = connection.execute(
            text(
                "SELECT accuracy, endurance_cost, allowed_set_categories, effects->>'damage_type' AS dt, source->>'Name' AS n "
                "FROM heroes.powers WHERE internal_name = 'Blaster_Ranged.Fire_Blast.Flares'"
            )
        ).one()
        strike = connection.execute(
            text("SELECT level_available, effects FROM heroes.powers WHERE name = 'Training_Strike_3'")
        ).one()
        audits = connection.execute(
            text(
                "SELECT count(*) FROM console.audit_log WHERE action = 'import-i12' "
                "AND primary_key->>'import_log_id' = :id"
            ),
            {"id": str(result.log_id)},
        ).scalar_one()
    assert float(flares.accuracy) == 1.2 and float(flares.endurance_cost) == 5.2
    assert flares.allowed_set_categories == ["Ranged Damage", "Universal Damage Sets"]
    assert flares.dt == "fire" and flares.n == "Flares"
    assert strike.level_available == 12 and strike.effects["groups"][0]["attrib"] == "Smashing_Dmg"
    assert audits == 3  # batches of 5, 5 and 2, one audit row each
    log = log_row(database, result.log_id)
    assert (log.import_type, log.status, log.records_processed, log.error_count) == ("i12", "completed", 12, 0)
    assert log.source_file == str(POWERS.resolve()) and log.batch_size == 5
    assert log.completed_at >= log.started_at
    assert [p.written for p in seen] == [5, 10, 12] and seen[-1].fraction == 1.0


def test_a_second_run_updates_rather_than_duplicates(database: Database) -> None:
    import_i12(database, POWERS)
    count = scalar(database, "SELECT count(*) FROM heroes.powers")
    again = import_i12(database, POWERS, batch_size=3)
    assert again.status == "completed" and again.written == 12
    assert scalar(database, "SELECT count(*) FROM heroes.powers") == count


def test_a_malformed_record_is_skipped_with_its_index(database: Database) -> None:
    result = import_i12(database, FIXTURES / "i12_malformed.json", batch_size=4, on_error="skip")
    assert result.status == "completed" and result.written == 11 and result.rejected == 1
    assert result.errors[0].index == 5 and "Accuracy: expected a number" in result.errors[0].message
    assert scalar(database, TRAINING) == 9
    log = log_row(database, result.log_id)
    assert log.error_count == 1 and log.errors == [{"index": 5, "message": result.errors[0].message}]


def test_stop_at_a_malformed_record_writes_no_half_batch_and_resume_finishes(database: Database) -> None:
    bad = FIXTURES / "i12_malformed.json"
    stopped = import_i12(database, bad, batch_size=4, on_error="stop")
    # Records 0-3 were committed; record 5 stopped the run inside the batch 4-7: none of it is written.
    assert stopped.status == "failed" and stopped.written == 4 and stopped.resume_from == 4
    assert "record 5: Accuracy" in (stopped.message or "")
    assert scalar(database, TRAINING) == 2  # records 2 and 3
    assert log_row(database, stopped.log_id).records_processed == 4
    # Resuming after the bad record (the operator chose to leave it out) finishes the file.
    resumed = import_i12(database, bad, batch_size=4, resume_from=6, on_error="stop")
    assert resumed.status == "completed" and resumed.written == 6
    assert log_row(database, resumed.log_id).resume_from == 6
    assert scalar(database, TRAINING) == 8  # all but records 4 (Training_Strike_3) and 5


def test_resume_after_a_cancel_in_the_middle(database: Database) -> None:
    batches: list[int] = []
    cancelled = import_i12(
        database,
        POWERS,
        batch_size=4,
        progress=lambda p: batches.append(p.written),
        cancelled=lambda: len(batches) >= 2,
    )
    assert cancelled.status == "cancelled" and cancelled.written == 8 and cancelled.resume_from == 8
    assert log_row(database, cancelled.log_id).status == "cancelled"
    assert scalar(database, TRAINING) == 6
    resumed = import_i12(database, POWERS, batch_size=4, resume_from=cancelled.resume_from)
    assert resumed.status == "completed" and resumed.written == 4
    assert scalar(database, TRAINING) == 10


def test_a_truncated_file_keeps_the_batches_before_the_break(database: Database) -> None:
    result = import_i12(database, FIXTURES / "i12_truncated.json", batch_size=4)
    assert result.status == "failed" and "not valid JSON" in (result.message or "")
    # Records 0-7 were written in two batches; the third batch broke off and is not written.
    assert result.written == 8 and result.resume_from == 8
    assert scalar(database, TRAINING) == 6


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("Name,PowersetName\nFlares,Blaster_Ranged.Fire_Blast\n", "not JSON"),
        ('{"Name": "Flares"}', "a JSON object"),
        ("", "empty"),
    ],
)
def test_a_file_that_is_not_an_i12_array_fails_cleanly(
    database: Database, tmp_path: Path, content: str, expected: str
) -> None:
    path = tmp_path / "powers.json"
    path.write_text(content)
    result = import_i12(database, path)
    assert result.status == "failed" and expected in (result.message or "")
    assert result.written == 0
    assert log_row(database, result.log_id).status == "failed"


def test_the_not_json_fixture_is_refused(database: Database) -> None:
    result = import_i12(database, FIXTURES / "not_json.json")
    assert result.status == "failed" and "not JSON" in (result.message or "")


def test_unknown_powerset_and_bad_values_are_rejected_one_by_one(database: Database, tmp_path: Path) -> None:
    records = [
        {"Name": "A", "PowersetName": "No.Such_Set"},
        {"Name": "B", "PowersetName": "Pool.Fighting", "Level": 51},
        {"Name": "C", "PowersetName": "Pool.Fighting", "PowerType": "Passive"},
        {"Name": "D", "PowersetName": "Pool.Fighting", "Accuracy": -1},
        {"PowersetName": "Pool.Fighting"},
        "not an object",
        {"Name": "E" * 101, "PowersetName": "Pool.Fighting"},
        {"Name": "Good_One", "PowersetName": "Pool.Fighting"},
    ]
    path = tmp_path / "powers.json"
    path.write_text(json.dumps(records))
    result = import_i12(database, path)
    assert result.written == 1
    messages = {error.index: error.message for error in result.errors}
    assert "no powerset 'No.Such_Set'" in messages[0]
    assert "Level: 51 is not between 1 and 50" in messages[1]
    assert "PowerType: 'Passive'" in messages[2]
    assert "Accuracy: -1 is out of range" in messages[3]
    assert messages[4] == "Name: missing"
    assert "expected an object" in messages[5]
    assert "longer than 100" in messages[6]


def test_a_record_the_server_refuses_is_found_within_its_batch(database: Database, tmp_path: Path) -> None:
    # Two names, one internal name: the second breaks the unique internal_name, which
    # only the server sees; skip finds it with a savepoint per record and keeps the rest.
    records = [
        {"Name": "First", "InternalName": "Pool.Fighting.Twin", "PowersetName": "Pool.Fighting"},
        {"Name": "Second", "InternalName": "Pool.Fighting.Twin", "PowersetName": "Pool.Fighting"},
        {"Name": "Third", "PowersetName": "Pool.Fighting"},
    ]
    path = tmp_path / "powers.json"
    path.write_text(json.dumps(records))
    result = import_i12(database, path, batch_size=10)
    assert result.written == 2 and [e.index for e in result.errors] == [1]
    assert "duplicate key" in result.errors[0].message
    stopped = import_i12(database, path, batch_size=10, on_error="stop", resume_from=1)
    assert stopped.status == "failed" and stopped.resume_from == 1 and "refused" in (stopped.message or "")


def test_options_are_checked_and_only_an_admin_imports(database: Database, database_url) -> None:
    with pytest.raises(BadInput, match="the batch size must be from 1"):
        import_i12(database, POWERS, batch_size=0)
    with pytest.raises(BadInput, match="the record to resume from must be a whole number, not 1.5"):
        import_i12(database, POWERS, resume_from=1.5)  # type: ignore[arg-type]
    with pytest.raises(ImportFailed, match="no such file"):
        import_i12(database, FIXTURES / "missing.json")
    with pytest.raises(ImportFailed, match="on error"):
        import_i12(database, POWERS, on_error="ignore")
    for role in (Role.DEVELOPER, Role.SUPPORT):
        with Database(ConnectionSettings(url=database_url, role=role)) as other:
            with pytest.raises(PermissionError, match="admin only"):
                import_i12(other, POWERS)
    with Database(ConnectionSettings(url=database_url, read_only=True)) as read_only:
        with pytest.raises(PermissionError, match="read-only"):
            import_i12(read_only, POWERS)


def test_set_categories_and_json_cells_arrive_as_written(database: Database, tmp_path: Path) -> None:
    """The staging rows are built by hand (a text[] literal, JSON by msgspec): quotes,
    backslashes, commas, braces, the word NULL and non-ASCII text survive as they were."""
    categories = ['Ranged "Damage"', "back\\slash", "a,b", "{braces}", "NULL", "Défense", ""]
    effects = {"note": 'quote " and \\ and \u00e9', "groups": [1.5, None, True]}
    path = tmp_path / "powers.json"
    path.write_text(
        json.dumps(
            [
                {
                    "Name": "Odd_One",
                    "PowersetName": "Pool.Fighting",
                    "AllowedSetCategories": categories,
                    "Effects": effects,
                }
            ]
        )
    )
    assert import_i12(database, path).written == 1
    with database.connect() as connection:
        row = connection.execute(
            text("SELECT allowed_set_categories, effects, source FROM heroes.powers WHERE name = 'Odd_One'")
        ).one()
    assert row.allowed_set_categories == categories
    assert row.effects == effects and row.source["AllowedSetCategories"] == categories


def test_the_reader_thread_keeps_order_hands_over_errors_and_stops_when_closed() -> None:
    import threading
    from contextlib import closing

    from data.imports.common import prefetched

    produced: list[int] = []

    def numbers():
        for number in range(1000):
            produced.append(number)
            yield number

    assert list(prefetched(iter(range(50)))) == list(range(50))

    def breaking():
        yield 1
        raise ValueError("broken at 2")

    seen: list[int] = []
    with pytest.raises(ValueError, match="broken at 2"):
        for item in prefetched(breaking()):
            seen.append(item)
    assert seen == [1]

    with closing(prefetched(numbers(), depth=1)) as ahead:
        assert next(ahead) == 0
    # Closed after one item: the thread is gone and read at most a couple ahead.
    assert not any(t.name == "import-reader" for t in threading.enumerate())
    assert len(produced) <= 3

"""CSV and JSON into any table through COPY: header mapping, NULL vs "", type errors by line."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from data.engine import Database
from data.imports import ImportFailed, import_table

FIXTURES = Path(__file__).parent / "fixtures" / "imports"


def rows(database: Database, sql: str) -> list:
    with database.connect() as connection:
        return connection.execute(text(sql)).all()


def test_a_csv_goes_in_with_its_header_mapped(database: Database) -> None:
    result = import_table(database, "gacha.series", FIXTURES / "series_good.csv")
    assert result.status == "completed" and result.written == 2
    got = rows(database, "SELECT series_id, name, score, synopsis FROM gacha.series WHERE series_id >= 960 ORDER BY 1")
    # An unquoted empty field is NULL, as `console export` writes NULL.
    assert [tuple(r) for r in got] == [(960, "Epsilon", 8.1, "multi\nline"), (961, "Zeta", None, None)]
    assert rows(database, f"SELECT import_type, records_processed FROM heroes.import_logs WHERE id = {result.log_id}")[
        0
    ] == ("csv", 2)


def test_type_errors_are_reported_with_their_line_and_nothing_is_written(database: Database) -> None:
    result = import_table(database, "gacha.series", FIXTURES / "series_bad_types.csv")
    assert result.status == "failed" and result.written == 0
    # Record 2 starts on line 4: record 1's synopsis spans lines 2 and 3.
    assert [e.message.split(":")[0] for e in result.errors] == ["line 4", "line 6"]
    assert "score" in result.errors[0].message and "double precision" in result.errors[0].message
    assert rows(database, "SELECT count(*) FROM gacha.series WHERE series_id >= 950")[0][0] == 0


def test_a_json_array_goes_in_and_bad_values_name_their_record(database: Database, tmp_path: Path) -> None:
    bad = import_table(database, "gacha.series", FIXTURES / "series.json")
    assert bad.status == "failed" and bad.errors[0].message.startswith("record 2: score")
    good = tmp_path / "series.json"
    good.write_text('[{"series_id": 972, "name": "Iota", "score": 6.5}]')
    assert import_table(database, "gacha.series", good).written == 1


def test_unknown_tables_and_columns_are_refused_first(database: Database, tmp_path: Path) -> None:
    with pytest.raises(ImportFailed, match="no table"):
        import_table(database, "gacha.nope", FIXTURES / "series_good.csv")
    wrong = tmp_path / "x.csv"
    wrong.write_text("series_id,colour\n1,red\n")
    with pytest.raises(ImportFailed, match="no column 'colour'"):
        import_table(database, "gacha.series", wrong)
    with pytest.raises(ImportFailed, match="not JSON"):
        import_table(database, "gacha.series", FIXTURES / "not_json.json")


def test_a_constraint_the_server_enforces_fails_in_one_line(database: Database, tmp_path: Path) -> None:
    clash = tmp_path / "x.csv"
    clash.write_text("series_id,name\n1,Duplicate\n")
    result = import_table(database, "gacha.series", clash)
    assert result.status == "failed" and "duplicate key" in (result.message or "")

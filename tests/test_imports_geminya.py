"""Geminya series and characters CSV: cleaning, rejected rows with their line, encodings, re-runs."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from data.engine import Database
from data.imports import import_characters, import_series
from data.imports.geminya import clean

FIXTURES = Path(__file__).parent / "fixtures" / "imports"


def rows(database: Database, sql: str, **params: object) -> list:
    with database.connect() as connection:
        return connection.execute(text(sql), params).all()


def test_cells_lose_the_export_artefacts() -> None:
    assert clean("one._x000D_\n_x000D_\ntwo") == "one.\n\ntwo"
    assert clean("sisters\ufffd\ufffd\ufffdMiku") == "sisters\u2014Miku"
    assert clean("CafÃ© Lumi\u00c3\u00a8re") == "Café Lumière"
    assert clean("   ") is None and clean(None) is None


def test_series_then_characters_with_rejected_rows(database: Database) -> None:
    series = import_series(database, FIXTURES / "geminya_series.csv")
    assert series.status == "completed" and series.written == 3 and series.rejected == 0
    synopsis = rows(database, "SELECT synopsis, studios FROM gacha.series WHERE series_id = 1")[0]
    assert "_x000D_" not in synopsis.synopsis and "\ufffd" not in synopsis.synopsis
    assert synopsis.studios == "Tezuka Productions"
    characters = import_characters(database, FIXTURES / "geminya_characters.csv")
    assert characters.status == "completed" and characters.written == 6 and characters.rejected == 3
    reasons = [error.message for error in characters.errors]
    # Multi-line quoted cells: each rejected row is named by the line it starts on.
    assert reasons[0].endswith("rarity 5 is not 1, 2 or 3") and reasons[0].startswith("line ")
    assert "stats is not valid JSON" in reasons[1]
    assert "series 999 does not exist" in reasons[2]
    lines = [error.index for error in characters.errors]
    with open(FIXTURES / "geminya_characters.csv", encoding="utf-8") as file:
        all_lines = file.read().split("\n")
    assert all_lines[lines[0] - 1].startswith("9001,") and all_lines[lines[2] - 1].startswith("9003,")
    itsuki = rows(database, "SELECT * FROM gacha.waifus WHERE waifu_id = 1")[0]
    assert itsuki.rarity == 3 and itsuki.birthday.isoformat() == "2000-05-05"
    assert rows(database, "SELECT count(*) FROM gacha.waifus WHERE waifu_id > 9000")[0][0] == 0
    log = rows(database, "SELECT * FROM heroes.import_logs WHERE id = :id", id=characters.log_id)[0]
    assert (log.import_type, log.records_processed, log.error_count) == ("characters", 6, 3)
    series_log = rows(database, "SELECT import_type FROM heroes.import_logs WHERE id = :id", id=series.log_id)[0]
    assert series_log.import_type == "series"


def test_re_running_updates_rather_than_duplicates(database: Database) -> None:
    import_series(database, FIXTURES / "geminya_series.csv")
    import_characters(database, FIXTURES / "geminya_characters.csv")
    before = rows(database, "SELECT count(*) FROM gacha.waifus")[0][0]
    again = import_characters(database, FIXTURES / "geminya_characters.csv")
    assert again.written == 6
    assert rows(database, "SELECT count(*) FROM gacha.waifus")[0][0] == before


def test_a_file_in_windows_1252_is_read_and_said_so(database: Database) -> None:
    result = import_series(database, FIXTURES / "geminya_series_cp1252.csv")
    assert result.status == "completed" and result.written == 1
    assert "read as Windows-1252" in (result.message or "")
    row = rows(database, "SELECT name, studios, synopsis FROM gacha.series WHERE series_id = 901")[0]
    assert (row.name, row.studios, row.synopsis) == ("Café Lumière", "Studio Été", "Line one.\n\nLine two.")


def test_a_cancel_writes_nothing(database: Database) -> None:
    result = import_series(database, FIXTURES / "geminya_series_cp1252.csv", cancelled=lambda: True)
    assert result.status == "cancelled"
    assert rows(database, "SELECT count(*) FROM gacha.series WHERE series_id = 901")[0][0] == 0

"""Geminya's series and characters (CSV) into gacha.series and gacha.waifus.

Real exports carry artefacts: `_x000D_` markers where a spreadsheet kept a carriage return,
runs of U+FFFD where a three-byte character (an em dash, in this data) was lost, text
decoded twice (mojibake such as "Ã©"), and files that are not UTF-8 at all (read as
Windows-1252). Cells are cleaned; rows that still break a rule (rarity 1-3, JSON cells
that do not parse, a series that does not exist, a missing name) are rejected with their
line and reason, and the others are upserted by their ids in one transaction (a cancel
leaves the tables as they were). Both runs are logged as import type "characters".
"""

from __future__ import annotations

import csv
import json
import re
from datetime import date, datetime
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Table, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import DBAPIError

from data.engine import Database
from data.imports.common import (
    CancelFlag,
    ImportFailed,
    ImportResult,
    ImportRun,
    ProgressCallback,
    RecordError,
    check_can_import,
    open_text,
    repaired_bytes,
    source_path,
)
from data.models.gacha import SCHEMA as GACHA
from data.models.gacha import Series, Waifu

SERIES = cast(Table, Series.__table__)
WAIFUS = cast(Table, Waifu.__table__)
CHUNK = 500

_LOST_CHARACTER = re.compile("\ufffd{3}")
_MOJIBAKE = re.compile("[ÃÂâ][\u0080-\u00bf\u2018-\u203a\u0152-\u0178]")
_BIRTHDAY = re.compile(r"^Birthday:\s*([A-Z][a-z]+ \d{1,2}, \d{4})", re.MULTILINE)
JSON_CELLS = ("stats", "elemental_type", "potency", "elemental_resistances", "favorite_gifts", "special_dialogue")


def clean(value: str | None) -> str | None:
    """A cell without export artefacts; None for an empty one."""
    if value is None:
        return None
    value = value.replace("_x000D_\n", "\n").replace("_x000D_", "\n")
    value = _LOST_CHARACTER.sub("\u2014", value).replace("\ufffd", "")
    if _MOJIBAKE.search(value):
        try:
            value = value.encode("cp1252").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            pass
    value = value.strip()
    return value or None


class BadRow(ValueError):
    pass


def _integer(row: dict[str, str | None], key: str, required: bool = True) -> int | None:
    value = row.get(key)
    if value is None:
        if required:
            raise BadRow(f"{key} is missing")
        return None
    try:
        return int(float(value)) if re.fullmatch(r"-?\d+(\.0+)?", value) else int(value)
    except ValueError:
        raise BadRow(f"{key} {value!r} is not a whole number") from None


def _series_row(row: dict[str, str | None]) -> dict[str, Any]:
    series_id = _integer(row, "series_id")
    name = row.get("name")
    if not name:
        raise BadRow("name is missing")
    studios = row.get("creator") or row.get("studios")
    if studios and studios.startswith("{"):
        try:
            creator = json.loads(studios)
        except json.JSONDecodeError:
            raise BadRow("creator is not valid JSON") from None
        values = [v for v in creator.values()] if isinstance(creator, dict) else []
        studios = "|".join(str(v) for v in values if v) or None
    score = row.get("score")
    try:
        score_value = float(score) if score else None
    except ValueError:
        raise BadRow(f"score {score!r} is not a number") from None
    if score_value is not None and not 0 <= score_value <= 10:
        raise BadRow(f"score {score_value} is not between 0 and 10")
    return {
        "series_id": series_id,
        "name": name[:255],
        "english_name": row.get("english_name"),
        "image_link": row.get("image_link"),
        "studios": studios,
        "genres": row.get("genres"),
        "synopsis": row.get("synopsis"),
        "favorites": _integer(row, "favorites", False),
        "members": _integer(row, "members", False),
        "score": score_value,
    }


def _birthday(about: str | None) -> date | None:
    match = _BIRTHDAY.search(about or "")
    if not match:
        return None
    try:
        return datetime.strptime(match.group(1), "%B %d, %Y").date()
    except ValueError:
        return None


def _waifu_row(row: dict[str, str | None], series: dict[int, str]) -> dict[str, Any]:
    waifu_id = _integer(row, "waifu_id")
    name = row.get("name")
    if not name:
        raise BadRow("name is missing")
    series_id = _integer(row, "series_id")
    if series_id not in series:
        raise BadRow(f"series {series_id} does not exist (import the series first)")
    rarity = _integer(row, "rarity")
    if rarity is None or not 1 <= rarity <= 3:
        raise BadRow(f"rarity {row.get('rarity')} is not 1, 2 or 3")
    for key in JSON_CELLS:
        if row.get(key) is not None:
            try:
                json.loads(row[key] or "")
            except json.JSONDecodeError as error:
                raise BadRow(f"{key} is not valid JSON ({error.msg})") from None
    return {
        "waifu_id": waifu_id,
        "name": name[:255],
        "series_id": series_id,
        "series": (row.get("series") or series[series_id])[:255],
        "genre": (row.get("genre") or "Anime")[:100],
        "rarity": rarity,
        "image_url": row.get("image_url"),
        "about": row.get("about"),
        "archetype": row.get("archetype"),
        "birthday": _birthday(row.get("about")),
        **{key: row.get(key) for key in JSON_CELLS},
    }


def import_series(
    database: Database,
    path: str | Path,
    *,
    progress: ProgressCallback | None = None,
    cancelled: CancelFlag | None = None,
) -> ImportResult:
    """Upsert Geminya's series CSV into gacha.series (by series_id)."""
    return _import(database, path, SERIES, "series_id", progress, cancelled)


def import_characters(
    database: Database,
    path: str | Path,
    *,
    progress: ProgressCallback | None = None,
    cancelled: CancelFlag | None = None,
) -> ImportResult:
    """Upsert Geminya's characters CSV into gacha.waifus (by waifu_id); their series must exist."""
    return _import(database, path, WAIFUS, "waifu_id", progress, cancelled)


def _import(
    database: Database,
    path: str | Path,
    table: Table,
    key: str,
    progress: ProgressCallback | None,
    cancelled: CancelFlag | None,
) -> ImportResult:
    """Read, clean and check every row, then upsert the good ones in one transaction.

    Raises:
        PermissionError: not an admin, or a read-only connection.
        ImportFailed: the file is missing or its header lacks the key column.
    """
    check_can_import(database)
    file = source_path(path)
    stream, counter = open_text(file)
    with stream:
        reader = csv.DictReader(stream)
        if not reader.fieldnames or key not in reader.fieldnames:
            raise ImportFailed(f"{file.name}: the header has no {key} column (is this a Geminya {table.name} CSV?)")
        run = ImportRun(
            database,
            "series" if table is SERIES else "characters",
            file,
            table=f"{GACHA}.{table.name}",
            batch_size=CHUNK,
            progress=progress,
            cancelled=cancelled,
        )
        with database.engine.connect() as connection:
            series = {row.series_id: row.name for row in connection.execute(select(SERIES.c.series_id, SERIES.c.name))}
            good: dict[Any, dict[str, Any]] = {}
            line = 2
            for raw in reader:
                run.read += 1
                cells = {k: clean(v) for k, v in raw.items() if k is not None}
                try:
                    row = _series_row(cells) if table is SERIES else _waifu_row(cells, series)
                    good[row[key]] = row
                except BadRow as error:
                    run.reject(RecordError(line, f"line {line}: {error}"))
                line = reader.line_num + 1
            note = (
                f"{repaired_bytes()} byte run(s) were not UTF-8 and were read as Windows-1252"
                if repaired_bytes()
                else None
            )
            rows = list(good.values())
            try:
                for start in range(0, len(rows), CHUNK):
                    chunk = rows[start : start + CHUNK]
                    statement = pg_insert(table).values(chunk)
                    statement = statement.on_conflict_do_update(
                        index_elements=[key], set_={c: statement.excluded[c] for c in chunk[0] if c != key}
                    )
                    connection.execute(statement)
                    run.report(counter.fraction)
                    if run.cancel_requested():
                        return run.roll_back_whole(
                            connection, "cancelled", "cancelled: nothing was written (one transaction)"
                        )
                run.counts[table.name] = len(rows)
                return run.commit_whole(connection, len(rows), list(run.errors), {"rows": len(rows)}, note)
            except DBAPIError as error:
                return run.failed_whole(connection, error)

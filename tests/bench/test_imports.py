"""I12 import benchmark: records/s against a raw COPY of the same rows into the same table,
and peak resident memory for a 200,000-record file and one ten times smaller.

Run: .venv/bin/pytest -m bench tests/bench/test_imports.py -s -n 0
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from data.engine import Database
from data.imports.i12 import COLUMN_NAMES, Powersets, power_row

pytestmark = pytest.mark.bench
RECORDS = 200_000
ROOT = Path(__file__).parents[2]

# Runs one import in a fresh process and reports its time and peak resident memory.
CHILD = """
import json, sys
from sqlalchemy.engine import make_url
from data.engine import ConnectionSettings, Database
from data.imports.i12 import import_i12
with Database(ConnectionSettings(url=make_url(sys.argv[1]))) as database:
    result = import_i12(database, sys.argv[2], batch_size=5000)
# VmHWM, not getrusage: ru_maxrss survives exec, so it would report the parent's peak.
peak_kb = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps({"status": result.status, "written": result.written, "seconds": result.elapsed, "peak_mb": peak_kb / 1024}))
"""


def write_i12(path: Path, count: int, powersets: list[str], prefix: str) -> None:
    with path.open("w") as out:
        out.write("[")
        for i in range(count):
            record = {
                "Name": f"{prefix}_{i}",
                "InternalName": f"Bench.{prefix}.{i}",
                "DisplayName": f"{prefix} {i}",
                "PowersetName": powersets[i % len(powersets)],
                "Level": 1 + i % 50,
                "PowerType": "Click",
                "TargetType": "Foe (Alive)",
                "Accuracy": 1.0,
                "EnduranceCost": 5.2 + i % 7,
                "RechargeTime": 4.0 + i % 11,
                "ActivationTime": 1.17,
                "Range": 80,
                "DamageScale": 1.0,
                "Effects": {"area": "single", "damage": [{"type": "fire", "scale": 1.0}], "damage_type": "fire"},
                "AllowedSetCategories": ["Ranged Damage", "Universal Damage Sets"],
            }
            out.write(("," if i else "") + json.dumps(record))
        out.write("]")


def child_import(url: str, path: Path) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, url, str(path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=1200,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_i12_import_against_raw_copy_and_flat_memory(database: Database, tmp_path: Path, database_url) -> None:
    with database.connect() as connection:
        names = [
            r[0]
            for r in connection.execute(
                text("SELECT internal_name FROM heroes.powersets WHERE internal_name IS NOT NULL ORDER BY id")
            )
        ]
    big, small = tmp_path / "big.json", tmp_path / "small.json"
    write_i12(big, RECORDS, names, "Bench")
    write_i12(small, RECORDS // 10, names, "Small")
    copy_file = tmp_path / "copy.json"
    write_i12(copy_file, RECORDS, names, "Copy")

    # Baseline: the same rows, already built, COPYed straight into heroes.powers.
    with database.engine.connect() as connection:
        powersets = Powersets.load(connection, "heroes")
        rows = [power_row(record, powersets) for record in json.loads(copy_file.read_text())]
        cursor = connection.connection.driver_connection.cursor()
        started = time.perf_counter()
        with cursor.copy(f"COPY heroes.powers ({', '.join(COLUMN_NAMES)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        connection.commit()
        copy_seconds = time.perf_counter() - started
    del rows
    url = database_url.render_as_string(hide_password=False)
    small_run = child_import(url, small)
    big_run = child_import(url, big)
    assert big_run["status"] == small_run["status"] == "completed" and big_run["written"] == RECORDS
    copy_rate = RECORDS / copy_seconds
    import_rate = RECORDS / big_run["seconds"]
    ratio = import_rate / copy_rate
    growth = big_run["peak_mb"] / small_run["peak_mb"]
    print(f"\nraw COPY of {RECORDS:,} rows: {copy_seconds:.2f} s, {copy_rate:,.0f} rows/s")
    print(
        f"I12 import of {RECORDS:,} records (parse, check, staging COPY, upsert, log): "
        f"{big_run['seconds']:.2f} s, {import_rate:,.0f} records/s, ratio {ratio:.2f} (target >= 0.5)"
    )
    print(
        f"peak resident memory: {RECORDS // 10:,} records {small_run['peak_mb']:.1f} MB, "
        f"{RECORDS:,} records {big_run['peak_mb']:.1f} MB, x{growth:.2f} (target < 1.2)"
    )
    assert growth < 1.2

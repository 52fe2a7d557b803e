"""`console build list|show|export|import`: text and JSON, files, and refusals as one line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import URL

from console.cli import main
from data.engine import ConnectionSettings, Database

ROOT = Path(__file__).parents[1]
FULL_BUILD = Path(__file__).parent / "fixtures" / "planner" / "full_sets_build.json"


def url_of(database_url: URL) -> str:
    return f"postgresql://{database_url.username}@/{database_url.database}?host={database_url.query['host']}"


def console(capsys: pytest.CaptureFixture[str], database_url: URL, *args: str) -> tuple[int, str, str]:
    code = main(["--url", url_of(database_url), *args])
    out, err = capsys.readouterr()
    return code, out, err


def build_count(database_url: URL) -> int:
    with Database(ConnectionSettings(url=database_url)) as database, database.connect() as connection:
        return connection.execute(text("SELECT count(*) FROM heroes.builds")).scalar_one()


def test_list_and_show(capsys: pytest.CaptureFixture[str], database_url: URL) -> None:
    code, out, _ = console(capsys, database_url, "build", "list")
    assert code == 0
    header, *rows = out.splitlines()
    assert header.split()[:3] == ["id", "name", "level"]
    blaze = next(row for row in rows if "Blaze of Glory" in row)
    assert "50  Blaster / Fire Blast / Fire Manipulation" in blaze and "Mu Mastery" in blaze

    code, out, _ = console(capsys, database_url, "build", "show", "blaze of glory")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == (
        "Blaze of Glory · level 50 Blaster · Fire Blast / Fire Manipulation · 24/24 picks · 0 slots left"
    )
    assert "Level 1: Flares (Fire Blast) · Acc " in out
    assert "  slot 1 @1: Decimation: Accuracy/Damage (40)" in lines
    assert any(line.startswith("  enhanced: accuracy ") for line in lines)
    combustion = lines.index(next(line for line in lines if line.startswith("Level 10: Combustion")))
    assert lines[combustion + 5] == "  enhanced: accuracy 33.33%→33.33% (A) · damage 66.66%→66.66% (A)"  # below ED
    # With the build's set bonuses: +25 % accuracy, +4 % damage, +46.25 % recharge.
    assert "Acc 1.58 · Dmg 0.60→1.02 · End 13.00→13.00 · Rech 15.0s→10.3s" in lines[combustion]
    assert "Set bonuses:" in lines and "Totals:" in lines
    assert any(line.startswith("  Defense (ranged): ") for line in lines)


def test_show_json_has_the_totals_and_the_suppressed_bonuses(
    capsys: pytest.CaptureFixture[str], database_url: URL, tmp_path: Path
) -> None:
    code, out, _ = console(capsys, database_url, "build", "import", str(FULL_BUILD), "--json")
    assert code == 0
    build_id = json.loads(out)["id"]
    code, out, _ = console(capsys, database_url, "build", "show", str(build_id), "--json")
    assert code == 0
    document = json.loads(out)
    assert len(document["powers"]) == 24 and document["slots_left"] == 0
    suppressed = [b for b in document["set_bonuses"] if b["suppressed"]]
    assert suppressed and all(
        sum(1 for b in document["set_bonuses"] if b["bonus"] == s["bonus"]) > 5 for s in suppressed
    )
    assert document["totals"]["recharge"] > 0
    flares = document["powers"][0]
    assert flares["power"] == "Flares" and flares["enhancements"]["damage"]["schedule"] == "A"
    code, out, _ = console(capsys, database_url, "build", "show", str(build_id))
    assert "suppressed (rule of five)" in out


def test_export_then_import_gives_the_same_build(
    capsys: pytest.CaptureFixture[str], database_url: URL, tmp_path: Path
) -> None:
    exported = tmp_path / "iron.json"
    code, out, _ = console(capsys, database_url, "build", "export", "Iron Wall", "--output", str(exported))
    assert code == 0 and out.startswith("exported 'Iron Wall' to ")
    code, out, _ = console(capsys, database_url, "build", "import", str(exported), "--name", "Iron Wall again")
    assert code == 0 and out.startswith("imported 'Iron Wall again' as build ")
    new_id = out.split()[-1]
    code, again, _ = console(capsys, database_url, "build", "export", new_id)
    assert code == 0
    assert json.loads(again) == {**json.loads(exported.read_text()), "name": "Iron Wall again"}

    # The file exists now: it is replaced only with --force.
    before = exported.read_text()
    code, _, errors = console(capsys, database_url, "build", "export", "Blaze of Glory", "--output", str(exported))
    assert code == 2 and f"{exported} exists: nothing was written (replace it with --force)" in errors
    assert exported.read_text() == before
    code, _, _ = console(
        capsys, database_url, "build", "export", "Blaze of Glory", "--output", str(exported), "--force"
    )
    assert code == 0 and json.loads(exported.read_text())["name"] == "Blaze of Glory"


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d["powers"][0]["slots"].extend([{"level": 50}] * 3), "Flares: 7 slots, at most 6"),
        (lambda d: d["powers"][5].update(power="Fire Manipulation / Fire Whip"), "unknown power"),
        (
            lambda d: d["powers"][0]["slots"][0].update(enhancement="Luck of the Gambler: Defense/+Recharge"),
            "Flares takes no Defense Sets sets",
        ),
    ],
)
def test_an_illegal_file_is_refused_and_loads_nothing(
    capsys: pytest.CaptureFixture[str], database_url: URL, tmp_path: Path, edit: object, message: str
) -> None:
    document = json.loads(FULL_BUILD.read_text())
    edit(document)  # type: ignore[operator]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(document))
    before = build_count(database_url)
    code, out, err = console(capsys, database_url, "build", "import", str(bad))
    assert code == 2 and out == ""
    assert err.startswith("console: error: ") and message in err and len(err.splitlines()) == 1
    assert build_count(database_url) == before


def test_unknown_builds_and_files_are_one_line(
    capsys: pytest.CaptureFixture[str], database_url: URL, tmp_path: Path
) -> None:
    assert console(capsys, database_url, "build", "show", "9999")[2] == "console: error: no build has id 9999\n"
    assert console(capsys, database_url, "build", "show", "Nobody")[2] == (
        "console: error: no build is named 'Nobody'\n"
    )
    code, _, err = console(capsys, database_url, "build", "import", str(tmp_path / "missing.json"))
    assert code == 2 and "cannot read" in err and "No such file or directory" in err
    (tmp_path / "broken.json").write_text("{")
    code, _, err = console(capsys, database_url, "build", "import", str(tmp_path / "broken.json"))
    assert code == 2 and err.startswith("console: error: not JSON: ")


def test_a_developer_cannot_import_and_there_is_no_traceback(database_url: URL) -> None:
    environment = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "console",
            "--url",
            url_of(database_url),
            "--role",
            "developer",
            "build",
            "import",
            str(FULL_BUILD),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=environment,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 1
    assert result.stderr == "console: error: builds cannot be saved here: the developer role writes nothing\n"

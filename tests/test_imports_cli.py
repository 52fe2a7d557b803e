"""`console import ...` end to end: text and JSON results, exit codes, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy.engine import URL

from tests.conftest import run_console, socket_url

FIXTURES = Path(__file__).parent / "fixtures" / "imports"


def test_import_i12_prints_the_outcome_and_progress(database_url: URL) -> None:
    result = run_console(
        "--url", socket_url(database_url), "import", "i12", str(FIXTURES / "i12_malformed.json"), "--batch-size", "4"
    )
    assert result.returncode == 0, result.stderr
    assert "import i12 completed: 11 written, 1 rejected" in result.stdout
    assert "rejected record 5: Accuracy: expected a number" in result.stdout
    assert "records (" in result.stderr and "/s" in result.stderr


def test_a_stopped_run_exits_1_and_says_where_to_resume(database_url: URL) -> None:
    result = run_console(
        "--url",
        socket_url(database_url),
        "--json",
        "import",
        "i12",
        str(FIXTURES / "i12_malformed.json"),
        "--batch-size",
        "4",
        "--on-error",
        "stop",
    )
    assert result.returncode == 1
    payload = json.loads(result.stdout)
    assert payload["status"] == "failed" and payload["resume_from"] == 4 and payload["written"] == 4


def test_every_kind_runs_from_the_command_line(database_url: URL) -> None:
    url = socket_url(database_url)
    cod = run_console("--url", url, "import", "cod", str(FIXTURES / "cod"), "--json")
    assert cod.returncode == 0, cod.stderr
    assert json.loads(cod.stdout)["counts"]["powers"] == 35
    series = run_console("--url", url, "import", "series", str(FIXTURES / "geminya_series.csv"))
    assert series.returncode == 0 and "3 written" in series.stdout
    characters = run_console("--url", url, "import", "characters", str(FIXTURES / "geminya_characters.csv"))
    assert characters.returncode == 0 and "rejected line" in characters.stdout
    table = run_console("--url", url, "import", "csv", "gacha.series", str(FIXTURES / "series_bad_types.csv"))
    assert table.returncode == 1 and "rejected line 4: score" in table.stdout


def test_refusals_are_one_line(database_url: URL) -> None:
    url = socket_url(database_url)
    missing = run_console("--url", url, "import", "i12", "/no/such/file.json")
    assert missing.returncode == 1 and missing.stderr.strip() == "console: error: /no/such/file.json: no such file"
    support = run_console("--url", url, "--role", "support", "import", "cod", str(FIXTURES / "cod"))
    assert support.returncode == 1 and "admin only" in support.stderr and "Traceback" not in support.stderr
    bad = run_console("--url", url, "import", "i12", "x.json", "--resume-from", "-1")
    assert bad.returncode == 2 and "--resume-from: must be from 0 to" in bad.stderr

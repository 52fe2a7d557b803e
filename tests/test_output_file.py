"""An export never removes or truncates a file it did not create (data/output_file.py, and
`console export --output` on top of it)."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest
from sqlalchemy.engine import URL

from data.output_file import OutputExists, output_file
from tests.conftest import assert_one_line_error, run_console, socket_url

KEEP = "id,name\n1,precious\n"


def test_a_failure_inside_the_block_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    keep = tmp_path / "keep.csv"
    keep.write_text(KEEP)
    with pytest.raises(RuntimeError), output_file(keep, replace=True) as out:
        out.write("half an export")
        raise RuntimeError("the query failed")
    assert keep.read_text() == KEEP
    assert [path.name for path in tmp_path.iterdir()] == ["keep.csv"]


def test_an_existing_file_is_replaced_only_when_asked_and_keeps_its_mode(tmp_path: Path) -> None:
    keep = tmp_path / "keep.csv"
    keep.write_text(KEEP)
    keep.chmod(0o640)
    with pytest.raises(OutputExists, match="keep.csv exists"), output_file(keep) as out:
        out.write("never")
    assert keep.read_text() == KEEP
    with output_file(keep, replace=True) as out:
        out.write("new\n")
    assert keep.read_text() == "new\n"
    assert stat.S_IMODE(keep.stat().st_mode) == 0o640


def test_a_new_file_gets_the_umask_mode_not_the_temporary_files(tmp_path: Path) -> None:
    fresh = tmp_path / "fresh.json"
    with output_file(fresh) as out:
        out.write("[]")
    umask = os.umask(0o022)
    os.umask(umask)
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o666 & ~umask


def test_a_symlink_replaces_its_target_and_stays_a_link(tmp_path: Path) -> None:
    real = tmp_path / "real.csv"
    real.write_text(KEEP)
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    with output_file(link, replace=True) as out:
        out.write("new\n")
    assert link.is_symlink() and real.read_text() == "new\n"


def test_a_fifo_is_written_directly_and_survives_a_failure(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[str] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text()))
    reader.start()
    with pytest.raises(RuntimeError), output_file(fifo) as out:
        out.write("streamed\n")
        raise RuntimeError("the query failed")
    reader.join(10)
    assert received == ["streamed\n"]
    assert stat.S_ISFIFO(fifo.stat().st_mode)


def test_a_failing_export_leaves_an_existing_file_byte_for_byte(database_url: URL, tmp_path: Path) -> None:
    keep = tmp_path / "keep.csv"
    keep.write_bytes(KEEP.encode())
    url = socket_url(database_url)
    for extra in ([], ["--force"]):
        result = run_console("--url", url, "export", "--query", "select 1/0", "--output", str(keep), *extra)
        assert result.returncode != 0 and "Traceback" not in result.stderr
        assert keep.read_bytes() == KEEP.encode()
    assert sorted(path.name for path in tmp_path.iterdir()) == ["keep.csv"]


def test_an_existing_file_needs_force(database_url: URL, tmp_path: Path) -> None:
    keep = tmp_path / "keep.csv"
    keep.write_text(KEEP)
    url = socket_url(database_url)
    refused = run_console("--url", url, "export", "--query", "select 2 as n", "--output", str(keep))
    assert_one_line_error(refused, "keep.csv exists", "--force")
    assert keep.read_text() == KEEP
    replaced = run_console("--url", url, "export", "--query", "select 2 as n", "--output", str(keep), "--force")
    assert replaced.returncode == 0, replaced.stderr
    assert keep.read_text() == "n\n2\n"


def test_a_failing_export_to_a_character_device_leaves_the_device(database_url: URL) -> None:
    result = run_console("--url", socket_url(database_url), "export", "--query", "select 1/0", "--output", os.devnull)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)
    ok = run_console("--url", socket_url(database_url), "export", "--query", "select 1 as n", "--output", os.devnull)
    assert ok.returncode == 0, ok.stderr

"""Start-up figures: first-run initialisation, and `console` to the home screen painted.

Run apart from the default suite, with the others: `pytest -m bench tests/bench -s -n 0`.
Prints medians of 7 cold starts and the ratio against a bare Textual app measured in the
same run; asserts nothing about time.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pytest

from console.embedded import EmbeddedServer
from tests.conftest import short_temp_dir
from tests.test_first_run import ROOT, Terminal, console_env

pytestmark = pytest.mark.bench
RUNS = 7
BARE_APP = (
    "from textual.app import App\nfrom textual.widgets import Static\n"
    "class Bare(App):\n    def compose(self):\n        yield Static('painted')\n    def on_key(self):\n        self.exit()\n"
    "Bare().run()\n"
)


def _time_to(command: list[str], data_dir: Path, needle: bytes) -> float:
    terminal = Terminal(data_dir, command=command)
    started = time.perf_counter()
    try:
        assert terminal.read_until(needle, 60), terminal.screen[-500:]
        elapsed = time.perf_counter() - started
        terminal.process.terminate()
        terminal.wait()
    finally:
        terminal.close()
    return elapsed


def test_startup_figures() -> None:
    data_dir = short_temp_dir("cbs-")
    try:
        started = time.perf_counter()
        first = subprocess.run([sys.executable, "-m", "console", "migrate", "current"], env=console_env(data_dir),
                               cwd=ROOT, capture_output=True, text=True, timeout=600)
        assert first.returncode == 0, first.stderr
        first_run = time.perf_counter() - started

        console = [_time_to([sys.executable, "-m", "console"], data_dir, b"at head") for _ in range(RUNS)]
        bare = [_time_to([sys.executable, "-c", BARE_APP], data_dir, b"painted") for _ in range(RUNS)]
        print()
        print(f"first run (initdb, migrations, scale-1 demo data, one command): {first_run:.2f} s")
        print(f"console to home screen painted, median of {RUNS}: {statistics.median(console):.3f} s "
              f"(runs: {', '.join(f'{t:.3f}' for t in console)})")
        print(f"bare Textual app painted, median of {RUNS}: {statistics.median(bare):.3f} s")
        print(f"ratio console / bare Textual: {statistics.median(console) / statistics.median(bare):.2f}")
    finally:
        server = EmbeddedServer(data_dir)
        if server.is_running():
            server.stop(force=True)
        shutil.rmtree(data_dir, ignore_errors=True)

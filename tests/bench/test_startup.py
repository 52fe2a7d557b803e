"""Start-up figures: first-run initialisation, `console` to the home screen painted, and
where that time goes.

Run apart from the default suite, with the others: `pytest -m bench tests/bench -s -n 0`.
Prints medians of 7 cold starts and the ratio against a bare Textual app measured in the
same run; asserts nothing about time.

The breakdown, each a median of 7 in the same run: a bare interpreter; importing what
`console` imports before it opens the UI (console.launch, which pauses the garbage
collector, and console.cli: psycopg, the config; not SQLAlchemy), and with the UI too (console.app, the home screen: Textual); starting the
embedded server (pg_ctl start, waited for); opening the database as `console` does
(console.connect.open_checked: connect, then the login check and the home screen's data in
one round trip); and the first paint (FIRST_PAINT). At start the UI's import runs while the
server starts (console.cli).

The console's modules are timed with their bytecode kept in __pycache__, as Python keeps it
after a user's first start and as the bare app's Textual has it; the cost of compiling them
at each start instead (where PYTHONDONTWRITEBYTECODE is set, as on the reference machine) is
printed apart.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from console.connect import open_checked
from console.embedded import EmbeddedServer
from data.engine import ConnectionSettings
from data.roles import Role
from tests.conftest import short_temp_dir
from tests.test_first_run import ROOT, Terminal, console_env

pytestmark = pytest.mark.bench
RUNS = 7
BARE_APP = (
    "from textual.app import App\nfrom textual.widgets import Static\n"
    "class Bare(App):\n    def compose(self):\n        yield Static('painted')\n    def on_key(self):\n        self.exit()\n"
    "Bare().run()\n"
)
FIRST_PAINT = """
import console.launch  # as `console` starts: the collector paused until the first paint
import asyncio, sys, time
from textual import events
from console.app import ConsoleApp
from console.connect import open_checked
from data.engine import ConnectionSettings
import screens.home

painted = []

def note(message):
    if isinstance(message, events.Ready):
        painted.append(time.perf_counter())

async def main():
    opened = open_checked(ConnectionSettings(url=sys.argv[1]), interactive=False)
    with opened.database as database:
        started = time.perf_counter()
        app = ConsoleApp(database, note="bench", first_overview=opened.overview)
        async with app.run_test(size=(120, 40), message_hook=note) as pilot:
            while not painted:
                await pilot.pause(0.01)
        print(painted[0] - started)

asyncio.run(main())
"""
"""The app built and its home screen painted (headless, to Textual's Ready), its modules
and the data already there: what the start spends after the imports and the round trip."""

PACKAGES = ("console", "data", "screens", "widgets")
COMPILE_AT_START = f"""
import sys, time
import console.cli, console.app, screens.home
ours = [m.__file__ for n, m in list(sys.modules.items()) if n.split(".")[0] in {PACKAGES!r} and getattr(m, "__file__", None)]
started = time.perf_counter()
for path in ours:
    compile(open(path, encoding="utf-8").read(), path, "exec")
print(time.perf_counter() - started, len(ours))
"""
"""Our modules imported at start compiled from their source: what each start costs where
Python may not write its bytecode (PYTHONDONTWRITEBYTECODE, set on this machine)."""


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


def _time_process(code: str) -> float:
    started = time.perf_counter()
    _run(code)
    return time.perf_counter() - started


def _run(code: str, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code, *args], cwd=ROOT, check=True, timeout=60, capture_output=True, text=True
    )
    return done.stdout


def _timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def _median(samples: list[float]) -> str:
    return f"{statistics.median(samples) * 1000:.0f} ms"


def test_startup_figures() -> None:
    data_dir = short_temp_dir("cbs-")
    try:
        started = time.perf_counter()
        first = subprocess.run(
            [sys.executable, "-m", "console", "migrate", "current"],
            env=console_env(data_dir),
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert first.returncode == 0, first.stderr
        first_run = time.perf_counter() - started
        # Python compiles a module's source once and keeps its bytecode in __pycache__, as
        # it does for Textual; this machine forbids that (PYTHONDONTWRITEBYTECODE), so the
        # bytecode a user's first start would leave is written here, and its cost printed.
        subprocess.run([sys.executable, "-m", "compileall", "-q", *PACKAGES], cwd=ROOT, check=True, timeout=120)
        compiled = [_run(COMPILE_AT_START).split() for _ in range(3)]

        console = [_time_to([sys.executable, "-m", "console"], data_dir, b"at head") for _ in range(RUNS)]
        bare = [_time_to([sys.executable, "-c", BARE_APP], data_dir, b"painted") for _ in range(RUNS)]
        interpreter = [_time_process("pass") for _ in range(RUNS)]
        cli_imports = [_time_process("import console.launch") for _ in range(RUNS)]
        all_imports = [_time_process("import console.launch, console.app, screens.home") for _ in range(RUNS)]
        server = EmbeddedServer(data_dir)
        server_start, home_read, paint = [], [], []
        for _ in range(RUNS):
            server_start.append(_timed(server.acquire))
            settings = ConnectionSettings(url=server.url(user=Role.ADMIN.login), profile_name="embedded")

            def first_read() -> None:
                open_checked(settings, interactive=False).database.dispose()

            home_read.append(_timed(first_read))
            paint.append(float(_run(FIRST_PAINT, settings.url.render_as_string(hide_password=False))))
            server.release()
        print()
        print(f"first run (initdb, migrations, scale-1 demo data, one command): {first_run:.2f} s")
        print(
            f"console to home screen painted, median of {RUNS}: {statistics.median(console):.3f} s "
            f"(runs: {', '.join(f'{t:.3f}' for t in console)})"
        )
        print(f"bare Textual app painted, median of {RUNS}: {statistics.median(bare):.3f} s")
        print(f"ratio console / bare Textual: {statistics.median(console) / statistics.median(bare):.2f}")
        print(
            f"breakdown, medians of {RUNS}: bare interpreter {_median(interpreter)}; "
            f"import console.launch (console.cli) {_median(cli_imports)}; with the UI {_median(all_imports)}; "
            f"embedded server start {_median(server_start)}; connect, check and read the home screen's data "
            f"{_median(home_read)}; the app built and its home screen painted {_median(paint)}"
        )
        print(
            f"compiling the {compiled[0][1]} modules of ours imported at start from source (each start, where "
            f"Python may not keep bytecode): {_median([float(seconds) for seconds, _ in compiled])}"
        )
    finally:
        server = EmbeddedServer(data_dir)
        if server.is_running():
            server.stop(force=True)
        shutil.rmtree(data_dir, ignore_errors=True)

"""The garbage collector is paused while the console starts (console.launch) and runs again
once it has nothing to spare: the UI's first screen painted, or a command's arguments read."""

from __future__ import annotations

import asyncio
import gc
import subprocess
import sys
from collections.abc import Iterator

import pytest

from data.engine import Database
from tests.app_factory import make_app
from tests.conftest import ROOT, run_console_here


@pytest.fixture
def paused_collector() -> Iterator[None]:
    """The collector paused, as console.launch leaves it; running again after the test."""
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def test_the_entry_point_pauses_the_collector_before_the_console_imports() -> None:
    probe = "import gc, sys, console.launch; print(gc.isenabled(), 'textual' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.stdout.split() == ["False", "False"], done.stderr
    # `console` and `python -m console` both start there.
    assert 'console = "console.launch:main"' in (ROOT / "pyproject.toml").read_text()
    assert "from console.launch import main" in (ROOT / "console" / "__main__.py").read_text()


def test_the_app_runs_it_again_once_its_first_screen_is_painted(
    paused_collector: None, shared_database: Database
) -> None:
    async def scenario() -> None:
        app = make_app(shared_database)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            assert gc.isenabled()
            assert gc.get_freeze_count() > 0  # what the start made is left out of collections

    asyncio.run(scenario())


def test_a_command_runs_it_again_before_its_work(paused_collector: None, capsys: pytest.CaptureFixture[str]) -> None:
    # Refused (a URL with no database), but after its arguments were read.
    done = run_console_here(capsys, "--url", "postgresql://localhost:1/none", "migrate", "current")
    assert done.returncode == 2
    assert gc.isenabled()

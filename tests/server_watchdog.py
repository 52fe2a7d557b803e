"""Stops a test run's embedded server when the run dies without its teardown.

pytest killed from outside (a timeout around it, a closed terminal, SIGKILL) never runs
its session fixture's teardown: the run's PostgreSQL would go on running and its temporary
directory would stay. `watch` starts this module in a session of its own, reading a pipe
whose write end only the test process holds: when that process is gone, however it went,
the pipe reads end of file, and the watchdog stops the server and removes the directory.
After a teardown that ran, the directory is already gone and there is nothing to do.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from console.embedded import EmbeddedServer

ROOT = Path(__file__).parents[1]


def watch(data_dir: Path) -> subprocess.Popen[bytes]:
    """A watchdog over the throwaway server in `data_dir` (its own session: a signal sent to
    the test's process group does not reach it)."""
    return subprocess.Popen(
        [sys.executable, "-m", "tests.server_watchdog", str(data_dir)],
        stdin=subprocess.PIPE,
        start_new_session=True,
        cwd=ROOT,
    )


def done(watchdog: subprocess.Popen[bytes]) -> None:
    """The teardown ran: let the watchdog go."""
    assert watchdog.stdin is not None
    watchdog.stdin.close()
    watchdog.wait(timeout=30)


def main(data_dir: Path) -> None:
    sys.stdin.buffer.read()  # until the test process's end of the pipe closes
    if not data_dir.exists():
        return
    server = EmbeddedServer(data_dir, durable=False)
    if server.is_running():
        server.stop(force=True)  # a throwaway cluster: nobody else uses it
    shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]))

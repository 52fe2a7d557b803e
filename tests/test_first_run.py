"""What a new user does: the first `console` initialises, migrates and loads the demo data,
opens the app in a terminal, and leaves no server behind on quit, SIGTERM or SIGHUP."""

from __future__ import annotations

import json
import os
import pty
import select
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from console.embedded import EmbeddedServer
from data.engine import ConnectionSettings, Database
from tests.conftest import short_temp_dir

ROOT = Path(__file__).parents[1]


def console_env(data_dir: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env.update(CONSOLE_DATA_DIR=str(data_dir), TERM="xterm-256color", COLUMNS="100", LINES="30")
    return env


@pytest.fixture(scope="module")
def initialised_dir() -> Iterator[Path]:
    """A data directory after `console db start` (first run) and `console db stop`."""
    data_dir = short_temp_dir("cfr-")
    env = console_env(data_dir)
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "console", "db", "start"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stderr
    print(f"first start (initdb, migrations, demo data): {time.perf_counter() - started:.2f} s")
    stop = subprocess.run(
        [sys.executable, "-m", "console", "db", "stop"], env=env, cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert stop.returncode == 0, stop.stderr
    yield data_dir
    server = EmbeddedServer(data_dir)
    if server.is_running():
        server.stop(force=True)
    shutil.rmtree(data_dir, ignore_errors=True)


def test_first_start_leaves_a_migrated_database_with_demo_data(initialised_dir: Path) -> None:
    env = console_env(initialised_dir)
    result = subprocess.run(
        [sys.executable, "-m", "console", "--json", "migrate", "current"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stderr
    assert {state["state"] for state in json.loads(result.stdout)} == {"at head"}
    # The command started the server for itself and stopped it when done.
    server = EmbeddedServer(initialised_dir)
    assert not server.is_running()
    server.acquire()
    try:
        with Database(ConnectionSettings(url=server.url())) as database, database.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM heroes.archetypes")).scalar() >= 6
            assert connection.execute(text("SELECT count(*) FROM gacha.users")).scalar() > 0
            assert connection.execute(text("SELECT count(*) FROM pg_extension WHERE extname = 'vector'")).scalar() == 1
    finally:
        server.release()


def test_each_role_logs_in_as_its_own_login(initialised_dir: Path) -> None:
    """The embedded server enforces the role asked for: the console logs in as its login."""

    def console(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "console", *args],
            env=console_env(initialised_dir),
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            stdin=subprocess.DEVNULL,
        )

    who = "SELECT session_user, (SELECT rolsuper FROM pg_roles WHERE rolname = session_user)"
    for role in ("admin", "developer", "support"):
        result = console("--role", role, "export", "--query", who)
        assert result.returncode == 0, result.stderr
        assert result.stdout.splitlines()[1] == f"console_{role}_login,false"
    refused = console("--role", "support", "export", "--query", "SELECT count(*) FROM stories.nodes")
    assert refused.returncode == 2 and "permission denied for schema stories" in refused.stderr, refused.stderr
    refused = console("--role", "developer", "export", "--query", "SELECT hashed_password FROM accounts.users")
    assert refused.returncode == 2 and "permission denied for table users" in refused.stderr, refused.stderr
    assert console("--role", "support", "grant", "1", "5", "quartzs", "--reason", "ticket").returncode == 0


class Terminal:
    """`console` running in a pseudo-terminal, as a user starts it."""

    def __init__(self, data_dir: Path, command: list[str] | None = None) -> None:
        self.master, slave = pty.openpty()
        self.process = subprocess.Popen(
            command or [sys.executable, "-m", "console"],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=console_env(data_dir),
            cwd=ROOT,
            start_new_session=True,
        )
        os.close(slave)
        self.screen = b""

    def read_until(self, needle: bytes, seconds: float = 60) -> bool:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if needle in self.screen:
                return True
            ready, _, _ = select.select([self.master], [], [], 0.2)
            if ready:
                try:
                    self.screen += os.read(self.master, 65536)
                except OSError:
                    return needle in self.screen
        return needle in self.screen

    def wait(self, seconds: float = 30) -> int:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.read_until(b"\0", 0.2)  # keep draining so the app never blocks on output
            code = self.process.poll()
            if code is not None:
                return code
        self.process.kill()
        raise AssertionError("console did not exit")

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        os.close(self.master)


@pytest.fixture
def terminal(initialised_dir: Path) -> Iterator[Terminal]:
    term = Terminal(initialised_dir)
    yield term
    term.close()
    server = EmbeddedServer(initialised_dir)
    if server.is_running():
        server.stop(force=True)


@pytest.mark.parametrize("how", ["q", "SIGTERM", "SIGHUP"])
def test_the_console_stops_the_server_it_started(initialised_dir: Path, terminal: Terminal, how: str) -> None:
    server = EmbeddedServer(initialised_dir)
    assert terminal.read_until(b"at head"), terminal.screen[-2000:]
    assert server.is_running()
    # Idle: nothing drawn for a while and no key pressed, so nothing else wakes the app's
    # event loop; a signal must do it by itself.
    terminal.read_until(b"\0", 2.0)
    if how == "q":
        os.write(terminal.master, b"q")
    else:
        terminal.process.send_signal(getattr(signal, how))
    terminal.wait(seconds=10)
    assert not server.is_running()
    assert b"Traceback" not in terminal.screen

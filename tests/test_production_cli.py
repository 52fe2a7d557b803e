"""On a production profile every write of the command line asks the same way: a reason,
and the database name typed at a terminal (or --yes when no terminal is attached).

Each write path runs three times against a real database: without a reason, with a
reason but no confirmation, then confirmed; only the last writes, and its audit row
carries the reason.
"""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import URL

from data.engine import ConnectionSettings, Database
from tests.conftest import ROOT, run_console, run_console_here, socket_url


@pytest.fixture
def prod_config(database_url: URL, tmp_path: Path) -> Path:
    config = tmp_path / "config.toml"
    config.write_text(f'[profiles.prod]\nurl = "{socket_url(database_url)}"\nproduction = true\n')
    return config


def audit(database_url: URL, action_like: str) -> list[tuple[str, str | None]]:
    with Database(ConnectionSettings(url=database_url)) as database, database.connect() as connection:
        return [
            tuple(row)
            for row in connection.execute(
                text("SELECT action, reason FROM console.audit_log WHERE action LIKE :like ORDER BY id"),
                {"like": action_like},
            )
        ]


WRITES = [
    (["grant", "7", "5", "quartzs"], "grant%"),
    (["giftcode", "create", "PRODCODE", "--reward", "quartzs:5"], "giftcode-create"),
    (["giftcode", "deactivate", "PRODCODE"], "giftcode-deactivate"),
    (["redeem", "PRODCODE", "7"], "redeem%"),
    (["migrate", "downgrade", "gacha@-1"], "migrate-downgrade"),
    (["migrate", "upgrade", "gacha@head"], "migrate-upgrade"),
]


def test_every_write_asks_a_reason_and_a_confirmation(
    prod_config: Path, database_url: URL, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["--config", str(prod_config), "--profile", "prod"]
    # The redeem needs a live code: create one outside the ordered paths first.
    for args, action in WRITES:
        if args[0] == "redeem":
            made = run_console(
                *base, "giftcode", "create", "LIVECODE", "--reward", "quartzs:5", "--reason", "setup", "--yes"
            )
            assert made.returncode == 0, made.stderr
            args = ["redeem", "LIVECODE", "7"]
        before = audit(database_url, action)
        # The refusals in this process; the confirmed write as a user runs it.
        no_reason = run_console_here(capsys, *base, *args)
        assert no_reason.returncode == 1, (args, no_reason.stderr)
        assert "needs --reason" in no_reason.stderr and "nothing was done" in no_reason.stderr
        no_yes = run_console_here(capsys, *base, *args, "--reason", "ticket 42")
        assert no_yes.returncode == 1 and "pass --yes" in no_yes.stderr, (args, no_yes.stderr)
        assert audit(database_url, action) == before, args
        done = run_console(*base, *args, "--reason", "ticket 42", "--yes")
        assert done.returncode == 0, (args, done.stderr)
        after = audit(database_url, action)
        assert len(after) > len(before), args
        if args[0] != "redeem":  # a redemption's reason names its code
            assert after[-1][1] == "ticket 42", (args, after[-1])


def test_reading_needs_no_confirmation(prod_config: Path) -> None:
    listed = run_console("--config", str(prod_config), "--profile", "prod", "giftcode", "list")
    assert listed.returncode == 0, listed.stderr


def test_demo_data_is_refused_on_production(prod_config: Path) -> None:
    refused = run_console("--config", str(prod_config), "--profile", "prod", "demo")
    assert refused.returncode != 0 and "production" in refused.stderr


def run_in_terminal(args: list[str], answers: list[str], timeout: float = 60) -> tuple[int, str]:
    """Run `console ARGS` on a pseudo-terminal, answering each prompt in turn."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: the console, attached to the terminal
        os.chdir(ROOT)
        os.execv(sys.executable, [sys.executable, "-m", "console", *args])
    seen, pending = b"", list(answers)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
            if pending and seen.rstrip().endswith(b":"):
                os.write(fd, pending.pop(0).encode() + b"\n")
        finished, status = os.waitpid(pid, os.WNOHANG)
        if finished:
            break
    else:
        os.kill(pid, 9)
        raise AssertionError(f"no end in time: {seen!r}")
    _, status = os.waitpid(pid, 0) if not finished else (pid, status)
    return os.waitstatus_to_exitcode(status), seen.decode(errors="replace")


def test_at_a_terminal_the_database_name_must_be_typed(prod_config: Path, database_url: URL) -> None:
    base = ["--config", str(prod_config), "--profile", "prod", "grant", "7", "5", "quartzs"]
    code, shown = run_in_terminal(base, ["a refund", "wrong_name"])
    assert code == 1 and "not confirmed" in shown, shown
    assert audit(database_url, "grant%") == []
    code, shown = run_in_terminal(base, ["a refund", database_url.database])
    assert code == 0 and "granted 5 quartzs" in shown, shown
    assert audit(database_url, "grant%")[-1][1] == "a refund"


def test_the_flags_are_in_the_help() -> None:
    shown = subprocess.run(
        [sys.executable, "-m", "console", "redeem", "--help"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
    ).stdout
    assert "--reason" in shown and "--yes" in shown

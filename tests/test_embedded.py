"""The embedded server's lifecycle: start on demand, reuse, stop when the last console leaves,
recover from a console killed with SIGKILL, and never touch permissions outside its data dir."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psycopg
import pytest

from console.embedded import EmbeddedServer, EmbeddedServerError, ServerAccount
from tests.conftest import short_temp_dir


@pytest.fixture
def data_dir() -> Path:
    path = short_temp_dir("cpl-")
    yield path
    server = EmbeddedServer(path, durable=False)
    if server.is_running():
        server.stop(force=True)
    shutil.rmtree(path, ignore_errors=True)


def _holder(data_dir: Path) -> subprocess.Popen[str]:
    """Another process that acquires the server the way the console does, then waits."""
    script = textwrap.dedent(
        f"""
        import sys, time
        from pathlib import Path
        from console.connect import released_on_signals
        from console.embedded import EmbeddedServer
        server = EmbeddedServer(Path({str(data_dir)!r}), durable=False)
        server.acquire()
        with released_on_signals(server):
            print("ready", flush=True)
            time.sleep(120)
        """
    )
    process = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, cwd=Path(__file__).parents[1]
    )
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "ready"
    return process


def _wait_stopped(server: EmbeddedServer, seconds: float = 15) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not server.is_running():
            return True
        time.sleep(0.1)
    return False


def _alive(pid: int) -> bool:
    """The process runs (an exited one whose parent has not reaped it is a zombie: not alive)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_a_killed_test_run_leaves_no_server_behind() -> None:
    """A process holding a test server (tests/conftest.throwaway_server) is killed with
    SIGKILL, so no teardown of its runs: its watchdog stops the server and removes the
    directory."""
    script = textwrap.dedent(
        """
        import time
        from tests.conftest import throwaway_server
        with throwaway_server("cpw-") as server:
            print(server.data_dir, flush=True)
            time.sleep(120)
        """
    )
    process = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, cwd=Path(__file__).parents[1]
    )
    assert process.stdout is not None
    printed = process.stdout.readline().strip()
    if not printed.startswith("/tmp/cpw-"):  # before any cleanup below could touch another path
        process.kill()
        pytest.fail(f"the process holding the server printed {printed!r}")
    data_dir = Path(printed)
    server = EmbeddedServer(data_dir, durable=False)
    try:
        postmaster = server._postmaster_pid()
        assert postmaster is not None and server.is_running()
        process.kill()
        process.wait(15)
        deadline = time.monotonic() + 30
        while data_dir.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not data_dir.exists()
        assert not _alive(postmaster)
    finally:
        process.kill()
        if data_dir.exists():
            if server.is_running():
                server.stop(force=True)
            shutil.rmtree(data_dir, ignore_errors=True)


def test_first_acquire_initialises_and_release_stops(data_dir: Path) -> None:
    server = EmbeddedServer(data_dir, durable=False)
    assert server.acquire() is True
    with psycopg.connect(host=str(server.cluster), user="postgres", dbname="postgres") as connection:
        assert connection.execute("SHOW server_version").fetchone()[0].startswith("18.")
        # pg_stat_statements is preloaded, and no TCP port is open.
        assert "pg_stat_statements" in connection.execute("SHOW shared_preload_libraries").fetchone()[0]
        assert connection.execute("SHOW listen_addresses").fetchone()[0] == ""
    assert server.release() is True
    assert not server.is_running()
    # Later starts reuse the cluster.
    assert server.acquire() is False
    assert server.release() is True


def test_server_stays_up_while_another_console_uses_it(data_dir: Path) -> None:
    holder = _holder(data_dir)
    try:
        server = EmbeddedServer(data_dir, durable=False)
        assert server.acquire() is False
        assert server.release() is False, "the other console still uses it"
        assert server.is_running()
    finally:
        holder.terminate()
        holder.wait(15)
    assert _wait_stopped(EmbeddedServer(data_dir, durable=False))


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_signals_stop_the_server_the_console_started(data_dir: Path, signum: int) -> None:
    holder = _holder(data_dir)
    server = EmbeddedServer(data_dir, durable=False)
    assert server.is_running()
    holder.send_signal(signum)
    assert holder.wait(15) == 128 + signum
    assert _wait_stopped(server)


def test_recovers_after_the_console_was_killed(data_dir: Path) -> None:
    holder = _holder(data_dir)
    server = EmbeddedServer(data_dir, durable=False)
    holder.kill()
    holder.wait(15)
    # The server is orphaned and the record names a dead client.
    assert server.is_running()
    assert server.status().clients == ()
    # The next console adopts it and, being the last to leave, stops it.
    assert server.acquire() is False
    assert server.release() is True
    assert not server.is_running()


def test_recovers_after_server_and_console_were_killed(data_dir: Path) -> None:
    holder = _holder(data_dir)
    server = EmbeddedServer(data_dir, durable=False)
    postmaster = server.status().pid
    assert postmaster is not None
    holder.kill()
    holder.wait(15)
    os.kill(postmaster, signal.SIGKILL)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and Path(f"/proc/{postmaster}").exists():
        time.sleep(0.05)
    # Stale postmaster.pid and a dead client in the record: start cleanly all the same.
    assert (server.cluster / "postmaster.pid").exists()
    server.acquire()
    with psycopg.connect(host=str(server.cluster), user="postgres", dbname="postgres") as connection:
        assert connection.execute("SELECT 1").fetchone() == (1,)
    assert server.release() is True


def test_db_start_keeps_running_until_db_stop(data_dir: Path) -> None:
    server = EmbeddedServer(data_dir, durable=False)
    server.start()
    server.acquire()
    assert server.release() is False, "a server started by `db start` outlives the consoles"
    assert server.status().started_by == "manual"
    assert server.stop() is True
    assert not server.is_running()


def test_db_stop_refuses_while_in_use(data_dir: Path) -> None:
    server = EmbeddedServer(data_dir, durable=False)
    server.acquire()
    with pytest.raises(EmbeddedServerError, match="in use"):
        server.stop()
    assert server.stop(force=True) is True


def test_db_stop_refuses_while_anyone_is_connected(data_dir: Path) -> None:
    """A console on a URL profile, or psql, is not a recorded client; the server knows it."""
    server = EmbeddedServer(data_dir, durable=False)
    server.start()
    try:
        with psycopg.connect(host=str(server.cluster), user="postgres", dbname="postgres", application_name="psql"):
            with pytest.raises(EmbeddedServerError, match=r"in use by 1 connection\(s\) \(psql\); use --force"):
                server.stop()
            assert server.is_running()
        assert server.stop() is True  # nobody left (a backend that is just leaving is waited for)
    finally:
        server.stop(force=True)


def test_runs_unprivileged_and_changes_no_outside_permission(data_dir: Path) -> None:
    nested = data_dir / "outer" / "inner"
    outer = data_dir / "outer"
    data_dir.chmod(0o755)  # mkdtemp makes it 700: the server account must pass through
    outer.mkdir(mode=0o711)
    before = {path: path.stat().st_mode for path in (Path("/"), Path("/tmp"), data_dir, outer)}
    site_packages = Path(psycopg.__file__).parents[1]
    before[site_packages] = site_packages.stat().st_mode
    server = EmbeddedServer(nested, durable=False)
    server.acquire()
    try:
        account = ServerAccount.for_current_user()
        assert account.uid != 0
        assert server.cluster.stat().st_uid == account.uid
        assert server.cluster.stat().st_mode & 0o777 == 0o700
        postmaster = server.status().pid
        assert os.stat(f"/proc/{postmaster}").st_uid == account.uid
    finally:
        server.release()
    assert {path: path.stat().st_mode for path in before} == before


def test_refuses_a_data_dir_the_server_account_cannot_reach(data_dir: Path) -> None:
    closed = data_dir / "closed"
    closed.mkdir(mode=0o700)
    server = EmbeddedServer(closed / "console", durable=False)
    # The account root hands the server to; set explicitly so the check runs for any user.
    server.account = ServerAccount("nobody", 65534, 65534)
    with pytest.raises(EmbeddedServerError, match="closed to the server account 'nobody'"):
        server.acquire()
    assert closed.stat().st_mode & 0o777 == 0o700
    assert not server.initialised


def test_too_long_a_path_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(EmbeddedServerError, match="too long"):
        EmbeddedServer(tmp_path / ("x" * 120))

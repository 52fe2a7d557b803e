"""A real PgBouncer (Debian's package `pgbouncer`) in transaction mode, on a Unix socket of
its own in front of an embedded server, for the tests that go through one.

It runs as the account the embedded server runs as (PgBouncer refuses root, and the
server's socket is that account's alone), listens on no TCP port, and trusts the logins
the embedded server has; its files live in a directory of the test's own.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy.engine import URL

from console.embedded import PORT, SUPERUSER, EmbeddedServer
from data.roles import Role

LISTEN_PORT = 6432
MISSING = (
    "PgBouncer is not installed, so the tests through it did not run: install Debian's "
    "package (apt-get install pgbouncer), as .ci/run does"
)


def pgbouncer_binary() -> Path | None:
    found = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
    return Path(found) if os.access(found, os.X_OK) else None


class PgBouncer:
    """One PgBouncer process. `settings` are added to its [pgbouncer] section as they are
    (`ignore_startup_parameters="options"`, `default_pool_size=1`...)."""

    def __init__(self, server: EmbeddedServer, directory: Path, **settings: str | int) -> None:
        self.server = server
        self.directory = directory
        self.settings = settings
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> PgBouncer:
        binary = pgbouncer_binary()
        if binary is None:
            pytest.skip(MISSING)
        self.directory.mkdir(parents=True, exist_ok=True)
        users = [SUPERUSER, *(role.login for role in Role)]
        (self.directory / "users.txt").write_text("".join(f'"{user}" ""\n' for user in users))
        lines = [
            "[databases]",
            f"* = host={self.server.cluster} port={PORT}",
            "[pgbouncer]",
            f"unix_socket_dir = {self.directory}",
            f"listen_port = {LISTEN_PORT}",
            "auth_type = trust",
            f"auth_file = {self.directory / 'users.txt'}",
            "pool_mode = transaction",
            f"logfile = {self.directory / 'pgbouncer.log'}",
            *(f"{name} = {value}" for name, value in self.settings.items()),
        ]
        config = self.directory / "pgbouncer.ini"
        config.write_text("\n".join(lines) + "\n")
        account = self.server.account
        if not account.is_us:
            for path in (self.directory, *self.directory.iterdir()):
                os.chown(path, account.uid, account.gid)
        switch = {} if account.is_us else {"user": account.uid, "group": account.gid, "extra_groups": []}
        self.process = subprocess.Popen(
            [str(binary), str(config)],
            stdin=subprocess.DEVNULL,  # noqa: S603
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd="/",
            **switch,
        )
        socket = self.directory / f".s.PGSQL.{LISTEN_PORT}"
        deadline = time.monotonic() + 10
        while not socket.exists():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"PgBouncer did not start: {self.log().strip().splitlines()[-1:] or 'no log'}")
            time.sleep(0.02)
        return self

    def url(self, database: str, role: Role = Role.ADMIN) -> URL:
        """The URL of `database` through this PgBouncer, as `role`'s embedded login."""
        return URL.create(
            "postgresql+psycopg",
            username=role.login,
            database=database,
            query={"host": str(self.directory), "port": str(LISTEN_PORT)},
        )

    def client(self, database: str, role: Role = Role.ADMIN, **options: Any) -> psycopg.Connection[Any]:
        """A plain psycopg connection through this PgBouncer, as another program would open
        one: no server-side prepared statements, which transaction pooling cannot keep."""
        url = self.url(database, role)
        return psycopg.connect(
            host=url.query["host"],
            port=url.query["port"],
            user=url.username,
            dbname=url.database,
            prepare_threshold=None,
            **options,
        )

    def log(self) -> str:
        path = self.directory / "pgbouncer.log"
        return path.read_text() if path.exists() else ""

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

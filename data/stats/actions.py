"""Cancel a backend's query or terminate the backend: admin only, one audit row each."""

from __future__ import annotations

from sqlalchemy import text

from data import inputs
from data.audit import AuditEntry, write_audit
from data.engine import Database

_TARGET = text(
    """
    SELECT a.pid, a.query, a.state, a.application_name, a.pid = pg_backend_pid() AS ours
      FROM pg_stat_activity a
     WHERE a.pid = :pid
    """
)


def cancel_backend(database: Database, pid: int, reason: str | None = None) -> bool:
    """Cancel the query a backend is running (pg_cancel_backend), with an audit row.

    Returns:
        True when the signal was sent; False when no such backend exists or the server
        would not signal it (then nothing is audited).

    Raises:
        PermissionError: the role is not admin, or the connection is read-only.
        ValueError: the pid is the connection's own backend.
    """
    return _signal(database, pid, reason, "cancel")


def terminate_backend(database: Database, pid: int, reason: str | None = None) -> bool:
    """Terminate a backend (pg_terminate_backend), with an audit row.

    Returns and raises as `cancel_backend`.
    """
    return _signal(database, pid, reason, "terminate")


def _signal(database: Database, pid: int, reason: str | None, verb: str) -> bool:
    inputs.row_id(pid, "the backend's pid")
    settings = database.settings
    if not settings.role.can_cancel_backends:
        raise PermissionError(f"the {settings.role.value} role cannot {verb} backends: admin only")
    if settings.read_only:
        raise PermissionError(f"this connection is read-only: backends cannot be {verb}ed")
    with database.engine.connect() as connection:
        with connection.begin() as transaction:
            target = connection.execute(_TARGET, {"pid": pid}).one_or_none()
            if target is None:
                return False
            if target.ours:
                raise ValueError(f"backend {pid} is the console's own connection")
            # The audit row is written first: the signal cannot be taken back, the row can.
            write_audit(
                connection,
                settings,
                AuditEntry(
                    f"{verb}-backend",
                    "pg_catalog",
                    "pg_stat_activity",
                    key={"pid": pid},
                    before={"query": target.query, "state": target.state, "application_name": target.application_name},
                    after={"signal": verb},
                    reason=reason,
                ),
            )
            function = "pg_cancel_backend" if verb == "cancel" else "pg_terminate_backend"
            sent = bool(connection.execute(text(f"SELECT {function}(:pid)"), {"pid": pid}).scalar_one())
            if not sent:
                transaction.rollback()
            return sent

"""A connection pooler in transaction mode (PgBouncer and its kind) between the console
and the server: how the console finds out that one is there, and what it then does.

Such a pooler hands each transaction whichever server session is free, so nothing may
rely on the session: the startup options that set statement_timeout and the read-only
default are refused (PgBouncer's default: "unsupported startup parameter: options") or
dropped on the way (its `ignore_startup_parameters = options`). Behind one, the console
opens no session state at all: each transaction sets the timeout itself (SET LOCAL, sent
with its BEGIN where the console sends the BEGIN) and read-only ones begin READ ONLY
(data.engine), a server-side cursor lives inside its transaction, and typed SQL ends in
ROLLBACK, so a `set_config(..., false)` it ran never reaches the next client of that
server session.
"""

from __future__ import annotations

PGBOUNCER = "pgbouncer"
"""A profile's `pooler = "pgbouncer"`, or PgBouncer recognised by its refusal."""
UNNAMED = "unnamed"
"""A pooler found because the session's startup options did not arrive."""
NAMES = {PGBOUNCER: "PgBouncer", UNNAMED: "a connection pooler"}


def refuses_startup_options(error: BaseException) -> bool:
    """True for PgBouncer's refusal of a connection that sends startup options."""
    return "unsupported startup parameter" in str(error)


def options_dropped(session_timeout_ms: int, wanted_ms: int) -> bool:
    """True when the session's timeout is not the one the startup options asked for: a
    pooler dropped them (a role's or database's own setting cannot win over them)."""
    return session_timeout_ms != wanted_ms


def describe(pooler: str) -> str:
    """The home screen's Pooler line."""
    return f"{NAMES.get(pooler, pooler)} (transaction pooling): timeout and read-only set in every transaction"

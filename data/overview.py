"""What the home screen says about a connection: the server, who we are, and our schemas.

Everything comes from a handful of catalog queries in one read transaction, sent together. Row counts are
the planner's estimates (pg_class.reltuples), never COUNT(*), so the overview stays instant
on tables of any size.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from data.base import CONSOLE_SCHEMA, SYSTEM_SCHEMAS
from data.engine import Database
from data.login import LOGIN, LOGIN_PARAMETERS, Login, login_of
from data.migrate.state import APPLIED_REVISIONS, SchemaState, revision_graph, states_of
from data.roles import Role
from data.url import DatabaseURL

DEFAULT_PORT = 5432

# Tables with storage ('r', partitions included) carry the row estimates; top-level tables
# ('r' and partitioned 'p', partitions excluded) are what a user counts as "tables".
# reltuples is -1 until the table is first vacuumed or analysed: its size is unknown.
_SCHEMA_STATS = """
    SELECT n.nspname AS schema,
           count(c.oid) FILTER (WHERE NOT c.relispartition) AS tables,
           sum(c.reltuples::bigint) FILTER (WHERE c.relkind = 'r' AND c.reltuples >= 0) AS rows,
           count(c.oid) FILTER (WHERE c.relkind = 'r' AND c.reltuples < 0) AS unanalysed
      FROM pg_namespace n
      LEFT JOIN pg_class c ON c.relnamespace = n.oid AND c.relkind IN ('r', 'p')
     WHERE n.nspname = ANY ($1)
     GROUP BY n.nspname
"""

_SERVER_FACTS = """
    SELECT current_setting('server_version') AS version,
           current_database() AS database,
           session_user AS connected_user,
           current_setting('transaction_read_only') = 'on' AS read_only,
           pg_is_in_recovery() AS in_recovery,
           extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8 AS replayed_ago,
           (SELECT count(*) FROM pg_stat_replication)::int AS standbys,
           (SELECT setting::int FROM pg_settings WHERE name = 'statement_timeout') AS session_timeout_ms
"""


@dataclass(frozen=True)
class SchemaSummary:
    """One of our schemas as the catalog and the migration history see it."""

    schema: str
    """Our name for the schema (the models' name)."""
    real_schema: str
    """The schema the tables really live in (differs when the profile maps it)."""
    exists: bool
    tables: int
    """Tables, partitioned tables counted once."""
    estimated_rows: int | None
    """Sum of the catalog's row estimates; None when no table has one yet."""
    rows_complete: bool
    """False when some table was never analysed, so estimated_rows is a lower bound."""
    migration_state: str | None
    """'at head', 'behind', 'missing' or 'unknown'; None when the schema has no branch."""
    revision: str | None
    """The revision applied in the database."""
    head: str | None
    """The head revision of the schema's branch in the code."""


@dataclass(frozen=True)
class ServerOverview:
    """The server, the connection and our schemas, as shown on the home screen."""

    server: str
    """Where the server is, as the user would name it (host or socket directory, port)."""
    version: str
    database: str
    user: str
    """The database user the console is connected as (current_user)."""
    role: Role
    login: Login
    """The login's own rights, which are what the server enforces."""
    profile: str
    read_only: bool
    """True when the server itself says transactions are read-only."""
    production: bool
    schemas: tuple[SchemaSummary, ...]
    session_timeout_ms: int
    """The session's statement_timeout: the profile's, unless a pooler dropped the startup
    options that set it (data.pooler.options_dropped)."""
    in_recovery: bool = False
    """The server is a hot standby (a read replica)."""
    replayed_ago: float | None = None
    """On a standby: seconds since the last transaction it replayed was committed on the
    primary (its lag, while the primary is busy); None on a primary."""
    standbys: int = 0
    """On a primary: the standbys streaming from it (pg_stat_replication)."""
    pooler: str | None = None
    """The connection pooler in transaction mode between us and the server (data.pooler)."""


def server_overview(database: Database) -> ServerOverview:
    """Describe the server and our schemas: four reads in one transaction and one round trip.
    The connection's check reads it too (console.connect): the start's one round trip.

    Raises:
        sqlalchemy.exc.OperationalError: the server cannot be reached.
        sqlalchemy.exc.DBAPIError: a catalog query failed (a statement timeout, say).
    """
    settings = database.settings
    ours = (*SYSTEM_SCHEMAS, CONSOLE_SCHEMA)
    real = {schema: settings.schema_map.get(schema, schema) for schema in ours}
    facts, login, stats, applied = database.read_in_one_round_trip(
        (_SERVER_FACTS, ()),
        (LOGIN, LOGIN_PARAMETERS),
        (_SCHEMA_STATS, (sorted(set(real.values())),)),
        (APPLIED_REVISIONS, ()),  # last: the table is missing in a database never migrated
    )
    assert facts is not None and login is not None and stats is not None  # catalog reads: never missing
    by_schema = {row.schema: row for row in stats}
    states = {
        state.schema: state for state in states_of(tuple(row.version_num for row in applied or ()), revision_graph())
    }
    schemas = tuple(_summary(schema, real[schema], by_schema.get(real[schema]), states.get(schema)) for schema in ours)
    return ServerOverview(
        server=server_address(settings.url),
        version=facts[0].version,
        database=facts[0].database,
        user=facts[0].connected_user,
        role=settings.role,
        login=login_of(login[0]),
        profile=settings.profile_name,
        read_only=bool(facts[0].read_only),
        production=settings.production,
        pooler=settings.pooler,
        schemas=schemas,
        in_recovery=bool(facts[0].in_recovery),
        replayed_ago=facts[0].replayed_ago,
        standbys=facts[0].standbys,
        session_timeout_ms=facts[0].session_timeout_ms,
    )


def server_address(url: DatabaseURL) -> str:
    """The server's address as a user names it: host:port, or the socket directory and port.

    Never includes the user or the password. A libpq `host` query parameter (how a Unix
    socket directory is passed) wins over the URL's host, as it does in libpq.
    """
    query_host = url.query.get("host")
    host = query_host if isinstance(query_host, str) else (url.host or "")
    query_port = url.query.get("port")
    port = url.port or (int(query_port) if isinstance(query_port, str) else DEFAULT_PORT)
    if not host or host.startswith("/"):
        # libpq's default socket directory when no host is given at all.
        return f"{host or '/var/run/postgresql'} (Unix socket, port {port})"
    return f"{host}:{port}"


def _summary(
    schema: str,
    real_schema: str,
    stats: Any | None,
    state: SchemaState | None,
) -> SchemaSummary:
    tables = stats.tables if stats else 0
    unanalysed = stats.unanalysed if stats else 0
    rows = stats.rows if stats else None
    if rows is None and unanalysed == 0:
        rows = 0  # no table with storage at all: nothing to estimate
    return SchemaSummary(
        schema=schema,
        real_schema=real_schema,
        exists=stats is not None,
        tables=tables,
        estimated_rows=None if rows is None else int(rows),
        rows_complete=unanalysed == 0,
        migration_state=state.state if state else None,
        revision=state.current if state else None,
        head=state.head if state else None,
    )

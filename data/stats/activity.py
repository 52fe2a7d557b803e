"""The server's activity in one snapshot: the database's counters, every backend and who
blocks whom, the top statements, the largest tables and the indexes worth a look.

One refresh is one pooled connection, one READ ONLY transaction and at most six cheap
catalog queries (SNAPSHOT_QUERIES). Ages are computed on the server (clock_timestamp()),
so a slow client clock or a slow network never distorts them. PostgreSQL 13 and newer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, text

from data.engine import Database
from data.stats.pool import PoolStats, monitor_pool

SNAPSHOT_QUERIES = 6
"""The most queries one snapshot sends."""
TOP = 10
STATEMENT_ORDERS = {"total": "total_ms", "mean": "mean_ms", "calls": "calls", "rows": "rows"}
STATEMENTS_HINT = (
    "pg_stat_statements is not available in this database: run CREATE EXTENSION pg_stat_statements; "
    "it needs shared_preload_libraries = 'pg_stat_statements' in postgresql.conf and a server restart"
)

# Query 1: the server, the current database's counters, and whether pg_stat_statements is usable.
_FACTS = text(
    """
    SELECT clock_timestamp() AS started,
           current_setting('server_version') AS version,
           current_setting('server_version_num')::int AS version_num,
           d.datname AS database, d.numbackends, d.xact_commit, d.xact_rollback,
           d.blks_read, d.blks_hit, d.temp_files, d.temp_bytes, d.deadlocks, d.conflicts,
           d.stats_reset,
           (SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
             WHERE e.extname = 'pg_stat_statements') AS statements_schema,
           -- pg_settings, not current_setting(): a login without pg_read_all_settings gets
           -- no row (so NULL, "unknown") where current_setting() would fail the whole read.
           'pg_stat_statements' = ANY (string_to_array(replace(
               (SELECT setting FROM pg_settings WHERE name = 'shared_preload_libraries'), ' ', ''), ','))
             AS statements_loaded,
           EXISTS (SELECT 1 FROM pg_attribute a
                     JOIN pg_class c ON c.oid = a.attrelid AND c.relname = 'pg_stat_statements'
                     JOIN pg_extension e ON e.extnamespace = c.relnamespace AND e.extname = 'pg_stat_statements'
                    WHERE a.attname = 'total_exec_time' AND NOT a.attisdropped) AS exec_time_columns,
           -- Replication: on a standby how far behind it is; on a primary, its standbys
           -- (their positions are visible to pg_read_all_stats, which admin and developer hold).
           pg_is_in_recovery() AS in_recovery,
           extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8 AS replayed_ago,
           pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn())::float8 AS replay_behind,
           (SELECT json_agg(json_build_object(
                       'name', r.application_name, 'client', coalesce(host(r.client_addr), 'local socket'),
                       'state', r.state, 'replay_lag', extract(epoch FROM r.replay_lag)::float8,
                       'behind', pg_wal_lsn_diff(r.sent_lsn, r.replay_lsn)::float8)
                     ORDER BY r.application_name, r.pid)
              FROM pg_stat_replication r) AS standbys
      FROM pg_stat_database d
     WHERE d.datname = current_database()
    """
)

# Query 2: every backend but this one. pg_blocking_pids takes the lock manager's locks, so it
# is asked only of backends waiting on a heavyweight lock (the only ones it can name).
_ACTIVITY = text(
    """
    SELECT a.pid, a.datname AS database, a.usename AS user_name, a.application_name,
           host(a.client_addr) AS client_addr, a.client_port, a.backend_type, a.state,
           a.wait_event_type, a.wait_event, a.query,
           extract(epoch FROM clock_timestamp() - a.backend_start)::float8 AS backend_seconds,
           extract(epoch FROM clock_timestamp() - a.xact_start)::float8 AS xact_seconds,
           extract(epoch FROM clock_timestamp() - a.query_start)::float8 AS query_seconds,
           extract(epoch FROM clock_timestamp() - a.state_change)::float8 AS state_seconds,
           CASE WHEN a.wait_event_type = 'Lock' THEN pg_blocking_pids(a.pid) END AS blocked_by
      FROM pg_stat_activity a
     WHERE a.pid <> pg_backend_pid()
     ORDER BY a.pid
    """
)

# Query 4: the largest tables with their scan, write and maintenance counters. Ranked by the
# heap's size (one size lookup per table); the full size (indexes, TOAST) only for the top ones.
_TABLES = text(
    """
    WITH largest AS (
        SELECT s.*, pg_relation_size(s.relid) AS heap_bytes
          FROM pg_stat_user_tables s
         ORDER BY heap_bytes DESC, s.relid
         LIMIT :limit
    )
    SELECT s.schemaname AS schema, s.relname AS name, pg_total_relation_size(s.relid) AS total_bytes,
           s.seq_scan, s.idx_scan, s.n_tup_ins, s.n_tup_upd, s.n_tup_del, s.n_live_tup, s.n_dead_tup,
           s.last_vacuum, s.last_autovacuum, s.last_analyze, s.last_autoanalyze
      FROM largest s
     ORDER BY total_bytes DESC, s.relid
    """
)

# Query 5: indexes never scanned (that no constraint needs) and indexes that repeat another
# on the same table (same columns or expressions, operator classes, collations, order, predicate).
# Their sizes are the catalog's (relpages, as of the last CREATE INDEX, VACUUM or ANALYZE): an
# exact size would cost a file lookup per index, most of this query's time on 500 indexes.
_INDEXES = text(
    """
    WITH idx AS (
        SELECT s.indexrelid, s.schemaname, s.relname AS table_name, s.indexrelname AS index_name,
               s.idx_scan, i.indrelid, i.indisunique, i.indisprimary,
               ic.relpages::bigint * current_setting('block_size')::bigint AS bytes,
               c.conindid IS NOT NULL AS backs_constraint,
               concat_ws(' ', i.indkey::text, i.indclass::text, i.indcollation::text, i.indoption::text,
                         i.indexprs::text, i.indpred::text) AS signature
          FROM pg_stat_user_indexes s
          JOIN pg_index i ON i.indexrelid = s.indexrelid
          JOIN pg_class ic ON ic.oid = s.indexrelid
          LEFT JOIN (SELECT DISTINCT conindid FROM pg_constraint WHERE conindid <> 0) c ON c.conindid = s.indexrelid
    )
    SELECT 'unused' AS kind, schemaname AS schema, table_name, ARRAY[index_name::text] AS indexes,
           idx_scan AS scans, bytes
      FROM idx
     WHERE idx_scan = 0 AND NOT indisunique AND NOT indisprimary AND NOT backs_constraint
    UNION ALL
    SELECT 'duplicate', min(schemaname), min(table_name), array_agg(index_name::text ORDER BY index_name::text),
           sum(idx_scan)::bigint, sum(bytes)::bigint
      FROM idx
     GROUP BY indrelid, signature
    HAVING count(*) > 1
     ORDER BY kind, schema, table_name, indexes
    """
)

# Query 6: the end of the snapshot, on the server's clock.
_FINISHED = text("SELECT clock_timestamp() AS finished")


@dataclass(frozen=True)
class DatabaseStats:
    """pg_stat_database for the current database, with rates against the previous snapshot."""

    name: str
    backends: int
    commits: int
    rollbacks: int
    blocks_read: int
    blocks_hit: int
    temp_files: int
    temp_bytes: int
    deadlocks: int
    conflicts: int
    stats_reset: datetime | None
    commits_per_second: float | None
    """None on the first snapshot (no previous one to compare with)."""
    rollbacks_per_second: float | None

    @property
    def cache_hit_ratio(self) -> float | None:
        """Share of block reads found in shared buffers since the stats were reset."""
        total = self.blocks_hit + self.blocks_read
        return self.blocks_hit / total if total else None


@dataclass(frozen=True)
class Backend:
    """One row of pg_stat_activity. Ages are seconds on the server's clock."""

    pid: int
    database: str | None
    user: str | None
    application_name: str
    client_addr: str | None
    """The client's address; "local" for a Unix socket; None for a background process."""
    backend_type: str
    state: str | None
    """active, idle, idle in transaction, idle in transaction (aborted), ...; None for background processes."""
    wait_event_type: str | None
    wait_event: str | None
    query: str
    """The full text of the current (or last) query."""
    backend_seconds: float | None
    xact_seconds: float | None
    """Age of the open transaction; None outside one."""
    query_seconds: float | None
    state_seconds: float | None
    blocked_by: tuple[int, ...]
    """The pids holding the lock this backend waits for (pg_blocking_pids)."""

    @property
    def query_first_line(self) -> str:
        for line in self.query.splitlines():
            if line.strip():
                return line.strip()
        return ""

    @property
    def duration_seconds(self) -> float | None:
        """How long the backend has been in its state: the query's age when active, the
        transaction's when idle in one, else the time since the state changed."""
        if self.state == "active":
            return self.query_seconds
        if self.state and self.state.startswith("idle in transaction"):
            return self.xact_seconds
        return self.state_seconds


@dataclass(frozen=True)
class BlockingNode:
    """A backend in a blocking chain and the backends waiting on it."""

    pid: int
    backend: Backend | None
    """None when the blocker is not in the snapshot (this snapshot's own backend, say)."""
    blocked: tuple[BlockingNode, ...]


@dataclass(frozen=True)
class Statement:
    """One row of pg_stat_statements for the current database."""

    queryid: int | None
    query: str
    calls: int
    total_ms: float
    mean_ms: float
    rows: int
    shared_blks_hit: int
    shared_blks_read: int


@dataclass(frozen=True)
class TableUsage:
    schema: str
    name: str
    total_bytes: int
    """Table, indexes and TOAST."""
    seq_scan: int
    idx_scan: int | None
    inserted: int
    updated: int
    deleted: int
    live_tuples: int
    dead_tuples: int
    last_vacuum: datetime | None
    last_autovacuum: datetime | None
    last_analyze: datetime | None
    last_autoanalyze: datetime | None


@dataclass(frozen=True)
class IndexFinding:
    """An unused index, or a set of indexes that duplicate one another."""

    kind: str
    """'unused' or 'duplicate'."""
    schema: str
    table: str
    indexes: tuple[str, ...]
    scans: int
    bytes: int
    """Size per the catalog (pg_class.relpages): as of the last CREATE INDEX, VACUUM or ANALYZE."""


@dataclass(frozen=True)
class Standby:
    """A standby streaming from this server (pg_stat_replication)."""

    name: str
    client: str
    state: str
    replay_lag: float | None
    """Seconds the standby took to replay what was last flushed here (None until known)."""
    behind: float | None
    """Bytes sent to it and not replayed yet (None without pg_read_all_stats)."""


@dataclass(frozen=True)
class Replication:
    """This server's place in replication: a standby and how far behind, or its standbys."""

    in_recovery: bool = False
    replayed_ago: float | None = None
    """On a standby: seconds since the last replayed transaction was committed on the primary."""
    replay_behind: float | None = None
    """On a standby: bytes received and not replayed yet."""
    standbys: tuple[Standby, ...] = ()


@dataclass(frozen=True)
class Snapshot:
    """Everything one activity refresh saw."""

    taken_at: datetime
    """The server's clock when the snapshot began."""
    server_version: str
    server_version_num: int
    database: DatabaseStats
    backends: tuple[Backend, ...]
    statements: tuple[Statement, ...] | None
    """None when pg_stat_statements is not usable here (see statements_missing)."""
    statements_missing: str | None
    tables: tuple[TableUsage, ...]
    unused_indexes: tuple[IndexFinding, ...]
    duplicate_indexes: tuple[IndexFinding, ...]
    pool: PoolStats
    server_ms: float
    """Server time from the first query's start to the last's (clock_timestamp())."""
    queries: int
    """Queries the snapshot sent."""
    replication: Replication = Replication()

    @property
    def blocking(self) -> tuple[BlockingNode, ...]:
        return blocking_tree(self.backends)

    def by_state(self) -> dict[str, int]:
        """Client backends counted by state."""
        counts: dict[str, int] = {}
        for backend in self.backends:
            if backend.state is not None:
                counts[backend.state] = counts.get(backend.state, 0) + 1
        return counts


def snapshot(
    database: Database,
    *,
    previous: Snapshot | None = None,
    top: int = TOP,
    statements_by: str = "total",
) -> Snapshot:
    """Take one activity snapshot: one pooled connection, one READ ONLY transaction, at
    most SNAPSHOT_QUERIES queries.

    Args:
        previous: the last snapshot, for commits and rollbacks per second.
        top: how many statements and tables to return.
        statements_by: order of the top statements: total, mean, calls or rows.

    Raises:
        ValueError: an unknown statements_by.
        sqlalchemy.exc.DBAPIError: the server refused a query (a timeout, say).
    """
    if statements_by not in STATEMENT_ORDERS:
        raise ValueError(f"statements_by must be one of {', '.join(STATEMENT_ORDERS)}, not {statements_by!r}")
    monitor = monitor_pool(database)
    queries = 0
    with database.engine.connect() as connection:
        connection = connection.execution_options(postgresql_readonly=True)
        with connection.begin():
            facts = connection.execute(_FACTS).one()
            backend_rows = connection.execute(_ACTIVITY).all()
            queries += 2
            statements = None
            missing: str | None = STATEMENTS_HINT
            if facts.statements_schema is not None and facts.statements_loaded:
                statements = _statements(connection, facts, top, statements_by)
                missing = None
                queries += 1
            table_rows = connection.execute(_TABLES, {"limit": top}).all()
            index_rows = connection.execute(_INDEXES).all()
            finished = connection.execute(_FINISHED).scalar_one()
            queries += 3
    findings = [_finding(row) for row in index_rows]
    return Snapshot(
        taken_at=facts.started,
        server_version=facts.version,
        server_version_num=facts.version_num,
        database=_database_stats(facts, previous),
        backends=tuple(_backend(row) for row in backend_rows),
        statements=statements,
        statements_missing=missing,
        tables=tuple(_table(row) for row in table_rows),
        unused_indexes=tuple(f for f in findings if f.kind == "unused"),
        duplicate_indexes=tuple(f for f in findings if f.kind == "duplicate"),
        pool=monitor.sample(),
        server_ms=(finished - facts.started).total_seconds() * 1000,
        queries=queries,
        replication=Replication(
            in_recovery=bool(facts.in_recovery),
            replayed_ago=facts.replayed_ago,
            replay_behind=facts.replay_behind,
            standbys=tuple(
                Standby(s["name"], s["client"], s["state"], s["replay_lag"], s["behind"]) for s in facts.standbys or ()
            ),
        ),
    )


def _statements(connection: Connection, facts: Any, top: int, order: str) -> tuple[Statement, ...]:
    schema = connection.dialect.identifier_preparer.quote(facts.statements_schema)
    total, mean = ("total_exec_time", "mean_exec_time") if facts.exec_time_columns else ("total_time", "mean_time")
    rows = connection.execute(
        text(
            f"""
            SELECT s.queryid, s.query, s.calls, s.{total} AS total_ms, s.{mean} AS mean_ms, s.rows,
                   s.shared_blks_hit, s.shared_blks_read
              FROM {schema}.pg_stat_statements s
             WHERE s.dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
             ORDER BY {STATEMENT_ORDERS[order]} DESC
             LIMIT :limit
            """
        ),
        {"limit": top},
    )
    return tuple(
        Statement(
            queryid=r.queryid,
            query=r.query or "",
            calls=r.calls,
            total_ms=float(r.total_ms),
            mean_ms=float(r.mean_ms),
            rows=r.rows,
            shared_blks_hit=r.shared_blks_hit,
            shared_blks_read=r.shared_blks_read,
        )
        for r in rows
    )


def _database_stats(facts: Any, previous: Snapshot | None) -> DatabaseStats:
    commits_rate = rollbacks_rate = None
    if previous is not None and previous.database.name == facts.database:
        elapsed = (facts.started - previous.taken_at).total_seconds()
        if elapsed > 0:
            commits_rate = max(0, facts.xact_commit - previous.database.commits) / elapsed
            rollbacks_rate = max(0, facts.xact_rollback - previous.database.rollbacks) / elapsed
    return DatabaseStats(
        name=facts.database,
        backends=facts.numbackends,
        commits=facts.xact_commit,
        rollbacks=facts.xact_rollback,
        blocks_read=facts.blks_read,
        blocks_hit=facts.blks_hit,
        temp_files=facts.temp_files,
        temp_bytes=facts.temp_bytes,
        deadlocks=facts.deadlocks,
        conflicts=facts.conflicts,
        stats_reset=facts.stats_reset,
        commits_per_second=commits_rate,
        rollbacks_per_second=rollbacks_rate,
    )


def _backend(row: Any) -> Backend:
    client = "local" if row.client_port == -1 else row.client_addr
    return Backend(
        pid=row.pid,
        database=row.database,
        user=row.user_name,
        application_name=row.application_name or "",
        client_addr=client,
        backend_type=row.backend_type or "",
        state=row.state,
        wait_event_type=row.wait_event_type,
        wait_event=row.wait_event,
        query=row.query or "",
        backend_seconds=row.backend_seconds,
        xact_seconds=row.xact_seconds,
        query_seconds=row.query_seconds,
        state_seconds=row.state_seconds,
        blocked_by=tuple(dict.fromkeys(row.blocked_by or ())),
    )


def _table(row: Any) -> TableUsage:
    return TableUsage(
        schema=row.schema,
        name=row.name,
        total_bytes=row.total_bytes,
        seq_scan=row.seq_scan or 0,
        idx_scan=row.idx_scan,
        inserted=row.n_tup_ins,
        updated=row.n_tup_upd,
        deleted=row.n_tup_del,
        live_tuples=row.n_live_tup,
        dead_tuples=row.n_dead_tup,
        last_vacuum=row.last_vacuum,
        last_autovacuum=row.last_autovacuum,
        last_analyze=row.last_analyze,
        last_autoanalyze=row.last_autoanalyze,
    )


def _finding(row: Any) -> IndexFinding:
    return IndexFinding(
        kind=row.kind,
        schema=row.schema,
        table=row.table_name,
        indexes=tuple(row.indexes),
        scans=int(row.scans or 0),
        bytes=int(row.bytes or 0),
    )


def blocking_tree(backends: tuple[Backend, ...] | list[Backend]) -> tuple[BlockingNode, ...]:
    """Who blocks whom, as trees: each root blocks others and waits on no one.

    A cycle (a deadlock the server has not broken yet) has no such root; its lowest pid
    stands in for one. Every blocked backend appears once, under its first blocker.
    """
    by_pid = {backend.pid: backend for backend in backends}
    waiters: dict[int, list[int]] = {}
    for backend in backends:
        for blocker in backend.blocked_by:
            waiters.setdefault(blocker, []).append(backend.pid)
    if not waiters:
        return ()
    blocked = {backend.pid for backend in backends if backend.blocked_by}
    roots = sorted(pid for pid in waiters if pid not in blocked)
    placed: set[int] = set()

    def node(pid: int) -> BlockingNode:
        placed.add(pid)
        children = [node(child) for child in sorted(waiters.get(pid, ())) if child not in placed]
        return BlockingNode(pid=pid, backend=by_pid.get(pid), blocked=tuple(children))

    trees = [node(pid) for pid in roots]
    for pid in sorted(waiters):  # cycles: nothing above reached them
        if pid not in placed:
            trees.append(node(pid))
    return tuple(trees)


def filter_backends(
    backends: tuple[Backend, ...],
    *,
    states: tuple[str, ...] = (),
    text: str = "",
    client_only: bool = False,
) -> tuple[Backend, ...]:
    """The backends in one of `states` (all when empty) whose query, application, user,
    database or client contains `text` (case-insensitive)."""
    needle = text.casefold()

    def keep(b: Backend) -> bool:
        if states and b.state not in states:
            return False
        if client_only and b.backend_type != "client backend":
            return False
        if not needle:
            return True
        haystack = " ".join(filter(None, (b.query, b.application_name, b.user, b.database, b.client_addr, str(b.pid))))
        return needle in haystack.casefold()

    return tuple(b for b in backends if keep(b))


STATE_FILTERS: dict[str, tuple[str, ...]] = {
    "all": (),
    "active": ("active",),
    "idle in transaction": ("idle in transaction", "idle in transaction (aborted)"),
    "idle": ("idle",),
}
"""The `states` a view offers to filter by, by name; "all" keeps every backend."""

SORT_KEYS = ("duration", "pid", "state", "application", "wait")


def sort_backends(backends: tuple[Backend, ...], by: str = "duration") -> tuple[Backend, ...]:
    """Backends sorted by `by` (SORT_KEYS); duration puts the longest first."""
    if by == "duration":
        return tuple(sorted(backends, key=lambda b: -(b.duration_seconds or 0.0)))
    keys = {
        "pid": lambda b: (b.pid,),
        "state": lambda b: (b.state or "~", b.pid),
        "application": lambda b: (b.application_name, b.pid),
        "wait": lambda b: (b.wait_event_type or "~", b.wait_event or "", b.pid),
    }
    if by not in keys:
        raise ValueError(f"sort by one of {', '.join(SORT_KEYS)}, not {by!r}")
    return tuple(sorted(backends, key=keys[by]))

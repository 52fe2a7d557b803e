"""Activity and pool: the console's own connection pool beside the server's activity.

`monitor_pool` watches the Engine's pool; `snapshot` reads pg_stat_database,
pg_stat_activity (with blocking chains), pg_stat_statements and the table and index
statistics in one short read transaction; `cancel_backend` and `terminate_backend` act on
a backend (admin only, audited). `LiveActivity` gives a view its `Reading`s; any other
`ActivitySource` (a hand-made one, say) can stand in for it.
"""

from data.stats.actions import cancel_backend, terminate_backend
from data.stats.activity import (
    SNAPSHOT_QUERIES,
    SORT_KEYS,
    STATE_FILTERS,
    STATEMENTS_HINT,
    Backend,
    BlockingNode,
    DatabaseStats,
    IndexFinding,
    Replication,
    Snapshot,
    Standby,
    Statement,
    TableUsage,
    blocking_tree,
    filter_backends,
    snapshot,
    sort_backends,
)
from data.stats.pool import PoolMonitor, PoolStats, monitor_pool
from data.stats.sources import ActivitySource, LiveActivity, Reading

__all__ = [
    "SNAPSHOT_QUERIES",
    "SORT_KEYS",
    "STATE_FILTERS",
    "STATEMENTS_HINT",
    "ActivitySource",
    "Backend",
    "BlockingNode",
    "DatabaseStats",
    "IndexFinding",
    "LiveActivity",
    "PoolMonitor",
    "PoolStats",
    "Reading",
    "Replication",
    "Snapshot",
    "Standby",
    "Statement",
    "TableUsage",
    "blocking_tree",
    "cancel_backend",
    "filter_backends",
    "monitor_pool",
    "snapshot",
    "sort_backends",
    "terminate_backend",
]

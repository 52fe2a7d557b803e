"""Where an activity view gets its readings: live from the server, or any other source
that hands back the same data classes (a recorded or hand-made one, for a frozen view).

A `Reading` is what one refresh shows: the server's snapshot and the pool's recent
samples. `LiveActivity` takes one with `snapshot` (one pooled connection, at most
SNAPSHOT_QUERIES queries), which also records the pool sample the history ends with.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from data.engine import Database
from data.stats.activity import Snapshot, snapshot
from data.stats.pool import PoolStats, monitor_pool


@dataclass(frozen=True)
class Reading:
    """One refresh: the server's activity and the console's pool over the last minutes."""

    snapshot: Snapshot
    pool_history: tuple[PoolStats, ...]
    """The pool's samples, oldest first; the last one is `snapshot.pool`."""


class ActivitySource(Protocol):
    """Anything that can take a reading; called from a worker thread, one call at a time."""

    def read(self, previous: Snapshot | None) -> Reading:
        """The next reading; `previous` is the last one's snapshot, for rates."""
        ...


class LiveActivity:
    """Readings of a Database's server and pool, as they are now."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self.monitor = monitor_pool(database)

    def read(self, previous: Snapshot | None) -> Reading:
        """Take a snapshot (see `data.stats.snapshot`, whose errors it raises)."""
        shot = snapshot(self.database, previous=previous)
        return Reading(snapshot=shot, pool_history=self.monitor.history())

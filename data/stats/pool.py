"""The console's own connection pool: what it holds, lends and waits for, over time.

A `PoolMonitor` listens to the Engine's pool events (connect, checkout, checkin) and times
each checkout, so it knows how many callers are waiting for a connection right now and how
long waits have taken. `sample()` records one point in a ring buffer, which a screen
graphs over the last minutes.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections import deque
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event
from sqlalchemy.pool import Pool

from data.engine import Database

HISTORY = 600
"""Samples kept: ten minutes at one refresh a second."""


@dataclass(frozen=True)
class PoolStats:
    """One look at the pool."""

    at: float
    """time.time() when the sample was taken."""
    size: int
    """The configured pool_size."""
    max_overflow: int
    checked_out: int
    """Connections lent out right now."""
    idle: int
    """Open connections waiting in the pool."""
    overflow: int
    """Connections open beyond pool_size."""
    waiting: int
    """Callers waiting for a connection right now (the pool was exhausted when they asked)."""
    connections_created: int
    """New server connections opened since the monitor was attached."""
    checkouts: int
    waits: int
    """Checkouts that found the pool exhausted and had to wait."""
    wait_seconds: float
    """Total time those checkouts waited."""
    longest_wait_seconds: float

    @property
    def open(self) -> int:
        """Server connections the pool holds (lent out or idle)."""
        return self.checked_out + self.idle


class PoolMonitor:
    """Counts a pool's events and keeps a ring buffer of `PoolStats` samples.

    Get one with `monitor_pool(database)`; attaching twice returns the same monitor.
    Thread-safe: the events fire on whichever thread checks a connection out.
    """

    def __init__(self, pool: Pool, *, size: int, max_overflow: int, history: int = HISTORY) -> None:
        self._pool = pool
        self._size = size
        self._max_overflow = max_overflow
        self._lock = threading.Lock()
        self._created = 0
        self._checkouts = 0
        self._waiting = 0
        self._waits = 0
        self._wait_seconds = 0.0
        self._longest_wait = 0.0
        self._samples: deque[PoolStats] = deque(maxlen=history)
        event.listen(pool, "connect", self._on_connect)
        event.listen(pool, "checkout", self._on_checkout)
        self._wrap_connect(pool)

    def _on_connect(self, dbapi_connection: Any, record: Any) -> None:
        with self._lock:
            self._created += 1

    def _on_checkout(self, dbapi_connection: Any, record: Any, proxy: Any) -> None:
        with self._lock:
            self._checkouts += 1

    def _wrap_connect(self, pool: Pool) -> None:
        """Time each checkout: pool events say when a connection was lent, not when it was
        asked for, so the pool's own connect() is wrapped (on this instance only)."""
        acquire = pool.connect

        def timed_connect() -> Any:
            exhausted = self._exhausted()
            if exhausted:
                with self._lock:
                    self._waiting += 1
            started = time.perf_counter()
            try:
                return acquire()
            finally:
                if exhausted:
                    waited = time.perf_counter() - started
                    with self._lock:
                        self._waiting -= 1
                        self._waits += 1
                        self._wait_seconds += waited
                        self._longest_wait = max(self._longest_wait, waited)

        pool.connect = timed_connect  # type: ignore[method-assign]  # the pool has no event for the wait itself

    def _exhausted(self) -> bool:
        checked_out = getattr(self._pool, "checkedout", None)
        if checked_out is None:
            return False
        return bool(checked_out() >= self._size + max(self._max_overflow, 0) and self._max_overflow >= 0)

    def stats(self) -> PoolStats:
        """The pool as it is now (not recorded in the history)."""
        pool = self._pool
        checked_out = pool.checkedout() if hasattr(pool, "checkedout") else 0
        idle = pool.checkedin() if hasattr(pool, "checkedin") else 0
        overflow = max(0, pool.overflow()) if hasattr(pool, "overflow") else 0
        with self._lock:
            return PoolStats(
                at=time.time(),
                size=self._size,
                max_overflow=self._max_overflow,
                checked_out=checked_out,
                idle=idle,
                overflow=overflow,
                waiting=self._waiting,
                connections_created=self._created,
                checkouts=self._checkouts,
                waits=self._waits,
                wait_seconds=self._wait_seconds,
                longest_wait_seconds=self._longest_wait,
            )

    def sample(self) -> PoolStats:
        """Take a look at the pool and record it in the history."""
        stats = self.stats()
        with self._lock:
            self._samples.append(stats)
        return stats

    def history(self, seconds: float | None = None) -> tuple[PoolStats, ...]:
        """The recorded samples, oldest first; only the last `seconds` when given."""
        with self._lock:
            samples = tuple(self._samples)
        if seconds is None:
            return samples
        since = time.time() - seconds
        return tuple(sample for sample in samples if sample.at >= since)


_monitors: weakref.WeakKeyDictionary[Database, PoolMonitor] = weakref.WeakKeyDictionary()
_monitors_lock = threading.Lock()


def monitor_pool(database: Database) -> PoolMonitor:
    """The pool monitor of this Database, attached on first call (idempotent)."""
    with _monitors_lock:
        monitor = _monitors.get(database)
        if monitor is None or monitor._pool is not database.engine.pool:  # dispose() makes a new pool
            pool = database.settings.pool
            monitor = PoolMonitor(database.engine.pool, size=pool.size, max_overflow=pool.max_overflow)
            _monitors[database] = monitor
        return monitor

"""Warnings on analysed plan nodes: what looks wrong and why it matters.

Thresholds (issue #6, item 5):
- a sequential scan that removes more than half the rows it reads, on a large relation
  (rows read >= 10,000);
- a row misestimate of 10x (warning), 100x or 1000x (critical);
- a sort or a hash that spills to disk;
- an index-only scan that fetches many heap rows (> 10% of rows returned and >= 1,000);
- a nested loop whose inner side runs >= 1,000 times and takes >= 20% of the execution time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Severity = Literal["info", "warning", "critical"]

LARGE_RELATION_ROWS = 10_000
SEQ_SCAN_REMOVED_SHARE = 0.5
MISESTIMATE_WARNING = 10.0
MISESTIMATE_CRITICAL = 100.0
MISESTIMATE_SEVERE = 1000.0
HEAP_FETCH_SHARE = 0.1
HEAP_FETCH_MIN = 1000
NESTED_LOOP_MIN_LOOPS = 1000
NESTED_LOOP_INNER_SHARE = 0.2


@dataclass(frozen=True)
class PlanWarning:
    kind: str
    severity: Severity
    message: str


def _fmt(value: float) -> str:
    return f"{value:,.0f}"


def seq_scan_warning(
    node_type: str, relation: str | None, rows_read: float | None, removed: float | None
) -> PlanWarning | None:
    if node_type not in ("Seq Scan", "Parallel Seq Scan") or rows_read is None or not removed:
        return None
    if rows_read < LARGE_RELATION_ROWS or removed / rows_read <= SEQ_SCAN_REMOVED_SHARE:
        return None
    share = removed / rows_read
    return PlanWarning(
        "seq_scan_filter",
        "warning",
        f"Sequential scan on {relation or 'a relation'} read {_fmt(rows_read)} rows and "
        f"discarded {share:.0%} of them by filter. Every row of the table is read to keep a "
        "few; an index matching the filter would read only the rows wanted.",
    )


def misestimate_warning(
    factor: float | None, direction: str | None, plan_rows: float, actual_rows_per_loop: float | None
) -> PlanWarning | None:
    if factor is None or direction is None or factor < MISESTIMATE_WARNING:
        return None
    severity: Severity = "critical" if factor >= MISESTIMATE_CRITICAL else "warning"
    magnitude = "1000x" if factor >= MISESTIMATE_SEVERE else "100x" if factor >= MISESTIMATE_CRITICAL else "10x"
    what = "underestimated" if direction == "under" else "overestimated"
    return PlanWarning(
        "misestimate",
        severity,
        f"Row count {what} by {factor:,.0f}x (over {magnitude}): planned {_fmt(plan_rows)}, "
        f"got {_fmt(actual_rows_per_loop or 0)} per loop. The planner chose join methods, "
        "join order and memory on the wrong row count; stale or missing statistics "
        "(ANALYZE) or correlated columns (CREATE STATISTICS) are the usual causes.",
    )


def sort_spill_warning(node: dict[str, Any]) -> PlanWarning | None:
    method = str(node.get("Sort Method") or "")
    space_type = node.get("Sort Space Type")
    if space_type != "Disk" and not method.startswith("external"):
        return None
    used = node.get("Sort Space Used")
    size = f" ({_fmt(used)} kB)" if used is not None else ""
    return PlanWarning(
        "sort_spill",
        "warning",
        f"Sort spilled to disk{size} with method {method or 'unknown'}. Sorting on disk is "
        "far slower than in memory; a larger work_mem, fewer rows or an index providing "
        "the order would keep it in memory.",
    )


def hash_spill_warning(node: dict[str, Any]) -> PlanWarning | None:
    batches = node.get("Hash Batches")
    if not batches or batches <= 1:
        return None
    original = node.get("Original Hash Batches")
    grew = f" (planned {original})" if original and original != batches else ""
    return PlanWarning(
        "hash_spill",
        "warning",
        f"Hash used {batches} batches{grew}: the hash table did not fit in work_mem "
        "and was split to temporary files on disk, which multiplies the I/O of the join.",
    )


def heap_fetch_warning(node_type: str, heap_fetches: float | None, actual_rows: float | None) -> PlanWarning | None:
    if node_type != "Index Only Scan" or heap_fetches is None or actual_rows is None:
        return None
    if heap_fetches < HEAP_FETCH_MIN or heap_fetches <= HEAP_FETCH_SHARE * actual_rows:
        return None
    return PlanWarning(
        "heap_fetches",
        "warning",
        f"Index-only scan fetched {_fmt(heap_fetches)} rows from the table for "
        f"{_fmt(actual_rows)} returned. The visibility map is not current, so the scan "
        "is not index-only; VACUUM the table to make it so.",
    )


def nested_loop_warning(
    inner_loops: int | None, inner_ms: float | None, execution_ms: float | None
) -> PlanWarning | None:
    if inner_loops is None or inner_ms is None or not execution_ms:
        return None
    if inner_loops < NESTED_LOOP_MIN_LOOPS or inner_ms < NESTED_LOOP_INNER_SHARE * execution_ms:
        return None
    return PlanWarning(
        "nested_loop",
        "warning",
        f"Nested loop ran its inner side {_fmt(inner_loops)} times, taking {inner_ms:,.1f} ms "
        f"({inner_ms / execution_ms:.0%} of the execution). A per-row inner scan this often "
        "is costly; a hash or merge join, or a better index on the inner side, may be faster.",
    )

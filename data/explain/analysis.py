"""Per-node analysis of an EXPLAIN (FORMAT JSON) plan, after pev2 (dalibo/pev2).

Time semantics (PostgreSQL reports "Actual Total Time" per loop):
- inclusive = actual total time x loops; under a Gather / Gather Merge the loops are the
  workers plus the leader, running at once. Where PostgreSQL reports per-worker totals
  (VERBOSE: a "Workers" array), the wall time is the longest participant: each worker's
  total time x its loops, and the leader's share = node total x loops - the workers' sum.
  Otherwise the product is divided by min(loops, workers launched + 1), an average;
- exclusive = inclusive - the inclusive time of every child (InitPlans and SubPlans too:
  they run inside the parent's expressions), except a CTE's InitPlan ("CTE name"): its time
  is already inside the CTE Scans that pulled its rows, so the holder does not subtract it,
  and the CTE's time is subtracted from its CTE Scans instead, once in all (first scans
  first, never below zero). Exclusive values are clamped at zero.
The exclusive times of all nodes therefore add up to the root's inclusive time.
Buffers are inclusive in PostgreSQL and are made exclusive the same way (not divided among
workers: they are totals). Exclusive cost follows pev2: total cost minus the children's
total cost, InitPlans excepted, clamped at zero.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from typing import Any, Literal

from data.explain.warnings import (
    PlanWarning,
    hash_spill_warning,
    heap_fetch_warning,
    misestimate_warning,
    nested_loop_warning,
    seq_scan_warning,
    sort_spill_warning,
)

Direction = Literal["under", "over"]
GATHERS = ("Gather", "Gather Merge")

_BUFFER_KEYS = {
    "shared_hit": "Shared Hit Blocks",
    "shared_read": "Shared Read Blocks",
    "shared_dirtied": "Shared Dirtied Blocks",
    "shared_written": "Shared Written Blocks",
    "local_hit": "Local Hit Blocks",
    "local_read": "Local Read Blocks",
    "local_dirtied": "Local Dirtied Blocks",
    "local_written": "Local Written Blocks",
    "temp_read": "Temp Read Blocks",
    "temp_written": "Temp Written Blocks",
}


@dataclass(frozen=True)
class Buffers:
    """Block counts (PostgreSQL reports no temp hits or temp dirtied blocks)."""

    shared_hit: int = 0
    shared_read: int = 0
    shared_dirtied: int = 0
    shared_written: int = 0
    local_hit: int = 0
    local_read: int = 0
    local_dirtied: int = 0
    local_written: int = 0
    temp_read: int = 0
    temp_written: int = 0

    @property
    def total(self) -> int:
        return sum(getattr(self, f.name) for f in fields(self))


@dataclass(frozen=True)
class WorkerFigures:
    """One parallel worker's share of a node, as VERBOSE reports it (times per loop)."""

    number: int
    startup_ms: float | None
    total_ms: float | None
    rows: float | None  # per loop x loops
    loops: int | None
    time_ms: float | None  # total time x loops: this worker's wall time in the node
    buffers: Buffers = Buffers()


@dataclass(frozen=True)
class NodeAnalysis:
    id: int
    parent_id: int | None
    depth: int
    node_type: str
    relation: str | None
    schema: str | None  # reported with VERBOSE only
    alias: str | None
    index: str | None
    cte_name: str | None
    subplan_name: str | None
    parent_relationship: str | None
    parallel: bool  # under a Gather / Gather Merge
    inclusive_ms: float | None
    exclusive_ms: float | None
    share: float | None  # exclusive / execution time
    startup_cost: float
    total_cost: float
    exclusive_cost: float
    plan_rows: float  # per loop, as PostgreSQL estimates
    actual_rows: float | None  # per loop x loops
    actual_rows_per_loop: float | None
    loops: int | None
    misestimate: float | None  # >= 1
    misestimate_direction: Direction | None
    rows_removed_by_filter: int | None  # totals over all loops
    rows_removed_by_recheck: int | None
    rows_removed_by_join_filter: int | None
    heap_fetches: int | None
    buffers: Buffers
    exclusive_buffers: Buffers
    io_read_ms: float | None
    io_write_ms: float | None
    workers_planned: int | None
    workers_launched: int | None
    sort_method: str | None
    sort_space_kb: int | None
    sort_space_type: str | None
    hash_batches: int | None
    original_hash_batches: int | None
    hash_peak_memory_kb: int | None
    filter: str | None
    index_cond: str | None
    recheck_cond: str | None
    join_filter: str | None
    hash_cond: str | None
    merge_cond: str | None
    warnings: tuple[PlanWarning, ...]
    children: tuple[int, ...]
    workers: tuple[WorkerFigures, ...] = ()  # per worker, with VERBOSE; the leader excluded


@dataclass(frozen=True)
class JitInfo:
    functions: int
    total_ms: float | None
    generation_ms: float | None = None
    inlining_ms: float | None = None
    optimization_ms: float | None = None
    emission_ms: float | None = None


@dataclass(frozen=True)
class TriggerInfo:
    name: str
    relation: str | None
    time_ms: float | None
    calls: int | None


@dataclass(frozen=True)
class PlanAnalysis:
    nodes: tuple[NodeAnalysis, ...]  # pre-order; node id = index
    planning_ms: float | None
    execution_ms: float | None
    jit: JitInfo | None
    triggers: tuple[TriggerInfo, ...]
    total_cost: float
    analysed: bool

    def node(self, node_id: int) -> NodeAnalysis:
        return self.nodes[node_id]

    @property
    def root(self) -> NodeAnalysis:
        return self.nodes[0]

    @property
    def warnings(self) -> tuple[tuple[NodeAnalysis, PlanWarning], ...]:
        return tuple((n, w) for n in self.nodes for w in n.warnings)


def _document(explain_json: list[Any] | dict[str, Any] | str) -> dict[str, Any]:
    doc: Any = json.loads(explain_json) if isinstance(explain_json, (str, bytes)) else explain_json
    if isinstance(doc, list):
        if not doc:
            raise ValueError("empty EXPLAIN output")
        doc = doc[0]
    if isinstance(doc, dict) and "Plan" not in doc and "Node Type" in doc:
        doc = {"Plan": doc}
    if not isinstance(doc, dict) or not isinstance(doc.get("Plan"), dict):
        raise ValueError("not an EXPLAIN (FORMAT JSON) document")
    return doc


def _int(value: Any) -> int | None:
    return None if value is None else int(round(float(value)))


def _io(raw: dict[str, Any], suffix: str) -> float | None:
    values = [v for k, v in raw.items() if k.endswith(suffix) and isinstance(v, (int, float))]
    return float(sum(values)) if values else None


def _sub_buffers(total: list[int], minus: list[int]) -> None:
    for i, value in enumerate(minus):
        total[i] -= value


def analyse_plan(explain_json: list[Any] | dict[str, Any] | str) -> PlanAnalysis:
    """Analyse the output of EXPLAIN ([ANALYZE, BUFFERS,] FORMAT JSON), in passes: flatten
    the tree, time and buffers per node inclusive of its children, then exclusive of them
    (each CTE charged once to its scans), then each node's figures and warnings."""
    doc = _document(explain_json)
    root = doc["Plan"]
    tree = _flatten(root)
    inclusive = _inclusive(tree)
    exclusive = _exclusive(tree, inclusive)
    execution_ms = doc.get("Execution Time")
    execution_ms = float(execution_ms) if execution_ms is not None else None
    share_base = execution_ms or (inclusive.time[0] if inclusive.time[0] else None)
    return PlanAnalysis(
        nodes=tuple(_node(i, tree, inclusive, exclusive, share_base) for i in range(len(tree.raws))),
        planning_ms=float(doc["Planning Time"]) if "Planning Time" in doc else None,
        execution_ms=execution_ms,
        jit=_jit(doc.get("JIT")),
        triggers=tuple(
            TriggerInfo(
                name=t.get("Trigger Name", "?"),
                relation=t.get("Relation"),
                time_ms=float(t["Time"]) if t.get("Time") is not None else None,
                calls=_int(t.get("Calls")),
            )
            for t in doc.get("Triggers") or ()
        ),
        total_cost=float(root.get("Total Cost") or 0.0),
        analysed="Actual Loops" in root or "Execution Time" in doc,
    )


@dataclass
class _Tree:
    """The plan's nodes in pre-order, with each one's parent, depth, children, and how many
    processes share its loops (a Gather's workers and leader)."""

    raws: list[dict[str, Any]]
    parents: list[int | None]
    depths: list[int]
    divisors: list[int]
    children: list[list[int]]


@dataclass
class _Inclusive:
    """Per node, with its children: wall time (None when not measured), loops, buffers."""

    time: list[float | None]
    loops: list[int | None]
    buffers: list[list[int]]


@dataclass
class _Exclusive:
    """Per node, without its children: time, buffers, cost."""

    time: list[float | None]
    buffers: list[list[int]]
    cost: list[float]


def _flatten(root: dict[str, Any]) -> _Tree:
    """Pre-order, iterative: deep plans must not hit the recursion limit."""
    tree = _Tree([], [], [], [], [])
    stack: list[tuple[dict[str, Any], int | None, int, int]] = [(root, None, 0, 1)]
    while stack:
        raw, parent, depth, divisor = stack.pop()
        node_id = len(tree.raws)
        tree.raws.append(raw)
        tree.parents.append(parent)
        tree.depths.append(depth)
        tree.divisors.append(divisor)
        tree.children.append([])
        if parent is not None:
            tree.children[parent].append(node_id)
        child_divisor = divisor
        if raw.get("Node Type") in GATHERS:
            workers = raw.get("Workers Launched", raw.get("Workers Planned"))
            child_divisor = (int(workers) if workers is not None else 0) + 1
        for child in reversed(raw.get("Plans") or ()):
            stack.append((child, node_id, depth + 1, child_divisor))
    return tree


def _inclusive(tree: _Tree) -> _Inclusive:
    count = len(tree.raws)
    figures = _Inclusive([None] * count, [None] * count, [])
    for i, raw in enumerate(tree.raws):
        figures.buffers.append([int(raw.get(key) or 0) for key in _BUFFER_KEYS.values()])
        if "Actual Loops" not in raw:
            continue
        n = int(raw["Actual Loops"])
        figures.loops[i] = n
        per_loop = float(raw.get("Actual Total Time") or 0.0)  # absent with TIMING OFF
        wall = per_loop * n
        worker_times = [w.time_ms for w in _workers(raw) if w.time_ms is not None]
        if worker_times:
            leader = max(wall - sum(worker_times), 0.0)
            wall = max(leader, *worker_times)
        elif tree.divisors[i] > 1 and n > 0:
            wall /= min(tree.divisors[i], n)
        figures.time[i] = wall if "Actual Total Time" in raw or n == 0 else None
    return figures


def _exclusive(tree: _Tree, inclusive: _Inclusive) -> _Exclusive:
    raws, count = tree.raws, len(tree.raws)
    # CTEs: the InitPlan named "CTE x" and the CTE Scans on it.
    cte_holders: dict[str, int] = {}
    is_cte_plan = [False] * count
    for i, raw in enumerate(raws):
        name = raw.get("Subplan Name") or ""
        if raw.get("Parent Relationship") == "InitPlan" and name.startswith("CTE "):
            cte_holders[name[4:]] = i
            is_cte_plan[i] = True

    figures = _Exclusive([None] * count, [list(b) for b in inclusive.buffers], [0.0] * count)
    for i, raw in enumerate(raws):
        cost = float(raw.get("Total Cost") or 0.0)
        ex = inclusive.time[i]
        for c in tree.children[i]:
            child = raws[c]
            if child.get("Parent Relationship") != "InitPlan":
                cost -= float(child.get("Total Cost") or 0.0)
            if is_cte_plan[c]:
                continue
            child_time = inclusive.time[c]
            if ex is not None and child_time is not None:
                ex -= child_time
            _sub_buffers(figures.buffers[i], inclusive.buffers[c])
        figures.cost[i] = max(cost, 0.0)
        figures.time[i] = ex

    # Each CTE's time and buffers come off its scans, once in all.
    remaining_time = {name: inclusive.time[h] or 0.0 for name, h in cte_holders.items()}
    remaining_buf = {name: list(inclusive.buffers[h]) for name, h in cte_holders.items()}
    for i, raw in enumerate(raws):
        name = raw.get("CTE Name")
        if raw.get("Node Type") != "CTE Scan" or name not in cte_holders:
            continue
        ex = figures.time[i]
        if ex is not None:
            take = min(remaining_time[name], max(ex, 0.0))
            figures.time[i] = ex - take
            remaining_time[name] -= take
        left = remaining_buf[name]
        for k in range(len(left)):
            take_b = min(left[k], max(figures.buffers[i][k], 0))
            figures.buffers[i][k] -= take_b
            left[k] -= take_b
    return figures


def _node(i: int, tree: _Tree, inclusive: _Inclusive, exclusive: _Exclusive, share_base: float | None) -> NodeAnalysis:
    """One node's figures and warnings."""
    raw = tree.raws[i]
    node_type = raw.get("Node Type", "?")
    n = inclusive.loops[i]
    plan_rows = float(raw.get("Plan Rows") or 0.0)
    per_loop_rows = float(raw["Actual Rows"]) if "Actual Rows" in raw else None
    actual_rows = per_loop_rows * n if per_loop_rows is not None and n is not None else None

    factor: float | None = None
    direction: Direction | None = None
    if per_loop_rows is not None and n:
        est, act = max(plan_rows, 1.0), max(per_loop_rows, 1.0)
        factor = max(est, act) / min(est, act)
        direction = "under" if act > est else "over" if est > act else None

    def total(key: str) -> int | None:
        value = raw.get(key)
        return None if value is None or n is None else _int(float(value) * n)

    removed_filter = total("Rows Removed by Filter")
    removed_recheck = total("Rows Removed by Index Recheck")
    heap_fetches = _int(raw.get("Heap Fetches"))
    ex = exclusive.time[i]
    ex = max(ex, 0.0) if ex is not None else None

    warnings: list[PlanWarning | None] = [
        seq_scan_warning(
            node_type,
            raw.get("Relation Name"),
            (actual_rows or 0) + (removed_filter or 0) if actual_rows is not None else None,
            removed_filter,
        ),
        misestimate_warning(factor, direction, plan_rows, per_loop_rows),
        sort_spill_warning(raw),
        hash_spill_warning(raw),
        heap_fetch_warning(node_type, heap_fetches, actual_rows),
    ]
    if node_type == "Nested Loop":
        inner = [c for c in tree.children[i] if tree.raws[c].get("Parent Relationship") == "Inner"]
        if inner:
            warnings.append(nested_loop_warning(inclusive.loops[inner[0]], inclusive.time[inner[0]], share_base))

    return NodeAnalysis(
        id=i,
        parent_id=tree.parents[i],
        depth=tree.depths[i],
        node_type=node_type,
        relation=raw.get("Relation Name"),
        schema=raw.get("Schema"),
        alias=raw.get("Alias"),
        index=raw.get("Index Name"),
        cte_name=raw.get("CTE Name"),
        subplan_name=raw.get("Subplan Name"),
        parent_relationship=raw.get("Parent Relationship"),
        parallel=tree.divisors[i] > 1,
        inclusive_ms=inclusive.time[i],
        exclusive_ms=ex,
        share=(ex / share_base) if ex is not None and share_base else None,
        startup_cost=float(raw.get("Startup Cost") or 0.0),
        total_cost=float(raw.get("Total Cost") or 0.0),
        exclusive_cost=exclusive.cost[i],
        plan_rows=plan_rows,
        actual_rows=actual_rows,
        actual_rows_per_loop=per_loop_rows,
        loops=n,
        misestimate=factor,
        misestimate_direction=direction,
        rows_removed_by_filter=removed_filter,
        rows_removed_by_recheck=removed_recheck,
        rows_removed_by_join_filter=total("Rows Removed by Join Filter"),
        heap_fetches=heap_fetches,
        buffers=Buffers(*inclusive.buffers[i]),
        exclusive_buffers=Buffers(*(max(v, 0) for v in exclusive.buffers[i])),
        io_read_ms=_io(raw, "I/O Read Time"),
        io_write_ms=_io(raw, "I/O Write Time"),
        workers_planned=_int(raw.get("Workers Planned")),
        workers_launched=_int(raw.get("Workers Launched")),
        sort_method=raw.get("Sort Method"),
        sort_space_kb=_int(raw.get("Sort Space Used")),
        sort_space_type=raw.get("Sort Space Type"),
        hash_batches=_int(raw.get("Hash Batches")),
        original_hash_batches=_int(raw.get("Original Hash Batches")),
        hash_peak_memory_kb=_int(raw.get("Peak Memory Usage")),
        filter=raw.get("Filter"),
        index_cond=raw.get("Index Cond"),
        recheck_cond=raw.get("Recheck Cond"),
        join_filter=raw.get("Join Filter"),
        hash_cond=raw.get("Hash Cond"),
        merge_cond=raw.get("Merge Cond"),
        warnings=tuple(w for w in warnings if w is not None),
        children=tuple(tree.children[i]),
        workers=_workers(raw),
    )


def _workers(raw: dict[str, Any]) -> tuple[WorkerFigures, ...]:
    """The per-worker figures of a node ("Workers", reported with VERBOSE), in worker order."""
    figures: list[WorkerFigures] = []
    for worker in raw.get("Workers") or ():
        loops = _int(worker.get("Actual Loops"))
        total = worker.get("Actual Total Time")
        rows = worker.get("Actual Rows")
        figures.append(
            WorkerFigures(
                number=int(worker.get("Worker Number", len(figures))),
                startup_ms=float(worker["Actual Startup Time"]) if "Actual Startup Time" in worker else None,
                total_ms=float(total) if total is not None else None,
                rows=float(rows) * loops if rows is not None and loops is not None else None,
                loops=loops,
                time_ms=float(total) * loops if total is not None and loops is not None else None,
                buffers=Buffers(*(int(worker.get(key) or 0) for key in _BUFFER_KEYS.values())),
            )
        )
    return tuple(sorted(figures, key=lambda w: w.number))


def _jit(raw: dict[str, Any] | None) -> JitInfo | None:
    if not raw:
        return None
    timing = raw.get("Timing") or {}

    def ms(key: str) -> float | None:
        value = timing.get(key)
        if isinstance(value, dict):  # PG 15+: {"Total": .., "Deform": ..} for Generation
            value = value.get("Total")
        return float(value) if value is not None else None

    return JitInfo(
        functions=int(raw.get("Functions") or 0),
        total_ms=ms("Total"),
        generation_ms=ms("Generation"),
        inlining_ms=ms("Inlining"),
        optimization_ms=ms("Optimization"),
        emission_ms=ms("Emission"),
    )

"""The EXPLAIN plan analysis: exact arithmetic on hand-written plans, invariants on real ones."""

from __future__ import annotations

import json
import time

import pytest
from sqlalchemy import text

from data.explain.analysis import analyse_plan


def n(node_type, total, loops=1, rows=1, plan_rows=1, cost=10.0, plans=(), **extra):
    node = {
        "Node Type": node_type,
        "Total Cost": cost,
        "Plan Rows": plan_rows,
        "Actual Total Time": total,
        "Actual Rows": rows,
        "Actual Loops": loops,
        **extra,
    }
    if plans:
        node["Plans"] = list(plans)
    return node


def doc(plan, execution=None, **extra):
    return [{"Plan": plan, "Planning Time": 0.5, "Execution Time": execution, **extra}]


def test_loops_multiply_and_children_subtract():
    inner = n("Index Scan", 0.01, loops=100, Parent_Relationship=None, cost=2.0)
    inner["Parent Relationship"] = "Inner"
    outer = n("Seq Scan", 1.0, rows=100, plan_rows=100, cost=5.0)
    outer["Parent Relationship"] = "Outer"
    plan = n("Nested Loop", 3.0, cost=30.0, plans=[outer, inner])
    a = analyse_plan(doc(plan, execution=3.1))
    assert a.analysed and a.planning_ms == 0.5 and a.execution_ms == 3.1
    assert [x.node_type for x in a.nodes] == ["Nested Loop", "Seq Scan", "Index Scan"]
    assert a.node(2).inclusive_ms == pytest.approx(1.0)
    assert a.node(0).exclusive_ms == pytest.approx(1.0)
    assert a.node(0).exclusive_cost == pytest.approx(23.0)
    assert a.node(2).actual_rows == 100 and a.node(2).loops == 100
    assert a.node(0).children == (1, 2) and a.node(2).depth == 1 and a.node(2).parent_id == 0
    assert a.node(0).share == pytest.approx(1.0 / 3.1)


def test_parallel_workers_divide_wall_time():
    scan = n(
        "Parallel Seq Scan",
        30.0,
        loops=3,
        rows=1000,
        plan_rows=1000,
        **{"Parent Relationship": "Outer", "Rows Removed by Filter": 10},
    )
    gather = n("Gather", 40.0, rows=3000, plan_rows=3000, plans=[scan], **{"Workers Planned": 2, "Workers Launched": 2})
    a = analyse_plan(doc(gather, execution=40.0))
    s = a.node(1)
    assert s.parallel and not a.node(0).parallel
    assert s.inclusive_ms == pytest.approx(30.0)  # 30 x 3 loops / 3 processes
    assert a.node(0).exclusive_ms == pytest.approx(10.0)
    assert s.actual_rows == 3000 and s.rows_removed_by_filter == 30
    assert a.node(0).workers_planned == 2 and a.node(0).workers_launched == 2
    # Only one worker launched: the divisor is the processes that actually ran.
    gather["Workers Launched"] = 1
    scan["Actual Loops"] = 2
    assert analyse_plan(doc(gather)).node(1).inclusive_ms == pytest.approx(30.0)


def test_initplan_and_subplan_are_subtracted():
    init = n("Result", 2.0, **{"Parent Relationship": "InitPlan", "Subplan Name": "InitPlan 1"})
    sub = n("Index Scan", 0.1, loops=10, **{"Parent Relationship": "SubPlan", "Subplan Name": "SubPlan 2"})
    scan = n("Seq Scan", 5.0, rows=10, plan_rows=10, plans=[init, sub])
    a = analyse_plan(doc(scan, execution=5.0))
    assert a.node(0).exclusive_ms == pytest.approx(2.0)
    assert a.node(0).exclusive_cost == pytest.approx(0.0)  # SubPlan cost 10 off, InitPlan not: 10-10
    assert a.node(1).subplan_name == "InitPlan 1"


def test_cte_time_comes_off_the_scans_once():
    cte = n(
        "Seq Scan",
        8.0,
        rows=10,
        plan_rows=10,
        **{"Parent Relationship": "InitPlan", "Subplan Name": "CTE c", "Shared Hit Blocks": 40},
    )
    scan1 = n(
        "CTE Scan",
        9.0,
        rows=10,
        plan_rows=10,
        **{"Parent Relationship": "Outer", "CTE Name": "c", "Shared Hit Blocks": 40},
    )
    scan2 = n("CTE Scan", 0.5, rows=10, plan_rows=10, **{"Parent Relationship": "Inner", "CTE Name": "c"})
    top = n("Hash Join", 12.0, plans=[cte, scan1, scan2], **{"Shared Hit Blocks": 45})
    a = analyse_plan(doc(top, execution=12.0))
    ex = [x.exclusive_ms for x in a.nodes]
    assert ex == pytest.approx([2.5, 8.0, 1.0, 0.5])
    assert sum(ex) == pytest.approx(12.0)
    assert a.node(0).exclusive_buffers.shared_hit == 5
    assert a.node(2).exclusive_buffers.shared_hit == 0
    assert a.node(1).exclusive_buffers.shared_hit == 40


def test_buffers_inclusive_and_exclusive_and_io():
    child = n(
        "Seq Scan",
        1.0,
        **{
            "Parent Relationship": "Outer",
            "Shared Hit Blocks": 10,
            "Shared Read Blocks": 5,
            "Temp Written Blocks": 0,
            "Shared I/O Read Time": 0.25,
            "Local I/O Read Time": 0.5,
        },
    )
    sort = n(
        "Sort",
        2.0,
        plans=[child],
        **{
            "Shared Hit Blocks": 12,
            "Shared Read Blocks": 5,
            "Temp Read Blocks": 7,
            "Temp Written Blocks": 7,
            "Sort Method": "external merge",
            "Sort Space Used": 1024,
            "Sort Space Type": "Disk",
        },
    )
    a = analyse_plan(doc(sort, execution=2.0))
    assert a.node(0).buffers.shared_hit == 12 and a.node(0).buffers.total == 31
    e = a.node(0).exclusive_buffers
    assert (e.shared_hit, e.shared_read, e.temp_read, e.temp_written) == (2, 0, 7, 7)
    assert a.node(1).io_read_ms == pytest.approx(0.75) and a.node(1).io_write_ms is None
    s = a.node(0)
    assert (s.sort_method, s.sort_space_kb, s.sort_space_type) == ("external merge", 1024, "Disk")
    assert [w.kind for w in s.warnings] == ["sort_spill"] and s.warnings[0].severity == "warning"
    assert "work_mem" in s.warnings[0].message


@pytest.mark.parametrize(
    ("plan_rows", "rows", "factor", "direction", "severity"),
    [
        (10, 10, 1.0, None, None),
        (10, 50, 5.0, "under", None),
        (10, 100, 10.0, "under", "warning"),
        (1000, 10, 100.0, "over", "critical"),
        (1, 5000, 5000.0, "under", "critical"),
        (100, 0, 100.0, "over", "critical"),
    ],
)
def test_misestimate(plan_rows, rows, factor, direction, severity):
    a = analyse_plan(doc(n("Seq Scan", 1.0, rows=rows, plan_rows=plan_rows), execution=1.0))
    node = a.node(0)
    assert node.misestimate == pytest.approx(factor)
    assert node.misestimate_direction == direction
    found = [w for w in node.warnings if w.kind == "misestimate"]
    assert [w.severity for w in found] == ([severity] if severity else [])
    if factor >= 1000:
        assert "1000x" in found[0].message


def test_seq_scan_removing_most_rows():
    big = n(
        "Seq Scan",
        5.0,
        rows=100,
        plan_rows=100,
        **{"Relation Name": "t", "Rows Removed by Filter": 19900, "Filter": "(x = 1)"},
    )
    node = analyse_plan(doc(big, execution=5.0)).node(0)
    assert node.rows_removed_by_filter == 19900 and node.filter == "(x = 1)"
    assert [(w.kind, w.severity) for w in node.warnings] == [("seq_scan_filter", "warning")]
    small = dict(big, **{"Rows Removed by Filter": 900})
    assert analyse_plan(doc(small)).node(0).warnings == ()
    mostly_kept = dict(big, **{"Actual Rows": 15000, "Plan Rows": 15000, "Rows Removed by Filter": 5000})
    assert analyse_plan(doc(mostly_kept)).node(0).warnings == ()


def test_hash_spill():
    h = n("Hash", 1.0, **{"Hash Batches": 4, "Original Hash Batches": 1, "Peak Memory Usage": 4000})
    node = analyse_plan(doc(h)).node(0)
    assert (node.hash_batches, node.original_hash_batches, node.hash_peak_memory_kb) == (4, 1, 4000)
    assert [(w.kind, w.severity) for w in node.warnings] == [("hash_spill", "warning")]
    assert analyse_plan(doc(dict(h, **{"Hash Batches": 1}))).node(0).warnings == ()


def test_heap_fetches_on_index_only_scan():
    ios = n(
        "Index Only Scan",
        1.0,
        rows=5000,
        plan_rows=5000,
        **{"Index Name": "i", "Heap Fetches": 2000, "Rows Removed by Index Recheck": 0},
    )
    node = analyse_plan(doc(ios)).node(0)
    assert node.heap_fetches == 2000 and node.index == "i" and node.rows_removed_by_recheck == 0
    assert [(w.kind, w.severity) for w in node.warnings] == [("heap_fetches", "warning")]
    assert "VACUUM" in node.warnings[0].message
    assert analyse_plan(doc(dict(ios, **{"Heap Fetches": 400}))).node(0).warnings == ()


def test_nested_loop_with_costly_inner_side():
    outer = n("Seq Scan", 1.0, rows=5000, plan_rows=5000, **{"Parent Relationship": "Outer"})
    inner = n("Index Scan", 0.01, loops=5000, **{"Parent Relationship": "Inner"})
    loop = n("Nested Loop", 60.0, rows=5000, plan_rows=5000, plans=[outer, inner])
    node = analyse_plan(doc(loop, execution=60.0)).node(0)
    assert [(w.kind, w.severity) for w in node.warnings] == [("nested_loop", "warning")]
    few = n("Index Scan", 0.01, loops=500, **{"Parent Relationship": "Inner"})
    assert analyse_plan(doc(dict(loop, Plans=[outer, few]), execution=60.0)).node(0).warnings == ()


def test_estimates_only_jit_triggers_and_text_input():
    plan = {"Node Type": "Seq Scan", "Relation Name": "t", "Total Cost": 35.5, "Plan Rows": 2550, "Startup Cost": 0.0}
    a = analyse_plan(json.dumps([{"Plan": plan}]))
    assert not a.analysed and a.total_cost == 35.5 and a.execution_ms is None
    node = a.node(0)
    assert node.inclusive_ms is None and node.exclusive_ms is None and node.misestimate is None
    assert node.actual_rows is None and node.exclusive_cost == 35.5
    jit = {
        "Functions": 4,
        "Timing": {
            "Generation": {"Deform": 0.1, "Total": 0.5},
            "Inlining": 0.0,
            "Optimization": 1.0,
            "Emission": 2.0,
            "Total": 3.5,
        },
    }
    triggers = [{"Trigger Name": "audit", "Relation": "t", "Time": 1.25, "Calls": 3}]
    b = analyse_plan(doc(n("Result", 1.0), execution=5.0, JIT=jit, Triggers=triggers))
    assert b.jit.functions == 4 and b.jit.total_ms == 3.5 and b.jit.generation_ms == 0.5
    assert b.triggers[0].name == "audit" and b.triggers[0].time_ms == 1.25 and b.triggers[0].calls == 3
    with pytest.raises(ValueError):
        analyse_plan([])


def test_never_executed_node():
    child = n("Seq Scan", 0.0, loops=0, rows=0, plan_rows=100, **{"Parent Relationship": "Outer"})
    node = analyse_plan(doc(n("Limit", 1.0, plans=[child]))).node(1)
    assert node.inclusive_ms == 0.0 and node.misestimate is None


def test_speed_of_a_thousand_node_plan():
    plan = n("Result", 1000.0)
    current = plan
    for i in range(999):  # a deep chain: no recursion limit to hit
        child = n("Seq Scan", 999.0 - i, **{"Parent Relationship": "Outer", "Shared Hit Blocks": 5})
        current["Plans"] = [child]
        current = child
    start = time.perf_counter()
    a = analyse_plan(doc(plan, execution=1000.0))
    elapsed = (time.perf_counter() - start) * 1000
    print(f"\nanalysed {len(a.nodes)} nodes in {elapsed:.1f} ms")
    assert len(a.nodes) == 1000


def _explain(database, sql: str, setup: str | None = None):
    with database.connect() as connection:
        if setup:
            connection.execute(text(setup))
        result = connection.execute(text(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {sql}")).scalar()
    return analyse_plan(result)


def _check_invariants(a, tolerance=0.5):
    assert a.analysed
    for node in a.nodes:
        assert node.exclusive_ms is None or node.exclusive_ms >= 0
        assert node.exclusive_cost >= 0
    total = sum(x.exclusive_ms or 0 for x in a.nodes)
    assert total == pytest.approx(a.nodes[0].inclusive_ms, rel=0.05, abs=0.05)
    assert total <= a.execution_ms + tolerance


def test_real_join(database):
    a = _explain(
        database,
        "SELECT * FROM gacha.user_waifus uw JOIN gacha.waifus w ON w.waifu_id = uw.waifu_id WHERE uw.user_id = 3",
    )
    _check_invariants(a)
    assert a.planning_ms is not None and any(x.relation == "waifus" for x in a.nodes)


def test_real_recursive_cte(database):
    a = _explain(
        database,
        "WITH RECURSIVE tree AS (SELECT id, parent_id, 1 AS depth FROM stories.nodes "
        "WHERE parent_id IS NULL UNION ALL SELECT n.id, n.parent_id, t.depth + 1 "
        "FROM stories.nodes n JOIN tree t ON n.parent_id = t.id) "
        "SELECT depth, count(*) FROM tree GROUP BY depth ORDER BY depth",
    )
    _check_invariants(a)
    assert any(x.node_type == "Recursive Union" for x in a.nodes)


def test_real_disk_sort(database):
    with database.connect() as connection:
        connection.execute(text("SET work_mem = '64kB'"))
        raw = connection.execute(
            text("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) SELECT g FROM generate_series(1, 200000) g ORDER BY g DESC")
        ).scalar()
    a = analyse_plan(raw)
    _check_invariants(a)
    sort = next(x for x in a.nodes if x.node_type == "Sort")
    assert sort.sort_space_type == "Disk"
    assert [w.kind for w in sort.warnings] == ["sort_spill"]
    assert sort.buffers.temp_written > 0


def worker(number, total, loops=1, rows=1, **extra):
    return {
        "Worker Number": number,
        "Actual Startup Time": 0.5,
        "Actual Total Time": total,
        "Actual Rows": rows,
        "Actual Loops": loops,
        **extra,
    }


def test_per_worker_totals_give_the_longest_participant():
    # Scan: 30 ms x 3 loops = 90 ms of work; worker 0 took 35 x 1, worker 1 took 40 x 1,
    # so the leader took 90 - 75 = 15. The wall time is the longest of 15, 35, 40: 40 ms
    # (the average division would have said 90 / 3 = 30). Gather: 40 - 40 = 0 exclusive.
    scan = n(
        "Parallel Seq Scan",
        30.0,
        loops=3,
        rows=1000,
        plan_rows=1000,
        **{
            "Parent Relationship": "Outer",
            "Workers": [worker(1, 40.0, rows=1200, **{"Shared Hit Blocks": 7}), worker(0, 35.0, rows=900)],
        },
    )
    gather = n("Gather", 40.0, rows=3000, plan_rows=3000, plans=[scan], **{"Workers Planned": 2, "Workers Launched": 2})
    a = analyse_plan(doc(gather, execution=40.0))
    s = a.node(1)
    assert s.inclusive_ms == pytest.approx(40.0)
    assert a.node(0).exclusive_ms == pytest.approx(0.0)
    assert [w.number for w in s.workers] == [0, 1]
    assert [w.time_ms for w in s.workers] == pytest.approx([35.0, 40.0])
    assert [w.rows for w in s.workers] == [900, 1200]
    assert s.workers[1].buffers.shared_hit == 7 and s.workers[0].startup_ms == 0.5
    assert a.node(0).workers == ()


def test_per_worker_totals_when_the_leader_did_most():
    # 20 ms x 3 loops = 60; workers 10 x 1 and 5 x 1 = 15; the leader 60 - 15 = 45 is longest.
    # A worker that looped: 4 ms x 5 loops = 20 ms of its time.
    scan = n(
        "Parallel Index Scan",
        20.0,
        loops=3,
        **{"Parent Relationship": "Outer", "Workers": [worker(0, 10.0), worker(1, 5.0)]},
    )
    gather = n("Gather", 50.0, plans=[scan], **{"Workers Launched": 2})
    assert analyse_plan(doc(gather)).node(1).inclusive_ms == pytest.approx(45.0)
    looped = n(
        "Parallel Seq Scan",
        2.0,
        loops=12,
        **{"Parent Relationship": "Outer", "Workers": [worker(0, 4.0, loops=5), worker(1, 1.0, loops=5)]},
    )
    # 2 x 12 = 24; workers 20 + 5 = 25 > 24 (rounding in the report): the leader is clamped
    # at 0 and the longest participant is worker 0 with 20 ms.
    node = analyse_plan(doc(n("Gather", 30.0, plans=[looped], **{"Workers Launched": 2}))).node(1)
    assert node.inclusive_ms == pytest.approx(20.0)
    assert node.workers[0].time_ms == pytest.approx(20.0) and node.workers[0].loops == 5


def test_workers_without_times_fall_back_to_the_average():
    # Sort per-worker data without VERBOSE carries no times: 30 x 3 / 3 processes = 30.
    sort = n(
        "Sort",
        30.0,
        loops=3,
        **{
            "Parent Relationship": "Outer",
            "Workers": [
                {"Worker Number": 0, "Sort Method": "quicksort", "Sort Space Used": 25, "Sort Space Type": "Memory"}
            ],
        },
    )
    node = analyse_plan(doc(n("Gather Merge", 40.0, plans=[sort], **{"Workers Launched": 2}))).node(1)
    assert node.inclusive_ms == pytest.approx(30.0)
    assert node.workers[0].time_ms is None and node.workers[0].number == 0

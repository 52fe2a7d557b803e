"""Parse and analyse a plan of 1,000 nodes, from PostgreSQL's JSON and from its text format.

Run apart from the default suite: `pytest -m bench tests/bench/test_explain.py -s -n 0`.
The plan is a realistic mix built here: blocks of a sort over a hash left join of a nested
loop (a CTE scan, an index scan looping over it) and a hash of a Gather over a parallel
sequential scan with per-worker figures, each with a CTE InitPlan, an InitPlan and a
SubPlan, the blocks joined pairwise by merge joins. The text twin is written the way
explain.c indents it. Prints the median of RUNS runs of parse + analyse for each format,
beside a baseline measured in the same run: json.loads of the same JSON document (the
floor of reading any plan). DESIGN.md's target is < 100 ms; asserted for both formats.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable
from typing import Any

import pytest

from data.explain.analysis import analyse_plan
from data.explain.text_format import parse_plan

pytestmark = pytest.mark.bench

NODES = 1000
RUNS = 25
TARGET_MS = 100.0


def _node(node_type: str, cost: float, rows: int, ms: float, loops: int = 1, **extra: Any) -> dict[str, Any]:
    return {
        "Node Type": node_type,
        "Parallel Aware": False,
        "Async Capable": False,
        "Startup Cost": round(cost / 4, 2),
        "Total Cost": round(cost, 2),
        "Plan Rows": rows,
        "Plan Width": 8,
        "Actual Startup Time": round(ms / 5, 3),
        "Actual Total Time": round(ms, 3),
        "Actual Rows": rows,
        "Actual Loops": loops,
        "Shared Hit Blocks": rows // 10 + 1,
        **extra,
    }


def _block(k: int) -> dict[str, Any]:
    """Twelve nodes: sort, hash left join, nested loop, CTE, InitPlan, SubPlan, parallel scan."""
    workers = [
        {
            "Worker Number": w,
            "Actual Startup Time": 0.1,
            "Actual Total Time": 1.5 + w,
            "Actual Rows": 300,
            "Actual Loops": 1,
            "Shared Hit Blocks": 20,
        }
        for w in (0, 1)
    ]
    scan = _node(
        "Seq Scan",
        40.0,
        300,
        1.4,
        loops=3,
        **{
            "Parallel Aware": True,
            "Relation Name": f"big{k}",
            "Alias": f"b{k}",
            "Filter": f"(b{k}.flag AND (b{k}.score > 10))",
            "Rows Removed by Filter": 700,
            "Workers": workers,
        },
    )
    gather = _node("Gather", 60.0, 900, 3.0, **{"Workers Planned": 2, "Workers Launched": 2, "Plans": [scan]})
    hashed = _node(
        "Hash",
        60.0,
        900,
        3.2,
        **{
            "Hash Buckets": 1024,
            "Original Hash Buckets": 1024,
            "Hash Batches": 1,
            "Original Hash Batches": 1,
            "Peak Memory Usage": 64,
            "Plans": [gather],
        },
    )
    cte_scan = _node("CTE Scan", 2.0, 20, 0.5, **{"CTE Name": f"c{k}", "Alias": f"c{k}"})
    index = _node(
        "Index Scan",
        5.0,
        4,
        0.01,
        loops=20,
        **{
            "Scan Direction": "Forward",
            "Index Name": f"t{k}_pkey",
            "Relation Name": f"t{k}",
            "Alias": f"t{k}",
            "Index Cond": f"(t{k}.id = c{k}.id)",
        },
    )
    loop = _node("Nested Loop", 120.0, 80, 0.9, **{"Join Type": "Inner", "Plans": [cte_scan, index]})
    subplan = _node(
        "Index Only Scan",
        0.5,
        1,
        0.004,
        loops=80,
        **{
            "Parent Relationship": "SubPlan",
            "Subplan Name": f"SubPlan {2 * k + 2}",
            "Scan Direction": "Backward",
            "Index Name": f"s{k}_idx",
            "Relation Name": f"s{k}",
            "Alias": f"s{k}",
            "Index Cond": f"(s{k}.t_id = t{k}.id)",
            "Heap Fetches": 3,
        },
    )
    join = _node(
        "Hash Join",
        200.0,
        80,
        5.0,
        **{"Join Type": "Left", "Hash Cond": f"(t{k}.big_id = b{k}.id)", "Plans": [loop, hashed, subplan]},
    )
    init = _node(
        "Result", 0.01, 1, 0.002, **{"Parent Relationship": "InitPlan", "Subplan Name": f"InitPlan {2 * k + 1}"}
    )
    cte_source = _node("Seq Scan", 2.0, 20, 0.3, **{"Relation Name": f"src{k}", "Alias": f"src{k}"})
    cte = _node(
        "Limit",
        2.0,
        20,
        0.35,
        **{"Parent Relationship": "InitPlan", "Subplan Name": f"CTE c{k}", "Plans": [cte_source]},
    )
    return _node(
        "Sort",
        210.0,
        80,
        5.5,
        **{
            "Sort Key": [f"t{k}.name", f"b{k}.score DESC"],
            "Sort Method": "quicksort",
            "Sort Space Used": 30,
            "Sort Space Type": "Memory",
            "Plans": [cte, init, join],
        },
    )


def _count(node: dict[str, Any]) -> int:
    return 1 + sum(_count(child) for child in node.get("Plans", ()))


def _relate(node: dict[str, Any]) -> None:
    plain = [c for c in node.get("Plans", ()) if "Parent Relationship" not in c]
    for i, child in enumerate(plain):
        child["Parent Relationship"] = "Outer" if i == 0 else "Inner"
    for child in node.get("Plans", ()):
        _relate(child)


def thousand_node_plan() -> list[dict[str, Any]]:
    layer = [_block(k) for k in range(77)]  # 77 x 12 nodes + 76 merge joins = 1,000
    while len(layer) > 1:
        paired = []
        for i in range(0, len(layer) - 1, 2):
            ms = layer[i]["Actual Total Time"] + layer[i + 1]["Actual Total Time"] + 0.5
            paired.append(
                _node(
                    "Merge Join",
                    500.0,
                    80,
                    ms,
                    **{"Join Type": "Inner", "Merge Cond": "(x.id = y.id)", "Plans": [layer[i], layer[i + 1]]},
                )
            )
        layer = paired + ([layer[-1]] if len(layer) % 2 else [])
    root = layer[0]
    while _count(root) < NODES:
        root = _node("Limit", 900.0, 80, root["Actual Total Time"] + 0.1, **{"Plans": [root]})
    _relate(root)
    assert _count(root) == NODES
    return [{"Plan": root, "Planning Time": 4.2, "Execution Time": root["Actual Total Time"] + 0.3}]


# --- the text twin, indented as explain.c indents it -------------------------------------------


def _head(node: dict[str, Any]) -> str:
    node_type = node["Node Type"]
    name = node_type
    if node_type in ("Hash Join", "Merge Join", "Nested Loop"):
        join = node.get("Join Type", "Inner")
        stem = node_type.removesuffix(" Join")
        name = (
            stem
            if join == "Inner" and node_type == "Nested Loop"
            else (f"{stem} Join" if join == "Inner" else f"{stem} {join} Join")
        )
    if node.get("Parallel Aware"):
        name = "Parallel " + name
    if "Index Name" in node and node_type != "Bitmap Index Scan":
        name += (" Backward" if node.get("Scan Direction") == "Backward" else "") + f" using {node['Index Name']}"
    target = node.get("Relation Name") or node.get("CTE Name")
    if target:
        name += f" on {target}" + (f" {node['Alias']}" if node.get("Alias", target) != target else "")
    return (
        f"{name}  (cost={node['Startup Cost']:.2f}..{node['Total Cost']:.2f} rows={node['Plan Rows']} "
        f"width={node['Plan Width']}) (actual time={node['Actual Startup Time']:.3f}.."
        f"{node['Actual Total Time']:.3f} rows={node['Actual Rows']} loops={node['Actual Loops']})"
    )


def _properties(node: dict[str, Any]) -> list[str]:
    lines = []
    for key in ("Sort Key", "Hash Cond", "Merge Cond", "Index Cond", "Filter"):
        if key in node:
            value = node[key]
            lines.append(f"{key}: {', '.join(value) if isinstance(value, list) else value}")
    if "Rows Removed by Filter" in node:
        lines.append(f"Rows Removed by Filter: {node['Rows Removed by Filter']}")
    if "Heap Fetches" in node:
        lines.append(f"Heap Fetches: {node['Heap Fetches']}")
    if "Sort Method" in node:
        lines.append(f"Sort Method: {node['Sort Method']}  {node['Sort Space Type']}: {node['Sort Space Used']}kB")
    if "Workers Planned" in node:
        lines += [f"Workers Planned: {node['Workers Planned']}", f"Workers Launched: {node['Workers Launched']}"]
    if "Hash Buckets" in node:
        lines.append(
            f"Buckets: {node['Hash Buckets']}  Batches: {node['Hash Batches']}  "
            f"Memory Usage: {node['Peak Memory Usage']}kB"
        )
    lines.append(f"Buffers: shared hit={node['Shared Hit Blocks']}")
    return lines


def render_text(document: list[dict[str, Any]]) -> str:
    lines: list[str] = []
    stack: list[tuple[dict[str, Any], int]] = [(document[0]["Plan"], 0)]
    while stack:
        node, indent = stack.pop()
        if "Subplan Name" in node:
            lines.append("  " * indent + node["Subplan Name"])
            indent += 1
        if indent:
            lines.append("  " * indent + "->  " + _head(node))
            indent += 2
        else:
            lines.append(_head(node))
        indent += 1
        lines += ["  " * indent + line for line in _properties(node)]
        for worker in node.get("Workers", ()):
            lines.append(
                "  " * indent + f"Worker {worker['Worker Number']}:  actual time="
                f"{worker['Actual Startup Time']:.3f}..{worker['Actual Total Time']:.3f} "
                f"rows={worker['Actual Rows']} loops={worker['Actual Loops']}"
            )
            lines.append("  " * (indent + 1) + f"Buffers: shared hit={worker['Shared Hit Blocks']}")
        stack.extend((child, indent) for child in reversed(node.get("Plans", ())))
    lines += [
        f"Planning Time: {document[0]['Planning Time']:.3f} ms",
        f"Execution Time: {document[0]['Execution Time']:.3f} ms",
    ]
    return "\n".join(lines)


def median_ms(action: Callable[[], object]) -> float:
    timings = []
    for _ in range(RUNS):
        started = time.perf_counter()
        action()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def test_parse_and_analyse_a_thousand_node_plan():
    document = thousand_node_plan()
    as_json = json.dumps(document, indent=2)
    as_text = render_text(document)
    # The text twin reads back as the same plan, so both timings measure the same work.
    from_text, from_json = analyse_plan(parse_plan(as_text)), analyse_plan(parse_plan(as_json))
    assert len(from_text.nodes) == len(from_json.nodes) == NODES
    assert [(n.node_type, n.relation, n.subplan_name, n.loops) for n in from_text.nodes] == [
        (n.node_type, n.relation, n.subplan_name, n.loops) for n in from_json.nodes
    ]
    assert [n.inclusive_ms for n in from_text.nodes] == pytest.approx([n.inclusive_ms for n in from_json.nodes])

    baseline = median_ms(lambda: json.loads(as_json))
    json_ms = median_ms(lambda: analyse_plan(parse_plan(as_json)))
    text_ms = median_ms(lambda: analyse_plan(parse_plan(as_text)))
    parse_text_ms = median_ms(lambda: parse_plan(as_text))
    print(
        f"\n{NODES}-node plan, median of {RUNS} runs ({len(as_json) // 1024} kB JSON, "
        f"{len(as_text) // 1024} kB text, {as_text.count(chr(10)) + 1} text lines)"
    )
    print(f"  baseline json.loads         {baseline:8.2f} ms")
    print(f"  JSON: parse + analyse       {json_ms:8.2f} ms  ({json_ms / baseline:5.1f}x baseline)")
    print(f"  text: parse                 {parse_text_ms:8.2f} ms  ({parse_text_ms / baseline:5.1f}x baseline)")
    print(f"  text: parse + analyse       {text_ms:8.2f} ms  ({text_ms / baseline:5.1f}x baseline)")
    print(f"  target                      {TARGET_MS:8.2f} ms")
    assert json_ms < TARGET_MS and text_ms < TARGET_MS

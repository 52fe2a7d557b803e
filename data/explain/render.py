"""Plans as text: the figures' formats, node titles, tree guides and the annotated tree.

Shared by the plan tree widget and `console explain`, so that both say the same thing in
the same words; plain strings, no UI.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from data.explain.analysis import NodeAnalysis, PlanAnalysis

SEVERITY_MARK = {"info": "ℹ", "warning": "⚠", "critical": "‼"}
BAR_WIDTH = 8
_EIGHTHS = " ▏▎▍▌▋▊▉█"


def format_ms(value: float | None) -> str:
    if value is None:
        return "–"
    if value < 0.01:
        return "<0.01" if value > 0 else "0"
    if value < 10:
        return f"{value:.2f}"
    if value < 1000:
        return f"{value:.1f}"
    return f"{value:,.0f}"


def format_change_ms(change: float) -> str:
    """A signed difference of times: `-12.3` (faster), `+0.52` (slower)."""
    return ("+" if change > 0 else "-" if change < 0 else "") + format_ms(abs(change))


def format_count(value: float | None) -> str:
    if value is None:
        return "–"
    if abs(value) >= 10_000_000:
        return f"{value / 1_000_000:.0f}M"
    if abs(value) >= 100_000:
        return f"{value / 1000:.0f}k"
    return f"{value:,.0f}"


def share_bar(share: float | None, width: int = BAR_WIDTH) -> str:
    """A bar of `width` cells for a share from 0 to 1, in eighths of a cell."""
    if share is None:
        return " " * width
    eighths = round(max(0.0, min(share, 1.0)) * width * 8)
    full, part = divmod(eighths, 8)
    return ("█" * full + (_EIGHTHS[part] if part else "")).ljust(width)


def misestimate_label(node: NodeAnalysis) -> str:
    """`12× under` when the estimate is off by 2× or more, else empty."""
    factor, direction = node.misestimate, node.misestimate_direction
    if factor is None or direction is None or factor < 2:
        return ""
    return f"{format_count(factor)}× {direction}"


def node_title(node: NodeAnalysis) -> str:
    """`Index Scan using ix on users u`, `CTE Scan on ancestors`, after its InitPlan/SubPlan name."""
    parts = [node.node_type]
    if node.index:
        parts.append(f"using {node.index}")
    if node.relation:
        parts.append(
            "on " + (node.relation if node.alias in (None, node.relation) else f"{node.relation} {node.alias}")
        )
    elif node.cte_name:
        parts.append(f"on {node.cte_name}")
    if node.subplan_name:
        parts.insert(0, f"{node.subplan_name}:")
    return " ".join(parts)


def tree_guides(plan: PlanAnalysis, folded: Iterable[int] = ()) -> list[tuple[NodeAnalysis, str]]:
    """The nodes in tree order, outside folded subtrees, each with its guides (`│ ├─`)."""
    hidden = set(folded)
    shown: list[tuple[NodeAnalysis, str]] = []
    stack: list[tuple[NodeAnalysis, str, bool, bool]] = [(plan.root, "", True, True)]
    while stack:  # iterative: a plan of thousands of nested nodes must not hit the recursion limit
        node, prefix, last, root = stack.pop()
        shown.append((node, "" if root else prefix + ("└─" if last else "├─")))
        if node.id in hidden:
            continue
        below = "" if root else prefix + ("  " if last else "│ ")
        kids = [plan.node(c) for c in node.children]
        for index in range(len(kids) - 1, -1, -1):
            stack.append((kids[index], below, index == len(kids) - 1, False))
    return shown


def plan_summary(plan: PlanAnalysis) -> str:
    """One line for the whole plan: times, cost, JIT, triggers, warnings."""
    parts = []
    if plan.planning_ms is not None:
        parts.append(f"planning {format_ms(plan.planning_ms)} ms")
    if plan.execution_ms is not None:
        parts.append(f"execution {format_ms(plan.execution_ms)} ms")
    parts.append(f"cost {plan.total_cost:,.2f}")
    parts.append(f"{len(plan.nodes)} node{'s' if len(plan.nodes) != 1 else ''}")
    if plan.jit is not None:
        parts.append(f"JIT {plan.jit.functions} functions {format_ms(plan.jit.total_ms)} ms")
    for trigger in plan.triggers:
        parts.append(f"trigger {trigger.name} {format_ms(trigger.time_ms)} ms × {trigger.calls or 0}")
    warned = len(plan.warnings)
    parts.append(f"{warned} warning{'s' if warned != 1 else ''}" if warned else "no warnings")
    if not plan.analysed:
        parts.append("estimates only (no ANALYZE)")
    return " · ".join(parts)


def annotated_tree(
    plan: PlanAnalysis, advice: Iterable[str] = (), bar: Callable[[float | None], str] = share_bar
) -> str:
    """The plan as `console explain` prints it: a summary, one line per node, the warnings
    (numbered after the nodes they mark) and index advice."""
    header = f"{'share':<{BAR_WIDTH}} {'excl ms':>8} {'incl ms':>8} {'rows':>7} {'est':>7} {'loops':>6}  node"
    lines = [plan_summary(plan), "", header]
    notes: list[str] = []
    for node, guides in tree_guides(plan):
        marks = "".join(f" {SEVERITY_MARK[w.severity]}{len(notes) + i + 1}" for i, w in enumerate(node.warnings))
        notes.extend(
            f"{SEVERITY_MARK[w.severity]}{len(notes) + i + 1} {node_title(node)}: {w.message}"
            for i, w in enumerate(node.warnings)
        )
        estimate = node.plan_rows * (node.loops or 1)
        off = misestimate_label(node)
        lines.append(
            f"{bar(node.share)} {format_ms(node.exclusive_ms):>8} {format_ms(node.inclusive_ms):>8} "
            f"{format_count(node.actual_rows):>7} {format_count(estimate):>7} {format_count(node.loops):>6}  "
            f"{guides}{node_title(node)}{f' ({off})' if off else ''}{marks}"
        )
    if notes:
        lines += ["", "Warnings:", *notes]
    advice = list(advice)
    if advice:
        lines += ["", "Index advice:", *advice]
    return "\n".join(lines)

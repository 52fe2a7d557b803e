"""Compare two plans node by node: which parts got faster, slower, appeared or went away.

The trees are matched from the roots down: the children of two matched nodes are aligned
as sequences (difflib) on a key that survives a change of access method: a scan's table
(a Seq Scan that became an Index Scan on the same table is the same step done another
way), a CTE's name, otherwise the node type. Unmatched children appear as removed (left
only) or added (right only), with their subtrees.
"""

from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher

from data.explain.analysis import NodeAnalysis, PlanAnalysis


@dataclass(frozen=True)
class NodePair:
    depth: int
    left: NodeAnalysis | None
    right: NodeAnalysis | None

    @property
    def status(self) -> str:
        if self.left is None:
            return "added"
        if self.right is None:
            return "removed"
        return "same" if _label(self.left) == _label(self.right) else "changed"

    @property
    def time_change_ms(self) -> float | None:
        """Right minus left exclusive time (negative: the right plan is faster here)."""
        return _difference(
            self.left.exclusive_ms if self.left else None, self.right.exclusive_ms if self.right else None
        )

    @property
    def rows_change(self) -> float | None:
        return _difference(self.left.actual_rows if self.left else None, self.right.actual_rows if self.right else None)

    @property
    def time_ratio(self) -> float | None:
        """Right time / left time: 0.1 is ten times faster."""
        if self.left is None or self.right is None:
            return None
        before, after = self.left.exclusive_ms, self.right.exclusive_ms
        if before is None or after is None or before <= 0:
            return None
        return after / before


@dataclass(frozen=True)
class PlanComparison:
    left: PlanAnalysis
    right: PlanAnalysis
    pairs: tuple[NodePair, ...]

    @property
    def total_change_ms(self) -> float | None:
        return _difference(self.left.execution_ms, self.right.execution_ms)

    @property
    def cost_change(self) -> float:
        return self.right.total_cost - self.left.total_cost


def compare_plans(left: PlanAnalysis, right: PlanAnalysis) -> PlanComparison:
    pairs: list[NodePair] = []
    stack: list[tuple[NodeAnalysis | None, NodeAnalysis | None, int]] = [(left.root, right.root, 0)]
    while stack:
        a, b, depth = stack.pop()
        pairs.append(NodePair(depth, a, b))
        kids_a = [left.node(c) for c in a.children] if a else []
        kids_b = [right.node(c) for c in b.children] if b else []
        stack.extend(reversed(_align(kids_a, kids_b, depth + 1)))
    return PlanComparison(left, right, tuple(pairs))


def _align(
    left: list[NodeAnalysis], right: list[NodeAnalysis], depth: int
) -> list[tuple[NodeAnalysis | None, NodeAnalysis | None, int]]:
    matcher = SequenceMatcher(a=[_key(n) for n in left], b=[_key(n) for n in right], autojunk=False)
    aligned: list[tuple[NodeAnalysis | None, NodeAnalysis | None, int]] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal" or (tag == "replace" and i2 - i1 == j2 - j1):
            aligned.extend((left[i], right[j], depth) for i, j in zip(range(i1, i2), range(j1, j2)))
            continue
        aligned.extend((left[i], None, depth) for i in range(i1, i2))
        aligned.extend((None, right[j], depth) for j in range(j1, j2))
    return aligned


def _key(node: NodeAnalysis) -> str:
    if node.relation:
        return f"table:{node.relation}"
    if node.cte_name:
        return f"cte:{node.cte_name}"
    return f"node:{node.node_type}"


def _label(node: NodeAnalysis) -> tuple[str, str | None, str | None]:
    return node.node_type, node.relation, node.index


def _difference(before: float | None, after: float | None) -> float | None:
    if before is None or after is None:
        return None
    return after - before

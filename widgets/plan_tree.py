"""The plan tree: one row per plan node, figures on the left, the tree on the right.

Laid out as explain.depesz.com does, so that figures line up whatever the depth: a bar of
the node's share of the execution time, exclusive and inclusive time, actual and estimated
rows with the misestimate, loops, then the node with tree guides and its warnings. Enter
(or a click) on a node folds its subtree away. `PlanNodeDetails` shows every figure of one
node; `PlanComparisonTable` shows two plans side by side, node by node.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable, Static

from data.explain.analysis import Buffers, NodeAnalysis, PlanAnalysis
from data.explain.compare import NodePair, PlanComparison
from data.explain.render import (
    SEVERITY_MARK,
    format_change_ms,
    format_count,
    format_ms,
    misestimate_label,
    node_title,
    share_bar,
    tree_guides,
)

SEVERITY_STYLE = {"info": "cyan", "warning": "yellow", "critical": "bold red"}


def bar_text(share: float | None) -> Text:
    style = "red" if (share or 0) >= 0.5 else "yellow" if (share or 0) >= 0.2 else "green"
    return Text(share_bar(share), style=style)


def misestimate_text(node: NodeAnalysis) -> Text:
    factor = node.misestimate or 0
    style = "bold red" if factor >= 100 else "yellow" if factor >= 10 else "dim"
    return Text(misestimate_label(node), style=style)


class PlanTree(DataTable[Text]):
    """The nodes of one analysed plan, with folding of subtrees."""

    BINDINGS = [
        Binding("enter", "toggle_fold", "Fold", id="plan_tree.fold", tooltip="Fold or unfold the node's subtree"),
    ]

    COLUMNS = ("share", "excl ms", "incl ms", "rows", "est", "misestimate", "loops", "node")

    @dataclass
    class NodeChosen(Message):
        """The cursor moved to a node."""

        tree: PlanTree
        node: NodeAnalysis

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=False)
        self.analysis: PlanAnalysis | None = None
        self.folded: set[int] = set()

    def on_mount(self) -> None:
        for label in self.COLUMNS:
            self.add_column(label, key=label)

    def show_plan(self, analysis: PlanAnalysis | None) -> None:
        self.analysis = analysis
        self.folded = set()
        self._rebuild()

    def _rebuild(self, keep: int | None = None) -> None:
        self.clear()
        if self.analysis is None:
            return
        for node, guides in tree_guides(self.analysis, self.folded):
            self.add_row(*self._cells(node, guides), key=str(node.id))
        if keep is not None:
            self.move_cursor(row=self.get_row_index(str(keep)))
        self._announce()

    def _cells(self, node: NodeAnalysis, guides: str) -> tuple[Text, ...]:
        title = Text(guides, style="dim")
        if node.id in self.folded and node.children:
            title.append("▸ ", style="bold")
        title.append(node_title(node), style="bold" if node.warnings else "")
        for warning in node.warnings:
            title.append(f" {SEVERITY_MARK[warning.severity]}", style=SEVERITY_STYLE[warning.severity])
        return (
            bar_text(node.share),
            Text(format_ms(node.exclusive_ms), justify="right"),
            Text(format_ms(node.inclusive_ms), justify="right"),
            Text(format_count(node.actual_rows), justify="right"),
            Text(format_count(node.plan_rows * (node.loops or 1)), justify="right", style="dim"),
            misestimate_text(node),
            Text(format_count(node.loops), justify="right", style="dim"),
            title,
        )

    @property
    def current(self) -> NodeAnalysis | None:
        if self.analysis is None or self.row_count == 0:
            return None
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        return self.analysis.node(int(key)) if key is not None else None

    def action_toggle_fold(self) -> None:
        node = self.current
        if node is None or not node.children:
            return
        self.folded ^= {node.id}
        self._rebuild(keep=node.id)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self._announce()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_toggle_fold()

    def _announce(self) -> None:
        node = self.current
        if node is not None:
            self.post_message(self.NodeChosen(self, node))


def _buffers_line(label: str, buffers: Buffers) -> str:
    parts = [f"{name.replace('_', ' ')} {value:,}" for name, value in vars(buffers).items() if value]
    return f"{label:<16}{', '.join(parts) if parts else 'none'}"


def node_details(node: NodeAnalysis, plan: PlanAnalysis) -> Text:
    """Every figure of one node, then its warnings (each saying why it matters)."""
    text = Text()
    text.append(node_title(node) + "\n", style="bold")

    def line(label: str, value: object) -> None:
        if value not in (None, "", "–"):
            text.append(f"{label:<16}", style="dim")
            text.append(f"{value}\n")

    share = f" ({node.share:.0%} of the execution)" if node.share is not None else ""
    line("exclusive", f"{format_ms(node.exclusive_ms)} ms{share}" if node.exclusive_ms is not None else None)
    line("inclusive", f"{format_ms(node.inclusive_ms)} ms" if node.inclusive_ms is not None else None)
    line("cost", f"{node.startup_cost:,.2f}..{node.total_cost:,.2f} (exclusive {node.exclusive_cost:,.2f})")
    rows = f"{format_count(node.actual_rows)} actual / {format_count(node.plan_rows * (node.loops or 1))} estimated"
    if node.misestimate and node.misestimate_direction:
        rows += f" ({node.misestimate:,.1f}× {node.misestimate_direction}estimated)"
    line("rows", rows if node.actual_rows is not None else f"{format_count(node.plan_rows)} estimated")
    line("loops", node.loops)
    line("removed: filter", node.rows_removed_by_filter)
    line("removed: recheck", node.rows_removed_by_recheck)
    line("removed: join", node.rows_removed_by_join_filter)
    line("heap fetches", node.heap_fetches)
    if node.workers_planned is not None:
        line(
            "workers",
            f"{node.workers_launched if node.workers_launched is not None else '?'} launched"
            f" of {node.workers_planned} planned",
        )
    if node.sort_method:
        line("sort", f"{node.sort_method}, {node.sort_space_kb or 0:,} kB {node.sort_space_type or ''}".strip())
    if node.hash_batches is not None:
        batches = f"{node.hash_batches} batches"
        if node.original_hash_batches and node.original_hash_batches != node.hash_batches:
            batches += f" (planned {node.original_hash_batches})"
        line("hash", f"{batches}, peak {node.hash_peak_memory_kb or 0:,} kB")
    for label, condition in (
        ("index cond", node.index_cond),
        ("recheck cond", node.recheck_cond),
        ("filter", node.filter),
        ("join filter", node.join_filter),
        ("hash cond", node.hash_cond),
        ("merge cond", node.merge_cond),
    ):
        line(label, condition)
    if node.buffers.total:
        text.append(_buffers_line("buffers", node.buffers) + "\n", style="")
        text.append(_buffers_line("  exclusive", node.exclusive_buffers) + "\n", style="dim")
    if node.io_read_ms is not None or node.io_write_ms is not None:
        line("I/O", f"read {format_ms(node.io_read_ms)} ms, write {format_ms(node.io_write_ms)} ms")
    for warning in node.warnings:
        text.append(f"\n{SEVERITY_MARK[warning.severity]} ", style=SEVERITY_STYLE[warning.severity])
        text.append(warning.message + "\n")
    return text


class PlanNodeDetails(Static):
    """The figures of the node under the plan tree's cursor."""

    def show_node(self, node: NodeAnalysis | None, plan: PlanAnalysis | None) -> None:
        self.update(node_details(node, plan) if node is not None and plan is not None else "")


_STATUS_STYLE = {"same": "", "changed": "yellow", "added": "green", "removed": "red"}


def _change_text(pair: NodePair) -> Text:
    change = pair.time_change_ms
    if change is None:
        return Text("")
    ratio = pair.time_ratio
    style = "green" if change < 0 else "red" if change > 0 else "dim"
    label = format_change_ms(change)
    if ratio is not None and ratio > 0 and abs(change) >= 0.01:
        label += f" ({1 / ratio:,.1f}× faster)" if ratio < 1 else f" ({ratio:,.1f}× slower)"
    return Text(label, style=style, justify="right")


class PlanComparisonTable(DataTable[Text]):
    """Two plans side by side: each row one matched node (or one only in either plan)."""

    COLUMNS = ("left node", "left ms", "right ms", "right node", "change ms", "rows change")

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=False)

    def on_mount(self) -> None:
        for label in self.COLUMNS:
            self.add_column(label, key=label)

    def show_comparison(self, comparison: PlanComparison) -> None:
        self.clear()
        for index, pair in enumerate(comparison.pairs):
            style = _STATUS_STYLE[pair.status]
            indent = "  " * pair.depth

            def title(node: NodeAnalysis | None) -> Text:
                return Text(indent + node_title(node), style=style) if node else Text(indent + "—", style="dim")

            rows = pair.rows_change
            self.add_row(
                title(pair.left),
                Text(format_ms(pair.left.exclusive_ms) if pair.left else "", justify="right"),
                Text(format_ms(pair.right.exclusive_ms) if pair.right else "", justify="right"),
                title(pair.right),
                _change_text(pair),
                Text("" if not rows else f"{'+' if rows > 0 else ''}{format_count(rows)}", justify="right"),
                key=str(index),
            )

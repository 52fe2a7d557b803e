"""A lazy tree of schemas and their relations: children load only when a node opens.

The tree never asks a database itself. Opening a schema (or a partitioned table) whose
children are not loaded posts `ChildrenWanted`; whoever owns the tree loads them and hands
them back with `show_children`. So a database with thousands of tables costs one query
per schema the user actually opens.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.message import Message
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from data.catalog import RelationEntry, RelationKind, RelationRef, SchemaEntry

# One letter per kind keeps the tree narrow at 80 columns and still says what a node is.
KIND_MARKS: dict[RelationKind, str] = {
    RelationKind.TABLE: "T",
    RelationKind.VIEW: "V",
    RelationKind.MATERIALIZED_VIEW: "M",
    RelationKind.PARTITIONED_TABLE: "P",
    RelationKind.FOREIGN_TABLE: "F",
}


@dataclass
class SchemaNode:
    """What a schema node holds."""

    schema: SchemaEntry
    loaded: bool = False


@dataclass
class RelationNode:
    """What a relation node holds; partitioned tables load their partitions lazily."""

    relation: RelationEntry
    loaded: bool = False


NodeData = SchemaNode | RelationNode


def compact_count(rows: int | None) -> str:
    """An estimated row count in at most five characters: 812, 12k, 3.4M, 1.2G."""
    if rows is None:
        return "?"
    for limit, suffix in ((1_000_000_000, "G"), (1_000_000, "M"), (1_000, "k")):
        if rows >= limit:
            value = rows / limit
            return f"{value:.1f}{suffix}" if value < 10 else f"{value:.0f}{suffix}"
    return str(rows)


class SchemaTree(Tree[NodeData]):
    """Schemas, then their tables, views and partitions, each with its estimated rows."""

    DEFAULT_CSS = """
    SchemaTree { width: 30; border-right: vkey $border-blurred; }
    SchemaTree:focus { border-right: vkey $border; }
    """

    @dataclass
    class ChildrenWanted(Message):
        """A node was opened whose children are not loaded yet."""

        tree: SchemaTree
        node: TreeNode[NodeData]

    @dataclass
    class RelationChosen(Message):
        """The user chose a relation to open (Enter or a click)."""

        ref: RelationRef

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("Schemas", id=id)
        self.show_root = False
        self.guide_depth = 2

    def show_schemas(self, schemas: Sequence[SchemaEntry]) -> None:
        """Replace the tree's schemas; their relations load when each is opened."""
        self.clear()
        for schema in schemas:
            label = Text.assemble(schema.name, (f" {schema.relations}", "dim"))
            self.root.add(label, SchemaNode(schema), allow_expand=schema.relations > 0)

    def show_children(self, node: TreeNode[NodeData], relations: Sequence[RelationEntry]) -> None:
        """Fill an opened schema or partitioned table with the relations loaded for it."""
        node.remove_children()
        for relation in relations:
            data = RelationNode(relation)
            label = relation_label(relation)
            if relation.partitions:
                node.add(label, data)
            else:
                node.add_leaf(label, data)
        if node.data is not None:
            node.data.loaded = True
        if not relations:
            node.add_leaf(Text("(empty)", "dim italic"))

    def select_relation(self, ref: RelationRef) -> bool:
        """Move the cursor to a relation's node if its schema is loaded; True if found."""
        for node in self._loaded_nodes(self.root):
            if isinstance(node.data, RelationNode) and node.data.relation.ref == ref:
                self.move_cursor(node)
                return True
        return False

    def _loaded_nodes(self, node: TreeNode[NodeData]) -> list[TreeNode[NodeData]]:
        found: list[TreeNode[NodeData]] = []
        for child in node.children:
            found.append(child)
            found.extend(self._loaded_nodes(child))
        return found

    @on(Tree.NodeExpanded)
    def _load_when_opened(self, event: Tree.NodeExpanded[NodeData]) -> None:
        data = event.node.data
        if data is not None and not data.loaded:
            event.node.remove_children()
            event.node.add_leaf(Text("loading…", "dim italic"))
            self.post_message(self.ChildrenWanted(self, event.node))

    @on(Tree.NodeSelected)
    def _choose(self, event: Tree.NodeSelected[NodeData]) -> None:
        if isinstance(event.node.data, RelationNode):
            self.post_message(self.RelationChosen(event.node.data.relation.ref))


def relation_label(relation: RelationEntry) -> Text:
    """`T users 12k`: the kind's mark, the name, the estimated rows (dim)."""
    mark = KIND_MARKS.get(relation.kind, "?")
    label = Text.assemble((f"{mark} ", "bold dim"), relation.ref.name)
    if relation.kind is not RelationKind.VIEW:
        label.append(f" {compact_count(relation.estimated_rows)}", "dim")
    return label

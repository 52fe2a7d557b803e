"""A lazy tree of stories and their nodes: children load only when a node opens.

Like the schema tree, it never asks a database itself. Opening a story or a node whose
children are not loaded posts `ChildrenWanted`; the owner loads them and hands them back
with `show_children`. `reveal` opens the way down to a node (a story, then a chain of
node ids root first) one lazy load at a time, and puts the cursor on it.

The labels (`node_label`, `chain_text`) are shared with the screens that show nodes.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.binding import Binding
from textual.content import Content
from textual.message import Message
from textual.widgets import Tree
from textual.widgets.tree import TreeNode as Line

from data.stories import Ancestors, StoryInfo, TreeNode
from widgets.data_grid import clip

# One mark per node type keeps the tree narrow at 80 columns and still says what a node is.
TYPE_MARKS: dict[str, str] = {"root": "◆", "scene": "▪", "choice": "?"}
EMBEDDED_MARK = "≈"
LABEL_WIDTH = 24


@dataclass
class StoryEntry:
    """What a story's line holds."""

    story: StoryInfo
    loaded: bool = False


@dataclass
class NodeEntry:
    """What a node's line holds: the node and the story it belongs to."""

    node: TreeNode
    story_id: uuid.UUID
    loaded: bool = False


Entry = StoryEntry | NodeEntry


def mark(node_type: str) -> str:
    """The one-character mark of a node type."""
    return TYPE_MARKS.get(node_type, "·")


def node_label(node: TreeNode, width: int = LABEL_WIDTH) -> Text:
    """`▪ Inspector Hale reached… 3 ≈`: type mark, label, children (dim), embedding mark."""
    label = Text.assemble((f"{mark(node.node_type)} ", "bold"), clip(node.label, width))
    if node.child_count:
        label.append(f" {node.child_count}", "dim")
    if node.has_embedding:
        label.append(f" {EMBEDDED_MARK}", "dim italic")
    return label


def chain_text(found: Ancestors, depth_limit: int) -> Content:
    """An ancestor chain root first, one node a line, each indented under its parent.

    Warns first when the walk stopped at the depth limit or on a loop of parent links.
    """
    parts: list[Content | tuple[str, str] | str] = []
    if found.depth_limit_hit:
        parts.append((f"… depth limit reached ({depth_limit}): more ancestors above\n", "bold $text-warning"))
    if found.cycle:
        parts.append(("↻ the parent links loop: the walk stopped here\n", "bold $text-warning"))
    last = len(found.chain) - 1
    for index, node in enumerate(found.chain):
        indent = " " * min(index - 1, 12) + "└ " if index else ""
        parts.append((f"{indent}{mark(node.node_type)} {node.label}", "bold" if index == last else ""))
        if index != last:
            parts.append("\n")
    return Content.assemble(*parts)


class StoryTree(Tree[Entry]):
    """Stories with their node counts, then each story's tree of nodes."""

    DEFAULT_CSS = """
    StoryTree { width: 35; border-right: vkey $border-blurred; }
    StoryTree:focus { border-right: vkey $border; }
    """

    BINDINGS = [
        Binding(
            "right",
            "open_or_down",
            "Open",
            id="story_tree.open",
            show=False,
            tooltip="Open the node (its children load), or go to its first child",
        ),
        Binding(
            "left",
            "close_or_up",
            "Close",
            id="story_tree.close",
            show=False,
            tooltip="Close the node, or go to its parent",
        ),
    ]

    @dataclass
    class ChildrenWanted(Message):
        """A story or node was opened whose children are not loaded yet."""

        tree: StoryTree
        line: Line[Entry]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("Stories", id=id)
        self.show_root = False
        self.guide_depth = 2
        self.auto_expand = True
        self._reveal: tuple[uuid.UUID, tuple[uuid.UUID, ...]] | None = None
        """A story and the node ids down to the node `reveal` is opening the way to."""

    def show_stories(self, stories: Sequence[StoryInfo]) -> None:
        """Replace the stories; their nodes load when each is opened."""
        self.clear()
        for story in stories:
            label = Text.assemble(clip(story.title, LABEL_WIDTH + 2), (f" {story.node_count}", "dim"))
            self.root.add(label, StoryEntry(story), allow_expand=story.node_count > 0)
        if stories:
            self.move_to(self.root.children[0])

    def show_children(self, line: Line[Entry], nodes: Sequence[TreeNode]) -> None:
        """Fill an opened story (its roots) or node (its children) with what was loaded."""
        data = line.data
        if data is None:
            return
        story_id = data.story.id if isinstance(data, StoryEntry) else data.story_id
        line.remove_children()
        for node in nodes:
            line.add(node_label(node), NodeEntry(node, story_id), allow_expand=node.child_count > 0)
        data.loaded = True
        if not nodes:
            line.add_leaf(Text("(no nodes)", "dim italic"))
        self._continue_reveal()

    def move_to(self, line: Line[Entry]) -> None:
        """Put the cursor on a line, once the lines just added or opened are laid out."""
        self.call_after_refresh(self.move_cursor, line)

    def story_line(self, story_id: uuid.UUID) -> Line[Entry] | None:
        return next(
            (
                line
                for line in self.root.children
                if isinstance(line.data, StoryEntry) and line.data.story.id == story_id
            ),
            None,
        )

    def reveal(self, story_id: uuid.UUID, path: Sequence[uuid.UUID]) -> bool:
        """Open the way to the last node of `path` (ids root first) and put the cursor on it.

        Returns False when the story is not in the tree (the way cannot be opened).
        """
        if self.story_line(story_id) is None:
            return False
        self._reveal = (story_id, tuple(path))
        self._continue_reveal()
        return True

    def _continue_reveal(self) -> None:
        if self._reveal is None:
            return
        story_id, path = self._reveal
        line = self.story_line(story_id)
        for node_id in path:
            if line is None:
                break
            data = line.data
            if data is None or not data.loaded:
                line.expand()  # its children load; show_children comes back here
                return
            line.expand()
            line = next(
                (
                    child
                    for child in line.children
                    if isinstance(child.data, NodeEntry) and child.data.node.id == node_id
                ),
                None,
            )
        self._reveal = None
        if line is not None:
            self.move_to(line)

    @on(Tree.NodeExpanded)
    def _load_when_opened(self, event: Tree.NodeExpanded[Entry]) -> None:
        data = event.node.data
        if data is not None and not data.loaded:
            event.node.remove_children()
            event.node.add_leaf(Text("loading…", "dim italic"))
            self.post_message(self.ChildrenWanted(self, event.node))

    def action_open_or_down(self) -> None:
        line = self.cursor_node
        if line is None or not line.allow_expand:
            return
        if not line.is_expanded:
            line.expand()
        elif line.children:
            self.move_cursor(line.children[0])

    def action_close_or_up(self) -> None:
        line = self.cursor_node
        if line is None:
            return
        if line.is_expanded:
            line.collapse()
        elif line.parent is not None and line.parent is not self.root:
            self.move_cursor(line.parent)

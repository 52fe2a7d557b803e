"""Stories: each story's node tree (lazy), a node's ancestors, its subtree, its nearest nodes.

Every database call runs in a thread worker through one function of data/stories.py; the
handlers here only move the results onto widgets. The walks up and down are recursive
CTEs with a depth limit the user sets; similarity is pgvector's cosine distance.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.reactive import Reactive, reactive
from textual.widgets import ContentSwitcher, DataTable, Static, Tree
from textual.widgets.tree import TreeNode as Line
from textual.worker import Worker, WorkerState, get_current_worker

from data import stories
from data.errors import error_summary
from data.stories import Ancestors, Similar, StoryInfo, Subtree, TreeNode
from screens.base import ConsoleScreen
from widgets.data_grid import DataGrid, clip
from widgets.dialogs import TextPrompt
from widgets.key_bar import KeyBar
from widgets.story_tree import EMBEDDED_MARK, Entry, NodeEntry, StoryEntry, StoryTree, chain_text, mark
from widgets.title_bar import TitleBar

DEFAULT_DEPTH = 50
REVEAL_DEPTH = 10_000  # a jump walks to the root whatever the limit shown
SUBTREE_LIMIT = 500


class StoriesScreen(ConsoleScreen):
    """Walk the stories' trees: ancestors, subtrees, and neighbours by embedding."""

    DEFAULT_CSS = """
    #stories-main { width: 1fr; padding: 0 0 0 1; }
    #stories-heading { height: 2; text-wrap: nowrap; text-overflow: ellipsis; }
    #stories-switcher { height: 1fr; }
    #stories-story { height: auto; color: $text-muted; }
    .stories-section { height: 1; text-style: bold; color: $text-accent; margin-top: 1; }
    #stories-ancestors { height: auto; max-height: 9; }
    #stories-chain { text-wrap: nowrap; text-overflow: ellipsis; }
    #stories-similar, #stories-subtree-table { height: 1fr; }
    #stories-similar-missing { color: $text-warning; }
    """

    BINDINGS = [
        Binding(
            "s",
            "toggle_subtree",
            "Subtree",
            id="stories.subtree",
            tooltip="The highlighted node's whole subtree in path order (again: back)",
        ),
        Binding(
            "a",
            "ask_depth",
            "Depth",
            id="stories.depth",
            tooltip="Type the depth limit of the ancestor and subtree walks (+ and - step it)",
        ),
        Binding(
            "plus",
            "depth(1)",
            "Deeper",
            id="stories.deeper",
            key_display="+",
            show=False,
            tooltip="Walk one more level up for the ancestors (and down for the subtree)",
        ),
        Binding(
            "minus",
            "depth(-1)",
            "Shallower",
            id="stories.shallower",
            key_display="-",
            show=False,
            tooltip="Walk one level less for the ancestors and the subtree",
        ),
        Binding(
            "j",
            "jump",
            "Jump",
            id="stories.jump",
            show=False,
            tooltip="Go to the node under the table's cursor (Enter does it too)",
        ),
        Binding(
            "escape",
            "leave_subtree",
            "Back",
            id="stories.back",
            show=False,
            tooltip="Back from the subtree to the node's details",
        ),
        Binding(
            "ctrl+r", "reload", "Reload", id="stories.reload", show=False, tooltip="Read the list of stories again"
        ),
    ]

    depth_limit: Reactive[int] = reactive(DEFAULT_DEPTH)
    """How many levels the ancestor and subtree walks go at most."""

    @dataclass
    class StoriesLoaded(Message):
        stories: list[StoryInfo]

    @dataclass
    class ChildrenLoaded(Message):
        line: Line[Entry]
        nodes: list[TreeNode]

    @dataclass
    class DetailLoaded(Message):
        """A walk or search about the node `node_id` came back."""

        node_id: uuid.UUID
        result: Ancestors | Similar | Subtree

    @dataclass
    class JumpReady(Message):
        story_id: uuid.UUID
        ancestors: Ancestors

    def __init__(self) -> None:
        super().__init__()
        self.current: NodeEntry | None = None
        """The node whose details are shown; None while a story (or nothing) is."""
        self.subtree_mode = False
        """The details show the subtree instead of the ancestors and similar nodes."""
        self.similar: Similar | None = None

    def compose(self) -> ComposeResult:
        yield TitleBar()
        with Horizontal(id="stories"):
            yield StoryTree(id="stories-tree")
            with Vertical(id="stories-main"):
                yield Static(id="stories-heading", markup=False)
                with ContentSwitcher(initial="stories-story", id="stories-switcher"):
                    yield Static("Reading the stories…", id="stories-story", markup=False)
                    with Vertical(id="stories-node"):
                        yield Static(id="stories-ancestors-title", classes="stories-section", markup=False)
                        with VerticalScroll(id="stories-ancestors"):
                            yield Static(id="stories-chain", markup=False)
                        yield Static("Most similar by embedding", classes="stories-section", markup=False)
                        yield DataGrid(id="stories-similar", cursor_type="row", zebra_stripes=True)
                        yield Static(id="stories-similar-missing", markup=False)
                    with Vertical(id="stories-subtree"):
                        yield Static(id="stories-subtree-title", classes="stories-section", markup=False)
                        yield DataGrid(id="stories-subtree-table", cursor_type="row", zebra_stripes=True)
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#stories-similar", DataTable).add_columns("sim", "", "story", "label", "dist")
        self.query_one("#stories-subtree-table", DataTable).add_columns("kids", EMBEDDED_MARK, "node")
        self.query_one(StoryTree).focus()
        self.load_stories()

    # ---- the tree ------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="stories.list", exit_on_error=False, name="Stories")
    def load_stories(self) -> None:
        self.post_message(self.StoriesLoaded(stories.list_stories(self.console_app.database)))

    @on(StoriesLoaded)
    def show_stories(self, event: StoriesLoaded) -> None:
        self.query_one(StoryTree).show_stories(event.stories)
        if not event.stories:
            self.query_one("#stories-story", Static).update("There are no stories in this database.")

    @on(StoryTree.ChildrenWanted)
    def children_wanted(self, event: StoryTree.ChildrenWanted) -> None:
        self.load_children(event.line)

    @work(thread=True, group="stories.children", exit_on_error=False, name="Story nodes")
    def load_children(self, line: Line[Entry]) -> None:
        data, database = line.data, self.console_app.database
        if isinstance(data, StoryEntry):
            self.post_message(self.ChildrenLoaded(line, stories.story_roots(database, data.story.id)))
        elif isinstance(data, NodeEntry):
            self.post_message(self.ChildrenLoaded(line, stories.node_children(database, data.node.id)))

    @on(ChildrenLoaded)
    def show_children(self, event: ChildrenLoaded) -> None:
        self.query_one(StoryTree).show_children(event.line, event.nodes)

    @on(Tree.NodeHighlighted)
    def highlighted(self, event: Tree.NodeHighlighted[Entry]) -> None:
        data = event.node.data
        if isinstance(data, StoryEntry):
            self.show_story(data.story)
        elif isinstance(data, NodeEntry):
            self.show_node(data)

    # ---- the details -----------------------------------------------------------------

    def show_story(self, story: StoryInfo) -> None:
        self.current = None
        self.query_one("#stories-heading", Static).update(
            Text.assemble((story.title, "bold"), "\n", (f"{story.node_count} nodes", "dim"))
        )
        self.query_one("#stories-story", Static).update(
            f"{story.summary or 'No summary.'}\n\nCreated {story.created_at:%Y-%m-%d %H:%M}, "
            f"last changed {story.updated_at:%Y-%m-%d %H:%M}.\n\nOpen it (space, Enter or →) to walk its nodes."
        )
        self.query_one(ContentSwitcher).current = "stories-story"

    def show_node(self, entry: NodeEntry) -> None:
        """Show a node's heading and start loading what the details pane shows of it."""
        self.current = entry
        node = entry.node
        facts = [
            node.node_type,
            f"{node.child_count} {'child' if node.child_count == 1 else 'children'}",
            "embedded" if node.has_embedding else "no embedding",
            f"{node.created_at:%Y-%m-%d %H:%M}",
        ]
        self.query_one("#stories-heading", Static).update(
            Text.assemble((f"{mark(node.node_type)} {node.label}", "bold"), "\n", (" · ".join(facts), "dim"))
        )
        self.query_one(ContentSwitcher).current = "stories-subtree" if self.subtree_mode else "stories-node"
        self.load_walks()
        self.query_one("#stories-similar", DataTable).loading = True
        self.load_similar(node.id)

    def load_walks(self) -> None:
        """(Re)load the depth-limited walks of the current node: its ancestors, its subtree."""
        if self.current is None:
            return
        self.query_one("#stories-ancestors-title", Static).update(
            f"Ancestors, root first · depth limit {self.depth_limit}"
        )
        self.query_one("#stories-ancestors").loading = True
        self.load_ancestors(self.current.node.id, self.depth_limit)
        self.refresh_subtree()

    def refresh_subtree(self) -> None:
        if self.current is not None and self.subtree_mode:
            self.query_one("#stories-subtree").loading = True
            self.load_subtree(self.current.node.id, self.depth_limit)

    def post_detail(self, node_id: uuid.UUID, result: Ancestors | Similar | Subtree) -> None:
        """From a worker: hand its result to the screen unless a newer request replaced it."""
        if not get_current_worker().is_cancelled:
            self.post_message(self.DetailLoaded(node_id, result))

    @work(thread=True, exclusive=True, group="stories.ancestors", exit_on_error=False, name="Ancestors")
    def load_ancestors(self, node_id: uuid.UUID, depth: int) -> None:
        self.post_detail(node_id, stories.ancestors(self.console_app.database, node_id, depth))

    @work(thread=True, exclusive=True, group="stories.similar", exit_on_error=False, name="Similar nodes")
    def load_similar(self, node_id: uuid.UUID) -> None:
        self.post_detail(node_id, stories.similar_nodes(self.console_app.database, node_id))

    @work(thread=True, exclusive=True, group="stories.subtree", exit_on_error=False, name="Subtree")
    def load_subtree(self, node_id: uuid.UUID, depth: int) -> None:
        self.post_detail(node_id, stories.subtree(self.console_app.database, node_id, depth, SUBTREE_LIMIT))

    @on(DetailLoaded)
    def show_detail(self, event: DetailLoaded) -> None:
        if self.current is None or self.current.node.id != event.node_id:
            return  # the user has moved on to another node
        if isinstance(event.result, Ancestors):
            self.query_one("#stories-ancestors").loading = False
            self.query_one("#stories-chain", Static).update(chain_text(event.result, self.depth_limit))
        elif isinstance(event.result, Similar):
            self.show_similar(event.result)
        else:
            self.show_subtree(event.result)

    def show_similar(self, similar: Similar) -> None:
        self.similar = similar
        table = self.query_one("#stories-similar", DataTable)
        table.loading = False
        table.clear()
        for near in similar.nodes:
            table.add_row(
                Text(f"{near.similarity:.3f}"),
                Text(mark(near.node_type)),
                Text(clip(near.story_title, 14)),
                Text(clip(near.label, 60)),
                Text(f"{near.distance:.3f}", "dim"),
                key=str(near.id),
            )
        missing = self.query_one("#stories-similar-missing", Static)
        table.display = bool(similar.nodes)
        missing.display = not similar.nodes
        missing.update(
            "This node has no embedding yet: there is nothing to compare it with."
            if similar.missing_embedding
            else "No other node has an embedding."
        )

    def show_subtree(self, found: Subtree) -> None:
        self.query_one("#stories-subtree").loading = False
        depth = max(node.depth for node in found.nodes)
        title = f"Subtree · {len(found.nodes)} nodes · {depth} levels deep"
        if found.depth_limit_hit:
            title += f" · depth limit {self.depth_limit} reached"
        if found.truncated:
            title += f" · first {SUBTREE_LIMIT} only"
        self.query_one("#stories-subtree-title", Static).update(title)
        table = self.query_one("#stories-subtree-table", DataTable)
        table.clear()
        for node in found.nodes:
            table.add_row(
                Text(str(node.child_count), "dim", justify="right"),
                Text(EMBEDDED_MARK if node.has_embedding else ""),
                Text("  " * node.depth + f"{mark(node.node_type)} {clip(node.label, 50)}"),
                key=str(node.id),
            )

    @on(Worker.StateChanged)
    def worker_failed(self, event: Worker.StateChanged) -> None:
        # The App reports the failure; here the panes stop waiting for what will not come.
        if event.state is not WorkerState.ERROR or not (event.worker.group or "").startswith("stories."):
            return
        for selector in ("#stories-ancestors", "#stories-similar", "#stories-subtree"):
            self.query_one(selector).loading = False
        if event.worker.group == "stories.list" and event.worker.error is not None:
            self.query_one("#stories-story", Static).update(
                f"The stories could not be read: {error_summary(event.worker.error)}"
            )

    # ---- actions -------------------------------------------------------------------

    def watch_depth_limit(self) -> None:
        self.load_walks()

    def action_depth(self, step: int) -> None:
        self.depth_limit = max(1, self.depth_limit + step)

    def action_ask_depth(self) -> None:
        def check(typed: str) -> str:
            if not typed.strip().isdigit() or int(typed) < 1:
                raise ValueError("a whole number of at least 1")
            return typed.strip()

        def apply(typed: str | None) -> None:
            if typed:
                self.depth_limit = int(typed)

        self.app.push_screen(
            TextPrompt(
                "Depth limit",
                "How many levels the ancestor and subtree walks may go",
                str(self.depth_limit),
                validate=check,
            ),
            apply,
        )

    def action_toggle_subtree(self) -> None:
        if self.current is None:
            self.notify("Highlight a node first: s shows the subtree under it.", severity="warning")
            return
        self.subtree_mode = not self.subtree_mode
        self.query_one(ContentSwitcher).current = "stories-subtree" if self.subtree_mode else "stories-node"
        self.refresh_subtree()

    def action_leave_subtree(self) -> None:
        if self.subtree_mode:
            self.action_toggle_subtree()

    def action_reload(self) -> None:
        self.load_stories()

    def action_jump(self) -> None:
        if isinstance(self.focused, DataTable) and self.focused.row_count:
            self.jump_from(self.focused, self.focused.cursor_row)

    @on(DataTable.RowSelected)
    def row_selected(self, event: DataTable.RowSelected) -> None:
        self.jump_from(event.data_table, event.cursor_row)

    def jump_from(self, table: DataTable[object], row: int) -> None:
        if self.current is None:
            return
        node_id = uuid.UUID(str(table.coordinate_to_cell_key((row, 0)).row_key.value))
        story_id = self.current.story_id
        if table.id == "stories-similar" and self.similar is not None:
            story_id = next(near.story_id for near in self.similar.nodes if near.id == node_id)
        self.subtree_mode = False
        self.load_jump(story_id, node_id)

    @work(thread=True, exclusive=True, group="stories.jump", exit_on_error=False, name="Go to node")
    def load_jump(self, story_id: uuid.UUID, node_id: uuid.UUID) -> None:
        self.post_message(self.JumpReady(story_id, stories.ancestors(self.console_app.database, node_id, REVEAL_DEPTH)))

    @on(JumpReady)
    def jump(self, event: JumpReady) -> None:
        chain = event.ancestors.chain
        tree = self.query_one(StoryTree)
        self.query_one(ContentSwitcher).current = "stories-node"
        whole = not event.ancestors.depth_limit_hit and not event.ancestors.cycle
        if not (whole and tree.reveal(event.story_id, [node.id for node in chain])):
            # Not reachable from the tree (a story beyond the list, a broken chain): details only.
            self.show_node(NodeEntry(chain[-1], event.story_id))
        tree.focus()

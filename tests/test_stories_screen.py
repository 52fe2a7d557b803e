"""The Stories screen, driven with Pilot on a real database with demo data, at 80x24.

Each test opens the app on its own database copy, pushes the Stories screen, works it
with the keyboard, and compares what the tree and the details pane show with what
data/stories.py answers for the same nodes.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable

from sqlalchemy import text
from sqlalchemy.engine import URL
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Static

from console.app import ConsoleApp
from data import stories
from data.engine import Database
from data.roles import Role
from screens.stories import StoriesScreen
from tests.app_factory import make_app, settle, toasts
from tests.conftest import SMALL_POOL, login_settings
from widgets.story_tree import NodeEntry, StoryEntry, StoryTree

SIZE = (80, 24)


def run(database: Database, scenario: Callable[[Pilot[None], ConsoleApp], Awaitable[None]]) -> None:
    async def main() -> None:
        app = make_app(database)
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await app.push_screen(StoriesScreen())
            await settle(pilot)
            await scenario(pilot, app)

    asyncio.run(main())


def screen(app: ConsoleApp) -> StoriesScreen:
    assert isinstance(app.screen, StoriesScreen), app.screen
    return app.screen


def tree(app: ConsoleApp) -> StoryTree:
    return screen(app).query_one(StoryTree)


def shown(app: ConsoleApp, selector: str) -> str:
    return str(screen(app).query_one(selector, Static).render())


def cursor_node(app: ConsoleApp) -> NodeEntry:
    data = tree(app).cursor_node.data  # type: ignore[union-attr]
    assert isinstance(data, NodeEntry), data
    return data


def row_keys(table: DataTable[object]) -> list[str]:
    return [str(table.coordinate_to_cell_key((row, 0)).row_key.value) for row in range(table.row_count)]


def column(table: DataTable[object], index: int) -> list[str]:
    return [str(table.get_cell_at((row, index))) for row in range(table.row_count)]


async def walk_down(pilot: Pilot[None], levels: int) -> None:
    """From the highlighted line, open it and go to its first child, `levels` times (→ →)."""
    for _ in range(levels):
        await pilot.press("right")
        await settle(pilot)
        await pilot.press("right")
        await settle(pilot)


def test_the_tree_lists_the_demo_stories(database: Database) -> None:
    expected = stories.list_stories(database)

    async def scenario(pilot: Pilot[None], app: ConsoleApp) -> None:
        lines = tree(app).root.children
        assert [line.data.story.id for line in lines] == [s.id for s in expected]  # type: ignore[union-attr]
        for line, story in zip(lines, expected, strict=True):
            label = str(line.label)
            assert label.endswith(f" {story.node_count}")
            assert story.title.startswith(label.rsplit(" ", 1)[0].rstrip("…"))
            assert not line.children  # nothing below a story is read before it opens
        # The cursor starts on the first story, whose facts the details pane shows.
        assert isinstance(tree(app).cursor_node.data, StoryEntry)  # type: ignore[union-attr]
        assert expected[0].title in shown(app, "#stories-heading")
        assert f"{expected[0].node_count} nodes" in shown(app, "#stories-heading")
        assert tree(app).has_focus

    run(database, scenario)


def test_opening_a_story_and_a_node_loads_their_children_lazily(database: Database) -> None:
    first, second = stories.list_stories(database)[:2]
    roots = stories.story_roots(database, first.id)
    children = stories.node_children(database, roots[0].id)

    async def scenario(pilot: Pilot[None], app: ConsoleApp) -> None:
        story_line, other = tree(app).root.children[:2]
        await pilot.press("space")
        await settle(pilot)
        assert [line.data.node.id for line in story_line.children] == [n.id for n in roots]  # type: ignore[union-attr]
        assert not other.children
        await pilot.press("down")
        await pilot.press("right")
        await settle(pilot)
        root_line = story_line.children[0]
        assert root_line.is_expanded
        assert [line.data.node.id for line in root_line.children] == [n.id for n in children]  # type: ignore[union-attr]
        for line, node in zip(root_line.children, children, strict=True):
            assert line.allow_expand == (node.child_count > 0)
            assert not line.children
            if node.child_count:
                assert f" {node.child_count}" in str(line.label)
        # Left closes the node, then goes up to the story.
        await pilot.press("left")
        assert not root_line.is_expanded
        await pilot.press("left")
        await pilot.pause()
        assert tree(app).cursor_node is story_line
        assert second.id != first.id

    run(database, scenario)


def test_a_highlighted_node_shows_its_ancestors_root_first(database: Database) -> None:
    async def scenario(pilot: Pilot[None], app: ConsoleApp) -> None:
        await pilot.press("space")
        await settle(pilot)
        await pilot.press("down")
        await walk_down(pilot, 4)
        node = cursor_node(app).node
        chain = stories.ancestors(database, node.id).chain
        assert len(chain) == 5 and chain[-1].id == node.id
        lines = shown(app, "#stories-chain").splitlines()
        assert len(lines) == len(chain)
        for line, ancestor in zip(lines, chain, strict=True):
            assert line.strip().lstrip("└ ").split(" ", 1)[1] == ancestor.label
        assert "depth limit 50" in shown(app, "#stories-ancestors-title")
        # A lower limit stops the walk, and says so.
        await pilot.press("a")
        await settle(pilot)
        app.screen.query_one(Input).value = "2"
        await pilot.press("enter")
        await settle(pilot)
        limited = stories.ancestors(database, node.id, max_depth=2)
        assert limited.depth_limit_hit
        lines = shown(app, "#stories-chain").splitlines()
        assert lines[0].startswith("… depth limit reached (2)")
        assert [line.strip().lstrip("└ ").split(" ", 1)[1] for line in lines[1:]] == [n.label for n in limited.chain]
        await pilot.press("plus")
        await settle(pilot)
        assert "depth limit 3" in shown(app, "#stories-ancestors-title")
        assert len(shown(app, "#stories-chain").splitlines()) == 1 + 4
        await pilot.press("plus")
        await settle(pilot)
        assert "depth limit reached" not in shown(app, "#stories-chain")
        assert len(shown(app, "#stories-chain").splitlines()) == 5

    run(database, scenario)


def test_similar_nodes_are_listed_nearest_first_and_enter_jumps_to_one(database: Database) -> None:
    async def scenario(pilot: Pilot[None], app: ConsoleApp) -> None:
        await pilot.press("space")
        await settle(pilot)
        await pilot.press("down")
        await settle(pilot)
        node = cursor_node(app).node
        assert node.has_embedding
        expected = stories.similar_nodes(database, node.id)
        assert len(expected.nodes) >= 3
        table = screen(app).query_one("#stories-similar", DataTable)
        assert table.display and not screen(app).query_one("#stories-similar-missing").display
        assert row_keys(table) == [str(near.id) for near in expected.nodes]
        assert column(table, 0) == [f"{near.similarity:.3f}" for near in expected.nodes]
        distances = [float(value) for value in column(table, 4)]
        assert distances == sorted(distances)
        # Enter on a neighbour in another story opens the way to it in the tree.
        target = next(
            (near for near in expected.nodes if near.story_id != cursor_node(app).story_id), expected.nodes[-1]
        )
        index = [near.id for near in expected.nodes].index(target.id)
        table.focus()
        table.move_cursor(row=index)
        await pilot.press("enter")
        await settle(pilot)
        assert tree(app).has_focus
        landed = cursor_node(app)
        assert (landed.node.id, landed.story_id) == (target.id, target.story_id)
        assert target.label.split()[0] in shown(app, "#stories-heading")
        story_line = tree(app).story_line(target.story_id)
        assert story_line is not None and story_line.is_expanded

    run(database, scenario)


def test_a_node_without_embedding_says_so(database: Database) -> None:
    story = stories.list_stories(database)[0]
    root = stories.story_roots(database, story.id)[0]
    with database.connect() as connection:
        connection.execute(text("UPDATE stories.nodes SET embedding = NULL WHERE id = :id"), {"id": root.id})

    async def scenario(pilot: Pilot[None], app: ConsoleApp) -> None:
        await pilot.press("space")
        await settle(pilot)
        await pilot.press("down")
        await settle(pilot)
        assert cursor_node(app).node.id == root.id
        assert "no embedding" in shown(app, "#stories-heading")
        missing = screen(app).query_one("#stories-similar-missing", Static)
        assert missing.display and "no embedding yet" in str(missing.render())
        assert not screen(app).query_one("#stories-similar", DataTable).display

    run(database, scenario)


def test_the_subtree_view_lists_the_nodes_in_path_order(database: Database) -> None:
    async def scenario(pilot: Pilot[None], app: ConsoleApp) -> None:
        await pilot.press("space")
        await settle(pilot)
        await pilot.press("down")
        await walk_down(pilot, 1)
        node = cursor_node(app).node
        expected = stories.subtree(database, node.id, max_depth=50)
        await pilot.press("s")
        await settle(pilot)
        depth = max(n.depth for n in expected.nodes)
        assert depth >= 2
        assert shown(app, "#stories-subtree-title") == f"Subtree · {len(expected.nodes)} nodes · {depth} levels deep"
        table = screen(app).query_one("#stories-subtree-table", DataTable)
        assert table.display
        assert row_keys(table) == [str(n.id) for n in expected.nodes]
        for cell, each in zip(column(table, 2), expected.nodes, strict=True):
            assert cell.startswith("  " * each.depth) and cell[2 * each.depth] != " "
        # A depth limit of 1 keeps the node and its children, and says more lie below.
        await pilot.press("a")
        await settle(pilot)
        app.screen.query_one(Input).value = "1"
        await pilot.press("enter")
        await settle(pilot)
        assert row_keys(table) == [str(node.id)] + [str(n.id) for n in stories.node_children(database, node.id)]
        assert "depth limit 1 reached" in shown(app, "#stories-subtree-title")
        # Enter on a row goes to that node; s (or escape) goes back to the details.
        table.focus()
        table.move_cursor(row=1)
        await pilot.press("enter")
        await settle(pilot)
        assert cursor_node(app).node.id == uuid.UUID(row_keys(table)[1])
        assert screen(app).query_one("#stories-switcher").current == "stories-node"  # type: ignore[attr-defined]

    run(database, scenario)


def test_the_support_role_gets_a_notification_not_a_crash(database_url: URL) -> None:
    settings = login_settings(database_url, Role.SUPPORT, pool=SMALL_POOL)
    with Database(settings) as support:

        async def scenario(pilot: Pilot[None], app: ConsoleApp) -> None:
            assert "the support role may not read the stories schema" in toasts(app)
            assert "could not be read" in shown(app, "#stories-story")
            assert not tree(app).root.children
            await pilot.press("s", "plus")
            await settle(pilot)
            assert "Highlight a node first" in toasts(app)
            assert isinstance(app.screen, StoriesScreen)

        run(support, scenario)

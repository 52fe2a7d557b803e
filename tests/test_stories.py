"""StoryForge reads: the lazy tree, ancestors and subtrees by recursive CTE, similar nodes."""

from __future__ import annotations

import math
import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import insert, text
from sqlalchemy.engine import URL

from data import stories
from data.engine import Database
from data.inputs import BadInput
from data.models.stories import EMBEDDING_DIMENSIONS, Node, Story
from data.roles import Role
from tests.conftest import SMALL_POOL, login_settings

T0 = datetime(2025, 3, 1, 12, 0, 0)


def run(database: Database, sql: str, **params: Any) -> Any:
    with database.connect() as connection:
        return connection.execute(text(sql), params)


def make_story(database: Database, nodes: list[dict[str, Any]], title: str = "Test story") -> uuid.UUID:
    """A story with the given nodes (id, parent_id, node_type, created_at, embedding...)."""
    story_id = uuid.uuid4()
    with database.connect() as connection:
        connection.execute(insert(Story), {"id": story_id, "title": title})
        for number, node in enumerate(nodes):
            connection.execute(
                insert(Node),
                {
                    "story_id": story_id,
                    "content": f"node {number}",
                    "node_type": "scene",
                    "created_at": T0 + timedelta(minutes=number),
                    "embedding": None,
                    "parent_id": None,
                    **node,
                },
            )
    return story_id


def chain(database: Database, length: int) -> list[uuid.UUID]:
    """A straight line of `length` nodes, root first."""
    ids = [uuid.uuid4() for _ in range(length)]
    make_story(
        database,
        [
            {"id": node, "parent_id": ids[i - 1] if i else None, "node_type": "root" if i == 0 else "scene"}
            for i, node in enumerate(ids)
        ],
    )
    return ids


def unit(degrees: float) -> list[float]:
    """A unit vector at `degrees` from the first axis, in the plane of the first two."""
    vector = [0.0] * EMBEDDING_DIMENSIONS
    vector[0], vector[1] = math.cos(math.radians(degrees)), math.sin(math.radians(degrees))
    return vector


def test_list_stories_counts_nodes(database: Database) -> None:
    listed = stories.list_stories(database)
    assert len(listed) == run(database, "SELECT count(*) FROM stories.stories").scalar()
    assert [s.title for s in listed] == sorted(s.title for s in listed)
    assert sum(s.node_count for s in listed) == run(database, "SELECT count(*) FROM stories.nodes").scalar()


def test_the_tree_opens_lazily_with_child_counts(database: Database) -> None:
    story = stories.list_stories(database)[0]
    [root] = stories.story_roots(database, story.id)
    assert (root.node_type, root.parent_id, root.depth) == ("root", None, 0)
    children = stories.node_children(database, root.id)
    assert len(children) == root.child_count >= 2
    assert all(child.parent_id == root.id and child.depth == 1 for child in children)
    assert [c.created_at for c in children] == sorted(c.created_at for c in children)
    for child in children:
        assert len(stories.node_children(database, child.id)) == child.child_count
    assert root.label


def test_orphaned_branches_come_after_the_root(database: Database) -> None:
    root, orphan = uuid.uuid4(), uuid.uuid4()
    story = make_story(database, [{"id": orphan, "summary": "orphan"}, {"id": root, "node_type": "root"}])
    assert [n.id for n in stories.story_roots(database, story)] == [root, orphan]
    assert stories.story_roots(database, story)[1].label == "orphan"
    assert stories.node_children(database, root) == []
    with pytest.raises(stories.StoryNotFound):
        stories.story_roots(database, uuid.uuid4())
    with pytest.raises(stories.NodeNotFound):
        stories.node_children(database, uuid.uuid4())


def test_ancestors_root_first_within_the_depth_limit(database: Database) -> None:
    ids = chain(database, 60)
    whole = stories.ancestors(database, ids[-1], max_depth=100)
    assert [n.id for n in whole.chain] == ids
    assert [n.depth for n in whole.chain] == list(range(59, -1, -1))
    assert (whole.depth_limit_hit, whole.cycle) == (False, False)

    cut = stories.ancestors(database, ids[-1], max_depth=50)
    assert [n.id for n in cut.chain] == ids[9:]
    assert (cut.chain[0].depth, cut.depth_limit_hit) == (50, True)
    # Reaching the root exactly at the limit is not hitting it.
    exact = stories.ancestors(database, ids[50], max_depth=50)
    assert ([n.id for n in exact.chain], exact.depth_limit_hit) == (ids[:51], False)

    assert [n.id for n in stories.ancestors(database, ids[0]).chain] == [ids[0]]
    with pytest.raises(stories.NodeNotFound):
        stories.ancestors(database, uuid.uuid4())
    with pytest.raises(BadInput, match="the depth must be from 1"):
        stories.ancestors(database, ids[0], max_depth=0)


def test_ancestors_stop_at_a_cycle(database: Database) -> None:
    a, b, c = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    make_story(database, [{"id": a}, {"id": b, "parent_id": a}, {"id": c, "parent_id": b}])
    run(database, "UPDATE stories.nodes SET parent_id = :b WHERE id = :a", a=a, b=b)  # a <-> b
    found = stories.ancestors(database, c, max_depth=50)
    assert ([n.id for n in found.chain], found.cycle, found.depth_limit_hit) == ([a, b, c], True, False)
    assert [n.id for n in stories.subtree(database, c).nodes] == [c]
    assert [n.id for n in stories.subtree(database, a).nodes] == [a, b, c]


def test_subtree_in_path_order_with_depth_and_size_limits(database: Database) -> None:
    r, c1, c2, g1, g2, gg = (uuid.uuid4() for _ in range(6))
    # Inserted out of order; created_at (by list position) orders siblings: c2 before c1.
    make_story(
        database,
        [
            {"id": r, "node_type": "root"},
            {"id": c2, "parent_id": r},
            {"id": c1, "parent_id": r},
            {"id": g2, "parent_id": c2},
            {"id": g1, "parent_id": c2},
            {"id": gg, "parent_id": g1},
        ],
    )
    whole = stories.subtree(database, r)
    assert [(n.id, n.depth) for n in whole.nodes] == [(r, 0), (c2, 1), (g2, 2), (g1, 2), (gg, 3), (c1, 1)]
    assert (whole.depth_limit_hit, whole.truncated) == (False, False)
    assert [n.child_count for n in whole.nodes] == [2, 2, 0, 1, 0, 0]

    shallow = stories.subtree(database, r, max_depth=1)
    assert ([n.id for n in shallow.nodes], shallow.depth_limit_hit) == ([r, c2, c1], True)
    assert stories.subtree(database, c2, max_depth=2).depth_limit_hit is False
    small = stories.subtree(database, r, limit=3)
    assert ([n.id for n in small.nodes], small.truncated) == ([r, c2, g2], True)
    with pytest.raises(stories.NodeNotFound):
        stories.subtree(database, uuid.uuid4())


def test_similar_nodes_by_cosine_distance(database: Database) -> None:
    source, same, near, mid, far, blank = (uuid.uuid4() for _ in range(6))
    angles = {source: 0, same: 0, near: 10, mid: 40, far: 70}
    make_story(
        database,
        [{"id": node, "embedding": unit(angle)} for node, angle in angles.items()] + [{"id": blank}],
        title="Vectors",
    )
    found = stories.similar_nodes(database, source, limit=4)
    assert found.missing_embedding is None
    # Demo embeddings are near-random in 768 dimensions (cosine ~0 with these): ours come first.
    assert [n.id for n in found.nodes] == [same, near, mid, far]
    assert [n.distance for n in found.nodes] == pytest.approx(
        [1 - math.cos(math.radians(a)) for a in (0, 10, 40, 70)], abs=1e-6
    )
    assert found.nodes[1].similarity == pytest.approx(math.cos(math.radians(10)), abs=1e-6)
    assert {n.story_title for n in found.nodes} == {"Vectors"}

    more = stories.similar_nodes(database, source, limit=8).nodes
    assert [n.id for n in more[:4]] == [same, near, mid, far]
    assert all(n.distance > found.nodes[-1].distance for n in more[4:])
    assert blank not in {n.id for n in more} and source not in {n.id for n in more}


def test_a_node_without_embedding_has_no_neighbours_and_says_why(database: Database) -> None:
    blank = uuid.uuid4()
    make_story(database, [{"id": blank}])
    found = stories.similar_nodes(database, blank)
    assert found.nodes == ()
    assert "has no embedding" in (found.missing_embedding or "")
    with pytest.raises(stories.NodeNotFound):
        stories.similar_nodes(database, uuid.uuid4())


def test_similarity_search_can_walk_the_hnsw_index(database: Database) -> None:
    node = run(database, "SELECT id FROM stories.nodes WHERE embedding IS NOT NULL LIMIT 1").scalar()
    with database.connect() as connection:
        # A few hundred rows are cheaper to sort; a large table makes the planner do this.
        connection.execute(text("SET LOCAL enable_seqscan = off"))
        compiled = stories._nearest(node, 10).compile(connection, compile_kwargs={"literal_binds": True})
        lines = [row[0] for row in connection.exec_driver_sql(f"EXPLAIN {compiled}".replace("%", "%%"))]
    assert any("Index Scan using idx_nodes_embedding" in line for line in lines), lines


def test_developer_reads_stories_and_support_may_not(database_url: URL) -> None:
    with Database(login_settings(database_url, Role.DEVELOPER, pool=SMALL_POOL)) as developer:
        story = stories.list_stories(developer)[0]
        [root] = stories.story_roots(developer, story.id)
        assert stories.subtree(developer, root.id).nodes[0].id == root.id
    with Database(login_settings(database_url, Role.SUPPORT, pool=SMALL_POOL)) as support:
        node_id = uuid.uuid4()
        calls = [
            lambda: stories.list_stories(support),
            lambda: stories.story_roots(support, node_id),
            lambda: stories.node_children(support, node_id),
            lambda: stories.ancestors(support, node_id),
            lambda: stories.subtree(support, node_id),
            lambda: stories.similar_nodes(support, node_id),
        ]
        for call in calls:
            with pytest.raises(PermissionError, match="support role may not read the stories schema"):
                call()

"""StoryForge reads: stories, a node tree opened lazily, ancestors, subtrees, similar nodes.

The walks up and down the tree are the seed's recursive CTEs (seed 003), with a depth
counter the recursion stops at and a path of visited ids as a cycle guard: the table's
CHECK forbids only a node being its own parent, so A -> B -> A can still be written.
Similarity is pgvector's cosine distance (`<=>`), which idx_nodes_embedding (HNSW,
vector_cosine_ops) serves. A node whose embedding is still NULL has no neighbours: that is
an ordinary answer, so `similar_nodes` returns it as `Similar.missing_embedding` (a reason)
with no rows rather than raising.

Every query is built from the models, so a profile's schema map applies. The support role
may not read the stories schema; each function refuses it with PermissionError.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, Select, Table, Text, any_, case, false, func, literal_column, select
from sqlalchemy import cast as sql_cast
from sqlalchemy.dialects.postgresql import array
from sqlalchemy.sql.functions import coalesce

from data import inputs
from data.catalog import readable_schemas
from data.engine import Database
from data.errors import Refusal
from data.models.stories import SCHEMA, Node, Story

_NODES = cast(Table, Node.__table__)
LABEL_LENGTH = 120


class StoriesRefusal(Refusal, ValueError):
    """A stories request that cannot be answered; the message is one line naming why."""

    title = "Stories"


class StoryNotFound(StoriesRefusal):
    title = "No such story"


class NodeNotFound(StoriesRefusal):
    title = "No such node"


@dataclass(frozen=True)
class StoryInfo:
    id: uuid.UUID
    title: str
    summary: str | None
    created_at: datetime
    updated_at: datetime
    node_count: int


@dataclass(frozen=True)
class TreeNode:
    """A node as a tree shows it; label is its summary, or the start of its content."""

    id: uuid.UUID
    parent_id: uuid.UUID | None
    node_type: str
    label: str
    created_at: datetime
    child_count: int
    has_embedding: bool
    depth: int = 0
    """Levels from the node the walk started at (ancestors: up, subtree: down)."""


@dataclass(frozen=True)
class Ancestors:
    """A node's ancestors, root first, ending with the node itself."""

    chain: tuple[TreeNode, ...]
    depth_limit_hit: bool
    """More ancestors exist above chain[0] than max_depth allowed to walk."""
    cycle: bool
    """The parent links loop back onto the chain; the walk stopped there."""


@dataclass(frozen=True)
class Subtree:
    """A node and its descendants in path order (depth first, siblings oldest first)."""

    nodes: tuple[TreeNode, ...]
    depth_limit_hit: bool
    """Some node at max_depth has children that were not walked."""
    truncated: bool
    """More than `limit` nodes: only the first `limit` in path order are here."""


@dataclass(frozen=True)
class SimilarNode:
    id: uuid.UUID
    story_id: uuid.UUID
    story_title: str
    node_type: str
    label: str
    distance: float
    """Cosine distance to the node asked about: 0 same direction, 1 unrelated, 2 opposite."""

    @property
    def similarity(self) -> float:
        return 1.0 - self.distance


@dataclass(frozen=True)
class Similar:
    nodes: tuple[SimilarNode, ...]
    missing_embedding: str | None = None
    """Why there are no results when the node has no embedding yet; None otherwise."""


def _require_readable(database: Database) -> None:
    readable = readable_schemas(database)
    if readable is not None and database.settings.schema_map.get(SCHEMA, SCHEMA) not in readable:
        raise PermissionError(f"the {database.settings.role.value} role may not read the stories schema")


def _label(table: Any) -> Any:
    return coalesce(table.c.summary, func.left(table.c.content, LABEL_LENGTH))


def _child_count(table: Any) -> Any:
    child = _NODES.alias("child")
    return select(func.count()).where(child.c.parent_id == table.c.id).scalar_subquery()


def _tree_columns(table: Any) -> tuple[Any, ...]:
    return (
        table.c.id,
        table.c.parent_id,
        table.c.node_type,
        _label(table).label("label"),
        table.c.created_at,
        _child_count(table).label("child_count"),
        table.c.embedding.is_not(None).label("has_embedding"),
    )


def _tree_node(row: Any, depth: int = 0) -> TreeNode:
    return TreeNode(
        row.id, row.parent_id, row.node_type, row.label, row.created_at, row.child_count, row.has_embedding, depth
    )


def list_stories(database: Database, limit: int = 500) -> list[StoryInfo]:
    """Stories by title, with their number of nodes.

    Raises:
        PermissionError: the role may not read the stories schema.
    """
    inputs.row_count(limit, "the limit")
    _require_readable(database)
    count = select(func.count()).where(_NODES.c.story_id == Story.id).scalar_subquery()
    statement = (
        select(Story.id, Story.title, Story.summary, Story.created_at, Story.updated_at, count)
        .order_by(Story.title)
        .limit(limit)
    )
    with database.connect() as connection:
        return [StoryInfo(*row) for row in connection.execute(statement)]


def story_roots(database: Database, story_id: uuid.UUID) -> list[TreeNode]:
    """The top of a story's tree: its root, then any orphaned branches (parent deleted).

    Raises:
        PermissionError: the role may not read the stories schema.
        StoryNotFound: no story has this id.
    """
    inputs.uuid_id(story_id, "the story id")
    _require_readable(database)
    statement = (
        select(*_tree_columns(_NODES))
        .where(_NODES.c.story_id == story_id, _NODES.c.parent_id.is_(None))
        .order_by(case((_NODES.c.node_type == "root", 0), else_=1), _NODES.c.created_at, _NODES.c.id)
    )
    with database.connect() as connection:
        rows = connection.execute(statement).all()
        if not rows and connection.execute(select(Story.id).where(Story.id == story_id)).first() is None:
            raise StoryNotFound(f"no story has id {story_id}")
    return [_tree_node(row) for row in rows]


def node_children(database: Database, node_id: uuid.UUID) -> list[TreeNode]:
    """A node's children, oldest first, each with its own child count (for expanding).

    Raises:
        PermissionError: the role may not read the stories schema.
        NodeNotFound: no node has this id.
    """
    inputs.uuid_id(node_id, "the node id")
    _require_readable(database)
    statement = (
        select(*_tree_columns(_NODES)).where(_NODES.c.parent_id == node_id).order_by(_NODES.c.created_at, _NODES.c.id)
    )
    with database.connect() as connection:
        rows = connection.execute(statement).all()
        if not rows:
            _node_exists(connection, node_id)
    return [_tree_node(row, 1) for row in rows]


def _node_exists(connection: Connection, node_id: uuid.UUID) -> None:
    if connection.execute(select(_NODES.c.id).where(_NODES.c.id == node_id)).first() is None:
        raise NodeNotFound(f"no story node has id {node_id}")


def ancestors(database: Database, node_id: uuid.UUID, max_depth: int = 50) -> Ancestors:
    """The chain from the root down to a node, walking at most max_depth parents up.

    Raises:
        PermissionError: the role may not read the stories schema.
        BadInput: max_depth is not a whole number of at least 1.
        NodeNotFound: no node has this id.
    """
    inputs.uuid_id(node_id, "the node id")
    _require_readable(database)
    inputs.row_count(max_depth, "the depth")
    # depth 0 is the node itself; each step up adds 1, and stops at max_depth.
    walk = (
        select(
            _NODES.c.id,
            _NODES.c.parent_id,
            literal_column("0").label("depth"),
            array([_NODES.c.id]).label("path"),
            false().label("cycle"),
        )
        .where(_NODES.c.id == node_id)
        .cte("ancestors", recursive=True)
    )
    up = _NODES.alias("up")
    walk = walk.union_all(
        select(
            up.c.id,
            up.c.parent_id,
            walk.c.depth + 1,
            func.array_append(walk.c.path, up.c.id),
            up.c.id == any_(walk.c.path),
        ).where(up.c.id == walk.c.parent_id, walk.c.depth < max_depth, walk.c.cycle.is_(False))
    )
    shown = _NODES.alias("shown")
    statement = (
        select(*_tree_columns(shown), walk.c.depth, walk.c.cycle)
        .join(walk, walk.c.id == shown.c.id)
        .order_by(walk.c.depth.desc())
    )
    with database.connect() as connection:
        rows = connection.execute(statement).all()
    if not rows:
        raise NodeNotFound(f"no story node has id {node_id}")
    cycle = any(row.cycle for row in rows)
    # The row that closed a loop is a repeat of one already on the chain.
    chain = tuple(_tree_node(row, row.depth) for row in rows if not row.cycle)
    top = chain[0]
    return Ancestors(chain, not cycle and top.parent_id is not None and top.depth >= max_depth, cycle)


def subtree(database: Database, node_id: uuid.UUID, max_depth: int = 20, limit: int = 2000) -> Subtree:
    """A node and its descendants down to max_depth levels, at most `limit` nodes.

    Raises:
        PermissionError: the role may not read the stories schema.
        BadInput: max_depth is not a whole number of at least 1.
        NodeNotFound: no node has this id.
    """
    inputs.uuid_id(node_id, "the node id")
    _require_readable(database)
    inputs.row_count(max_depth, "the depth")

    def sort_key(table: Any) -> Any:
        # Fixed-width time then id: comparing these text arrays walks the tree depth first
        # with siblings oldest first.
        return func.to_char(table.c.created_at, "YYYYMMDDHH24MISSUS") + sql_cast(table.c.id, Text)

    walk = (
        select(
            _NODES.c.id,
            literal_column("0").label("depth"),
            array([_NODES.c.id]).label("ids"),
            array([sort_key(_NODES)]).label("sort_path"),
        )
        .where(_NODES.c.id == node_id)
        .cte("subtree", recursive=True)
    )
    down = _NODES.alias("down")
    walk = walk.union_all(
        select(
            down.c.id,
            walk.c.depth + 1,
            func.array_append(walk.c.ids, down.c.id),
            func.array_append(walk.c.sort_path, sort_key(down)),
        ).where(down.c.parent_id == walk.c.id, walk.c.depth < max_depth, ~(down.c.id == any_(walk.c.ids)))
    )
    shown = _NODES.alias("shown")
    statement = (
        select(*_tree_columns(shown), walk.c.depth)
        .join(walk, walk.c.id == shown.c.id)
        .order_by(walk.c.sort_path)
        .limit(limit + 1)
    )
    with database.connect() as connection:
        rows = connection.execute(statement).all()
    if not rows:
        raise NodeNotFound(f"no story node has id {node_id}")
    nodes = tuple(_tree_node(row, row.depth) for row in rows[:limit])
    deep = any(n.depth >= max_depth and n.child_count for n in nodes)
    return Subtree(nodes, deep, len(rows) > limit)


def similar_nodes(database: Database, node_id: uuid.UUID, limit: int = 10) -> Similar:
    """The nodes nearest to a node by cosine distance of their embeddings, nearest first.

    The node itself and nodes without an embedding are left out. When the node has no
    embedding yet, the result has no rows and says so in `missing_embedding`. On a large
    table the HNSW index answers, so the neighbours are approximate (pgvector's recall).

    Raises:
        PermissionError: the role may not read the stories schema.
        NodeNotFound: no node has this id.
    """
    inputs.uuid_id(node_id, "the node id")
    _require_readable(database)
    with database.connect() as connection:
        has_embedding = connection.execute(
            select(_NODES.c.embedding.is_not(None)).where(_NODES.c.id == node_id)
        ).scalar()
        if has_embedding is None:
            raise NodeNotFound(f"no story node has id {node_id}")
        if not has_embedding:
            return Similar((), f"node {node_id} has no embedding yet: nothing to compare with")
        rows = connection.execute(_nearest(node_id, limit)).all()
    return Similar(tuple(SimilarNode(*row) for row in rows))


def _nearest(node_id: uuid.UUID, limit: int) -> Select[Any]:
    """The similarity query: the `limit` nodes nearest to node_id, with their story titles."""
    source = _NODES.alias("source")
    target = select(source.c.embedding).where(source.c.id == node_id).scalar_subquery()
    distance = _NODES.c.embedding.cosine_distance(target)
    # Ordered and limited on its own, so that on a large table the planner can walk the
    # HNSW index by `embedding <=> (InitPlan)` and stop after `limit` rows.
    nearest = (
        select(
            _NODES.c.id,
            _NODES.c.story_id,
            _NODES.c.node_type,
            _label(_NODES).label("label"),
            distance.label("distance"),
        )
        .where(_NODES.c.id != node_id, _NODES.c.embedding.is_not(None))
        .order_by(distance)
        .limit(limit)
        .subquery("nearest")
    )
    return (
        select(nearest.c.id, nearest.c.story_id, Story.title, nearest.c.node_type, nearest.c.label, nearest.c.distance)
        .join(Story, Story.id == nearest.c.story_id)
        .order_by(nearest.c.distance, nearest.c.id)
    )

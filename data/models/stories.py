"""stories: StoryForge (seed 003): stories and their self-referencing tree of nodes.

The seed's role document gives the nodes table, its constraint and index names
(fk_nodes_story, fk_nodes_parent, check_not_self_parent, check_node_type, idx_nodes_*) and
the story title's unique constraint (uq_story_title); those names are kept exactly, so they
are wrapped in conv() to keep the naming convention off them. Timestamps are the seed's
TIMESTAMP (without time zone).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pgvector.sqlalchemy import Vector
from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.schema import conv

from data.models.base import Base

SCHEMA = "stories"
EMBEDDING_DIMENSIONS = 768
NODE_TYPES: tuple[str, ...] = ("root", "scene", "choice")


class Story(Base):
    """A story: the container of one tree of nodes."""

    __tablename__ = "stories"
    __table_args__ = (
        UniqueConstraint("title", name=conv("uq_story_title")),
        {"schema": SCHEMA, "comment": "StoryForge stories"},
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, server_default=text("gen_random_uuid()"))
    title: Mapped[str] = mapped_column(String(255), nullable=False)
    summary: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, server_default=func.now())


class Node(Base):
    """One node of a story's tree; parent_id is NULL for the root (or an orphaned branch)."""

    __tablename__ = "nodes"
    __table_args__ = (
        CheckConstraint("id <> parent_id", name=conv("check_not_self_parent")),
        CheckConstraint("node_type IN ('root', 'scene', 'choice')", name=conv("check_node_type")),
        Index("idx_nodes_story", "story_id"),
        Index("idx_nodes_parent", "parent_id"),
        # One root per story; also the way in when a story's tree is opened.
        Index(
            "uq_nodes_story_root",
            "story_id",
            unique=True,
            postgresql_where=text("node_type = 'root'"),
        ),
        Index(
            "idx_nodes_embedding",
            "embedding",
            postgresql_using="hnsw",
            postgresql_ops={"embedding": "vector_cosine_ops"},
        ),
        {"schema": SCHEMA, "comment": "StoryForge story nodes: a tree with embeddings"},
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, server_default=text("gen_random_uuid()"))
    story_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey(f"{SCHEMA}.stories.id", ondelete="CASCADE", name=conv("fk_nodes_story")),
        nullable=False,
    )
    parent_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey(f"{SCHEMA}.nodes.id", ondelete="SET NULL", name=conv("fk_nodes_parent"))
    )
    content: Mapped[str] = mapped_column(Text, nullable=False)
    summary: Mapped[str | None] = mapped_column(Text)
    node_type: Mapped[str] = mapped_column(String(20), nullable=False, server_default=text("'scene'"))
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, server_default=func.now())
    # "metadata" is reserved on declarative classes, hence the attribute name.
    meta: Mapped[dict[str, Any] | None] = mapped_column("metadata", JSONB)
    embedding: Mapped[list[float] | None] = mapped_column(Vector(EMBEDDING_DIMENSIONS))


# Newest-first listings; defined here because the DESC expression needs the mapped column.
Index("idx_nodes_created", Node.created_at.desc())

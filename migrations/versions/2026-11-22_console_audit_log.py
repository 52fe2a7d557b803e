"""console: our own schema and the audit log of every write made through the console

Revision ID: c0a5e1b2d3f4
Revises: 0b5e0b5e0b5e
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "c0a5e1b2d3f4"
down_revision: str | Sequence[str] | None = "0b5e0b5e0b5e"
branch_labels: str | Sequence[str] | None = ("console",)
depends_on: str | Sequence[str] | None = None

SCHEMA = "console"


def upgrade() -> None:
    op.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("operator", sa.String(length=255), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("action", sa.String(length=50), nullable=False),
        sa.Column("schema_name", sa.String(length=63), nullable=False),
        sa.Column("table_name", sa.String(length=63), nullable=False),
        sa.Column("primary_key", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("before", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("after", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("role IN ('admin', 'developer', 'support')", name=op.f("ck_audit_log_role")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
        schema=SCHEMA,
        comment="Every write made through the console",
    )
    op.create_index(op.f("ix_audit_log_created_at"), "audit_log", ["created_at"], schema=SCHEMA)
    op.create_index(op.f("ix_audit_log_operator_created_at"), "audit_log", ["operator", "created_at"], schema=SCHEMA)
    op.create_index(
        op.f("ix_audit_log_schema_name_table_name_created_at"),
        "audit_log",
        ["schema_name", "table_name", "created_at"],
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_table("audit_log", schema=SCHEMA)
    # The schema stays: it also holds Alembic's version table.

"""gacha: an index for finding players by the start of their academy name, in any case

Revision ID: e5c4f6a7b806
Revises: e5c4f6a7b805
Create Date: 2026-11-22 05:15:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "e5c4f6a7b806"
down_revision: str | Sequence[str] | None = "e5c4f6a7b805"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The plain btree on academy_name cannot serve lower(academy_name) LIKE 'prefix%'.
    op.execute('CREATE INDEX ix_users_lower_academy_name ON gacha.users (lower(academy_name) COLLATE "C", id)')


def downgrade() -> None:
    op.drop_index("ix_users_lower_academy_name", table_name="users", schema="gacha")

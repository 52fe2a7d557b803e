"""base: the root every system's branch stands on

The history forks here into one branch per schema (console, heroes, accounts, metaserver,
stories, gacha), so each system can be upgraded or downgraded alone. Every system branch
depends on the console branch, whose audit log its writes need.

Revision ID: 0b5e0b5e0b5e
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0b5e0b5e0b5e"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Nothing to build: the version table's schema is created by env.py."""


def downgrade() -> None:
    """Nothing to undo."""

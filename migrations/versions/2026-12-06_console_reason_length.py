"""console: audit reasons of at most 500 characters

Revision ID: c0a5e1b2d3f5
Revises: c0a5e1b2d3f4
Create Date: 2026-12-06 23:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "c0a5e1b2d3f5"
down_revision: str | Sequence[str] | None = "c0a5e1b2d3f4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # As data/inputs.py REASON_MAX; NOT VALID so that older rows are neither scanned nor refused.
    op.execute(
        "ALTER TABLE console.audit_log ADD CONSTRAINT ck_audit_log_reason_length"
        " CHECK (char_length(reason) <= 500) NOT VALID"
    )


def downgrade() -> None:
    op.drop_constraint(op.f("ck_audit_log_reason_length"), "audit_log", schema="console", type_="check")

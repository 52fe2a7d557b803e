"""gacha: gift codes of at most 64 characters, reasons of at most 500, no usage limit of 0

Revision ID: e5c4f6a7b807
Revises: e5c4f6a7b806
Create Date: 2026-12-06 23:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "e5c4f6a7b807"
down_revision: str | Sequence[str] | None = "e5c4f6a7b806"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The same limits as data/inputs.py (GIFT_CODE_MAX, REASON_MAX), written out: a migration
# keeps the values it was written with.
CHECKS = (
    ("gift_codes", "ck_gift_codes_code_length", "char_length(code) <= 64"),
    ("gift_codes", "ck_gift_codes_usage_limit_not_zero", "usage_limit <> 0"),
    ("currency_ledger", "ck_currency_ledger_reason_length", "char_length(reason) <= 500"),
)


def upgrade() -> None:
    # NOT VALID: new rows are checked at once, and a production table is not scanned (nor
    # refused) for rows written before the limits existed.
    for table, name, condition in CHECKS:
        op.execute(f"ALTER TABLE gacha.{table} ADD CONSTRAINT {name} CHECK ({condition}) NOT VALID")


def downgrade() -> None:
    for table, name, _ in reversed(CHECKS):
        op.drop_constraint(op.f(name), table, schema="gacha", type_="check")

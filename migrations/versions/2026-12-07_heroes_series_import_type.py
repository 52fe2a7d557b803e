"""heroes: the import log records Geminya series imports as their own type

Revision ID: a1e0b2c3d402
Revises: a1e0b2c3d401
Create Date: 2026-12-07 02:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "a1e0b2c3d402"
down_revision: str | Sequence[str] | None = "a1e0b2c3d401"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAME = "ck_import_logs_import_type"
# The types as this revision knows them (data.models.heroes.IMPORT_TYPES may grow later).
BEFORE = ("i12", "cod", "characters", "csv", "json")
AFTER = (*BEFORE, "series")


def _condition(types: tuple[str, ...]) -> str:
    return "import_type IN ({})".format(", ".join(f"'{kind}'" for kind in types))


def upgrade() -> None:
    op.drop_constraint(op.f(NAME), "import_logs", schema="heroes", type_="check")
    op.create_check_constraint(op.f(NAME), "import_logs", _condition(AFTER), schema="heroes")


def downgrade() -> None:
    op.drop_constraint(op.f(NAME), "import_logs", schema="heroes", type_="check")
    # NOT VALID: the log rows of series imports made meanwhile stay (they are history), and
    # new rows are held to the old list.
    op.execute(f"ALTER TABLE heroes.import_logs ADD CONSTRAINT {NAME} CHECK ({_condition(BEFORE)}) NOT VALID")

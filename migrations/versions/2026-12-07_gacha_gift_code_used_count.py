"""gacha: each gift code keeps its used count, so a redemption checks the limit without counting

Revision ID: e5c4f6a7b808
Revises: e5c4f6a7b807
Create Date: 2026-12-07 04:00:00.000000

A redemption used to count the code's redemptions while it held the code's lock: its cost
grew with every player who had redeemed before. The count now lives on the code. Triggers
on gift_code_redemptions keep it, whoever writes the redemptions (the console, the bot, an
admin's edit, a player's deletion cascading), so it cannot drift from the rows it counts;
they count per statement from the transition tables, so a bulk insert updates each code
once. They run as the table's owner (SECURITY DEFINER): the support role inserts
redemptions but holds no UPDATE on used_count, so it cannot reset a count by hand.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e5c4f6a7b808"
down_revision: str | Sequence[str] | None = "e5c4f6a7b807"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FUNCTION = "gacha.count_gift_code_redemptions"
# One trigger per event: PostgreSQL allows transition tables only on single-event triggers.
TRIGGERS = (
    ("trg_gift_code_redemptions_counted_insert", "INSERT", "REFERENCING NEW TABLE AS new_rows"),
    ("trg_gift_code_redemptions_counted_delete", "DELETE", "REFERENCING OLD TABLE AS old_rows"),
    ("trg_gift_code_redemptions_counted_update", "UPDATE", "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows"),
    ("trg_gift_code_redemptions_counted_truncate", "TRUNCATE", ""),
)
WITHIN_LIMIT = "ck_gift_codes_used_within_limit"
NOT_NEGATIVE = "ck_gift_codes_used_count_not_negative"


def upgrade() -> None:
    op.add_column(
        "gift_codes",
        sa.Column(
            "used_count",
            sa.Integer(),
            server_default="0",
            nullable=False,
            comment="Redemptions of this code, kept by triggers",
        ),
        schema="gacha",
    )
    op.execute(f"ALTER TABLE gacha.gift_codes ADD CONSTRAINT {NOT_NEGATIVE} CHECK (used_count >= 0)")
    op.execute("""
        UPDATE gacha.gift_codes c SET used_count = r.n
          FROM (SELECT code, count(*) AS n FROM gacha.gift_code_redemptions GROUP BY code) r
         WHERE r.code = c.code""")
    # NOT VALID: a code the bot let past its limit before this revision keeps its true
    # count (nothing is hidden); every count written from now on is checked. Validated at
    # once when no such code exists, which is the usual case.
    op.execute(f"""ALTER TABLE gacha.gift_codes ADD CONSTRAINT {WITHIN_LIMIT}
                   CHECK (usage_limit IS NULL OR usage_limit < 0 OR used_count <= usage_limit) NOT VALID""")
    # In SQL, not Python: the migrations screen shows this revision's SQL before it runs.
    op.execute(f"""
        DO $$ BEGIN
            IF NOT EXISTS (SELECT FROM gacha.gift_codes WHERE usage_limit > 0 AND used_count > usage_limit) THEN
                ALTER TABLE gacha.gift_codes VALIDATE CONSTRAINT {WITHIN_LIMIT};
            END IF;
        END $$""")
    op.execute(f"""
        CREATE FUNCTION {FUNCTION}() RETURNS trigger
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
        BEGIN
            -- The codes beside the redemptions, wherever that schema is (a profile's
            -- schema_map may name it otherwise).
            IF TG_OP = 'TRUNCATE' THEN
                EXECUTE format('UPDATE %I.gift_codes SET used_count = 0 WHERE used_count <> 0', TG_TABLE_SCHEMA);
            END IF;
            IF TG_OP IN ('DELETE', 'UPDATE') THEN
                EXECUTE format('UPDATE %I.gift_codes c SET used_count = c.used_count - gone.n
                                  FROM (SELECT code, count(*) AS n FROM old_rows GROUP BY code) gone
                                 WHERE c.code = gone.code', TG_TABLE_SCHEMA);
            END IF;
            IF TG_OP IN ('INSERT', 'UPDATE') THEN
                EXECUTE format('UPDATE %I.gift_codes c SET used_count = c.used_count + came.n
                                  FROM (SELECT code, count(*) AS n FROM new_rows GROUP BY code) came
                                 WHERE c.code = came.code', TG_TABLE_SCHEMA);
            END IF;
            RETURN NULL;
        END
        $$""")
    op.execute(f"REVOKE ALL ON FUNCTION {FUNCTION}() FROM PUBLIC")
    for name, event, transition in TRIGGERS:
        op.execute(
            f"CREATE TRIGGER {name} AFTER {event} ON gacha.gift_code_redemptions {transition} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()"
        )


def downgrade() -> None:
    for name, _, _ in reversed(TRIGGERS):
        op.execute(f"DROP TRIGGER {name} ON gacha.gift_code_redemptions")
    op.execute(f"DROP FUNCTION {FUNCTION}()")
    for name in (WITHIN_LIMIT, NOT_NEGATIVE):
        op.execute(f"ALTER TABLE gacha.gift_codes DROP CONSTRAINT {name}")
    op.drop_column("gift_codes", "used_count", schema="gacha")

"""gacha: the used-count triggers run SQL planned once per session, not parsed on every redemption

Revision ID: e5c4f6a7b809
Revises: e5c4f6a7b808
Create Date: 2026-12-07 13:00:00.000000

The function behind the used-count triggers built its UPDATE with format() and EXECUTE,
so that it found gift_codes beside the redemptions whatever their schema is called (a
profile's schema_map). EXECUTE parses and plans its text on every call, and it runs while
the redemption holds the code's row lock: about a third of the time one code's
redemptions wait for each other. The same UPDATEs are now written out, the schema put on
the search_path for the call; PL/pgSQL keeps their plans for the session.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "e5c4f6a7b809"
down_revision: str | Sequence[str] | None = "e5c4f6a7b808"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FUNCTION = "gacha.count_gift_code_redemptions"
HEADER = f"""
    CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    BEGIN"""

PLANNED_ONCE = f"""{HEADER}
        -- The codes beside the redemptions, wherever that schema is (a profile's schema_map
        -- may name it otherwise): first on the path for this call only (the SET above is
        -- restored when the function returns), after pg_catalog, with pg_temp last so that
        -- nothing temporary can stand in for gift_codes. A plan is kept per search_path.
        PERFORM pg_catalog.set_config(
            'search_path', 'pg_catalog, ' || pg_catalog.quote_ident(TG_TABLE_SCHEMA) || ', pg_temp', true);
        IF TG_OP = 'TRUNCATE' THEN
            UPDATE gift_codes SET used_count = 0 WHERE used_count <> 0;
        END IF;
        IF TG_OP IN ('DELETE', 'UPDATE') THEN
            UPDATE gift_codes c SET used_count = c.used_count - gone.n
              FROM (SELECT code, count(*) AS n FROM old_rows GROUP BY code) gone
             WHERE c.code = gone.code;
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            UPDATE gift_codes c SET used_count = c.used_count + came.n
              FROM (SELECT code, count(*) AS n FROM new_rows GROUP BY code) came
             WHERE c.code = came.code;
        END IF;
        RETURN NULL;
    END
    $$"""

# The function as revision e5c4f6a7b808 made it, for the downgrade.
PARSED_EACH_TIME = f"""{HEADER}
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
    $$"""


def upgrade() -> None:
    # CREATE OR REPLACE keeps the function's owner, its grants (none to PUBLIC) and triggers.
    op.execute(PLANNED_ONCE)


def downgrade() -> None:
    op.execute(PARSED_EACH_TIME)

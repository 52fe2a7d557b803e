"""The declarative base every model shares, and the names of our schemas.

The naming convention makes every constraint and index name deterministic, so Alembic's
autogenerate and hand-written migrations agree on what a thing is called.
"""

from __future__ import annotations

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# One PostgreSQL schema per system, in the order their migration branches are listed.
SYSTEM_SCHEMAS: tuple[str, ...] = ("heroes", "accounts", "metaserver", "stories", "gacha")
# Our own schema: the audit log and the migration version table.
CONSOLE_SCHEMA = "console"
ALL_SCHEMAS: tuple[str, ...] = (CONSOLE_SCHEMA, *SYSTEM_SCHEMAS)

VERSION_SQL = "xmin::text::bigint"
"""A row's version: select it next to a row a user may change, and compare it when writing
the change back, so that nothing overwrites a change it did not see (xmin changes with
every update of the row)."""


class Base(DeclarativeBase):
    """The one declarative base; its metadata is what Alembic compares against."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)

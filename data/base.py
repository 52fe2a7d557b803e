"""The names of our schemas, and how a row's version is read.

Imported by nearly everything, the start-up included, so it imports nothing; the models'
declarative base is data/models/base.py.
"""

from __future__ import annotations

# One PostgreSQL schema per system, in the order their migration branches are listed.
SYSTEM_SCHEMAS: tuple[str, ...] = ("heroes", "accounts", "metaserver", "stories", "gacha")
# Our own schema: the audit log and the migration version table.
CONSOLE_SCHEMA = "console"
ALL_SCHEMAS: tuple[str, ...] = (CONSOLE_SCHEMA, *SYSTEM_SCHEMAS)

VERSION_SQL = "xmin::text::bigint"
"""A row's version: select it next to a row a user may change, and compare it when writing
the change back, so that nothing overwrites a change it did not see (xmin changes with
every update of the row)."""

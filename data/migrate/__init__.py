"""Migrations: Alembic, run in-process, one branch per system.

The history has a base revision (branch `console`: our own schema and the audit log) and
one branch per system, labelled with its schema name, so one system can be upgraded
alone (`gacha@head`). Upgrading "heads" upgrades each branch in a transaction of its own:
a branch that cannot be applied (stories on a server without pgvector) stops with its
reason and the others still land.

The parts, so that what only reads where a database stands never loads Alembic:
- `state`: the revision graph (read from the files' headers) and where each branch stands;
  the home screen shows it on every start.
- `history`: every revision with its message and date, for `migrate history` and the
  migrations screen.
- `preview`: the SQL a run would execute, narrowed to its steps, and the rows it would lose.
- `run`: upgrade, downgrade, the grants after them, and the audited run both the
  migrations screen and `console migrate` go through.
- `drift`: the models against the database, with the SQL that fixes each difference.
"""

from __future__ import annotations

from data.base import ALL_SCHEMAS, CONSOLE_SCHEMA

VERSION_TABLE = f"{CONSOLE_SCHEMA}.alembic_version"
BRANCHES: tuple[str, ...] = ALL_SCHEMAS
"""Branch labels, base first: each is also the schema the branch creates."""


class MigrationError(RuntimeError):
    """A migration command could not run; the message says which and why."""


class MigrationTargetError(MigrationError):
    """A target that names no known branch or revision, or that cannot be moved alone."""


def known_targets() -> str:
    return f"known branches: {', '.join(BRANCHES)} (e.g. gacha@head, gacha@-1, gacha@base, or a revision id)"

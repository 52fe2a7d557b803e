"""Deterministic demo data for every system (`console demo --scale N`).

Scale 1 loads in seconds and is playable; scale 200 gives about a million
gacha.user_waifus rows, enough to make paging and EXPLAIN meaningful.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Table, exists, select, text
from sqlalchemy.orm import Session

from data.base import SYSTEM_SCHEMAS
from data.demo.heroes import load_heroes
from data.demo.systems import load_accounts, load_gacha, load_metaserver, load_stories
from data.engine import Database
from data.models import registered_metadata

LOADERS: dict[str, Callable[[Session, int], dict[str, int]]] = {
    "heroes": load_heroes,
    "accounts": load_accounts,
    "metaserver": load_metaserver,
    "stories": load_stories,
    "gacha": load_gacha,
}


class DemoDataError(RuntimeError):
    """Demo data would overwrite real data, or the database is not ready for it."""


def system_tables() -> list[Table]:
    return [table for table in registered_metadata().sorted_tables if table.schema in SYSTEM_SCHEMAS]


def load_demo(database: Database, *, scale: int = 1, replace: bool = False) -> dict[str, int]:
    """Load every system's demo data in one transaction; returns rows per table.

    Args:
        scale: 1 or more; the size of the player-facing tables grows linearly with it.
        replace: empty the five systems' tables first. Without it, a database whose
            tables already hold rows is refused, so real data is never mixed or lost.

    Raises:
        DemoDataError: the tables hold data and replace is not set, or the profile is a
            production one or maps our schemas onto an application's.
    """
    if database.settings.production:
        raise DemoDataError("refusing to load demo data into a production profile")
    if database.settings.schema_map:
        raise DemoDataError("demo data goes into the console's own schemas; this profile maps them elsewhere")
    if scale < 1:
        raise DemoDataError("scale must be 1 or more")
    tables = system_tables()
    rows: dict[str, int] = {}
    with database.session() as session:
        occupied = [table.fullname for table in tables if session.execute(select(exists().select_from(table))).scalar()]
        if occupied and not replace:
            raise DemoDataError(
                f"{len(occupied)} table(s) already hold data (first: {occupied[0]}); "
                "pass --replace to empty the five systems' tables and reload"
            )
        if occupied:
            names = ", ".join(_quoted(table) for table in tables)
            session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        for schema, loader in LOADERS.items():
            for table, count in loader(session, scale).items():
                rows[table if "." in table else f"{schema}.{table}"] = count
    # Fresh statistics: estimated row counts and query plans mean something at once.
    with database.connect() as connection:
        connection.execute(text(f"ANALYZE {', '.join(_quoted(table) for table in tables)}"))
    return rows


def _quoted(table: Table) -> str:
    return f'"{table.schema}"."{table.name}"'

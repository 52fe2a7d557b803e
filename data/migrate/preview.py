"""What a migration would do before it runs: Alembic's SQL offline, narrowed to the steps
that move the branch asked for, and the rows a downgrade would destroy."""

from __future__ import annotations

import io
import re
from collections.abc import Iterable

from alembic.util import CommandError
from sqlalchemy import Connection, text

from data.migrate import MigrationError
from data.migrate.history import alembic_config

_DROP_TABLE = re.compile(
    r'^\s*DROP\s+TABLE\s+(?:IF\s+EXISTS\s+)?("?[\w$]+"?)\.("?[\w$]+"?)', re.IGNORECASE | re.MULTILINE
)
_DROP_COLUMN = re.compile(
    r'^\s*ALTER\s+TABLE\s+(?:ONLY\s+)?("?[\w$]+"?)\.("?[\w$]+"?)\s+DROP\s+COLUMN\s+(?:IF\s+EXISTS\s+)?("?[\w$]+"?)',
    re.IGNORECASE | re.MULTILINE,
)
_RUNNING = re.compile(r"^-- Running (upgrade|downgrade) (\S*) -> (\S*)", re.MULTILINE)
ROWS_LOST_TIMEOUT_MS = 10_000


def offline_sql(url: str, direction: str, target: str, start: str | None = None) -> str:
    """The SQL an upgrade or downgrade would run, without touching a database (offline mode).

    Offline, Alembic cannot read where the database stands, so a downgrade starts from
    `start`, or from the head of the target's branch ("gacha@base" starts at "gacha@head").

    Raises:
        MigrationError: a downgrade with no branch and no start, or an unknown direction.
    """
    if direction not in ("upgrade", "downgrade"):
        raise MigrationError(f"direction must be upgrade or downgrade, not {direction!r}")
    if direction == "downgrade" and start is None:
        branch = target.split("@", 1)[0] if "@" in target else None
        if branch is None:
            raise MigrationError("an offline downgrade needs a branch (e.g. gacha@base) or --from REVISION")
        start = f"{branch}@head"
    from alembic import command

    output = io.StringIO()
    config = alembic_config(output=output)
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    run = command.upgrade if direction == "upgrade" else command.downgrade
    try:
        run(config, f"{start}:{target}" if start else target, sql=True)
    except CommandError as error:
        raise MigrationError(str(error).splitlines()[0]) from None
    return output.getvalue()


def rows_lost(connection: Connection, sql: str) -> list[tuple[str, int]]:
    """The rows a downgrade's SQL would destroy: ("schema.table", rows) for each DROP TABLE,
    ("schema.table.column", non-null values) for each DROP COLUMN; only those with data.

    Exact counts (downgrades are rare and deliberate), each capped by a statement timeout.
    Tables that do not exist (yet) are skipped.
    """
    found: list[tuple[str, str, str | None]] = [
        (_unquote(schema), _unquote(table), None) for schema, table in _DROP_TABLE.findall(sql)
    ]
    found += [(_unquote(s), _unquote(t), _unquote(c)) for s, t, c in _DROP_COLUMN.findall(sql)]
    connection.execute(text(f"SET LOCAL statement_timeout = {ROWS_LOST_TIMEOUT_MS}"))
    lost: list[tuple[str, int]] = []
    for schema, table, column in found:
        qualified = f"{_quote(schema)}.{_quote(table)}"
        if connection.execute(text("SELECT to_regclass(:name)"), {"name": qualified}).scalar() is None:
            continue
        if column is None:
            count = connection.execute(text(f"SELECT count(*) FROM {qualified}")).scalar_one()
            name = f"{schema}.{table}"
        else:
            count = connection.execute(text(f"SELECT count({_quote(column)}) FROM {qualified}")).scalar_one()
            name = f"{schema}.{table}.{column}"
        if count:
            lost.append((name, int(count)))
    return lost


def only_steps(sql: str, revisions: Iterable[str]) -> str:
    """Offline SQL narrowed to the steps that move one of `revisions`.

    Offline mode cannot see which other branches a database has applied, so it shows the
    steps of shared ancestors too (an upgrade from base runs the console branch again;
    a downgrade to the base drops the audit log). This keeps BEGIN/COMMIT and the steps
    whose moving revision (the new one for an upgrade, the old one for a downgrade) is
    in `revisions`.
    """
    keep = set(revisions)
    out: list[str] = []
    keeping = True
    for line in sql.splitlines():
        match = _RUNNING.match(line)
        if match:
            direction, old, new = match.groups()
            keeping = (new if direction == "upgrade" else old) in keep
        elif line.strip().upper() == "COMMIT;":
            keeping = True
        if keeping:
            out.append(line)
    return "\n".join(out) + "\n"


def _unquote(name: str) -> str:
    return name[1:-1].replace('""', '"') if name.startswith('"') else name


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'

"""Helpers shared by the demo loaders: COPY into a model's table, sequences, fixed time.

Demo data is deterministic: every loader draws from its own random.Random with a fixed
seed and dates everything relative to DEMO_NOW, never the wall clock.
"""

from __future__ import annotations

import itertools
import random
import uuid
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any, TypeVar, cast

from psycopg import sql
from sqlalchemy import Table, text
from sqlalchemy.orm import DeclarativeBase, Session

T = TypeVar("T")

# The demo world's "now": data is dated before it, and what should read as current (open
# banners, live sessions, unexpired codes) lasts past it.
DEMO_NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)
DEMO_NOW_NAIVE = DEMO_NOW.replace(tzinfo=None)  # for the seeds' TIMESTAMP columns


def check_scale(scale: int) -> int:
    """Return scale if it is a whole number of at least 1; raise ValueError otherwise."""
    if isinstance(scale, bool) or not isinstance(scale, int) or scale < 1:
        raise ValueError(f"scale must be a whole number >= 1, not {scale!r}")
    return scale


def _table(model: type[DeclarativeBase] | Table) -> Table:
    return model if isinstance(model, Table) else cast(Table, model.__table__)  # a mapped class's table is a Table


def schema_of(session: Session, model: type[DeclarativeBase] | Table) -> str:
    """The schema the table lives in on this connection, after any schema_translate_map."""
    table = _table(model)
    translate = session.connection().get_execution_options().get("schema_translate_map") or {}
    return translate.get(table.schema, table.schema) or "public"


def _driver(session: Session) -> Any:
    """The psycopg connection under the session's current connection (same transaction)."""
    raw = session.connection().connection.driver_connection
    if raw is None:
        raise RuntimeError("the session's connection has no driver connection")
    return raw


def _identifier(session: Session, model: type[DeclarativeBase] | Table) -> sql.Identifier:
    return sql.Identifier(schema_of(session, model), _table(model).name)


def require_empty(session: Session, models: Sequence[type[DeclarativeBase] | Table]) -> None:
    """Raise ValueError naming the first table that already holds rows.

    The loaders insert explicit keys, so they only make sense on empty tables.
    """
    with _driver(session).cursor() as cursor:
        for model in models:
            ident = _identifier(session, model)
            cursor.execute(sql.SQL("SELECT EXISTS (SELECT 1 FROM {})").format(ident))
            row = cursor.fetchone()
            if row and row[0]:
                name = f"{schema_of(session, model)}.{_table(model).name}"
                raise ValueError(f"{name} is not empty: demo data loads into empty tables only")


def copy_rows(
    session: Session,
    model: type[DeclarativeBase] | Table,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
) -> int:
    """COPY rows (tuples in the order of columns) into the model's table; return the count.

    Runs on the session's own connection, so it is part of the session's transaction.
    JSONB values must be wrapped in psycopg's Jsonb; everything else is adapted as text.
    """
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        _identifier(session, model), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    count = 0
    with _driver(session).cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def reset_sequence(session: Session, model: type[DeclarativeBase] | Table, column: str = "id") -> None:
    """Move the column's sequence past the highest value, after inserts with explicit keys."""
    table = _table(model)
    qualified = f'"{schema_of(session, model)}"."{table.name}"'
    session.execute(
        text(f'SELECT setval(pg_get_serial_sequence(:table, :column), max("{column}")) FROM {qualified}'),
        {"table": qualified, "column": column},
    )


def batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Lists of up to size consecutive items (itertools.batched arrives only in 3.12)."""
    iterator = iter(items)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def seeded_uuid(rng: random.Random) -> uuid.UUID:
    """A version-4 UUID drawn from rng, so reruns give the same keys."""
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def moment_between(rng: random.Random, start: datetime, end: datetime) -> datetime:
    """A time uniformly between start and end, to the second."""
    span = max(int((end - start).total_seconds()), 1)
    return start + timedelta(seconds=rng.randrange(span))

"""Drift: the models against the database, each difference with the SQL that fixes it."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection

from data.base import ALL_SCHEMAS, CONSOLE_SCHEMA
from data.errors import error_summary
from data.models import registered_metadata

if TYPE_CHECKING:
    from data.engine import Database


def drift(connection: Connection, schemas: Sequence[str] = ALL_SCHEMAS) -> list[Any]:
    """The differences between the models and the database in `schemas` (empty: no drift).

    Each entry is one of Alembic's autogenerate diff tuples, e.g. ("add_column", ...).
    """
    from alembic.autogenerate import compare_metadata

    context = _comparison_context(connection, schemas)
    return list(compare_metadata(context, registered_metadata()))


def _comparison_context(connection: Connection, schemas: Sequence[str]) -> Any:
    """Autogenerate's view of our schemas on `connection` (the version table left out)."""
    from alembic.migration import MigrationContext

    allowed = set(schemas)

    def include_name(name: str | None, type_: str, parent_names: dict[str, str | None]) -> bool:
        return name in allowed if type_ == "schema" else True

    def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
        if type_ == "table":
            return obj.schema in allowed and not (obj.schema == CONSOLE_SCHEMA and name == "alembic_version")
        return True

    return MigrationContext.configure(
        connection,
        opts={
            "include_schemas": True,
            "include_name": include_name,
            "include_object": include_object,
            "compare_type": True,
            "compare_server_default": True,
            "target_metadata": registered_metadata(),
        },
    )


def describe_diff(diff: Any) -> str:
    """One line for an autogenerate diff entry."""
    if isinstance(diff, list):  # column modifications come as a list of tuples
        return "; ".join(describe_diff(item) for item in diff)
    kind, *rest = diff
    names = []
    for item in rest:
        name = getattr(item, "name", None)
        fullname = getattr(item, "fullname", None)
        if fullname or name:
            names.append(str(fullname or name))
        elif isinstance(item, str):
            names.append(item)
    return f"{kind} {' '.join(names)}".strip()


@dataclass(frozen=True)
class DriftItem:
    """One difference between the models and the database, with the SQL that would fix it."""

    schema: str
    description: str
    sql: str
    """The statements that bring the database in line with the models (Alembic rendered
    offline); the description again, as a comment, when an operation renders no SQL."""


def drift_of(database: Database, schemas: Sequence[str] = ALL_SCHEMAS) -> list[DriftItem]:
    """`drift_fixes` on a connection of its own."""
    with database.connect() as connection:
        return drift_fixes(connection, schemas)


def drift_fixes(connection: Connection, schemas: Sequence[str] = ALL_SCHEMAS) -> list[DriftItem]:
    """`drift`, one item per difference, grouped by schema, each with its fixing SQL."""
    from alembic.autogenerate import produce_migrations
    from alembic.migration import MigrationContext
    from alembic.operations import Operations, ops

    context = _comparison_context(connection, schemas)
    script = produce_migrations(context, registered_metadata())
    leaves: list[Any] = []
    assert script.upgrade_ops is not None  # produce_migrations always makes one
    for op in script.upgrade_ops.ops:
        leaves.extend(op.ops if isinstance(op, ops.ModifyTableOps) else [op])
    items: list[DriftItem] = []
    for op in leaves:
        try:
            description = describe_diff(op.to_diff_tuple())
        except Exception:  # noqa: BLE001  (an op without a diff tuple: name it by its class)
            description = type(op).__name__
        schema = getattr(op, "schema", None) or CONSOLE_SCHEMA
        buffer = io.StringIO()
        offline = MigrationContext.configure(
            dialect_name="postgresql", opts={"as_sql": True, "output_buffer": buffer, "literal_binds": True}
        )
        try:
            Operations(offline).invoke(op)
            sql = "\n".join(line for line in buffer.getvalue().splitlines() if line.strip())
        except Exception as error:  # noqa: BLE001  (some ops cannot be rendered offline)
            sql = f"-- {description} (no SQL rendered: {error_summary(error)})"
        items.append(DriftItem(schema=schema, description=description, sql=sql or f"-- {description}"))
    return sorted(items, key=lambda item: item.schema)

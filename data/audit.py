"""The audit log's one writer: a console.audit_log row for every write made through the
console, in the same transaction as the write.

Callers say what changed (`AuditEntry`); the operator and the role come from the
connection's settings, so no write can name someone else. The row images are JSON: a dict
(serialised here), or `ServerJson`, text the server itself made from a row (the grid's
edits), which goes back as it came so that no numeric loses digits on the way.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Connection, String, Table, Text, bindparam, insert, literal, null, select
from sqlalchemy import cast as sql_cast
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import CTE, FromClause

from data.engine import ConnectionSettings
from data.models.audit import AuditLog

__all__ = ["AuditEntry", "ServerJson", "actor_parameters", "audit_cte", "write_audit"]

AUDIT = cast(Table, AuditLog.__table__)


class ServerJson(str):
    """JSON text the server made (to_jsonb of a row): written back unchanged."""

    __slots__ = ()


Image = dict[str, Any] | ServerJson | None


@dataclass(frozen=True)
class AuditEntry:
    """One audited write: what was done to which row, its images before and after, and why.

    `schema` is the schema the row really lives in (`ConnectionSettings.real_schema`).
    """

    action: str
    schema: str
    table: str
    key: Image = None
    before: Image = None
    after: Image = None
    reason: str | None = None


_INSERT = insert(AUDIT).values(
    primary_key=sql_cast(bindparam("primary_key", type_=Text()), JSONB),
    before=sql_cast(bindparam("before", type_=Text()), JSONB),
    after=sql_cast(bindparam("after", type_=Text()), JSONB),
)


def write_audit(connection: Connection, settings: ConnectionSettings, *entries: AuditEntry) -> None:
    """Insert one audit row per entry in `connection`'s transaction (one statement, however
    many entries), as `settings`' operator and role."""
    if not entries:
        return
    connection.execute(
        _INSERT,
        [
            {
                **actor_parameters(settings),
                "action": entry.action,
                "schema_name": entry.schema,
                "table_name": entry.table,
                "primary_key": _json(entry.key),
                "before": _json(entry.before),
                "after": _json(entry.after),
                "reason": entry.reason,
            }
            for entry in entries
        ],
    )


def audit_cte(
    name: str,
    source: FromClause,
    *,
    action: ColumnElement[str],
    schema: ColumnElement[str],
    table: str,
    key: ColumnElement[Any],
    before: ColumnElement[Any] | None = None,
    after: ColumnElement[Any] | None = None,
    reason: ColumnElement[str] | None = None,
) -> CTE:
    """The audit rows as a part of a statement (a data-modifying CTE, for the statements
    that are a whole desk action): one row per row of `source`, the images SQL expressions
    over it. The operator and the role are the bind parameters "operator" and "role"
    (`actor_parameters`). Add it to the statement with add_cte, or it does not run."""
    columns = {
        "operator": bindparam("operator", type_=String()),
        "role": bindparam("role", type_=String()),
        "action": action,
        "schema_name": schema,
        "table_name": literal(table, String()),
        "primary_key": key,
        "before": before if before is not None else null(),
        "after": after if after is not None else null(),
        "reason": reason if reason is not None else null(),
    }
    return insert(AUDIT).from_select(list(columns), select(*columns.values()).select_from(source)).cte(name)


def actor_parameters(settings: ConnectionSettings) -> dict[str, str]:
    """The bind parameters `audit_cte` names: who is writing."""
    return {"operator": settings.operator, "role": settings.role.value}


def _json(image: Image) -> str | None:
    if image is None or isinstance(image, ServerJson):
        return image
    return json.dumps(image)

"""The console's roles as PostgreSQL enforces them (DESIGN.md, Roles): three group roles and
exactly the privileges each needs, as SQL computed from the catalog.

- console_developer reads every column of our schemas except the sensitive ones (the
  same rule as the grid's mask, data.sensitive) and the statistics views in full; it
  writes nothing.
- console_support reads the support systems (gacha, accounts, metaserver) the same way
  and holds only the INSERT and UPDATE the desk's actions need, audit rows included. It
  cannot read stories, heroes or the audit log.
- console_admin owns the schemas and what is in them, may signal backends and read all
  statistics; it is not a superuser.

The statements are idempotent: each table's grants are revoked and given again, so a
column that became sensitive loses its grant on the next run. `console roles sql` prints
them for a DBA; the migrations apply them when the migrating login may create roles.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, text

from data.catalog import RelationRef, describe_table_on, quote_ident
from data.models.gacha import CURRENCIES
from data.roles import SUPPORT_SCHEMAS, Role
from data.sensitive import sensitive_columns

GROUP_ROLES: dict[Role, str] = {
    Role.ADMIN: "console_admin",
    Role.DEVELOPER: "console_developer",
    Role.SUPPORT: "console_support",
}
# The embedded server's login for each role (a DBA names their own on a real server).
LOGINS: dict[Role, str] = {role: f"{group}_login" for role, group in GROUP_ROLES.items()}
OUR_SCHEMAS: tuple[str, ...] = ("heroes", "accounts", "metaserver", "stories", "gacha", "console")
# PostgreSQL's predefined roles each group is made a member of.
PREDEFINED: dict[Role, tuple[str, ...]] = {
    Role.ADMIN: ("pg_signal_backend", "pg_read_all_stats"),
    Role.DEVELOPER: ("pg_read_all_stats",),
    Role.SUPPORT: (),
}


@dataclass(frozen=True)
class DeskWrite:
    """What one desk action writes: INSERT rows into the table, or UPDATE these columns."""

    insert: bool = False
    update: tuple[str, ...] = ()


# Keyed by our schema names; the profile's schema_map says where they really are.
SUPPORT_WRITES: dict[tuple[str, str], DeskWrite] = {
    ("gacha", "users"): DeskWrite(update=CURRENCIES),  # grants and redemptions
    ("gacha", "currency_ledger"): DeskWrite(insert=True),
    ("gacha", "gift_codes"): DeskWrite(insert=True, update=("is_active",)),
    ("gacha", "gift_code_redemptions"): DeskWrite(insert=True),
    ("metaserver", "sessions"): DeskWrite(update=("is_active",)),  # revoke
    ("metaserver", "users"): DeskWrite(update=("is_active",)),  # ban and unban
    ("accounts", "users"): DeskWrite(update=("is_deleted", "deleted_at", "updated_at")),  # soft delete, restore
    ("console", "audit_log"): DeskWrite(insert=True),  # written, never read
}
# Tables support writes but must not read.
SUPPORT_CANNOT_READ: frozenset[tuple[str, str]] = frozenset({("console", "audit_log")})

_RELATIONS = text("""
SELECT c.relname AS name, c.relkind AS kind
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = :schema AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
   AND NOT c.relispartition
 ORDER BY c.relname
""")
_SEQUENCES = text("""
SELECT s.relname AS name, t.relname AS owner_table
  FROM pg_class s JOIN pg_namespace n ON n.oid = s.relnamespace
  LEFT JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = s.oid AND d.deptype IN ('a', 'i')
  LEFT JOIN pg_class t ON t.oid = d.refobjid
 WHERE n.nspname = :schema AND s.relkind = 'S'
 ORDER BY s.relname
""")
_FUNCTIONS = text("""
SELECT p.oid::regprocedure::text AS signature
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
  LEFT JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
 WHERE n.nspname = :schema AND d.objid IS NULL
 ORDER BY 1
""")
_TYPES = text("""
SELECT t.typname AS name
  FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
  LEFT JOIN pg_depend d ON d.classid = 'pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e'
 WHERE n.nspname = :schema AND t.typtype IN ('e', 'd', 'c', 'r', 'm') AND d.objid IS NULL
   AND (t.typtype <> 'c' OR (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c')
 ORDER BY 1
""")
_SCHEMA_EXISTS = text("SELECT EXISTS (SELECT FROM pg_namespace WHERE nspname = :schema)")
_MAY_CREATE_ROLES = text("SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user")

_KIND_WORD = {"r": "TABLE", "p": "TABLE", "f": "FOREIGN TABLE", "v": "VIEW", "m": "MATERIALIZED VIEW"}


def role_statements() -> list[str]:
    """Create the three group roles if missing (NOLOGIN: logins are made members of them)."""
    statements = []
    for role, name in GROUP_ROLES.items():
        statements.append(
            f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{name}') THEN "
            f"CREATE ROLE {name} NOLOGIN; END IF; END $$")
        statements += [f"GRANT {predefined} TO {name}" for predefined in PREDEFINED[role]]
    return statements


def login_statements() -> list[str]:
    """One login per group role, member of it and of nothing else (the embedded server's)."""
    return role_statements() + [
        f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{login}') THEN "
        f"CREATE ROLE {login} LOGIN IN ROLE {GROUP_ROLES[role]}; END IF; END $$"
        for role, login in LOGINS.items()
    ]


def grant_statements(connection: Connection, schema_map: Mapping[str, str] | None = None,
                     extra_sensitive: Collection[str] = ()) -> list[str]:
    """Every statement that gives the three group roles their privileges, for the schemas
    that exist on this database (each under the name `schema_map` gives it)."""
    schema_map = schema_map or {}
    admin, developer, support = (GROUP_ROLES[role] for role in (Role.ADMIN, Role.DEVELOPER, Role.SUPPORT))
    statements = role_statements()
    for ours in OUR_SCHEMAS:
        schema = schema_map.get(ours, ours)
        if not connection.execute(_SCHEMA_EXISTS, {"schema": schema}).scalar():
            continue
        q_schema = quote_ident(schema)
        readers = [developer] + ([support] if ours in SUPPORT_SCHEMAS or ours == "console" else [])
        statements.append(f"ALTER SCHEMA {q_schema} OWNER TO {admin}")
        statements.append(f"REVOKE ALL ON SCHEMA {q_schema} FROM PUBLIC, {developer}, {support}")
        statements.append(f"GRANT USAGE ON SCHEMA {q_schema} TO {', '.join(readers)}")
        for row in connection.execute(_TYPES, {"schema": schema}):
            statements.append(f"ALTER TYPE {q_schema}.{quote_ident(row.name)} OWNER TO {admin}")
        for row in connection.execute(_FUNCTIONS, {"schema": schema}):
            statements.append(f"ALTER ROUTINE {_qualified(schema, row.signature)} OWNER TO {admin}")
        sequences = connection.execute(_SEQUENCES, {"schema": schema}).all()
        for row in sequences:
            if row.owner_table is None:  # a table's own sequences follow the table
                statements.append(f"ALTER SEQUENCE {q_schema}.{quote_ident(row.name)} OWNER TO {admin}")
        for row in connection.execute(_RELATIONS, {"schema": schema}):
            name = f"{q_schema}.{quote_ident(row.name)}"
            statements.append(f"ALTER {_KIND_WORD[row.kind]} {name} OWNER TO {admin}")
            statements.append(f"REVOKE ALL ON {name} FROM PUBLIC, {developer}, {support}")
            table = describe_table_on(connection, RelationRef(schema, row.name))
            hidden = sensitive_columns(table, extra_sensitive)
            readable = [column.name for column in table.columns if column.name not in hidden]
            if readable:
                columns = ", ".join(quote_ident(column) for column in readable)
                may_read = [r for r in readers if not (r == support and (
                    (ours, row.name) in SUPPORT_CANNOT_READ or ours not in SUPPORT_SCHEMAS))]
                if may_read:
                    statements.append(f"GRANT SELECT ({columns}) ON {name} TO {', '.join(may_read)}")
            write = SUPPORT_WRITES.get((ours, row.name))
            if write is not None:
                statements += _support_write(name, write, [s.name for s in sequences if s.owner_table == row.name],
                                             q_schema, support)
    return statements


def _support_write(name: str, write: DeskWrite, sequences: Sequence[str], q_schema: str, support: str) -> list[str]:
    statements = []
    if write.insert:
        statements.append(f"GRANT INSERT ON {name} TO {support}")
        statements += [f"GRANT USAGE ON SEQUENCE {q_schema}.{quote_ident(s)} TO {support}" for s in sequences]
    if write.update:
        statements.append(f"GRANT UPDATE ({', '.join(quote_ident(c) for c in write.update)}) ON {name} TO {support}")
    return statements


def _qualified(schema: str, signature: str) -> str:
    """regprocedure text leaves out the schema when it is on the search_path; say it always."""
    prefix = quote_ident(schema) + "."
    return signature if signature.startswith(prefix) else prefix + signature


def may_create_roles(connection: Connection) -> bool:
    return bool(connection.execute(_MAY_CREATE_ROLES).scalar())


def apply_grants(connection: Connection, schema_map: Mapping[str, str] | None = None,
                 extra_sensitive: Collection[str] = ()) -> int:
    """Run grant_statements in the caller's transaction; the number of statements run."""
    statements = grant_statements(connection, schema_map, extra_sensitive)
    for statement in statements:
        connection.exec_driver_sql(statement.replace("%", "%%"))
    return len(statements)


def grants_script(connection: Connection, schema_map: Mapping[str, str] | None = None,
                  extra_sensitive: Collection[str] = ()) -> str:
    """The statements as one script for psql, in one transaction."""
    body = ";\n".join(grant_statements(connection, schema_map, extra_sensitive))
    return f"BEGIN;\n{body};\nCOMMIT;\n"

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
them for a DBA; every upgrade applies them when the migrating login can (a superuser, which
also creates the roles, or an admin login, which owns what it made).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, text

from data.base import ALL_SCHEMAS
from data.catalog import RelationRef, describe_table_on, quote_ident, sql_text
from data.inputs import CURRENCIES
from data.login import read_login
from data.roles import SUPPORT_SCHEMAS, Role
from data.sensitive import sensitive_columns

# PostgreSQL's predefined roles each group is made a member of.
# pg_read_all_settings: the activity screen reads shared_preload_libraries to say whether
# pg_stat_statements is loaded.
PREDEFINED: dict[Role, tuple[str, ...]] = {
    Role.ADMIN: ("pg_signal_backend", "pg_read_all_stats", "pg_read_all_settings"),
    Role.DEVELOPER: ("pg_read_all_stats", "pg_read_all_settings"),
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
# Tables support writes but must not read (it reads console.alembic_version: the home
# screen shows each system's migration state).
SUPPORT_CANNOT_READ: frozenset[tuple[str, str]] = frozenset({("console", "audit_log")})

_RELATIONS = text("""
SELECT c.relname AS name, c.relkind AS kind, pg_get_userbyid(c.relowner) AS owner
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = :schema AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
   AND NOT c.relispartition
 ORDER BY c.relname
""")
_SEQUENCES = text("""
SELECT s.relname AS name, t.relname AS owner_table, pg_get_userbyid(s.relowner) AS owner
  FROM pg_class s JOIN pg_namespace n ON n.oid = s.relnamespace
  LEFT JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = s.oid AND d.deptype IN ('a', 'i')
  LEFT JOIN pg_class t ON t.oid = d.refobjid
 WHERE n.nspname = :schema AND s.relkind = 'S'
 ORDER BY s.relname
""")
_FUNCTIONS = text("""
SELECT format('%I.%I(%s)', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid)) AS signature,
       pg_get_userbyid(p.proowner) AS owner
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
  LEFT JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
 WHERE n.nspname = :schema AND d.objid IS NULL
 ORDER BY 1
""")
_TYPES = text("""
SELECT t.typname AS name, pg_get_userbyid(t.typowner) AS owner
  FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
  LEFT JOIN pg_depend d ON d.classid = 'pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e'
 WHERE n.nspname = :schema AND t.typtype IN ('e', 'd', 'c', 'r', 'm') AND d.objid IS NULL
   AND (t.typtype <> 'c' OR (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c')
 ORDER BY 1
""")
_SCHEMA_OWNER = text("SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = :schema")

_KIND_WORD = {"r": "TABLE", "p": "TABLE", "f": "FOREIGN TABLE", "v": "VIEW", "m": "MATERIALIZED VIEW"}


def role_statements() -> list[str]:
    """Create the three group roles if missing (NOLOGIN: logins are made members of them)."""
    statements = []
    for role in Role:
        name = role.group
        statements.append(
            f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{name}') THEN "
            f"CREATE ROLE {name} NOLOGIN; END IF; END $$"
        )
        statements += [f"GRANT {predefined} TO {name}" for predefined in PREDEFINED[role]]
    return statements


def login_statements(database: str) -> list[str]:
    """The embedded server's logins: one per group role, member of it and of nothing else.

    The admin login acts as console_admin from the start of each session, so what its
    migrations create is owned by the group, and the database is the group's so that it
    may create schemas.
    """
    statements = role_statements()
    for role in Role:
        statements.append(
            f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role.login}') THEN "
            f"CREATE ROLE {role.login} LOGIN IN ROLE {role.group}; END IF; END $$"
        )
    statements.append(f"ALTER ROLE {Role.ADMIN.login} SET role = '{Role.ADMIN.group}'")
    statements.append(f"ALTER DATABASE {quote_ident(database)} OWNER TO {Role.ADMIN.group}")
    return statements


def grant_statements(
    connection: Connection,
    schema_map: Mapping[str, str] | None = None,
    extra_sensitive: Collection[str] = (),
    *,
    with_roles: bool = True,
) -> list[str]:
    """Every statement that gives the three group roles their privileges, for the schemas
    that exist on this database (each under the name `schema_map` gives it).

    Objects console_admin does not own yet are given to it. `with_roles` adds the
    statements that create the group roles (for a login that may create roles).
    """
    schema_map = schema_map or {}
    admin, developer, support = Role.ADMIN.group, Role.DEVELOPER.group, Role.SUPPORT.group
    statements = role_statements() if with_roles else []

    def own(owner: str, what: str) -> None:
        if owner != admin:
            statements.append(f"ALTER {what} OWNER TO {admin}")

    for ours in ALL_SCHEMAS:
        schema = schema_map.get(ours, ours)
        schema_owner = connection.execute(_SCHEMA_OWNER, {"schema": schema}).scalar()
        if schema_owner is None:
            continue
        q_schema = quote_ident(schema)
        readers = [developer] + ([support] if ours in SUPPORT_SCHEMAS or ours == "console" else [])
        own(schema_owner, f"SCHEMA {q_schema}")
        statements.append(f"REVOKE ALL ON SCHEMA {q_schema} FROM PUBLIC, {developer}, {support}")
        statements.append(f"GRANT USAGE ON SCHEMA {q_schema} TO {', '.join(readers)}")
        for row in connection.execute(_TYPES, {"schema": schema}):
            own(row.owner, f"TYPE {q_schema}.{quote_ident(row.name)}")
        for row in connection.execute(_FUNCTIONS, {"schema": schema}):
            own(row.owner, f"ROUTINE {row.signature}")
        sequences = connection.execute(_SEQUENCES, {"schema": schema}).all()
        for row in sequences:
            if row.owner_table is None:  # a table's own sequences follow the table
                own(row.owner, f"SEQUENCE {q_schema}.{quote_ident(row.name)}")
        for row in connection.execute(_RELATIONS, {"schema": schema}):
            name = f"{q_schema}.{quote_ident(row.name)}"
            own(row.owner, f"{_KIND_WORD[row.kind]} {name}")
            statements.append(f"REVOKE ALL ON {name} FROM PUBLIC, {developer}, {support}")
            table = describe_table_on(connection, RelationRef(schema, row.name))
            hidden = sensitive_columns(table, extra_sensitive)
            readable = [column.name for column in table.columns if column.name not in hidden]
            if row.kind in ("r", "p", "m"):
                readable.append("xmin")  # the grid's row version (data.browse.sql.row_items)
            if readable:
                columns = ", ".join(quote_ident(column) for column in readable)
                may_read = [r for r in readers if not (r == support and (ours, row.name) in SUPPORT_CANNOT_READ)]
                if may_read:
                    statements.append(f"GRANT SELECT ({columns}) ON {name} TO {', '.join(may_read)}")
            write = SUPPORT_WRITES.get((ours, row.name))
            if write is not None:
                statements += _support_write(
                    name, write, [s.name for s in sequences if s.owner_table == row.name], q_schema, support
                )
    return statements


def _support_write(name: str, write: DeskWrite, sequences: Sequence[str], q_schema: str, support: str) -> list[str]:
    statements = []
    if write.insert:
        statements.append(f"GRANT INSERT ON {name} TO {support}")
        statements += [f"GRANT USAGE ON SEQUENCE {q_schema}.{quote_ident(s)} TO {support}" for s in sequences]
    if write.update:
        statements.append(f"GRANT UPDATE ({', '.join(quote_ident(c) for c in write.update)}) ON {name} TO {support}")
    return statements


def apply_grants(
    connection: Connection, schema_map: Mapping[str, str] | None = None, extra_sensitive: Collection[str] = ()
) -> bool:
    """Give the group roles their privileges in the caller's transaction, when this login
    can: a superuser creates the roles too; an admin login (acting as console_admin, the
    owner) grants on what its migrations made. Any other login leaves it to a DBA and
    `console roles sql`; False then.
    """
    login = read_login(connection)
    if login.role is not Role.ADMIN:  # a superuser, or a member of console_admin
        return False
    for statement in grant_statements(connection, schema_map, extra_sensitive, with_roles=login.superuser):
        connection.exec_driver_sql(sql_text(statement))
    return True


def grants_script(
    connection: Connection, schema_map: Mapping[str, str] | None = None, extra_sensitive: Collection[str] = ()
) -> str:
    """The statements as one script for psql, in one transaction."""
    body = ";\n".join(grant_statements(connection, schema_map, extra_sensitive))
    return f"BEGIN;\n{body};\nCOMMIT;\n"

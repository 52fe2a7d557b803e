"""What the catalog says about any PostgreSQL database: schemas, relations, and one table.

This is the reflection the table browser stands on. It reads pg_catalog directly (not
SQLAlchemy's Inspector) so that each question is one cheap query, however many thousand
tables the database has: the schema tree asks for one schema's relations at a time, and
row counts are the planner's estimates (pg_class.reltuples), never COUNT(*).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from sqlalchemy import Connection, text

from data.engine import Database
from data.errors import Refusal

# Schemas that hold PostgreSQL itself, not user data.
_HIDDEN_SCHEMAS = "n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'"


def quote_ident(name: str) -> str:
    """`name` as a PostgreSQL identifier, quoted so any spelling survives."""
    return '"' + name.replace('"', '""') + '"'


def sql_text(text: str) -> str:
    """Text for a statement run with parameters, where psycopg reads every % as a placeholder
    (the typed-SQL guard sends every statement with parameters, even none)."""
    return text.replace("%", "%%")


@dataclass(frozen=True, order=True)
class RelationRef:
    """A relation by schema and name."""

    schema: str
    name: str

    @property
    def sql(self) -> str:
        """The quoted, schema-qualified name for SQL text."""
        return f"{quote_ident(self.schema)}.{quote_ident(self.name)}"

    def __str__(self) -> str:
        return f"{self.schema}.{self.name}"

    @classmethod
    def parse(cls, text_: str) -> RelationRef:
        """`schema.table` (or `table`, meaning public) as typed by a user.

        Raises:
            ValueError: more than one dot, or an empty part.
        """
        parts = [part.strip() for part in text_.strip().split(".")]
        if len(parts) == 1:
            parts = ["public", parts[0]]
        if len(parts) != 2 or not all(parts):
            raise ValueError(f"not a table name: {text_!r} (expected schema.table)")
        return cls(parts[0], parts[1])


class RelationKind(str, Enum):
    """pg_class.relkind of the relations a user can browse."""

    TABLE = "r"
    VIEW = "v"
    MATERIALIZED_VIEW = "m"
    PARTITIONED_TABLE = "p"
    FOREIGN_TABLE = "f"

    @property
    def label(self) -> str:
        return {
            "r": "table",
            "v": "view",
            "m": "materialized view",
            "p": "partitioned table",
            "f": "foreign table",
        }[self.value]

    @property
    def has_rows_of_its_own(self) -> bool:
        """True for relations whose rows carry an xmin and can be updated in place."""
        return self in (RelationKind.TABLE, RelationKind.PARTITIONED_TABLE)


@dataclass(frozen=True)
class SchemaEntry:
    """A schema in the tree, before its relations are loaded."""

    name: str
    relations: int
    """Tables, views, materialized views and foreign tables, partitions not counted."""


@dataclass(frozen=True)
class RelationEntry:
    """A relation in the tree."""

    ref: RelationRef
    kind: RelationKind
    estimated_rows: int | None
    """The planner's estimate; None when the table was never analysed (or is a view)."""
    partitions: int
    """How many partitions hang under it (partitioned tables only)."""


@dataclass(frozen=True)
class ColumnInfo:
    """One column, with what a viewer and an editor need to know of its type."""

    name: str
    type_name: str
    """As PostgreSQL prints it: `character varying(255)`, `integer[]`, `vector(768)`."""
    base_type: str
    """pg_type.typname of the type underneath a domain (else of the type): `int4`, `jsonb`,
    `_text` for a text array, `vector`, or an enum's name."""
    category: str
    """pg_type.typcategory of the base type: A array, B boolean, D date/time, E enum,
    I network, N numeric, S string, U user-defined (json, uuid, bytea...), V bit string..."""
    element_type: str | None
    """For arrays, the element's typname (`int4`); else None."""
    domain: str | None
    """The domain's name when the column's type is a domain."""
    enum_labels: tuple[str, ...]
    """The labels of an enum type (of the element, for an array of enums), in order."""
    nullable: bool
    default: str | None
    """The default expression as SQL text; identity and generated columns say so instead."""
    identity: bool
    generated: bool
    """A generated (computed) column: it cannot be written."""
    comment: str | None
    readable: bool = True
    """Whether the login may SELECT it: the server's column grants keep secrets from the
    developer and support roles (data/grants.py), so the grid shows them masked."""

    @property
    def is_array(self) -> bool:
        return self.category == "A"

    @property
    def writable(self) -> bool:
        return not self.generated


@dataclass(frozen=True)
class ForeignKey:
    """A foreign key from `table` (columns) to `referenced` (referenced_columns)."""

    name: str
    table: RelationRef
    columns: tuple[str, ...]
    referenced: RelationRef
    referenced_columns: tuple[str, ...]


@dataclass(frozen=True)
class SoftDelete:
    """The columns a soft delete sets, where a table has them."""

    flag: str | None
    """A boolean column such as is_deleted."""
    timestamp: str | None
    """A timestamp column such as deleted_at."""


@dataclass(frozen=True)
class TableInfo:
    """A relation as the grid sees it: columns, the key it pages on, its links."""

    ref: RelationRef
    kind: RelationKind
    columns: tuple[ColumnInfo, ...]
    key: tuple[str, ...]
    """Columns that identify a row: the primary key, else a unique index on NOT NULL
    columns (without expressions or predicate); empty when there is neither."""
    key_source: str | None
    """Where the key comes from: `primary key pk_users` or `unique index ix_...`."""
    has_primary_key: bool
    foreign_keys: tuple[ForeignKey, ...]
    """This table's foreign keys, to the rows it references."""
    referenced_by: tuple[ForeignKey, ...]
    """Other tables' foreign keys that point at this table."""
    estimated_rows: int | None
    soft_delete: SoftDelete | None
    comment: str | None

    def column(self, name: str) -> ColumnInfo:
        """The column called `name`.

        Raises:
            KeyError: there is no such column.
        """
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(f"{self.ref} has no column {name!r}")

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)

    @property
    def pages_by_key(self) -> bool:
        """True when the grid can page by keyset; else it pages with a server-side cursor."""
        return bool(self.key)

    @property
    def editable(self) -> bool:
        """Rows can be edited: a table (not a view) with a primary key."""
        return self.has_primary_key and self.kind.has_rows_of_its_own

    @property
    def read_only_reason(self) -> str | None:
        """Why the grid cannot edit this relation, in the user's words; None if it can."""
        if not self.kind.has_rows_of_its_own:
            return f"a {self.kind.label} is read-only here"
        if not self.has_primary_key:
            return "read-only: the table has no primary key, so a row cannot be named safely"
        return None


_SCHEMAS = text(
    f"""
    SELECT n.nspname AS name,
           (SELECT count(*) FROM pg_class c
             WHERE c.relnamespace = n.oid AND c.relkind IN ('r', 'v', 'm', 'p', 'f')
               AND NOT c.relispartition) AS relations
      FROM pg_namespace n
     WHERE {_HIDDEN_SCHEMAS}
     ORDER BY n.nspname
    """
)

_RELATIONS = text(
    """
    SELECT c.relname AS name, c.relkind AS kind,
           CASE WHEN c.reltuples >= 0 AND c.relkind IN ('r', 'm', 'p', 'f')
                THEN c.reltuples::bigint END AS estimated_rows,
           (SELECT count(*) FROM pg_inherits i WHERE i.inhparent = c.oid) AS partitions
      FROM pg_class c
      JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = :schema AND c.relkind IN ('r', 'v', 'm', 'p', 'f')
       AND NOT c.relispartition
     ORDER BY c.relname
    """
)

_PARTITIONS = text(
    """
    SELECT n.nspname AS schema, c.relname AS name, c.relkind AS kind,
           CASE WHEN c.reltuples >= 0 THEN c.reltuples::bigint END AS estimated_rows,
           (SELECT count(*) FROM pg_inherits i2 WHERE i2.inhparent = c.oid) AS partitions
      FROM pg_inherits i
      JOIN pg_class c ON c.oid = i.inhrelid
      JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE i.inhparent = CAST(:relation AS regclass)
     ORDER BY n.nspname, c.relname
    """
)

_RELATION = text(
    """
    SELECT c.oid, c.relkind AS kind, obj_description(c.oid, 'pg_class') AS comment,
           CASE WHEN c.reltuples >= 0 AND c.relkind IN ('r', 'm', 'p', 'f')
                THEN c.reltuples::bigint END AS estimated_rows
      FROM pg_class c
      JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = :schema AND c.relname = :name
       AND c.relkind IN ('r', 'v', 'm', 'p', 'f')
    """
)

# For a domain, describe the type underneath it (a domain over a domain is followed once
# more, which covers every schema we have met).
_COLUMNS = text(
    """
    SELECT a.attname AS name,
           format_type(a.atttypid, a.atttypmod) AS type_name,
           base.typname AS base_type,
           base.typcategory AS category,
           elem.typname AS element_type,
           CASE WHEN t.typtype = 'd' THEN t.typname END AS domain,
           COALESCE(
             (SELECT array_agg(e.enumlabel::text ORDER BY e.enumsortorder)
                FROM pg_enum e WHERE e.enumtypid = COALESCE(NULLIF(base.typelem, 0), base.oid)),
             '{}') AS enum_labels,
           NOT a.attnotnull AS nullable,
           CASE WHEN a.attgenerated = '' THEN pg_get_expr(d.adbin, d.adrelid) END AS "default",
           a.attidentity <> '' AS identity,
           a.attgenerated <> '' AS generated,
           col_description(a.attrelid, a.attnum) AS comment,
           has_column_privilege(a.attrelid, a.attnum, 'SELECT') AS readable
      FROM pg_attribute a
      JOIN pg_type t ON t.oid = a.atttypid
      LEFT JOIN pg_type inner_type ON t.typtype = 'd' AND inner_type.oid = t.typbasetype
      JOIN pg_type base ON base.oid = CASE WHEN t.typtype <> 'd' THEN t.oid
                                           WHEN inner_type.typtype = 'd' THEN inner_type.typbasetype
                                           ELSE t.typbasetype END
      LEFT JOIN pg_type elem ON elem.oid = base.typelem AND base.typcategory = 'A'
      LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
     WHERE a.attrelid = :oid AND a.attnum > 0 AND NOT a.attisdropped
     ORDER BY a.attnum
    """
)

# The primary key first, then unique indexes whose columns are all NOT NULL, plain columns
# only (no expression, no predicate), shortest first: any of them names a row exactly.
_KEYS = text(
    """
    SELECT i.indisprimary AS is_primary,
           ic.relname AS index_name,
           con.conname AS constraint_name,
           array_agg(a.attname::text ORDER BY k.ordinality) AS columns,
           bool_and(a.attnotnull) AS not_null
      FROM pg_index i
      JOIN pg_class ic ON ic.oid = i.indexrelid
      LEFT JOIN pg_constraint con ON con.conindid = i.indexrelid AND con.contype = 'p'
      CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ordinality)
      LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
     WHERE i.indrelid = :oid AND i.indisunique AND i.indisvalid
       AND i.indpred IS NULL AND i.indexprs IS NULL
       AND k.ordinality <= i.indnkeyatts
     GROUP BY i.indisprimary, ic.relname, con.conname, i.indnkeyatts
     ORDER BY i.indisprimary DESC, i.indnkeyatts, ic.relname
    """
)

_FOREIGN_KEYS = text(
    """
    SELECT con.conname AS name,
           src_ns.nspname AS schema, src.relname AS table_name,
           ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(n, o)
                   JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n
                  ORDER BY k.o) AS columns,
           dst_ns.nspname AS referenced_schema, dst.relname AS referenced_table,
           ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(n, o)
                   JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.n
                  ORDER BY k.o) AS referenced_columns
      FROM pg_constraint con
      JOIN pg_class src ON src.oid = con.conrelid
      JOIN pg_namespace src_ns ON src_ns.oid = src.relnamespace
      JOIN pg_class dst ON dst.oid = con.confrelid
      JOIN pg_namespace dst_ns ON dst_ns.oid = dst.relnamespace
     WHERE con.contype = 'f' AND (con.conrelid = :oid OR con.confrelid = :oid)
       -- PostgreSQL clones a foreign key onto each partition of both sides. Keep the one
       -- this relation declares or inherits, not the copies made for partitions of it.
       AND NOT EXISTS (SELECT 1 FROM pg_constraint parent
                        WHERE parent.oid = con.conparentid
                          AND (con.conrelid = :oid AND parent.conrelid = con.conrelid
                               OR con.confrelid = :oid AND parent.confrelid = con.confrelid))
     ORDER BY src_ns.nspname, src.relname, con.conname
    """
)

SOFT_DELETE_FLAGS = ("is_deleted", "deleted")
SOFT_DELETE_TIMESTAMPS = ("deleted_at",)


class UnknownRelation(Refusal, ValueError):
    """The relation the user named does not exist (or is not visible to this role)."""

    title = "No such table"


def readable_schemas(database: Database) -> frozenset[str] | None:
    """The real schema names the profile's role may read; None means every schema.

    The support role reads only the support desk's systems, wherever the profile's
    schema map puts them.
    """
    settings = database.settings
    ours = settings.role.readable_schemas()
    if ours is None:
        return None
    return frozenset(settings.schema_map.get(schema, schema) for schema in ours)


def check_readable(database: Database, ref: RelationRef) -> None:
    """Refuse a relation in a schema the profile's role may not read.

    Raises:
        UnknownRelation: the role may not read the relation's schema.
    """
    readable = readable_schemas(database)
    if readable is not None and ref.schema not in readable:
        raise UnknownRelation(f"the {database.settings.role.value} role cannot read {ref.schema}")


def list_schemas(database: Database) -> list[SchemaEntry]:
    """Every user schema the role may read, with its number of relations.

    PostgreSQL's own schemas (pg_catalog, information_schema, pg_toast...) are left out.
    """
    with database.connect() as connection:
        rows = connection.execute(_SCHEMAS).all()
    readable = readable_schemas(database)
    return [SchemaEntry(row.name, row.relations) for row in rows if readable is None or row.name in readable]


def list_relations(database: Database, schema: str) -> list[RelationEntry]:
    """The tables, views, materialized views and foreign tables of one schema, by name.

    Partitions are not listed here but under their parent (`list_partitions`). A schema
    the role may not read lists nothing.
    """
    readable = readable_schemas(database)
    if readable is not None and schema not in readable:
        return []
    with database.connect() as connection:
        rows = connection.execute(_RELATIONS, {"schema": schema}).all()
    return [
        RelationEntry(RelationRef(schema, row.name), RelationKind(row.kind), row.estimated_rows, row.partitions)
        for row in rows
    ]


def list_partitions(database: Database, parent: RelationRef) -> list[RelationEntry]:
    """The partitions of a partitioned table (which may be partitioned in turn)."""
    with database.connect() as connection:
        rows = connection.execute(_PARTITIONS, {"relation": parent.sql}).all()
    return [
        RelationEntry(RelationRef(row.schema, row.name), RelationKind(row.kind), row.estimated_rows, row.partitions)
        for row in rows
    ]


def describe_table(database: Database, ref: RelationRef) -> TableInfo:
    """Columns, key, foreign keys both ways and soft-delete columns of one relation.

    Raises:
        UnknownRelation: there is no such table or view, or the role may not read it.
    """
    check_readable(database, ref)
    with database.connect() as connection:
        return describe_table_on(connection, ref)


def describe_table_on(connection: Connection, ref: RelationRef) -> TableInfo:
    """`describe_table` inside a transaction the caller already holds."""
    relation = connection.execute(_RELATION, {"schema": ref.schema, "name": ref.name}).first()
    if relation is None:
        raise UnknownRelation(f"no table or view called {ref}")
    columns = tuple(
        ColumnInfo(
            name=row.name,
            type_name=row.type_name,
            base_type=row.base_type,
            category=row.category,
            element_type=row.element_type,
            domain=row.domain,
            enum_labels=tuple(row.enum_labels),
            nullable=row.nullable,
            default=row.default,
            identity=row.identity,
            generated=row.generated,
            comment=row.comment,
            readable=row.readable,
        )
        for row in connection.execute(_COLUMNS, {"oid": relation.oid})
    )
    key: tuple[str, ...] = ()
    key_source: str | None = None
    has_primary_key = False
    for row in connection.execute(_KEYS, {"oid": relation.oid}):
        if row.is_primary:
            has_primary_key = True
        if row.not_null and None not in row.columns:
            key = tuple(row.columns)
            key_source = f"primary key {row.constraint_name}" if row.is_primary else f"unique index {row.index_name}"
            break
    outgoing: list[ForeignKey] = []
    incoming: list[ForeignKey] = []
    for row in connection.execute(_FOREIGN_KEYS, {"oid": relation.oid}):
        foreign_key = ForeignKey(
            name=row.name,
            table=RelationRef(row.schema, row.table_name),
            columns=tuple(row.columns),
            referenced=RelationRef(row.referenced_schema, row.referenced_table),
            referenced_columns=tuple(row.referenced_columns),
        )
        if foreign_key.table == ref:
            outgoing.append(foreign_key)
        if foreign_key.referenced == ref:
            incoming.append(foreign_key)
    return TableInfo(
        ref=ref,
        kind=RelationKind(relation.kind),
        columns=columns,
        key=key,
        key_source=key_source,
        has_primary_key=has_primary_key,
        foreign_keys=tuple(outgoing),
        referenced_by=tuple(incoming),
        estimated_rows=relation.estimated_rows,
        soft_delete=_soft_delete(columns),
        comment=relation.comment,
    )


def _soft_delete(columns: tuple[ColumnInfo, ...]) -> SoftDelete | None:
    by_name = {column.name: column for column in columns}
    flag = next((name for name in SOFT_DELETE_FLAGS if name in by_name and by_name[name].base_type == "bool"), None)
    timestamp = next(
        (name for name in SOFT_DELETE_TIMESTAMPS if name in by_name and by_name[name].category == "D"), None
    )
    if flag is None and timestamp is None:
        return None
    return SoftDelete(flag, timestamp)

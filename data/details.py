"""What the Tables screen's details panel says about one relation.

Columns come from `catalog.describe_table_on`; this module adds the rest: indexes,
constraints, triggers, size on disk, an estimate of bloat, activity counters, and what a
view or a partition is defined by. Everything is a handful of cheap pg_catalog queries in
one transaction, whatever the size of the table: nothing here scans the table itself.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, text

from data import catalog
from data.catalog import RelationKind, RelationRef, TableInfo
from data.engine import Database


@dataclass(frozen=True)
class IndexInfo:
    """One index of the relation."""

    name: str
    definition: str
    """pg_get_indexdef: the CREATE INDEX statement."""
    primary: bool
    unique: bool
    valid: bool
    """False while CREATE INDEX CONCURRENTLY is building it, or after it failed."""
    size_bytes: int
    scans: int | None
    """Index scans since statistics were reset; None when the server has no counters."""
    columns: tuple[str, ...]
    """Key columns, or an expression's text for an expression column (INCLUDE ones left out)."""


@dataclass(frozen=True)
class ConstraintInfo:
    """One constraint on the relation."""

    name: str
    kind: str
    """'primary key', 'unique', 'foreign key', 'check', 'exclusion' or 'not null'."""
    definition: str
    """pg_get_constraintdef: `CHECK ((price >= 0))`, `FOREIGN KEY (a) REFERENCES ...`."""
    validated: bool
    """False for a constraint added NOT VALID and not validated since."""


@dataclass(frozen=True)
class TriggerInfo:
    """A user trigger (the internal triggers behind foreign keys are left out)."""

    name: str
    definition: str
    """pg_get_triggerdef: the CREATE TRIGGER statement."""
    enabled: str
    """'enabled', 'disabled', 'replica' (fires only on replicas) or 'always'."""
    internal: bool


@dataclass(frozen=True)
class SizeInfo:
    """Disk space; total = table + indexes + toast. A partitioned table sums its partitions."""

    total_bytes: int
    table_bytes: int
    """The heap with its free space and visibility maps."""
    indexes_bytes: int
    toast_bytes: int
    """The TOAST table (out-of-line values) and its index."""


@dataclass(frozen=True)
class BloatEstimate:
    """Space beyond what the live rows would need, estimated from the planner's statistics."""

    bloat_bytes: int | None
    bloat_ratio: float | None
    """bloat_bytes as a share (0..1) of the table's size (heap and toast)."""
    expected_bytes: int | None
    """What the live rows would take, packed at the table's fillfactor."""
    method: str
    note: str | None
    """Why there is no estimate (or why to distrust it); None when all is well."""


@dataclass(frozen=True)
class ActivityInfo:
    """pg_stat_user_tables: counters since the statistics were last reset."""

    live_tuples: int
    dead_tuples: int
    seq_scans: int
    index_scans: int | None
    last_vacuum: datetime | None
    last_autovacuum: datetime | None
    last_analyze: datetime | None
    last_autoanalyze: datetime | None
    n_ins: int
    n_upd: int
    n_del: int


@dataclass(frozen=True)
class TableDetails:
    """Everything the details panel shows about one relation."""

    table: TableInfo
    indexes: tuple[IndexInfo, ...]
    constraints: tuple[ConstraintInfo, ...]
    triggers: tuple[TriggerInfo, ...]
    size: SizeInfo | None
    """None for relations without storage (views, foreign tables)."""
    bloat: BloatEstimate | None
    """None for relations without storage."""
    activity: ActivityInfo | None
    view_definition: str | None
    """pg_get_viewdef for views and materialized views."""
    partition_of: RelationRef | None
    partition_bound: str | None
    """`FOR VALUES FROM (...) TO (...)` for a partition."""
    partition_key: str | None
    """pg_get_partkeydef for a partitioned table: `RANGE (created_at)`."""


BLOAT_METHOD = "estimate from pg_stats column widths (ioguix table_bloat)"

_CONSTRAINT_KINDS = {
    "p": "primary key",
    "u": "unique",
    "f": "foreign key",
    "c": "check",
    "x": "exclusion",
    "n": "not null",
}

_TRIGGER_STATES = {"O": "enabled", "D": "disabled", "R": "replica", "A": "always"}

# A partitioned table has no storage of its own: its size is its partitions' (the members
# of pg_partition_tree; the UNION keeps a plain table, which has no tree, counted once).
_RELATION = text(
    """
    SELECT c.oid, c.relkind AS kind,
           CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid, true) END AS view_definition,
           CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END AS partition_key,
           CASE WHEN c.relispartition THEN pg_get_expr(c.relpartbound, c.oid) END AS partition_bound,
           parent_ns.nspname AS parent_schema, parent.relname AS parent_name,
           sizes.total_bytes, sizes.table_bytes, sizes.indexes_bytes, sizes.toast_bytes,
           s.n_live_tup, s.n_dead_tup, s.seq_scan, s.idx_scan,
           s.last_vacuum, s.last_autovacuum, s.last_analyze, s.last_autoanalyze,
           s.n_tup_ins, s.n_tup_upd, s.n_tup_del
      FROM pg_class c
      JOIN pg_namespace n ON n.oid = c.relnamespace
      LEFT JOIN pg_inherits i ON c.relispartition AND i.inhrelid = c.oid
      LEFT JOIN pg_class parent ON parent.oid = i.inhparent
      LEFT JOIN pg_namespace parent_ns ON parent_ns.oid = parent.relnamespace
      LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid
      CROSS JOIN LATERAL (
        SELECT sum(pg_total_relation_size(m.oid))::bigint AS total_bytes,
               sum(pg_table_size(m.oid) - toast.bytes)::bigint AS table_bytes,
               sum(pg_indexes_size(m.oid))::bigint AS indexes_bytes,
               sum(toast.bytes)::bigint AS toast_bytes
          FROM pg_class m
          CROSS JOIN LATERAL (SELECT CASE WHEN m.reltoastrelid <> 0
                                          THEN pg_total_relation_size(m.reltoastrelid)
                                          ELSE 0 END AS bytes) toast
         WHERE m.oid IN (SELECT c.oid UNION SELECT t.relid FROM pg_partition_tree(c.oid) t)
      ) sizes
     WHERE n.nspname = :schema AND c.relname = :name
    """
)

# Key columns through pg_get_indexdef(index, n, true), which gives a column's name or an
# expression's text alike.
_INDEXES = text(
    """
    SELECT ic.relname AS name, pg_get_indexdef(i.indexrelid) AS definition,
           i.indisprimary AS primary, i.indisunique AS unique, i.indisvalid AS valid,
           pg_relation_size(i.indexrelid) AS size_bytes, s.idx_scan AS scans,
           ARRAY(SELECT pg_get_indexdef(i.indexrelid, k, true)
                   FROM generate_series(1, i.indnkeyatts) k ORDER BY k) AS columns
      FROM pg_index i
      JOIN pg_class ic ON ic.oid = i.indexrelid
      LEFT JOIN pg_stat_user_indexes s ON s.indexrelid = i.indexrelid
     WHERE i.indrelid = :oid
     ORDER BY i.indisprimary DESC, ic.relname
    """
)

# Not-null constraints (catalogued since PostgreSQL 18) are shown with the columns as
# nullability; only one added NOT VALID says something the columns cannot.
_CONSTRAINTS = text(
    """
    SELECT con.conname AS name, con.contype AS kind,
           pg_get_constraintdef(con.oid, true) AS definition, con.convalidated AS validated
      FROM pg_constraint con
     WHERE con.conrelid = :oid AND (con.contype <> 'n' OR NOT con.convalidated)
     ORDER BY array_position(ARRAY['p', 'u', 'f', 'c', 'x', 'n']::"char"[], con.contype), con.conname
    """
)

_TRIGGERS = text(
    """
    SELECT t.tgname AS name, pg_get_triggerdef(t.oid, true) AS definition,
           t.tgenabled AS enabled, t.tgisinternal AS internal
      FROM pg_trigger t
     WHERE t.tgrelid = :oid AND NOT t.tgisinternal
     ORDER BY t.tgname
    """
)

# The inputs of ioguix's table_bloat query (pgsql-bloat-estimation), for one relation:
# the arithmetic is done in `_bloat` below. A column without statistics (never analysed,
# or statistics turned off for it) makes the width unknown; `name` columns are reported
# by pg_stats narrower than they are stored, so they spoil the estimate too.
_BLOAT_INPUTS = text(
    """
    SELECT c.reltuples, c.relpages,
           COALESCE(toast.relpages, 0) AS toast_pages, COALESCE(toast.reltuples, 0) AS toast_tuples,
           COALESCE(substring(array_to_string(c.reloptions, ' ') FROM 'fillfactor=([0-9]+)')::int,
                    100) AS fillfactor,
           current_setting('block_size')::int AS block_size,
           CASE WHEN version() ~ 'mingw32|64-bit|x86_64|ppc64|ia64|amd64' THEN 8 ELSE 4 END AS max_align,
           count(a.attnum) AS columns,
           count(s.attname) AS columns_with_stats,
           COALESCE(max(s.null_frac), 0) > 0 AS has_nulls,
           COALESCE(sum((1 - COALESCE(s.null_frac, 0)) * COALESCE(s.avg_width, 0)), 0) AS data_width,
           COALESCE(bool_or(a.atttypid = 'pg_catalog.name'::regtype), false) AS has_name_column
      FROM pg_class c
      JOIN pg_namespace n ON n.oid = c.relnamespace
      LEFT JOIN pg_class toast ON toast.oid = c.reltoastrelid
      LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
      LEFT JOIN pg_stats s ON s.schemaname = n.nspname AND s.tablename = c.relname
                          AND s.attname = a.attname AND NOT s.inherited
     WHERE c.oid = :oid
     GROUP BY c.oid, toast.oid
    """
)

_PAGE_HEADER = 24  # SizeOfPageHeaderData
_TUPLE_HEADER = 23  # offsetof(HeapTupleHeaderData, t_bits)
_LINE_POINTER = 4  # ItemIdData, one per tuple in the page
_TOAST_TUPLES_PER_PAGE = 4  # TOAST_TUPLES_PER_PAGE: chunks are sized so 4 fit a page


def table_details(database: Database, ref: RelationRef) -> TableDetails:
    """Columns, indexes, constraints, triggers, size, bloat and activity of one relation.

    A fixed number of catalog queries in one transaction, so the parts agree.

    Raises:
        catalog.UnknownRelation: there is no such table or view, or the role may not read it.
    """
    # describe_table_on trusts its caller, so the role's schema check is made here.
    catalog.check_readable(database, ref)
    with database.connect() as connection:
        table = catalog.describe_table_on(connection, ref)
        relation = connection.execute(_RELATION, {"schema": ref.schema, "name": ref.name}).one()
        oid = {"oid": relation.oid}
        indexes = tuple(
            IndexInfo(
                name=row.name,
                definition=row.definition,
                primary=row.primary,
                unique=row.unique,
                valid=row.valid,
                size_bytes=row.size_bytes,
                scans=row.scans,
                columns=tuple(row.columns),
            )
            for row in connection.execute(_INDEXES, oid)
        )
        constraints = tuple(
            ConstraintInfo(row.name, _CONSTRAINT_KINDS.get(row.kind, row.kind), row.definition, row.validated)
            for row in connection.execute(_CONSTRAINTS, oid)
        )
        triggers = tuple(
            TriggerInfo(row.name, row.definition, _TRIGGER_STATES.get(row.enabled, row.enabled), row.internal)
            for row in connection.execute(_TRIGGERS, oid)
        )
        kind = table.kind
        has_storage = kind in (RelationKind.TABLE, RelationKind.MATERIALIZED_VIEW, RelationKind.PARTITIONED_TABLE)
        bloat = _bloat_on(connection, relation.oid, kind) if has_storage else None
    size = (
        SizeInfo(relation.total_bytes, relation.table_bytes, relation.indexes_bytes, relation.toast_bytes)
        if has_storage
        else None
    )
    activity = (
        ActivityInfo(
            live_tuples=relation.n_live_tup,
            dead_tuples=relation.n_dead_tup,
            seq_scans=relation.seq_scan,
            index_scans=relation.idx_scan,
            last_vacuum=relation.last_vacuum,
            last_autovacuum=relation.last_autovacuum,
            last_analyze=relation.last_analyze,
            last_autoanalyze=relation.last_autoanalyze,
            n_ins=relation.n_tup_ins,
            n_upd=relation.n_tup_upd,
            n_del=relation.n_tup_del,
        )
        if relation.n_live_tup is not None
        else None
    )
    parent = RelationRef(relation.parent_schema, relation.parent_name) if relation.parent_name is not None else None
    return TableDetails(
        table=table,
        indexes=indexes,
        constraints=constraints,
        triggers=triggers,
        size=size,
        bloat=bloat,
        activity=activity,
        view_definition=relation.view_definition,
        partition_of=parent,
        partition_bound=relation.partition_bound,
        partition_key=relation.partition_key,
    )


def _bloat_on(connection: Connection, oid: int, kind: RelationKind) -> BloatEstimate:
    if kind is RelationKind.PARTITIONED_TABLE:
        return _no_estimate("a partitioned table has no storage of its own; see each partition")
    row = connection.execute(_BLOAT_INPUTS, {"oid": oid}).one()
    # reltuples is -1 until the first VACUUM or ANALYZE: nothing is known of the rows.
    if row.reltuples < 0:
        return _no_estimate("the table has never been analysed; run ANALYZE")
    if row.reltuples > 0 and row.columns_with_stats < row.columns:
        return _no_estimate("some columns have no statistics; run ANALYZE")
    if row.has_name_column:
        return _no_estimate("a column of type name makes the statistics' widths unreliable")
    return estimate_bloat(
        live_tuples=float(row.reltuples),
        heap_pages=row.relpages,
        toast_pages=row.toast_pages,
        toast_tuples=float(row.toast_tuples),
        data_width=float(row.data_width),
        columns=row.columns,
        has_nulls=row.has_nulls,
        fillfactor=row.fillfactor,
        block_size=row.block_size,
        max_align=row.max_align,
    )


def estimate_bloat(
    *,
    live_tuples: float,
    heap_pages: int,
    toast_pages: int,
    toast_tuples: float,
    data_width: float,
    columns: int,
    has_nulls: bool,
    fillfactor: int,
    block_size: int,
    max_align: int,
) -> BloatEstimate:
    """The ioguix table_bloat arithmetic: the pages the live rows need against the pages there are.

    A row takes its line pointer, the tuple header (with a null bitmap when any column has
    nulls) and its data (average widths weighted by how often the column is not null), each
    part aligned; a page holds (block_size - page header) * fillfactor of them. TOAST
    chunks count four to a page.
    """
    header = _TUPLE_HEADER + ((7 + columns) // 8 if has_nulls else 0)
    tuple_size = _LINE_POINTER + _align(header, max_align) + _align(math.ceil(data_width), max_align)
    per_page = (block_size - _PAGE_HEADER) * fillfactor / (tuple_size * 100)
    toast_needed = math.ceil(toast_tuples / _TOAST_TUPLES_PER_PAGE)
    expected_pages = math.ceil(live_tuples / per_page) + toast_needed
    actual_pages = heap_pages + toast_pages
    bloat_pages = max(actual_pages - expected_pages, 0)
    return BloatEstimate(
        bloat_bytes=bloat_pages * block_size,
        bloat_ratio=bloat_pages / actual_pages if actual_pages else 0.0,
        expected_bytes=expected_pages * block_size,
        method=BLOAT_METHOD,
        note=None,
    )


def _align(size: int, alignment: int) -> int:
    return -(-size // alignment) * alignment


def _no_estimate(note: str) -> BloatEstimate:
    return BloatEstimate(None, None, None, BLOAT_METHOD, note)

"""data.catalog against a real migrated database with demo data, and schemas made here."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import text

from data import catalog
from data.catalog import RelationKind, RelationRef, SoftDelete, UnknownRelation
from data.engine import Database
from data.roles import Role
from tests.conftest import SMALL_POOL, login_settings

# A schema with one of each kind of relation the tree shows, and some it must not show.
_ZOO = (
    "CREATE SCHEMA zoo",
    "CREATE TABLE zoo.animals (id int PRIMARY KEY, name text NOT NULL)",
    "INSERT INTO zoo.animals VALUES (1, 'ant'), (2, 'bee'), (3, 'cat')",
    "ANALYZE zoo.animals",
    "CREATE TABLE zoo.keepers (id int PRIMARY KEY)",  # never analysed
    "CREATE VIEW zoo.named AS SELECT name FROM zoo.animals",
    "CREATE MATERIALIZED VIEW zoo.census AS SELECT count(*) AS n FROM zoo.animals",
    "CREATE SEQUENCE zoo.tickets",
    "CREATE INDEX animals_name ON zoo.animals (name)",
    "CREATE TABLE zoo.visits (id int, day date NOT NULL, gate int NOT NULL) PARTITION BY RANGE (day)",
    "CREATE TABLE zoo.visits_2025 PARTITION OF zoo.visits FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')",
    "CREATE TABLE zoo.visits_2026 PARTITION OF zoo.visits FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')"
    " PARTITION BY HASH (gate)",
    "CREATE TABLE zoo.visits_2026_a PARTITION OF zoo.visits_2026 FOR VALUES WITH (MODULUS 2, REMAINDER 0)",
    "CREATE TABLE zoo.visits_2026_b PARTITION OF zoo.visits_2026 FOR VALUES WITH (MODULUS 2, REMAINDER 1)",
)


def _execute(database: Database, *statements: str) -> None:
    """Run statements in one transaction of their own."""
    with database.connect() as connection:
        for statement in statements:
            connection.execute(text(statement))


@pytest.fixture
def zoo(database: Database) -> Database:
    _execute(database, *_ZOO)
    return database


def test_list_schemas_hides_postgresql_s_own_and_counts_relations(zoo: Database) -> None:
    schemas = {schema.name: schema.relations for schema in catalog.list_schemas(zoo)}
    assert {"heroes", "accounts", "metaserver", "stories", "gacha", "console", "public", "zoo"} <= set(schemas)
    assert not [name for name in schemas if name.startswith("pg_") or name == "information_schema"]
    # Two tables, a view, a materialized view and the partitioned table; not its partitions,
    # the sequence or the indexes.
    assert schemas["zoo"] == 5
    with zoo.connect() as connection:
        gacha_tables = connection.execute(
            text("SELECT count(*) FROM pg_tables WHERE schemaname = 'gacha'")
        ).scalar_one()
    assert schemas["gacha"] == gacha_tables


def test_list_relations_shows_every_kind_with_estimates_and_no_partitions(zoo: Database) -> None:
    relations = catalog.list_relations(zoo, "zoo")
    assert [(r.ref.name, r.kind, r.partitions) for r in relations] == [
        ("animals", RelationKind.TABLE, 0),
        ("census", RelationKind.MATERIALIZED_VIEW, 0),
        ("keepers", RelationKind.TABLE, 0),
        ("named", RelationKind.VIEW, 0),
        ("visits", RelationKind.PARTITIONED_TABLE, 2),
    ]
    rows = {r.ref.name: r.estimated_rows for r in relations}
    assert (rows["animals"], rows["keepers"], rows["named"]) == (3, None, None)
    assert all(r.ref.schema == "zoo" for r in relations)
    assert catalog.list_relations(zoo, "no_such_schema") == []


def test_list_partitions_goes_one_level_down(zoo: Database) -> None:
    top = catalog.list_partitions(zoo, RelationRef("zoo", "visits"))
    assert [(p.ref, p.kind, p.partitions) for p in top] == [
        (RelationRef("zoo", "visits_2025"), RelationKind.TABLE, 0),
        (RelationRef("zoo", "visits_2026"), RelationKind.PARTITIONED_TABLE, 2),
    ]
    below = catalog.list_partitions(zoo, RelationRef("zoo", "visits_2026"))
    assert [p.ref.name for p in below] == ["visits_2026_a", "visits_2026_b"]
    assert catalog.list_partitions(zoo, RelationRef("zoo", "visits_2025")) == []


def test_a_primary_key_is_the_key_and_makes_a_table_editable(database: Database) -> None:
    users = catalog.describe_table(database, RelationRef("gacha", "users"))
    assert (users.kind, users.key, users.key_source) == (RelationKind.TABLE, ("id",), "primary key pk_users")
    assert users.has_primary_key and users.editable and users.pages_by_key
    assert users.read_only_reason is None
    assert users.comment == "Geminya players and their currencies"
    assert users.estimated_rows is not None and users.estimated_rows > 0
    assert users.column("discord_id").type_name == "character varying(100)"
    with pytest.raises(KeyError):
        users.column("nope")

    slots = catalog.describe_table(database, RelationRef("heroes", "build_slots"))
    assert (slots.key, slots.key_source) == (("build_power_id", "slot_index"), "primary key pk_build_slots")


def test_without_a_primary_key_a_unique_index_on_not_null_columns_is_the_key(database: Database) -> None:
    _execute(
        database,
        "CREATE TABLE public.tags (code text NOT NULL, name text UNIQUE, note text)",
        # Neither a partial nor an expression index names a row: not candidates either.
        "CREATE UNIQUE INDEX tags_note_partial ON public.tags (note) WHERE note IS NOT NULL",
        "CREATE UNIQUE INDEX tags_lower_code ON public.tags (lower(code))",
        "CREATE UNIQUE INDEX tags_code ON public.tags (code)",
        "CREATE TABLE public.loose (name text UNIQUE, n int)",
        "CREATE TABLE public.heap (a int, b text)",
    )
    tags = catalog.describe_table(database, RelationRef("public", "tags"))
    assert (tags.key, tags.key_source, tags.has_primary_key) == (("code",), "unique index tags_code", False)
    assert tags.pages_by_key and not tags.editable
    assert tags.read_only_reason is not None and "no primary key" in tags.read_only_reason

    # A unique index on a nullable column lets many rows be NULL there: no key.
    loose = catalog.describe_table(database, RelationRef("public", "loose"))
    assert (loose.key, loose.key_source) == ((), None)

    heap = catalog.describe_table(database, RelationRef("public", "heap"))
    assert (heap.key, heap.pages_by_key, heap.editable, heap.soft_delete) == ((), False, False, None)
    assert heap.read_only_reason == "read-only: the table has no primary key, so a row cannot be named safely"


def test_a_view_is_read_only(database: Database) -> None:
    _execute(database, "CREATE VIEW public.rich AS SELECT id, daphine FROM gacha.users WHERE daphine > 0")
    view = catalog.describe_table(database, RelationRef("public", "rich"))
    assert (view.kind, view.key, view.editable, view.estimated_rows) == (RelationKind.VIEW, (), False, None)
    assert view.read_only_reason == "a view is read-only here"
    assert view.column_names == ("id", "daphine")


def test_columns_describe_domains_enums_arrays_identity_and_generated(database: Database) -> None:
    _execute(
        database,
        "CREATE DOMAIN public.weight AS int CHECK (VALUE > 0)",
        "CREATE TYPE public.mood AS ENUM ('sad', 'happy')",
        # Labels sort by position, not by name or by the order they were added.
        "ALTER TYPE public.mood ADD VALUE 'content' BEFORE 'happy'",
        """CREATE TABLE public.specimens (
               id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
               weight public.weight,
               mood public.mood NOT NULL DEFAULT 'sad',
               moods public.mood[],
               tags text[] NOT NULL DEFAULT '{}',
               label varchar(40),
               shout text GENERATED ALWAYS AS (upper(label)) STORED,
               seen timestamptz DEFAULT now())""",
        "COMMENT ON COLUMN public.specimens.label IS 'What the keepers call it'",
    )
    table = catalog.describe_table(database, RelationRef("public", "specimens"))
    column = table.column
    assert (column("id").identity, column("id").default, column("id").nullable) == (True, None, False)
    weight = column("weight")
    assert (weight.type_name, weight.domain, weight.base_type, weight.category) == ("weight", "weight", "int4", "N")
    mood = column("mood")
    assert (mood.base_type, mood.category, mood.default) == ("mood", "E", "'sad'::mood")
    assert mood.enum_labels == ("sad", "content", "happy")
    moods = column("moods")
    assert (moods.type_name, moods.category, moods.element_type, moods.is_array) == ("mood[]", "A", "mood", True)
    assert moods.enum_labels == ("sad", "content", "happy")
    tags = column("tags")
    assert (tags.type_name, tags.base_type, tags.element_type, tags.enum_labels) == ("text[]", "_text", "text", ())
    assert tags.default == "'{}'::text[]"
    assert (column("label").comment, column("label").type_name) == ("What the keepers call it", "character varying(40)")
    shout = column("shout")
    assert (shout.generated, shout.writable, shout.default) == (True, False, None)
    assert column("seen").default == "now()" and column("seen").category == "D"
    assert column("seen").element_type is None and column("weight").enum_labels == ()


def test_a_domain_over_a_domain_has_the_base_type_underneath_both(database: Database) -> None:
    _execute(
        database,
        "CREATE DOMAIN public.positive AS int CHECK (VALUE > 0)",
        "CREATE DOMAIN public.small_positive AS public.positive CHECK (VALUE < 100)",
        "CREATE TABLE public.boxes (size public.small_positive)",
    )
    size = catalog.describe_table(database, RelationRef("public", "boxes")).column("size")
    assert (size.domain, size.base_type, size.category) == ("small_positive", "int4", "N")


def test_foreign_keys_both_ways(database: Database) -> None:
    nodes = catalog.describe_table(database, RelationRef("stories", "nodes"))
    outgoing = {fk.name: fk for fk in nodes.foreign_keys}
    assert set(outgoing) == {"fk_nodes_parent", "fk_nodes_story"}
    story = outgoing["fk_nodes_story"]
    assert (story.table, story.columns) == (RelationRef("stories", "nodes"), ("story_id",))
    assert (story.referenced, story.referenced_columns) == (RelationRef("stories", "stories"), ("id",))
    # The tree references itself: its foreign key is both outgoing and incoming.
    assert [fk.name for fk in nodes.referenced_by] == ["fk_nodes_parent"]
    assert nodes.referenced_by[0] == outgoing["fk_nodes_parent"]

    users = catalog.describe_table(database, RelationRef("gacha", "users"))
    assert users.foreign_keys == ()
    referencing = {(fk.table.name, fk.columns, fk.referenced_columns) for fk in users.referenced_by}
    assert {("user_waifus", ("user_id",), ("id",)), ("equipment", ("discord_id",), ("discord_id",))} <= referencing
    assert all(fk.referenced == RelationRef("gacha", "users") for fk in users.referenced_by)


def test_a_foreign_key_to_a_partitioned_table_is_listed_once(database: Database) -> None:
    _execute(
        database,
        "CREATE TABLE public.r (id int PRIMARY KEY) PARTITION BY RANGE (id)",
        "CREATE TABLE public.r1 PARTITION OF public.r FOR VALUES FROM (0) TO (100)",
        "CREATE TABLE public.r2 PARTITION OF public.r FOR VALUES FROM (100) TO (200)",
        "CREATE TABLE public.q (id int, rid int REFERENCES public.r (id))",
    )
    q = catalog.describe_table(database, RelationRef("public", "q"))
    assert [(fk.referenced, fk.columns) for fk in q.foreign_keys] == [(RelationRef("public", "r"), ("rid",))]
    r = catalog.describe_table(database, RelationRef("public", "r"))
    assert [fk.table for fk in r.referenced_by] == [RelationRef("public", "q")]


def test_a_partition_has_the_foreign_keys_of_its_parent(database: Database) -> None:
    _execute(
        database,
        "CREATE TABLE public.logs (id int, kind int NOT NULL, user_id int REFERENCES gacha.users (id))"
        " PARTITION BY LIST (kind)",
        "CREATE TABLE public.logs_1 PARTITION OF public.logs FOR VALUES IN (1)",
    )
    partition = catalog.describe_table(database, RelationRef("public", "logs_1"))
    assert [(fk.referenced, fk.columns) for fk in partition.foreign_keys] == [
        (RelationRef("gacha", "users"), ("user_id",))
    ]


def test_soft_delete_columns_are_found(database: Database) -> None:
    accounts = catalog.describe_table(database, RelationRef("accounts", "users"))
    assert accounts.soft_delete == SoftDelete(flag="is_deleted", timestamp="deleted_at")
    assert accounts.key_source == "primary key pk_users" and accounts.column("id").base_type == "uuid"
    assert catalog.describe_table(database, RelationRef("gacha", "users")).soft_delete is None


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("gacha.users", RelationRef("gacha", "users")),
        ("users", RelationRef("public", "users")),
        ("  heroes.builds ", RelationRef("heroes", "builds")),
    ],
)
def test_relation_ref_parse(typed: str, expected: RelationRef) -> None:
    assert RelationRef.parse(typed) == expected


@pytest.mark.parametrize("typed", ["", "   ", "a.b.c", ".users", "gacha.", "."])
def test_relation_ref_parse_refuses_what_is_not_a_table_name(typed: str) -> None:
    with pytest.raises(ValueError, match="not a table name"):
        RelationRef.parse(typed)


def test_relation_ref_quotes_for_sql() -> None:
    ref = RelationRef('my"schema', "Mixed Case")
    assert ref.sql == '"my""schema"."Mixed Case"'
    assert str(ref) == 'my"schema.Mixed Case'


def test_an_unknown_relation_is_refused(database: Database) -> None:
    with pytest.raises(UnknownRelation, match="no_such_table"):
        catalog.describe_table(database, RelationRef("gacha", "no_such_table"))
    with pytest.raises(UnknownRelation):
        catalog.describe_table(database, RelationRef("no_such_schema", "users"))


@pytest.mark.parametrize("name", ["pk_users", "users_id_seq"])
def test_an_index_or_a_sequence_is_not_a_relation_to_browse(database: Database, name: str) -> None:
    with pytest.raises(UnknownRelation):
        catalog.describe_table(database, RelationRef("gacha", name))


def test_the_support_role_sees_only_the_support_desk_s_schemas(database: Database) -> None:
    settings = login_settings(database.settings.url, Role.SUPPORT, pool=SMALL_POOL)
    with Database(settings) as support:
        assert [schema.name for schema in catalog.list_schemas(support)] == ["accounts", "gacha", "metaserver"]
        assert catalog.describe_table(support, RelationRef("gacha", "users")).has_primary_key
        with pytest.raises(UnknownRelation, match="support role cannot read heroes"):
            catalog.describe_table(support, RelationRef("heroes", "builds"))


def test_thousands_of_tables_list_quickly(database: Database) -> None:
    # Bare tables (no index, no TOAST table) keep the set-up to about a second; each takes
    # one lock until the transaction ends, so 3000 fit in max_locks_per_transaction's table.
    _execute(
        database,
        "CREATE SCHEMA crowd",
        "DO $$ BEGIN FOR i IN 1..3000 LOOP EXECUTE format('CREATE TABLE crowd.t%s (id int)', i); END LOOP; END $$",
    )
    started = time.perf_counter()
    schemas = {schema.name: schema.relations for schema in catalog.list_schemas(database)}
    schemas_s = time.perf_counter() - started
    started = time.perf_counter()
    relations = catalog.list_relations(database, "crowd")
    relations_s = time.perf_counter() - started
    print(f"3000 tables: list_schemas {schemas_s * 1000:.0f} ms, list_relations {relations_s * 1000:.0f} ms")
    assert schemas["crowd"] == 3000 and len(relations) == 3000
    # A bound on the shape of the queries (no per-table round trips), not a benchmark.
    assert schemas_s < 2 and relations_s < 2

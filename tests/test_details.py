"""data.details against a real migrated database with demo data, and tables made here."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from data.catalog import RelationKind, RelationRef, UnknownRelation
from data.details import BloatEstimate, estimate_bloat, table_details
from data.engine import Database
from data.formatting import size_text
from data.roles import Role
from tests.conftest import SMALL_POOL, login_settings


def _execute(database: Database, *statements: str) -> None:
    """Run statements in one transaction of their own, its statistics counters flushed at once.

    A backend reports its counters (pg_stat_user_tables) at most once a second unless told
    to flush: without this, the activity figures would lag behind the statements.
    """
    with database.connect() as connection:
        for statement in statements:
            connection.execute(text(statement))
        connection.execute(text("SELECT pg_stat_force_next_flush()"))


def _bloat(database: Database, ref: RelationRef) -> BloatEstimate:
    bloat = table_details(database, ref).bloat
    assert bloat is not None
    return bloat


def test_a_demo_table_has_its_columns_indexes_constraints_size_and_activity(database: Database) -> None:
    details = table_details(database, RelationRef("gacha", "users"))
    assert details.table.ref == RelationRef("gacha", "users")
    assert "discord_id" in details.table.column_names
    # The primary key first, then by name.
    assert [(i.name, i.primary, i.unique) for i in details.indexes][:1] == [("pk_users", True, True)]
    by_name = {index.name: index for index in details.indexes}
    assert by_name["uq_users_discord_id"].unique and not by_name["uq_users_discord_id"].primary
    assert by_name["idx_discord_id"].definition == (
        "CREATE INDEX idx_discord_id ON gacha.users USING btree (discord_id)"
    )
    assert by_name["idx_discord_id"].columns == ("discord_id",)
    assert all(index.valid and index.size_bytes > 0 and isinstance(index.scans, int) for index in details.indexes)
    size = details.size
    assert size is not None and size.table_bytes > 0 and size.indexes_bytes > 0
    assert size.total_bytes == size.table_bytes + size.indexes_bytes + size.toast_bytes
    assert size.indexes_bytes == sum(index.size_bytes for index in details.indexes)
    # Counters are not copied with the template database: they start at zero here.
    assert details.activity is not None and details.activity.seq_scans >= 0
    # The demo data is freshly loaded and analysed: little to no bloat.
    assert details.bloat is not None and details.bloat.note is None
    assert details.bloat.bloat_ratio is not None and details.bloat.bloat_ratio < 0.3
    assert (details.view_definition, details.partition_of, details.partition_key) == (None, None, None)


def test_constraints_of_demo_tables_come_with_their_kinds_and_definitions(database: Database) -> None:
    users = {c.name: c for c in table_details(database, RelationRef("gacha", "users")).constraints}
    assert users["pk_users"].kind == "primary key"
    assert users["uq_users_discord_id"].kind == "unique"
    assert users["ck_users_sakura_crystals_non_negative"].definition == "CHECK (sakura_crystals >= 0)"
    checks = {name for name, c in users.items() if c.kind == "check"}
    assert len(checks) == 6 and all(c.validated for c in users.values())
    # NOT NULL constraints (catalogued since PostgreSQL 18) show as the columns' nullability.
    assert "not null" not in {c.kind for c in users.values()}

    nodes = table_details(database, RelationRef("stories", "nodes")).constraints
    assert [c.kind for c in nodes] == ["primary key", "foreign key", "foreign key", "check", "check"]
    by_name = {c.name: c for c in nodes}
    assert by_name["fk_nodes_parent"].definition == (
        "FOREIGN KEY (parent_id) REFERENCES stories.nodes(id) ON DELETE SET NULL"
    )
    assert by_name["check_not_self_parent"].definition == "CHECK (id <> parent_id)"


def test_constraints_added_not_valid_say_so(database: Database) -> None:
    _execute(
        database,
        "CREATE TABLE public.loose (id int PRIMARY KEY, n int, label text)",
        "INSERT INTO public.loose VALUES (1, -1, NULL)",
        "ALTER TABLE public.loose ADD CONSTRAINT n_positive CHECK (n > 0) NOT VALID",
        "ALTER TABLE public.loose ADD CONSTRAINT label_set NOT NULL label NOT VALID",
    )
    constraints = {c.name: c for c in table_details(database, RelationRef("public", "loose")).constraints}
    assert (constraints["n_positive"].kind, constraints["n_positive"].validated) == ("check", False)
    # An unvalidated NOT NULL is the one not-null constraint the columns cannot show.
    assert (constraints["label_set"].kind, constraints["label_set"].validated) == ("not null", False)
    assert constraints["loose_pkey"].validated


def test_expression_include_and_invalid_indexes(database: Database) -> None:
    _execute(
        database,
        "CREATE TABLE public.people (id int PRIMARY KEY, name text NOT NULL, email text, age int)",
        "INSERT INTO public.people VALUES (1, 'Ann', 'a@x', 30), (2, 'ann', 'a@x', 31)",
        "CREATE INDEX people_lower_name ON public.people (lower(name), age) INCLUDE (email)",
    )
    # A failed CREATE INDEX CONCURRENTLY leaves an invalid index behind.
    with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        with pytest.raises(Exception, match="could not create unique index"):
            connection.execute(text("CREATE UNIQUE INDEX CONCURRENTLY people_email ON public.people (email)"))
    indexes = {i.name: i for i in table_details(database, RelationRef("public", "people")).indexes}
    assert indexes["people_lower_name"].columns == ("lower(name)", "age")
    assert "INCLUDE (email)" in indexes["people_lower_name"].definition
    assert (indexes["people_email"].valid, indexes["people_email"].unique) == (False, True)
    assert indexes["people_pkey"].primary and indexes["people_pkey"].columns == ("id",)


def test_user_triggers_are_listed_and_foreign_key_triggers_left_out(database: Database) -> None:
    _execute(
        database,
        "CREATE TABLE public.notes (id int PRIMARY KEY, user_id int REFERENCES gacha.users (id), body text)",
        "CREATE FUNCTION public.touch() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END'",
        "CREATE TRIGGER notes_touch BEFORE UPDATE ON public.notes FOR EACH ROW EXECUTE FUNCTION public.touch()",
        "CREATE TRIGGER notes_audit AFTER INSERT ON public.notes FOR EACH ROW EXECUTE FUNCTION public.touch()",
        "ALTER TABLE public.notes DISABLE TRIGGER notes_audit",
    )
    triggers = table_details(database, RelationRef("public", "notes")).triggers
    assert [(t.name, t.enabled, t.internal) for t in triggers] == [
        ("notes_audit", "disabled", False),
        ("notes_touch", "enabled", False),
    ]
    assert triggers[1].definition == (
        "CREATE TRIGGER notes_touch BEFORE UPDATE ON notes FOR EACH ROW EXECUTE FUNCTION touch()"
    )
    # gacha.users is referenced by many foreign keys, each enforced by internal triggers.
    with database.connect() as connection:
        internal = connection.execute(
            text("SELECT count(*) FROM pg_trigger WHERE tgrelid = 'gacha.users'::regclass AND tgisinternal")
        ).scalar_one()
    assert internal > 0
    assert table_details(database, RelationRef("gacha", "users")).triggers == ()


def test_views_have_a_definition_and_no_size(database: Database) -> None:
    _execute(
        database,
        "CREATE VIEW public.rich AS SELECT id, discord_id FROM gacha.users WHERE sakura_crystals > 5000",
        "CREATE MATERIALIZED VIEW public.rich_count AS SELECT count(*) AS n FROM gacha.users",
    )
    view = table_details(database, RelationRef("public", "rich"))
    assert view.table.kind is RelationKind.VIEW
    assert view.view_definition is not None and "FROM gacha.users" in view.view_definition
    assert (view.size, view.bloat, view.activity, view.indexes, view.triggers) == (None, None, None, (), ())

    materialized = table_details(database, RelationRef("public", "rich_count"))
    assert materialized.table.kind is RelationKind.MATERIALIZED_VIEW
    assert materialized.view_definition is not None and "count(*)" in materialized.view_definition
    # A materialized view has storage of its own.
    assert materialized.size is not None and materialized.size.table_bytes > 0
    assert materialized.bloat is not None


def test_partitioned_tables_show_key_bound_and_the_size_of_their_partitions(database: Database) -> None:
    _execute(
        database,
        "CREATE TABLE public.events (id bigint, at date NOT NULL, body text) PARTITION BY RANGE (at)",
        "CREATE TABLE public.events_2025 PARTITION OF public.events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')",
        "CREATE TABLE public.events_2026 PARTITION OF public.events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')",
        "CREATE INDEX events_at ON public.events (at)",
        "INSERT INTO public.events SELECT g, date '2025-01-01' + g % 700, repeat('x', 50)"
        " FROM generate_series(1, 2000) g",
        "ANALYZE public.events",
    )
    parent = table_details(database, RelationRef("public", "events"))
    assert parent.table.kind is RelationKind.PARTITIONED_TABLE
    assert (parent.partition_key, parent.partition_of, parent.partition_bound) == ("RANGE (at)", None, None)
    assert [i.name for i in parent.indexes] == ["events_at"]
    first = table_details(database, RelationRef("public", "events_2025"))
    second = table_details(database, RelationRef("public", "events_2026"))
    assert first.partition_of == RelationRef("public", "events")
    assert first.partition_bound == "FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')"
    assert first.partition_key is None
    # The parent has no storage of its own: its size is its partitions'.
    assert parent.size is not None and first.size is not None and second.size is not None
    assert parent.size.total_bytes == first.size.total_bytes + second.size.total_bytes > 0
    assert parent.bloat is not None and parent.bloat.bloat_bytes is None
    assert parent.bloat.note is not None and "partition" in parent.bloat.note
    assert first.bloat is not None and first.bloat.bloat_ratio is not None


def test_bloat_estimate_rises_when_rows_die_without_a_vacuum(database: Database) -> None:
    ref = RelationRef("public", "churn")
    _execute(
        database,
        # No autovacuum: the dead rows must stay until the estimate has seen them.
        "CREATE TABLE public.churn (id int PRIMARY KEY, flag boolean, payload text) WITH (autovacuum_enabled = false)",
    )
    never = _bloat(database, ref)
    assert (never.bloat_bytes, never.bloat_ratio, never.expected_bytes) == (None, None, None)
    assert never.note is not None and "ANALYZE" in never.note

    _execute(
        database,
        "INSERT INTO public.churn SELECT g, g % 3 = 0, CASE WHEN g % 4 > 0 THEN md5(g::text) END"
        " FROM generate_series(1, 20000) g",
        "ANALYZE public.churn",
    )
    fresh = _bloat(database, ref)
    assert fresh.note is None and fresh.bloat_ratio is not None and fresh.expected_bytes is not None
    assert fresh.bloat_ratio < 0.3, fresh

    # Every page keeps a fifth of its rows, so no VACUUM could even shorten the file.
    _execute(database, "DELETE FROM public.churn WHERE id % 5 <> 0", "ANALYZE public.churn")
    bloated = _bloat(database, ref)
    assert bloated.bloat_ratio is not None and bloated.bloat_ratio > 0.5, bloated
    assert bloated.bloat_bytes is not None and bloated.expected_bytes is not None
    assert bloated.expected_bytes < fresh.expected_bytes
    activity = table_details(database, ref).activity
    assert activity is not None
    assert (activity.n_ins, activity.n_del, activity.live_tuples, activity.dead_tuples) == (20000, 16000, 4000, 16000)
    assert activity.last_analyze is not None and activity.last_autovacuum is None
    print(f"bloat: fresh {fresh.bloat_ratio:.2f}, after deleting 80% {bloated.bloat_ratio:.2f}")


def test_bloat_arithmetic_matches_a_hand_count() -> None:
    # 1000 rows of 4-byte ints, no nulls: 4 + 24 + 8 = 36 bytes each (8-byte alignment),
    # (8192 - 24) / 36 = 226.9 rows a page, so 5 pages; 10 pages there means 5 of bloat.
    estimate = estimate_bloat(
        live_tuples=1000,
        heap_pages=10,
        toast_pages=0,
        toast_tuples=0,
        data_width=4,
        columns=1,
        has_nulls=False,
        fillfactor=100,
        block_size=8192,
        max_align=8,
    )
    assert (estimate.expected_bytes, estimate.bloat_bytes, estimate.bloat_ratio) == (5 * 8192, 5 * 8192, 0.5)
    # At fillfactor 50 the same rows need 9 pages: nearly no bloat.
    packed = estimate_bloat(
        live_tuples=1000,
        heap_pages=10,
        toast_pages=0,
        toast_tuples=0,
        data_width=4,
        columns=1,
        has_nulls=False,
        fillfactor=50,
        block_size=8192,
        max_align=8,
    )
    assert (packed.expected_bytes, packed.bloat_bytes) == (9 * 8192, 8192)


def test_an_unknown_relation_is_refused(database: Database) -> None:
    with pytest.raises(UnknownRelation):
        table_details(database, RelationRef("gacha", "no_such_table"))


def test_the_support_role_sees_details_of_its_schemas_only(database: Database) -> None:
    settings = login_settings(database.settings.url, Role.SUPPORT, pool=SMALL_POOL)
    with Database(settings) as support:
        assert table_details(support, RelationRef("gacha", "users")).table.key == ("id",)
        with pytest.raises(UnknownRelation, match="support role cannot read heroes"):
            table_details(support, RelationRef("heroes", "builds"))


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        (None, "—"),
        (0, "0 B"),
        (1023, "1023 B"),
        (1024, "1.0 KiB"),
        (8192, "8.0 KiB"),
        (1_258_291, "1.2 MiB"),
        (1024 * 1024 - 1, "1.0 MiB"),
        (int(3.4 * 1024**3), "3.4 GiB"),
        (5 * 1024**5, "5120.0 TiB"),
    ],
)
def test_size_text(size: int | None, expected: str) -> None:
    assert size_text(size) == expected

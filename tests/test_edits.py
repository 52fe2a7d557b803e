"""Row editing: pending changes, previews, and saving in one audited transaction."""

from __future__ import annotations

import threading
import uuid
from datetime import datetime, timezone
from decimal import Decimal
from ipaddress import IPv4Interface
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError

from data import edits
from data.catalog import RelationRef, TableInfo, describe_table
from data.edits import (
    DEFAULT,
    NOTHING,
    CellChange,
    ChangeSet,
    DiffLine,
    LostUpdate,
    RowDelete,
    RowInsert,
    RowRef,
    SaveFailed,
    SoftDeleteChange,
    preview_diff,
    preview_sql,
    read_row,
    save_changes,
)
from data.engine import ConnectionSettings, Database
from data.roles import Role
from data.sensitive import MASK
from data.values import input_text
from tests.conftest import SMALL_POOL

GACHA_USERS = RelationRef("gacha", "users")
ACCOUNTS_USERS = RelationRef("accounts", "users")
BUILD_SLOTS = RelationRef("heroes", "build_slots")
REDEMPTIONS = RelationRef("gacha", "gift_code_redemptions")


def opened(database: Database, ref: RelationRef, key: tuple[Any, ...]) -> tuple[TableInfo, RowRef]:
    """The table and one of its rows, as the grid would have them."""
    table = describe_table(database, ref)
    row = read_row(database, table, key)
    assert row is not None
    return table, row


def scalar(database: Database, sql: str, **params: Any) -> Any:
    with database.connect() as connection:
        return connection.execute(text(sql), params).scalar()


def audit_rows(database: Database) -> list[Any]:
    with database.connect() as connection:
        return connection.execute(
            text(
                "SELECT operator, role, action, schema_name, table_name, primary_key, before, after, reason"
                " FROM console.audit_log ORDER BY id"
            )
        ).all()


def first_soft_deleted_and_live(database: Database) -> tuple[uuid.UUID, uuid.UUID]:
    with database.connect() as connection:
        pick = "SELECT id FROM accounts.users WHERE is_deleted = :deleted ORDER BY email LIMIT 1"
        deleted = connection.execute(text(pick), {"deleted": True}).scalar()
        live = connection.execute(text(pick), {"deleted": False}).scalar()
    return deleted, live


# --- Saving ----------------------------------------------------------------------------------


def test_a_cell_edit_is_saved_with_its_audit_row(database: Database) -> None:
    table, row = opened(database, GACHA_USERS, (7,))
    changes = ChangeSet(table).add(CellChange(row, "quartzs", "50")).add(CellChange(row, "academy_name", None))
    report = save_changes(database, changes, reason="compensation for ticket 12")
    assert (report.updated, report.inserted, report.deleted, report.audit_rows) == (1, 0, 0, 1)
    assert scalar(database, "SELECT quartzs FROM gacha.users WHERE id = 7") == 50
    assert scalar(database, "SELECT academy_name FROM gacha.users WHERE id = 7") is None
    [audit] = audit_rows(database)
    operator, role, action, schema, name, key, before, after, reason = audit
    assert (operator, role, action, schema, name, key, reason) == (
        "console",
        "admin",
        "update",
        "gacha",
        "users",
        {"id": 7},
        "compensation for ticket 12",
    )
    assert before["quartzs"] == row.before["quartzs"] and before["academy_name"] == row.before["academy_name"]
    assert after["quartzs"] == 50 and after["academy_name"] is None and after["discord_id"] == row.before["discord_id"]


def test_an_insert_takes_the_column_defaults_and_reports_its_key(database: Database) -> None:
    table = describe_table(database, GACHA_USERS)
    changes = (
        ChangeSet(table)
        .add(RowInsert({"discord_id": "900000000000000001"}))
        .add(RowInsert({"discord_id": "900000000000000002", "sakura_crystals": DEFAULT, "quartzs": "5"}))
    )
    report = save_changes(database, changes)
    assert (report.inserted, report.audit_rows) == (2, 2)
    first, second = report.inserted_keys
    with database.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT id, sakura_crystals, quartzs, collector_rank, created_at IS NOT NULL FROM gacha.users"
                " WHERE discord_id LIKE '90000000000000000_' ORDER BY discord_id"
            )
        ).all()
    assert rows == [(first[0], 2000, 0, 1, True), (second[0], 2000, 5, 1, True)]
    audits = audit_rows(database)
    assert [(a.action, a.primary_key, a.before) for a in audits] == [
        ("insert", {"id": first[0]}, None),
        ("insert", {"id": second[0]}, None),
    ]
    assert audits[1].after["quartzs"] == 5 and audits[1].after["sakura_crystals"] == 2000


def test_a_row_with_a_composite_key_is_deleted_and_audited(database: Database) -> None:
    table, row = opened(database, BUILD_SLOTS, (1, 5))
    report = save_changes(database, ChangeSet(table).add(RowDelete(row)))
    assert (report.deleted, report.audit_rows) == (1, 1)
    assert scalar(database, "SELECT count(*) FROM heroes.build_slots WHERE build_power_id = 1 AND slot_index = 5") == 0
    assert scalar(database, "SELECT count(*) FROM heroes.build_slots WHERE build_power_id = 1") == 5
    [audit] = audit_rows(database)
    assert (audit.action, audit.primary_key, audit.after) == ("delete", {"build_power_id": 1, "slot_index": 5}, None)
    assert audit.before == {
        "build_power_id": 1,
        "slot_index": 5,
        "slot_level": 7,
        "enhancement_id": 128,
        "enhancement_level": 50,
    }


def test_a_composite_key_with_text_parts_is_updated(database: Database) -> None:
    table = describe_table(database, REDEMPTIONS)
    with database.connect() as connection:
        key = tuple(connection.execute(text("SELECT user_id, code FROM gacha.gift_code_redemptions LIMIT 1")).one())
    row = read_row(database, table, key)
    assert row is not None
    save_changes(database, ChangeSet(table).add(CellChange(row, "redeemed_at", "2025-01-02 03:04:05")))
    assert scalar(
        database,
        "SELECT redeemed_at FROM gacha.gift_code_redemptions WHERE user_id = :u AND code = :c",
        u=key[0],
        c=key[1],
    ) == datetime(2025, 1, 2, 3, 4, 5)
    assert audit_rows(database)[0].primary_key == {"user_id": key[0], "code": key[1]}


def test_soft_delete_and_restore_set_both_columns_and_mask_the_password_hash(database: Database) -> None:
    deleted_id, live_id = first_soft_deleted_and_live(database)
    table, live = opened(database, ACCOUNTS_USERS, (live_id,))
    _, deleted = opened(database, ACCOUNTS_USERS, (deleted_id,))
    changes = ChangeSet(table).add(SoftDeleteChange(live)).add(SoftDeleteChange(deleted, restore=True))
    report = save_changes(database, changes, reason="support ticket 7")
    assert (report.updated, report.audit_rows) == (2, 2)
    with database.connect() as connection:
        state = {
            row.id: (row.is_deleted, row.stamped)
            for row in connection.execute(
                text(
                    "SELECT id, is_deleted, deleted_at IS NOT NULL AS stamped FROM accounts.users WHERE id IN (:a, :b)"
                ),
                {"a": live_id, "b": deleted_id},
            )
        }
    assert state == {live_id: (True, True), deleted_id: (False, False)}
    soft, restore = audit_rows(database)
    assert (soft.action, soft.primary_key) == ("soft-delete", {"id": str(live_id)})
    assert (soft.before["is_deleted"], soft.after["is_deleted"]) == (False, True) and soft.after["deleted_at"]
    assert (restore.action, restore.before["is_deleted"], restore.after["deleted_at"]) == ("restore", True, None)
    for image in (soft.before, soft.after, restore.before, restore.after):
        assert image["hashed_password"] == MASK and image["email"]
    assert live.before["hashed_password"] not in str(audit_rows(database))


def test_profile_patterns_mask_audit_images_too(database_url: URL) -> None:
    settings = ConnectionSettings(url=database_url, pool=SMALL_POOL, sensitive_columns=("gacha.users.discord_id",))
    with Database(settings) as database:
        table, row = opened(database, GACHA_USERS, (3,))
        save_changes(database, ChangeSet(table).add(CellChange(row, "quartzs", "1")))
        [audit] = audit_rows(database)
    assert audit.before["discord_id"] == MASK and audit.after["discord_id"] == MASK


def test_an_empty_change_set_writes_nothing(database: Database) -> None:
    report = save_changes(database, ChangeSet(describe_table(database, GACHA_USERS)))
    assert report == edits.SaveReport(0, 0, 0, 0, ())
    assert audit_rows(database) == []


def test_a_failing_third_change_leaves_the_first_two_unwritten(database: Database) -> None:
    table, seven = opened(database, GACHA_USERS, (7,))
    _, eight = opened(database, GACHA_USERS, (8,))
    changes = (
        ChangeSet(table)
        .add(CellChange(seven, "quartzs", "50"))
        .add(RowInsert({"discord_id": "900000000000000009"}))
        .add(CellChange(eight, "quartzs", "-1"))
    )
    with pytest.raises(SaveFailed) as caught:
        save_changes(database, changes)
    assert caught.value.change_index == 2
    assert caught.value.constraint == "ck_users_quartzs_non_negative"
    assert str(caught.value) == (
        'change 3 (update gacha.users id=8): new row for relation "users" violates check '
        'constraint "ck_users_quartzs_non_negative"'
    )
    assert scalar(database, "SELECT quartzs FROM gacha.users WHERE id = 7") == seven.before["quartzs"]
    assert scalar(database, "SELECT count(*) FROM gacha.users WHERE discord_id = '900000000000000009'") == 0
    assert audit_rows(database) == []


def test_unique_and_foreign_key_violations_name_the_constraint_and_the_key(database: Database) -> None:
    table, row = opened(database, GACHA_USERS, (7,))
    _, other = opened(database, GACHA_USERS, (8,))
    with pytest.raises(SaveFailed) as caught:
        save_changes(database, ChangeSet(table).add(CellChange(row, "discord_id", other.before["discord_id"])))
    assert caught.value.constraint == "uq_users_discord_id" and caught.value.change_index == 0
    assert str(caught.value) == (
        'change 1 (update gacha.users id=7): duplicate key value violates unique constraint "uq_users_discord_id": '
        f"Key (discord_id)=({other.before['discord_id']}) already exists"
    )
    redemptions = describe_table(database, REDEMPTIONS)
    with pytest.raises(SaveFailed) as caught:
        save_changes(
            database,
            ChangeSet(redemptions).add(RowInsert({"user_id": row.before["discord_id"], "code": "NO-SUCH-CODE"})),
        )
    assert caught.value.constraint == "fk_gift_code_redemptions_code_gift_codes"
    assert str(caught.value).startswith("change 1 (insert gacha.gift_code_redemptions): insert or update on table")
    assert "\n" not in str(caught.value)


def test_a_check_failure_does_not_print_the_failing_row_with_its_secrets(database: Database) -> None:
    deleted_id, _ = first_soft_deleted_and_live(database)
    table, row = opened(database, ACCOUNTS_USERS, (deleted_id,))
    with pytest.raises(SaveFailed) as caught:
        save_changes(database, ChangeSet(table).add(CellChange(row, "deleted_at", None)))
    assert caught.value.constraint == "ck_users_soft_delete"
    assert row.before["hashed_password"] not in str(caught.value)


# --- Lost updates, with two real connections --------------------------------------------------


def _other_writer(database_url: URL) -> Database:
    return Database(ConnectionSettings(url=database_url, pool=SMALL_POOL, operator="someone else"))


def test_a_row_changed_since_it_was_read_is_refused_and_nothing_is_written(
    database: Database, database_url: URL
) -> None:
    table, seven = opened(database, GACHA_USERS, (7,))
    _, eight = opened(database, GACHA_USERS, (8,))
    with _other_writer(database_url) as other, other.connect() as connection:
        connection.execute(text("UPDATE gacha.users SET quartzs = 777 WHERE id = 8"))
    changes = (
        ChangeSet(table)
        .add(CellChange(seven, "quartzs", "1"))  # fine on its own
        .add(RowInsert({"discord_id": "900000000000000010"}))
        .add(CellChange(eight, "quartzs", "2"))
    )
    with pytest.raises(LostUpdate) as caught:
        save_changes(database, changes)
    assert str(caught.value) == (
        "gacha.users id=8 was changed by someone else since it was read; reload it and make the change again"
    )
    assert caught.value.change_index == 2 and caught.value.title == "Row changed since it was read"
    assert scalar(database, "SELECT quartzs FROM gacha.users WHERE id = 8") == 777
    assert scalar(database, "SELECT quartzs FROM gacha.users WHERE id = 7") == seven.before["quartzs"]
    assert scalar(database, "SELECT count(*) FROM gacha.users WHERE discord_id = '900000000000000010'") == 0
    assert audit_rows(database) == []


def test_a_row_deleted_since_it_was_read_is_refused(database: Database, database_url: URL) -> None:
    table, row = opened(database, BUILD_SLOTS, (1, 5))
    with _other_writer(database_url) as other, other.connect() as connection:
        connection.execute(text("DELETE FROM heroes.build_slots WHERE build_power_id = 1 AND slot_index = 5"))
    with pytest.raises(
        LostUpdate,
        match=r"^heroes.build_slots build_power_id=1, slot_index=5 was deleted by someone "
        r"else since it was read; reload it and make the change again$",
    ):
        save_changes(database, ChangeSet(table).add(CellChange(row, "enhancement_level", "45")))


def test_a_save_waits_for_a_concurrent_writer_then_refuses_its_committed_change(
    database: Database, database_url: URL
) -> None:
    table, row = opened(database, GACHA_USERS, (9,))
    with _other_writer(database_url) as other, other.engine.connect() as connection:
        transaction = connection.begin()
        connection.execute(text("UPDATE gacha.users SET quartzs = quartzs + 1 WHERE id = 9"))
        # The save blocks on the row lock until this commit, then sees the new version.
        timer = threading.Timer(0.5, transaction.commit)
        timer.start()
        try:
            with pytest.raises(LostUpdate, match="id=9 was changed by someone else"):
                save_changes(database, ChangeSet(table).add(CellChange(row, "quartzs", "0")))
        finally:
            timer.join()
    assert scalar(database, "SELECT quartzs FROM gacha.users WHERE id = 9") == row.before["quartzs"] + 1


def test_a_row_locked_too_long_by_another_session_fails_the_save(
    database: Database, database_url: URL, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("data.edits.save.LOCK_TIMEOUT_MS", 200)  # where save_changes reads it
    table, row = opened(database, GACHA_USERS, (9,))
    with _other_writer(database_url) as other, other.engine.connect() as connection:
        with connection.begin():
            connection.execute(text("SELECT 1 FROM gacha.users WHERE id = 9 FOR UPDATE"))
            locked = r"^change 1 \(update gacha.users id=9\): the row is locked by another"
            with pytest.raises(SaveFailed, match=locked):
                save_changes(database, ChangeSet(table).add(CellChange(row, "quartzs", "0")))


def test_without_a_version_the_values_read_are_compared(database: Database, database_url: URL) -> None:
    table, read = opened(database, GACHA_USERS, (10,))
    row = RowRef(read.key, None, read.before)
    save_changes(database, ChangeSet(table).add(CellChange(row, "quartzs", "11")))
    assert scalar(database, "SELECT quartzs FROM gacha.users WHERE id = 10") == 11
    # The row now differs from what `row` says was read.
    with pytest.raises(LostUpdate, match="id=10 was changed"):
        save_changes(database, ChangeSet(table).add(CellChange(row, "quartzs", "12")))


# --- Refusals ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.DEVELOPER, Role.SUPPORT])
def test_roles_that_cannot_write_are_refused(database: Database, database_url: URL, role: Role) -> None:
    table, row = opened(database, GACHA_USERS, (7,))
    with Database(ConnectionSettings(url=database_url, role=role, pool=SMALL_POOL)) as limited:
        with pytest.raises(PermissionError, match=f"the {role.value} role cannot edit table rows"):
            save_changes(limited, ChangeSet(table).add(CellChange(row, "quartzs", "1")))


def test_a_read_only_connection_is_refused_and_the_server_refuses_too(database: Database, database_url: URL) -> None:
    table, row = opened(database, GACHA_USERS, (7,))
    with Database(ConnectionSettings(url=database_url, read_only=True, pool=SMALL_POOL)) as read_only:
        with pytest.raises(PermissionError, match="read-only"):
            save_changes(read_only, ChangeSet(table).add(CellChange(row, "quartzs", "1")))
        with pytest.raises(DBAPIError, match="cannot execute UPDATE in a read-only transaction"):
            with read_only.connect() as connection:
                connection.execute(text("UPDATE gacha.users SET quartzs = 1 WHERE id = 7"))
    assert scalar(database, "SELECT quartzs FROM gacha.users WHERE id = 7") == row.before["quartzs"]


def test_a_production_database_needs_a_reason(database: Database, database_url: URL) -> None:
    table, row = opened(database, GACHA_USERS, (7,))
    changes = ChangeSet(table).add(CellChange(row, "quartzs", "1"))
    with Database(ConnectionSettings(url=database_url, production=True, pool=SMALL_POOL)) as production:
        for reason in (None, "", "   "):
            with pytest.raises(ValueError, match="^a reason is required on a production database$"):
                save_changes(production, changes, reason=reason)
        save_changes(production, changes, reason=" refund ")
    assert [a.reason for a in audit_rows(database)] == ["refund"]


def test_a_table_without_a_primary_key_or_a_view_is_not_editable(database: Database) -> None:
    with database.connect() as connection:
        connection.execute(text("CREATE TABLE public.loose (a int, b text); INSERT INTO public.loose VALUES (1, 'x')"))
        connection.execute(text("CREATE VIEW public.some_users AS SELECT id, quartzs FROM gacha.users"))
    loose = describe_table(database, RelationRef("public", "loose"))
    with pytest.raises(ValueError, match="no primary key"):
        ChangeSet(loose).add(RowInsert({"a": "2"}))
    with pytest.raises(PermissionError, match="^cannot save changes to public.loose: .*no primary key"):
        save_changes(database, ChangeSet(loose, (RowInsert({"a": "2"}),)))
    view = describe_table(database, RelationRef("public", "some_users"))
    with pytest.raises(PermissionError, match="a view is read-only"):
        save_changes(database, ChangeSet(view, (RowDelete(RowRef((7,), 1, {})),)))
    assert scalar(database, "SELECT count(*) FROM public.loose") == 1


# --- Values of many types, written as PostgreSQL input text ----------------------------------

_TYPED_TABLE = '''
    CREATE TYPE public.mood AS ENUM ('calm', 'tense', 'joyful');
    CREATE TABLE public.typed (
        id integer PRIMARY KEY,
        doc jsonb,
        ref uuid,
        at timestamptz,
        net inet,
        numbers integer[],
        feeling public.mood,
        code varchar(3),
        amount numeric,
        point vector(3),
        "odd:name ""quoted""" text,
        "100%" text,
        made integer GENERATED ALWAYS AS (id * 2) STORED
    );
    INSERT INTO public.typed (id) VALUES (1);
'''


@pytest.fixture
def typed(database: Database) -> TableInfo:
    with database.connect() as connection:
        connection.execute(text(_TYPED_TABLE))
    return describe_table(database, RelationRef("public", "typed"))


def test_values_of_many_types_are_written_from_text(database: Database, typed: TableInfo) -> None:
    values = {
        "doc": '{"a": [1, 2.50], "b": "it\'s"}',
        "ref": "6f1c1b1e-0000-4000-8000-000000000001",
        "at": "2024-01-02 03:04:05+02",
        "net": "10.0.0.0/8",
        "numbers": "{1,2,3}",
        "feeling": "tense",
        "code": "abc",
        "amount": "12345678901234567890.123456789",
        "point": "[1,2,3]",
        'odd:name "quoted"': "a:b",
        "100%": "%s %(x)s",
    }
    save_changes(database, ChangeSet(typed).add(RowInsert({"id": "2", **values})))
    row = read_row(database, typed, (1,))
    assert row is not None
    report = save_changes(
        database,
        ChangeSet(typed)
        .add(CellChange(row, "doc", '{"z": null}'))
        .add(CellChange(row, "feeling", "joyful"))
        .add(CellChange(row, "numbers", "{}")),
    )
    assert report.updated == 1
    inserted = read_row(database, typed, (2,))
    assert inserted is not None
    got = inserted.before
    assert got["doc"] == {"a": [1, 2.5], "b": "it's"}
    assert got["ref"] == uuid.UUID("6f1c1b1e-0000-4000-8000-000000000001")
    assert got["at"] == datetime(2024, 1, 2, 1, 4, 5, tzinfo=timezone.utc)
    assert got["net"] == IPv4Interface("10.0.0.0/8")
    assert (got["numbers"], got["feeling"], got["code"]) == ([1, 2, 3], "tense", "abc")
    assert got["amount"] == Decimal("12345678901234567890.123456789")
    assert got["point"] == "[1,2,3]" and got['odd:name "quoted"'] == "a:b" and got["made"] == 4
    assert got["100%"] == "%s %(x)s"
    updated = read_row(database, typed, (1,))
    assert updated is not None and (updated.before["doc"], updated.before["feeling"]) == ({"z": None}, "joyful")
    # The audit images are the server's own JSON: numbers keep every digit.
    assert (
        scalar(database, "SELECT after->>'amount' FROM console.audit_log WHERE action = 'insert'")
        == "12345678901234567890.123456789"
    )


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("code", "abcd", "value too long for type character varying(3)"),  # an error, never cut short
        ("net", "not an address", 'invalid input syntax for type inet: "not an address"'),
        ("feeling", "angry", 'invalid input value for enum mood: "angry"'),
        ("doc", "{broken", "invalid input syntax for type json"),
        ("point", "[1,2]", "expected 3 dimensions, not 2"),
    ],
)
def test_bad_values_fail_the_save_with_the_servers_message(
    database: Database, typed: TableInfo, column: str, value: str, message: str
) -> None:
    row = read_row(database, typed, (1,))
    assert row is not None
    with pytest.raises(SaveFailed) as caught:
        save_changes(database, ChangeSet(typed).add(CellChange(row, column, value)))
    assert str(caught.value) == f"change 1 (update public.typed id=1): {message}"
    assert scalar(database, f"SELECT {column} IS NULL FROM public.typed WHERE id = 1") is True


def test_story_node_metadata_and_embedding_are_edited(database: Database) -> None:
    table = describe_table(database, RelationRef("stories", "nodes"))
    node_id = scalar(database, "SELECT id FROM stories.nodes WHERE embedding IS NOT NULL ORDER BY id LIMIT 1")
    row = read_row(database, table, (node_id,))
    assert row is not None
    embedding = "[" + ",".join(["0.5"] * 768) + "]"
    changes = (
        ChangeSet(table)
        .add(CellChange(row, "metadata", '{"mood": "calm", "votes": 3}'))
        .add(CellChange(row, "embedding", embedding))
    )
    save_changes(database, changes)
    assert scalar(database, "SELECT metadata FROM stories.nodes WHERE id = :id", id=node_id) == {
        "mood": "calm",
        "votes": 3,
    }
    assert (
        scalar(
            database, "SELECT embedding = CAST(:e AS vector) FROM stories.nodes WHERE id = :id", e=embedding, id=node_id
        )
        is True
    )


# --- The change set's rules --------------------------------------------------------------------


def _row(key: int, **before: Any) -> RowRef:
    return RowRef((key,), 100 + key, {"id": key, "quartzs": 10, "academy_name": "A", **before})


def test_a_second_edit_of_a_cell_replaces_the_first_in_place(database: Database) -> None:
    table = describe_table(database, GACHA_USERS)
    seven, eight = _row(7), _row(8)
    changes = (
        ChangeSet(table)
        .add(CellChange(seven, "quartzs", "1"))
        .add(CellChange(eight, "quartzs", "2"))
        .add(CellChange(seven, "quartzs", "3"))
    )
    assert changes.changes == (CellChange(seven, "quartzs", "3"), CellChange(eight, "quartzs", "2"))
    assert changes.cell_value((7,), "quartzs") == "3"
    assert changes.cell_value((7,), "academy_name") is NOTHING
    assert changes.add(CellChange(seven, "academy_name", DEFAULT)).cell_value((7,), "academy_name") is DEFAULT


def test_an_edit_back_to_the_value_read_removes_the_pending_edit(database: Database) -> None:
    table = describe_table(database, GACHA_USERS)
    seven = _row(7, academy_name=None)
    changes = ChangeSet(table).add(CellChange(seven, "quartzs", "1")).add(CellChange(seven, "academy_name", "B"))
    assert len(changes.add(CellChange(seven, "quartzs", " 10 "))) == 1
    assert changes.add(CellChange(seven, "academy_name", None)).changes == (CellChange(seven, "quartzs", "1"),)
    # DEFAULT is never "the same": the default may differ from the value read.
    assert len(ChangeSet(table).add(CellChange(seven, "quartzs", DEFAULT))) == 1
    # Editing a cell to its own value adds nothing at all.
    assert not ChangeSet(table).add(CellChange(seven, "quartzs", "10"))


def test_jsonb_and_boolean_edits_back_to_the_value_read_compare_by_meaning(database: Database) -> None:
    nodes = describe_table(database, RelationRef("stories", "nodes"))
    node = RowRef((uuid.uuid4(),), 1, {"metadata": {"a": 1, "b": [True]}})
    assert not ChangeSet(nodes).add(CellChange(node, "metadata", '{"b": [true], "a": 1}'))
    accounts = describe_table(database, ACCOUNTS_USERS)
    user = RowRef((uuid.uuid4(),), 1, {"is_active": True})
    assert not ChangeSet(accounts).add(CellChange(user, "is_active", "t"))
    assert ChangeSet(accounts).add(CellChange(user, "is_active", "off"))
    # The text an editor starts from, typed back unchanged, is no change either.
    stamp = datetime(2025, 9, 10, 18, 39, 1, 250000, tzinfo=timezone.utc)
    created = RowRef((uuid.uuid4(),), 1, {"created_at": stamp})
    typed_back = input_text(stamp, accounts.column("created_at"))
    assert not ChangeSet(accounts).add(CellChange(created, "created_at", typed_back))


def test_deleting_a_row_drops_its_edits_and_refuses_further_ones(database: Database) -> None:
    table = describe_table(database, GACHA_USERS)
    seven, eight = _row(7), _row(8)
    changes = (
        ChangeSet(table)
        .add(CellChange(seven, "quartzs", "1"))
        .add(CellChange(eight, "quartzs", "2"))
        .add(RowDelete(seven))
    )
    assert changes.changes == (CellChange(eight, "quartzs", "2"), RowDelete(seven))
    assert (changes.row_state((7,)), changes.row_state((8,)), changes.row_state((9,))) == ("deleted", "edited", None)
    with pytest.raises(ValueError, match="^gacha.users id=7 is to be deleted: undo the delete before changing it$"):
        changes.add(CellChange(seven, "quartzs", "5"))
    undone = changes.without(1)
    assert undone.row_state((7,)) is None and len(undone) == 1
    assert len(undone.add(CellChange(seven, "quartzs", "5"))) == 2


def test_soft_delete_and_restore_rules(database: Database) -> None:
    table = describe_table(database, ACCOUNTS_USERS)
    live = RowRef((uuid.uuid4(),), 1, {"is_deleted": False, "deleted_at": None, "email": "a@example.com"})
    gone = RowRef((uuid.uuid4(),), 1, {"is_deleted": True, "deleted_at": datetime.now(timezone.utc)})
    changes = ChangeSet(table).add(CellChange(live, "is_deleted", "true")).add(CellChange(live, "email", "b@x.org"))
    changes = changes.add(SoftDeleteChange(live))
    # The soft-delete sets is_deleted itself; the edit of it is dropped, the email kept.
    assert changes.changes == (CellChange(live, "email", "b@x.org"), SoftDeleteChange(live))
    assert changes.row_state(live.key) == "soft-deleted"
    assert changes.add(SoftDeleteChange(live, restore=True)).changes == (CellChange(live, "email", "b@x.org"),)
    assert ChangeSet(table).add(SoftDeleteChange(gone, restore=True)).row_state(gone.key) == "restored"
    with pytest.raises(ValueError, match="is already soft-deleted"):
        ChangeSet(table).add(SoftDeleteChange(gone))
    with pytest.raises(ValueError, match="is not soft-deleted: nothing to restore"):
        ChangeSet(table).add(SoftDeleteChange(live, restore=True))
    with pytest.raises(ValueError, match="to be deleted"):
        ChangeSet(table).add(RowDelete(live)).add(SoftDeleteChange(live))
    with pytest.raises(ValueError, match="gacha.users has no soft-delete column"):
        ChangeSet(describe_table(database, GACHA_USERS)).add(SoftDeleteChange(_row(7)))


def test_the_same_key_twice_takes_a_delete_or_soft_delete_back(database: Database) -> None:
    users = describe_table(database, GACHA_USERS)
    seven, eight = _row(7), _row(8)
    edited = ChangeSet(users).add(CellChange(eight, "quartzs", "2"))
    deleted = edited.toggle_delete(seven)
    assert deleted.row_state((7,)) == "deleted"
    assert deleted.toggle_delete(seven).changes == edited.changes  # the other row's edit stays
    accounts = describe_table(database, ACCOUNTS_USERS)
    live = RowRef((uuid.uuid4(),), 1, {"is_deleted": False, "deleted_at": None})
    gone = RowRef((uuid.uuid4(),), 1, {"is_deleted": True, "deleted_at": datetime.now(timezone.utc)})
    by_stamp = RowRef((uuid.uuid4(),), 1, {"deleted_at": datetime.now(timezone.utc)})
    assert ChangeSet(accounts).toggle_soft_delete(live).changes == (SoftDeleteChange(live),)
    assert ChangeSet(accounts).toggle_soft_delete(gone).changes == (SoftDeleteChange(gone, restore=True),)
    assert ChangeSet(accounts).toggle_soft_delete(by_stamp).row_state(by_stamp.key) == "restored"
    assert not ChangeSet(accounts).toggle_soft_delete(live).toggle_soft_delete(live)
    assert not ChangeSet(accounts).toggle_soft_delete(gone).toggle_soft_delete(gone)


def test_what_stays_pending_after_a_save_and_how_it_reads(database: Database) -> None:
    table = describe_table(database, GACHA_USERS)
    seven, eight = _row(7), _row(8)
    saving = ChangeSet(table).add(CellChange(seven, "quartzs", "1")).add(CellChange(eight, "quartzs", "2"))
    assert saving.summary() == "2 pending changes to gacha.users"
    # While the save runs: seven's cell is edited again, a row is deleted.
    meanwhile = saving.add(CellChange(seven, "quartzs", "3")).add(RowDelete(_row(9)))
    left = meanwhile.left_after_saving(saving)
    assert left.changes == (CellChange(seven, "quartzs", "3"), RowDelete(_row(9)))
    assert left.without_last().summary() == "1 pending change to gacha.users"
    assert left.summary(naming_the_table=False) == "2 pending changes"
    assert not saving.left_after_saving(saving)


def test_bad_changes_are_refused_in_one_line(database: Database, typed: TableInfo) -> None:
    table = describe_table(database, GACHA_USERS)
    with pytest.raises(ValueError, match="^gacha.users has no column 'nope'$"):
        ChangeSet(table).add(CellChange(_row(7), "nope", "1"))
    with pytest.raises(ValueError, match="^gacha.users has no column 'nope'$"):
        ChangeSet(table).add(RowInsert({"nope": "1"}))
    with pytest.raises(ValueError, match="rows are named by id: got 2 value"):
        ChangeSet(table).add(RowDelete(RowRef((7, 8), 1, {})))
    with pytest.raises(ValueError, match="^public.typed.made is a generated column: it cannot be written$"):
        ChangeSet(typed).add(CellChange(RowRef((1,), 1, {}), "made", "3"))


def test_inserts_len_bool_and_undo(database: Database) -> None:
    table = describe_table(database, GACHA_USERS)
    empty = ChangeSet(table)
    assert not empty and len(empty) == 0 and empty.inserts == ()
    first, second = RowInsert({"discord_id": "1"}), RowInsert({})
    changes = empty.add(first).add(CellChange(_row(7), "quartzs", "1")).add(second)
    assert changes and len(changes) == 3 and changes.inserts == (first, second)
    assert changes.without(0).inserts == (second,)
    assert empty.inserts == ()  # immutable: the original is untouched


# --- Previews ----------------------------------------------------------------------------------


def test_preview_sql_shows_each_statement_with_its_guard_and_safe_literals(database: Database) -> None:
    table = describe_table(database, GACHA_USERS)
    seven, eight = _row(7), _row(8)
    changes = (
        ChangeSet(table)
        .add(CellChange(seven, "quartzs", "50"))
        .add(RowInsert({"discord_id": "42", "quartzs": DEFAULT, "academy_name": None}))
        .add(RowInsert({}))
        .add(CellChange(eight, "academy_name", "O'Hara \\ Co"))
        .add(CellChange(seven, "academy_name", DEFAULT))
        .add(RowDelete(_row(9)))
    )
    assert preview_sql(changes) == [
        'UPDATE "gacha"."users" SET "quartzs" = \'50\', "academy_name" = DEFAULT WHERE "id" = 7 AND xmin = \'107\';',
        'INSERT INTO "gacha"."users" ("discord_id", "quartzs", "academy_name") VALUES (\'42\', DEFAULT, NULL);',
        'INSERT INTO "gacha"."users" DEFAULT VALUES;',
        'UPDATE "gacha"."users" SET "academy_name" = E\'O\'\'Hara \\\\ Co\' WHERE "id" = 8 AND xmin = \'108\';',
        'DELETE FROM "gacha"."users" WHERE "id" = 9 AND xmin = \'109\';',
    ]


def test_preview_sql_of_soft_deletes_composite_keys_and_masked_values(database: Database) -> None:
    accounts = describe_table(database, ACCOUNTS_USERS)
    user_id = uuid.UUID("6f1c1b1e-0000-4000-8000-000000000001")
    live = RowRef((user_id,), 5, {"is_deleted": False})
    changes = ChangeSet(accounts).add(CellChange(live, "hashed_password", "$2b$new")).add(SoftDeleteChange(live))
    expected = (
        f'UPDATE "accounts"."users" SET "hashed_password" = \'{MASK}\', "is_deleted" = true, '
        f"\"deleted_at\" = now() WHERE \"id\" = '{user_id}' AND xmin = '5';"
    )
    assert preview_sql(changes) == [expected]
    assert preview_sql(changes, masked=()) == [expected.replace(MASK, "$2b$new")]
    slots = describe_table(database, BUILD_SLOTS)
    restore_less = ChangeSet(slots).add(RowDelete(RowRef((1, 5), 77, {})))
    assert preview_sql(restore_less) == [
        'DELETE FROM "heroes"."build_slots" WHERE "build_power_id" = 1 AND "slot_index" = 5 AND xmin = \'77\';'
    ]


def test_preview_diff_spells_out_null_default_and_masks_secrets(database: Database) -> None:
    table = describe_table(database, GACHA_USERS)
    seven = _row(7, academy_name=None)
    changes = (
        ChangeSet(table)
        .add(CellChange(seven, "academy_name", "Twilight"))
        .add(CellChange(seven, "quartzs", None))
        .add(RowInsert({"discord_id": "42", "quartzs": DEFAULT}))
        .add(RowInsert({}))
        .add(RowDelete(RowRef((8,), 1, {"id": 8, "academy_name": "x" * 60})))
    )
    assert preview_diff(changes) == [
        DiffLine("update", "id=7", "academy_name", "NULL", "Twilight", 0),
        DiffLine("update", "id=7", "quartzs", "10", "NULL", 1),
        DiffLine("insert", "new row 1", "discord_id", None, "42", 2),
        DiffLine("insert", "new row 1", "quartzs", None, "DEFAULT", 2),
        DiffLine("insert", "new row 2", None, None, "all defaults", 3),
        DiffLine("delete", "id=8", None, "id=8, academy_name=" + "x" * 39 + "…", None, 4),
    ]
    accounts = describe_table(database, ACCOUNTS_USERS)
    user = RowRef((uuid.UUID(int=1),), 1, {"hashed_password": "$2b$old", "is_deleted": True})
    diff = preview_diff(
        ChangeSet(accounts)
        .add(CellChange(user, "hashed_password", "$2b$new"))
        .add(SoftDeleteChange(user, restore=True))
    )
    assert diff == [
        DiffLine("update", "id=00000000-0000-0000-0000-000000000001", "hashed_password", MASK, MASK, 0),
        DiffLine("restore", "id=00000000-0000-0000-0000-000000000001", "is_deleted", "true", "false", 1),
    ]

"""Demo data: deterministic, playable at scale 1, consistent, and never mixed with real data."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.engine import URL

from data.demo import DemoDataError, load_demo, system_tables
from data.engine import ConnectionSettings, Database
from data.migrate.run import upgrade

# Row bookkeeping the server stamps at insert time (server_default now()); all else is fixed.
LOAD_TIME_COLUMNS = {"created_at", "updated_at"}


def fingerprint(database: Database) -> str:
    """A hash of every row of every system table, in primary-key order."""
    digest = hashlib.sha256()
    with database.connect() as connection:
        for table in system_tables():
            key = ", ".join(column.name for column in table.primary_key.columns)
            columns = ", ".join(f'"{c.name}"' for c in table.columns if c.name not in LOAD_TIME_COLUMNS)
            rows = connection.execute(
                text(f'SELECT ROW({columns})::text FROM "{table.schema}"."{table.name}" ORDER BY {key}')
            )
            for (row,) in rows:
                digest.update(row.encode())
    return digest.hexdigest()


def scalar(database: Database, sql: str) -> int:
    with database.connect() as connection:
        return connection.execute(text(sql)).scalar_one()


@pytest.fixture
def migrated_empty(empty_database_url: URL) -> Iterator[Database]:
    with Database(ConnectionSettings(url=empty_database_url)) as database:
        assert all(outcome.ok for outcome in upgrade(database.engine))
        yield database


def test_demo_data_is_deterministic(database: Database, migrated_empty: Database) -> None:
    load_demo(migrated_empty, scale=1)
    assert fingerprint(migrated_empty) == fingerprint(database)
    # Statistics come with the data, so the home screen's estimates are known at once.
    assert scalar(migrated_empty, "SELECT reltuples FROM pg_class WHERE oid = 'gacha.users'::regclass") == 200


def test_scale_one_is_a_playable_heroes_dataset(database: Database) -> None:
    assert scalar(database, "SELECT count(*) FROM heroes.archetypes") >= 6
    # Every archetype has 2+ primary and 2+ secondary powersets of 9+ powers, and an epic pool.
    short = scalar(
        database,
        """
        SELECT count(*) FROM heroes.archetypes a WHERE
          (SELECT count(*) FROM heroes.powersets s WHERE s.archetype_id = a.id AND s.powerset_type = 'primary'
             AND (SELECT count(*) FROM heroes.powers p WHERE p.powerset_id = s.id) >= 9) < 2
          OR (SELECT count(*) FROM heroes.powersets s WHERE s.archetype_id = a.id AND s.powerset_type = 'secondary'
             AND (SELECT count(*) FROM heroes.powers p WHERE p.powerset_id = s.id) >= 9) < 2
          OR NOT EXISTS (SELECT 1 FROM heroes.powersets s WHERE s.archetype_id = a.id AND s.powerset_type = 'epic')""",
    )
    assert short == 0
    assert scalar(database, "SELECT count(*) FROM heroes.powersets WHERE powerset_type = 'pool'") >= 4
    assert (
        scalar(
            database,
            """SELECT min(level_available) FROM heroes.powers p JOIN heroes.powersets s
                               ON s.id = p.powerset_id WHERE s.powerset_type = 'epic'""",
        )
        >= 35
    )
    assert scalar(database, "SELECT count(*) FROM heroes.power_prerequisites") > 0
    assert (
        scalar(
            database,
            "SELECT count(DISTINCT enhancement_type) FROM heroes.enhancements WHERE enhancement_type IN ('TO', 'DO', 'SO', 'IO')",
        )
        == 4
    )
    assert scalar(database, "SELECT count(*) FROM heroes.enhancement_sets") >= 20
    assert scalar(database, "SELECT count(DISTINCT category) FROM heroes.enhancement_sets") >= 5
    assert (
        scalar(
            database,
            "SELECT count(*) FROM heroes.enhancement_sets s WHERE NOT EXISTS (SELECT 1 FROM heroes.set_bonuses b WHERE b.set_id = s.id)",
        )
        == 0
    )
    assert (
        scalar(
            database,
            "SELECT count(*) FROM heroes.powers p WHERE NOT EXISTS (SELECT 1 FROM heroes.power_enhancement_compatibility c WHERE c.power_id = p.id)",
        )
        == 0
    )


def test_scale_one_fills_every_system(database: Database) -> None:
    for table in system_tables():
        if table.fullname in ("heroes.import_logs",):
            continue  # import history starts empty: it records real imports
        assert scalar(database, f'SELECT count(*) FROM "{table.schema}"."{table.name}"') > 0, table.fullname
    assert scalar(database, "SELECT count(*) FROM accounts.users WHERE is_deleted") > 0
    assert scalar(database, "SELECT count(*) FROM stories.nodes WHERE embedding IS NOT NULL") > 0
    assert scalar(database, "SELECT count(*) FROM metaserver.sessions WHERE expires_at < '2026-01-01'") > 0


def test_the_ledger_sums_to_every_balance(database: Database) -> None:
    mismatches = scalar(
        database,
        """
        SELECT count(*) FROM gacha.users u
        CROSS JOIN LATERAL (VALUES ('sakura_crystals', u.sakura_crystals), ('quartzs', u.quartzs), ('daphine', u.daphine)) AS b(currency, balance)
        WHERE b.balance <> COALESCE((SELECT sum(delta) FROM gacha.currency_ledger l
                                     WHERE l.user_id = u.id AND l.currency = b.currency), 0)""",
    )
    assert mismatches == 0
    assert scalar(database, "SELECT count(*) FROM gacha.currency_ledger") > 0


def test_larger_scales_grow_the_collections(migrated_empty: Database) -> None:
    rows = load_demo(migrated_empty, scale=3)
    assert rows["gacha.user_waifus"] == scalar(migrated_empty, "SELECT count(*) FROM gacha.user_waifus")
    # Linear in the scale: scale 200 reaches a million rows.
    assert rows["gacha.user_waifus"] * 200 / 3 >= 1_000_000


def test_demo_refuses_to_mix_with_existing_rows(database: Database) -> None:
    with pytest.raises(DemoDataError, match="already hold data"):
        load_demo(database, scale=1)
    before = fingerprint(database)
    load_demo(database, scale=1, replace=True)
    assert fingerprint(database) == before


def test_demo_refuses_production_profiles(database_url: URL) -> None:
    with Database(ConnectionSettings(url=database_url, production=True)) as production:
        with pytest.raises(DemoDataError, match="production"):
            load_demo(production, scale=1, replace=True)

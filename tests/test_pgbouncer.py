"""Through a real PgBouncer in transaction mode (tests/pgbouncer.py), with its default
settings: it refuses the startup options the console sends a server directly, so the
console finds out that it is behind one, opens no session state, and sets the statement
timeout in every transaction. Browse, desk, export, import, activity, explain and the
migration checks work through it, the timeout is enforced, and typed SQL leaves nothing in
the server session the next client of the pool gets.
"""

from __future__ import annotations

import asyncio
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError, OperationalError
from textual.widgets import DataTable

from console.connect import open_database
from console.embedded import EmbeddedServer
from data import browse, pooler
from data.catalog import RelationRef, describe_table
from data.engine import ConnectionSettings, Database
from data.roles import Role
from tests.app_factory import make_app, settle, visible_text
from tests.conftest import login_settings, protocol_trace, round_trips, run_console, short_temp_dir, socket_url
from tests.pgbouncer import PgBouncer

FIXTURES = Path(__file__).parent / "fixtures" / "imports"


@pytest.fixture(scope="module")
def bouncers(embedded_server: EmbeddedServer) -> Iterator[dict[str, PgBouncer]]:
    """PgBouncers in front of the test server: with its defaults; told to drop the startup
    options instead (its documented workaround, which loses them silently); with one
    server session for all, so that what one client leaves in it the next gets; and with
    sessions taken in turn, so that nothing carries from one transaction to the next."""
    directory = short_temp_dir("cpb-")
    directory.chmod(0o755)  # ours: the server's account must reach the directories below
    started = {
        "default": PgBouncer(embedded_server, directory / "default"),
        "dropping": PgBouncer(embedded_server, directory / "dropping", ignore_startup_parameters="options"),
        "single": PgBouncer(embedded_server, directory / "single", default_pool_size=1),
        # Four server sessions taken in turn: each transaction of a client gets another.
        "rotating": PgBouncer(embedded_server, directory / "rotating", min_pool_size=4, server_round_robin=1),
    }
    try:
        for bouncer in started.values():
            bouncer.start()
        yield started
    finally:
        for bouncer in started.values():
            bouncer.stop()
        shutil.rmtree(directory, ignore_errors=True)


def through(bouncer: PgBouncer, database_url: URL, role: Role, **settings: Any) -> Database:
    """The console's own opening of the test database through `bouncer`, as `role`."""
    url = bouncer.url(database_url.database or "", role)
    return open_database(ConnectionSettings(url=url, role=role, **settings), interactive=False)


def cli_url(bouncer: PgBouncer, database_url: URL, role: Role = Role.ADMIN) -> str:
    """The URL as a user types it: PgBouncer's socket directory and port."""
    return socket_url(bouncer.url(database_url.database or "", role))


@pytest.mark.parametrize("kind, found", [("default", pooler.PGBOUNCER), ("dropping", pooler.UNNAMED)])
def test_the_console_finds_the_pooler_and_enforces_the_timeout_in_every_transaction(
    bouncers: dict[str, PgBouncer], database_url: URL, kind: str, found: str
) -> None:
    with through(bouncers[kind], database_url, Role.ADMIN, statement_timeout_ms=400) as database:
        assert database.settings.pooler == found
        with database.connect() as connection:
            assert connection.execute(text("SELECT current_setting('statement_timeout')")).scalar_one() == "400ms"
        [[row]] = database.read_in_one_round_trip((text("SELECT current_setting('statement_timeout')"), {}))
        assert row.current_setting == "400ms"  # the one-round-trip reads carry it too
        started = time.monotonic()
        with pytest.raises(OperationalError, match="statement timeout"), database.connect() as connection:
            connection.execute(text("SELECT pg_sleep(5)"))
        assert time.monotonic() - started < 3


def test_what_the_timeout_costs_in_round_trips(
    bouncers: dict[str, PgBouncer], database_url: URL, tmp_path: Path
) -> None:
    """Behind the pooler the timeout's SET LOCAL rides with the BEGIN where the console
    sends it (the home screen's reads, the desk's actions): no round trip more there; a
    transaction SQLAlchemy begins waits for it once more."""

    def traced(database: Database, name: str) -> tuple[int, int, list[str]]:
        database.dispose()  # the trace follows the connections made inside it
        with protocol_trace(database, tmp_path / name) as read:
            database.read_in_one_round_trip((text("SELECT 1"), {}))
            connected = read()
            database.read_in_one_round_trip((text("SELECT 1"), {}))
            one = read()
            with database.connect() as connection:
                connection.execute(text("SELECT 1"))
            both = read()
        sent = [text for way, kind, text in both[len(connected) :] if way == "F" and kind in ("Query", "Parse")]
        return round_trips(one) - round_trips(connected), round_trips(both) - round_trips(one), sent

    with (
        through(bouncers["default"], database_url, Role.DEVELOPER, statement_timeout_ms=1234) as pooled,
        Database(login_settings(database_url, Role.DEVELOPER, statement_timeout_ms=1234)) as direct,
    ):
        pooled_one, pooled_begun, sent = traced(pooled, "pooled")
        direct_one, direct_begun, _ = traced(direct, "direct")
    assert sum("SET LOCAL statement_timeout = 1234" in statement for statement in sent) == 2, sent
    assert pooled_one == direct_one == 1
    assert pooled_begun == direct_begun + 1


def test_a_profile_naming_pgbouncer_sends_no_startup_options(bouncers: dict[str, PgBouncer], database_url: URL) -> None:
    bouncer = bouncers["default"]
    refused_before = bouncer.log().count("closing because: unsupported startup parameter")
    with through(bouncer, database_url, Role.ADMIN, pooler=pooler.PGBOUNCER, statement_timeout_ms=1500) as database:
        with database.connect() as connection:
            assert connection.execute(text("SHOW statement_timeout")).scalar_one() == "1500ms"
    assert bouncer.log().count("closing because: unsupported startup parameter") == refused_before  # not even tried
    with through(bouncer, database_url, Role.ADMIN) as database:  # found out: one refusal, then none
        assert database.settings.pooler == pooler.PGBOUNCER
    assert bouncer.log().count("closing because: unsupported startup parameter") == refused_before + 1


def test_read_only_roles_stay_read_only_and_the_desk_writes_through_it(
    bouncers: dict[str, PgBouncer], database_url: URL
) -> None:
    from data.support import currency, giftcodes

    with through(bouncers["default"], database_url, Role.SUPPORT) as database:
        with pytest.raises(DBAPIError, match="read-only transaction"), database.connect() as connection:
            connection.execute(text("UPDATE gacha.users SET quartzs = 0 WHERE id = 1"))
        entry = currency.grant(database, 1, "quartzs", 5, "pooler test")
        redemption = giftcodes.redeem(database, "WELCOME2025", 2)
    with through(bouncers["default"], database_url, Role.ADMIN) as admin, admin.connect() as connection:
        audited = connection.execute(
            text("SELECT count(*) FROM console.audit_log WHERE reason = 'pooler test'")
        ).scalar_one()
    assert entry.delta == 5 and audited == 1 and redemption.code == "WELCOME2025"


def test_the_command_line_through_it(bouncers: dict[str, PgBouncer], database_url: URL, tmp_path: Path) -> None:
    """A profile that names PgBouncer, and a bare --url the console finds it behind."""
    bouncer = bouncers["default"]
    config = tmp_path / "config.toml"
    config.write_text(
        f'[profiles.desk]\nurl = "{cli_url(bouncer, database_url, Role.SUPPORT)}"\n'
        'role = "support"\npooler = "pgbouncer"\nstatement_timeout = "2s"\n'
    )
    desk = ("--config", str(config), "--profile", "desk")
    granted = run_console(*desk, "grant", "1", "5", "quartzs", "--reason", "through pgbouncer")
    assert granted.returncode == 0 and "granted 5 quartzs to player 1" in granted.stdout, granted.stderr
    created = run_console(*desk, "giftcode", "create", "POOLED1", "--reward", "quartzs:3", "--reason", "launch")
    assert created.returncode == 0, created.stderr
    redeemed = run_console(*desk, "redeem", "POOLED1", "2")
    assert redeemed.returncode == 0 and "POOLED1" in redeemed.stdout, redeemed.stderr
    admin = cli_url(bouncer, database_url)
    exported = run_console("--url", admin, "export", "gacha.gift_codes", "--sort", "code")
    assert exported.returncode == 0 and "POOLED1" in exported.stdout, exported.stderr
    check = run_console("--url", admin, "migrate", "check")
    assert check.returncode == 0 and "no drift" in check.stdout, check.stderr


def test_typed_sql_leaves_nothing_in_the_server_session(bouncers: dict[str, PgBouncer], database_url: URL) -> None:
    """One server session behind the pool: a WHERE clause that changes session settings
    is rolled back with its transaction, so the next client of that session (another
    program, with no settings of its own) finds the server's defaults."""
    bouncer = bouncers["single"]
    changes = (
        "set_config('search_path', 'pwned', false) IS NOT NULL AND set_config('work_mem', '77kB', false) IS NOT NULL"
    )

    def next_client_sees() -> tuple[str, str]:
        # PgBouncer pools by database and login: the same login gets the same server session.
        with bouncer.client(database_url.database or "", Role.DEVELOPER, autocommit=True) as other:
            row = other.execute("SELECT current_setting('search_path'), current_setting('work_mem')").fetchone()
            assert row is not None
            return row[0], row[1]

    before = next_client_sees()
    with through(bouncer, database_url, Role.DEVELOPER) as database:
        view = browse.View(describe_table(database, RelationRef("gacha", "users")), where=changes)
        with browse.open_pager(database, view, page_size=10) as pager:
            assert pager.first().rows
    assert next_client_sees() == before == ('"$user", public', "4MB")


def test_browse_export_import_explain_and_cancel_through_it(
    bouncers: dict[str, PgBouncer], database_url: URL, tmp_path: Path
) -> None:
    from data.explain.runner import ExplainOptions, ExplainRun
    from data.export import export_view

    with through(bouncers["default"], database_url, Role.ADMIN) as database:
        codes = describe_table(database, RelationRef("gacha", "users"))
        with browse.open_pager(database, browse.View(codes), page_size=20) as pager:  # keyset
            first = pager.first()
            assert len(first.rows) == 20 and pager.next() is not None
        ledger = describe_table(database, RelationRef("console", "audit_log"))
        with (tmp_path / "users.csv").open("w") as out:
            assert export_view(database, browse.View(codes), out, "csv") > 20  # a server-side cursor
        plan = ExplainRun(database).run("SELECT * FROM gacha.users WHERE id = $1", ExplainOptions())
        assert plan.document
        assert ledger.columns
        outcome: list[BaseException] = []

        def sleep() -> None:
            try:
                with database.connect() as connection:
                    connection.execute(text("SELECT pg_sleep(20)"))
            except BaseException as error:  # noqa: BLE001
                outcome.append(error)

        worker = threading.Thread(target=sleep)
        worker.start()
        deadline = time.monotonic() + 10
        while not database.cancel_statement_of(worker.ident or 0) and time.monotonic() < deadline:
            time.sleep(0.05)
        worker.join(15)
        assert outcome and "canceling statement due to user request" in str(outcome[0])


def test_many_transactions_through_rotating_sessions(bouncers: dict[str, PgBouncer], database_url: URL) -> None:
    """Each transaction is given another server session: the i12 import stages each batch
    in a temporary table its own transaction makes, and the grid's cursor over a table
    without a key lives in the one transaction that reads its pages."""
    from data.imports.i12 import import_i12

    with bouncers["rotating"].client(database_url.database or "", autocommit=True) as client:
        sessions: set[int] = set()
        deadline = time.monotonic() + 10  # PgBouncer opens the pool's other sessions within a second or two
        while len(sessions) < 4 and time.monotonic() < deadline:
            sessions |= {row[0] for _ in range(4) for row in [client.execute("SELECT pg_backend_pid()").fetchone()]}
            time.sleep(0.1)
        assert len(sessions) == 4
        client.execute("CREATE TABLE public.keyless AS SELECT n FROM generate_series(1, 250) AS n")
    with through(bouncers["rotating"], database_url, Role.ADMIN) as database:
        result = import_i12(database, FIXTURES / "i12_powers.json", batch_size=3)
        assert result.status == "completed" and result.written > 6, result
        view = browse.View(describe_table(database, RelationRef("public", "keyless")))
        with browse.open_pager(database, view, page_size=100) as pager:
            assert isinstance(pager, browse.CursorPager)
            pages = [pager.first(), pager.next(), pager.next(), pager.previous()]
    assert [page.rows[0][0] for page in pages] == [1, 101, 201, 101]


def test_the_home_and_activity_screens_say_so(bouncers: dict[str, PgBouncer], database_url: URL) -> None:
    """The home screen names the pooler; the activity screen, read through it, shows a
    transaction another client holds open through it."""

    async def scenario(database: Database) -> None:
        app = make_app(database)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            assert "PgBouncer (transaction pooling)" in visible_text(app, "#home-connection")
            await pilot.press("6")
            await settle(pilot)
            backends = app.screen.query_one("#activity-backends", DataTable)
            rows = [[str(getattr(cell, "plain", cell)) for cell in backends.get_row(key)] for key in backends.rows]
            assert any("held open" in row for row in rows), rows

    with bouncers["default"].client(database_url.database or "", application_name="held open") as other:
        other.execute("SELECT 1")  # and the transaction stays open: PgBouncer keeps its server session
        with through(bouncers["default"], database_url, Role.ADMIN) as database:
            asyncio.run(scenario(database))

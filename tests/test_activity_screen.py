"""The Activity screen, driven with Pilot against real connections on the embedded server."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import URL
from sqlalchemy.exc import OperationalError
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, TabbedContent, Tree

from console.app import ConsoleApp
from data.engine import ConnectionSettings, Database, PoolSettings
from data.roles import Role
from screens.activity import ActivityScreen
from screens.activity_sessions import COLUMNS
from tests.app_factory import make_app, toasts, visible_text
from tests.conftest import SMALL_POOL, login_settings
from widgets.dialogs import ConfirmDialog

SIZE = (80, 24)


@pytest.fixture
def helpers(database_url: URL) -> Iterator[Database]:
    """Other clients of the same database."""
    with Database(ConnectionSettings(url=database_url, pool=PoolSettings(size=4, max_overflow=4))) as db:
        yield db


def pid_of(connection: Any) -> int:
    return int(connection.execute(text("SELECT pg_backend_pid()")).scalar_one())


def run(database: Database, scenario: Callable[[Pilot[None], ConsoleApp], Awaitable[None]]) -> None:
    async def main() -> None:
        app = make_app(database)
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await app.push_screen(ActivityScreen(interval=0.5))
            await pilot.pause()
            await scenario(pilot, app)

    asyncio.run(main())


def screen(app: ConsoleApp) -> ActivityScreen:
    found = app.screen_stack[-1] if isinstance(app.screen_stack[-1], ActivityScreen) else None
    if found is None:
        found = next(s for s in app.screen_stack if isinstance(s, ActivityScreen))
    return found


def backend_row(app: ConsoleApp, pid: int) -> list[str] | None:
    table = screen(app).query_one("#activity-backends", DataTable)
    if str(pid) not in table.rows:
        return None
    return [str(getattr(cell, "plain", cell)) for cell in table.get_row(str(pid))]


async def until(pilot: Pilot[None], condition: Callable[[], Any], timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        await pilot.pause(0.1)
    raise AssertionError("condition not met in time")


def test_idle_in_transaction_shows_in_the_table(database: Database, helpers: Database) -> None:
    with helpers.engine.connect() as idle:
        idle.begin()
        idle.execute(text("SELECT 1"))
        pid = pid_of(idle)

        async def scenario(pilot: Pilot[None], app: ConsoleApp) -> None:
            row = await until(pilot, lambda: backend_row(app, pid))
            assert row[0] == str(pid)
            assert row[1].startswith("idle in transaction")
            assert row[1].endswith("s")  # with its age
            await pilot.press("space")
            assert "paused" in str(screen(app).query_one("#activity-status").render())

        run(database, scenario)
        idle.rollback()


def test_the_blocking_tree_shows_the_holder_over_the_waiter(database: Database, helpers: Database) -> None:
    with helpers.connect() as setup:
        setup.execute(text("CREATE TABLE public.lockme (id int PRIMARY KEY, v int)"))
        setup.execute(text("INSERT INTO public.lockme VALUES (1, 0)"))
    holder = helpers.engine.connect()
    holder.begin()
    holder.execute(text("UPDATE public.lockme SET v = 1 WHERE id = 1"))
    holder_pid = pid_of(holder)
    waiter_pid: list[int] = []

    def wait() -> None:
        with helpers.engine.connect() as waiter, waiter.begin():
            waiter_pid.append(pid_of(waiter))
            waiter.execute(text("UPDATE public.lockme SET v = 2 WHERE id = 1"))

    thread = threading.Thread(target=wait)
    thread.start()
    try:

        async def scenario(pilot: Pilot[None], app: ConsoleApp) -> None:
            tree = screen(app).query_one("#activity-blocking", Tree)

            def chain() -> Any:
                roots = [n for n in tree.root.children if n.data == holder_pid]
                return roots and waiter_pid and [c.data for c in roots[0].children] == [waiter_pid[0]] and roots[0]

            root = await until(pilot, chain)
            assert str(root.label).startswith(f"{holder_pid} idle in transaction")
            assert str(root.children[0].label).startswith(f"{waiter_pid[0]} active")

        run(database, scenario)
    finally:
        holder.rollback()
        holder.close()
        thread.join(10)


def test_k_cancels_a_long_query_with_a_reason(database: Database, helpers: Database) -> None:
    outcome: list[BaseException | None] = []
    pid: list[int] = []

    def long_query() -> None:
        try:
            with helpers.engine.connect() as connection:
                pid.append(pid_of(connection))
                connection.execute(text("SELECT pg_sleep(30)"))
            outcome.append(None)
        except BaseException as error:  # noqa: BLE001
            outcome.append(error)

    thread = threading.Thread(target=long_query)
    started = time.monotonic()
    thread.start()

    async def scenario(pilot: Pilot[None], app: ConsoleApp) -> None:
        row = await until(
            pilot, lambda: pid and (r := backend_row(app, pid[0])) and "pg_sleep" in r[COLUMNS.index("query")] and r
        )
        assert row[1] == "active"
        table = screen(app).query_one("#activity-backends", DataTable)
        table.focus()
        table.move_cursor(row=table.get_row_index(str(pid[0])))
        await pilot.pause()
        await pilot.press("k")
        await pilot.pause()
        app.screen.query_one("#confirm-reason", Input).value = "runaway query"
        await pilot.press("enter")
        await until(pilot, lambda: outcome, timeout=10)
        await until(pilot, lambda: "cancelled the query of backend" in toasts(app))

    run(database, scenario)
    thread.join(10)
    assert time.monotonic() - started < 15
    [error] = outcome
    assert error is not None and "cancel" in str(error).lower()
    with database.connect() as connection:
        row = connection.execute(
            text("SELECT primary_key, reason FROM console.audit_log WHERE action = 'cancel-backend'")
        ).one()
    assert (row.primary_key, row.reason) == ({"pid": pid[0]}, "runaway query")


async def highlight(pilot: Pilot[None], app: ConsoleApp, pid: int) -> None:
    table = screen(app).query_one("#activity-backends", DataTable)
    table.focus()
    table.move_cursor(row=table.get_row_index(str(pid)))
    await pilot.pause()


def test_K_terminates_an_idle_transaction_and_audits_it(database: Database, helpers: Database) -> None:
    idle = helpers.engine.connect()
    idle.begin()
    idle.execute(text("SELECT 1"))
    pid = pid_of(idle)

    async def scenario(pilot: Pilot[None], app: ConsoleApp) -> None:
        await until(pilot, lambda: (row := backend_row(app, pid)) and row[1].startswith("idle in transaction"))
        await highlight(pilot, app, pid)
        await pilot.press("K")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog) and f"Terminate backend {pid}" in visible_text(app)
        app.screen.query_one("#confirm-reason", Input).value = "holding locks over lunch"
        await pilot.press("enter")
        await until(pilot, lambda: f"terminated backend {pid}" in toasts(app))
        # The refresh after the signal no longer finds the backend: its row is gone.
        await until(pilot, lambda: backend_row(app, pid) is None)

    try:
        run(database, scenario)
        with database.connect() as connection:
            alive = connection.execute(text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid})
            assert alive.scalar_one() == 0
            row = connection.execute(
                text(
                    "SELECT primary_key, before, after, reason, role FROM console.audit_log "
                    "WHERE action = 'terminate-backend'"
                )
            ).one()
        assert (row.primary_key, row.after, row.reason, row.role) == (
            {"pid": pid},
            {"signal": "terminate"},
            "holding locks over lunch",
            "admin",
        )
        assert row.before["state"] == "idle in transaction"
        with pytest.raises(OperationalError):
            idle.execute(text("SELECT 1"))
    finally:
        idle.invalidate()
        idle.close()


@pytest.mark.parametrize(("key", "verb"), [("k", "cancel"), ("K", "terminate")])
def test_a_developer_may_not_cancel_or_terminate(
    database_url: URL, database: Database, helpers: Database, key: str, verb: str
) -> None:
    with helpers.engine.connect() as idle:
        idle.begin()
        idle.execute(text("SELECT 1"))
        pid = pid_of(idle)
        with Database(login_settings(database_url, Role.DEVELOPER, pool=SMALL_POOL)) as developer:

            async def scenario(pilot: Pilot[None], app: ConsoleApp) -> None:
                await until(pilot, lambda: backend_row(app, pid))
                await highlight(pilot, app, pid)
                await pilot.press(key)
                await until(pilot, lambda: f"Only an admin can {verb} backends" in toasts(app))
                assert isinstance(app.screen, ActivityScreen)  # no dialog

            run(developer, scenario)
        # The backend was left alone: its transaction is still open and usable.
        assert idle.execute(text("SELECT now() = statement_timestamp()")).scalar_one() is False
        idle.rollback()
    with database.connect() as connection:
        assert (
            connection.execute(
                text("SELECT count(*) FROM console.audit_log WHERE action LIKE '%-backend'")
            ).scalar_one()
            == 0
        )


def cells_of(app: ConsoleApp, selector: str) -> str:
    """Every cell of a DataTable on the activity screen, as text."""
    table = screen(app).query_one(selector, DataTable)
    return "\n".join(
        " ".join(str(getattr(cell, "plain", cell)) for cell in table.get_row_at(row)) for row in range(table.row_count)
    )


def test_the_other_tabs_show_the_pool_the_rates_statements_and_index_findings(database: Database) -> None:
    with database.connect() as connection:
        connection.execute(text("CREATE TABLE public.probe (id int PRIMARY KEY, a int, b int)"))
        connection.execute(text("INSERT INTO public.probe SELECT g, g, g FROM generate_series(1, 1000) g"))
        connection.execute(text("CREATE INDEX probe_a ON public.probe (a)"))
        connection.execute(text("CREATE INDEX probe_a_again ON public.probe (a)"))

    async def scenario(pilot: Pilot[None], app: ConsoleApp) -> None:
        tabs = screen(app).query_one(TabbedContent)
        tabs.active = "tab-pool"
        pool = await until(pilot, lambda: visible_text(app, "#activity-pool"))
        assert "Checked out" in pool or "checked out" in pool.lower(), pool
        tabs.active = "tab-database"
        rates = await until(pilot, lambda: visible_text(app, "#activity-database"))
        assert "hit" in rates.lower() and "%" in rates, rates
        tabs.active = "tab-statements"
        statements = await until(pilot, lambda: cells_of(app, "#activity-statements"))
        assert "SELECT" in statements.upper(), statements
        tabs.active = "tab-tables"
        findings = await until(
            pilot, lambda: "probe_a" in cells_of(app, "#activity-indexes") and cells_of(app, "#activity-indexes")
        )
        assert "probe_a_again" in findings and "probe_a" in findings
        assert "duplicate" in findings.lower() and "unused" in findings.lower(), findings

    run(database, scenario)

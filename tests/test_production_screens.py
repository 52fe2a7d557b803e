"""On a production profile every write of the screens asks the same way: one dialog that
names the database, asks a reason and wants the database name typed. Nothing is written
until it is given, and the audit row carries the reason.

Each desk action and the migrations screen are driven with Pilot on a real database.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest
from sqlalchemy.engine import URL
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Tree

from console.app import ConsoleApp
from data.engine import ConnectionSettings, Database
from data.roles import Role
from screens.migrations import MigrationsScreen
from screens.support import SupportScreen
from tests.app_factory import choose_player, fill_form, make_app, settle, show_tab, toasts, visible_text
from tests.conftest import DESK_OPERATOR, SMALL_POOL, sql
from widgets.dialogs import ConfirmDialog

SIZE = (110, 34)


@pytest.fixture
def production(database_url: URL) -> Iterator[Database]:
    settings = ConnectionSettings(
        url=database_url, role=Role.ADMIN, pool=SMALL_POOL, operator=DESK_OPERATOR, production=True
    )
    with Database(settings) as database:
        yield database


async def confirm_in_production_dialog(pilot: Pilot[None], database: Database, reason: str | None) -> None:
    """The production dialog is up: a wrong name is refused, then the right one goes."""
    dialog = pilot.app.screen
    assert isinstance(dialog, ConfirmDialog), dialog
    name = database.settings.url.database
    assert "PRODUCTION" in visible_text(pilot.app) and name in visible_text(pilot.app)
    if reason is not None:
        dialog.query_one("#confirm-reason", Input).value = reason
    word = dialog.query_one("#confirm-word", Input)
    word.value = "not-the-name"
    await pilot.press("ctrl+s")
    await settle(pilot)
    assert pilot.app.screen is dialog  # still asking
    word.value = name
    await pilot.press("ctrl+s")
    await settle(pilot)
    assert not isinstance(pilot.app.screen, ConfirmDialog)


def audit_reasons(database: Database, action: str) -> list[str | None]:
    return [
        row.reason
        for row in sql(database, "SELECT reason FROM console.audit_log WHERE action = :a ORDER BY id", a=action).all()
    ]


def run_desk(database: Database, tab: str, scenario: Callable[[Pilot[None], ConsoleApp], Awaitable[None]]) -> None:
    async def main() -> None:
        app = make_app(database)
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await app.push_screen(SupportScreen())
            await show_tab(pilot, tab)
            await scenario(pilot, app)

    asyncio.run(main())


def test_a_grant_on_the_desk(production: Database) -> None:
    player = sql(
        production,
        "SELECT id, academy_name, quartzs FROM gacha.users WHERE academy_name IS NOT NULL ORDER BY id LIMIT 1",
    ).one()

    async def scenario(pilot: Pilot[None], app: ConsoleApp) -> None:
        await choose_player(pilot, player)
        await pilot.press("g")
        await settle(pilot)
        await fill_form(pilot, {"currency": "quartzs", "amount": "250", "reason": "ticket 7"})
        assert (
            sql(production, "SELECT quartzs FROM gacha.users WHERE id = :id", id=player.id).scalar() == player.quartzs
        )
        await confirm_in_production_dialog(pilot, production, None)  # the form gave the reason
        await settle(pilot)
        assert (
            sql(production, "SELECT quartzs FROM gacha.users WHERE id = :id", id=player.id).scalar()
            == player.quartzs + 250
        )
        assert audit_reasons(production, "grant") == ["ticket 7"]
        # A redemption asks the same way.
        await pilot.press("c")
        await settle(pilot)
        code = sql(
            production,
            "SELECT code FROM gacha.gift_codes WHERE is_active AND (expires_at IS NULL OR "
            "expires_at > now()) AND usage_limit = -1 ORDER BY code LIMIT 1",
        ).scalar()
        redeemed = "SELECT count(*) FROM gacha.gift_code_redemptions WHERE code = :c"
        before = sql(production, redeemed, c=code).scalar()
        app.screen.query_one(Input).value = code
        await pilot.press("enter")
        await settle(pilot)
        assert sql(production, redeemed, c=code).scalar() == before  # asked first, nothing written yet
        await confirm_in_production_dialog(pilot, production, None)
        await settle(pilot)
        assert sql(production, redeemed, c=code).scalar() == before + 1, toasts(app)

    run_desk(production, "support-players", scenario)


def test_gift_codes_on_the_desk(production: Database) -> None:
    async def scenario(pilot: Pilot[None], app: ConsoleApp) -> None:
        app.screen.query_one("#codes-list", DataTable).focus()
        await pilot.press("n")
        await settle(pilot)
        await fill_form(pilot, {"code": "PROD-GIFT", "reward_type": "daphine", "reward_value": "5"})
        assert sql(production, "SELECT count(*) FROM gacha.gift_codes WHERE code = 'PROD-GIFT'").scalar() == 0
        await confirm_in_production_dialog(pilot, production, "launch event")
        await settle(pilot)
        assert audit_reasons(production, "giftcode-create") == ["launch event"]
        codes = app.screen.query_one("#codes-list", DataTable)
        codes.focus()
        codes.move_cursor(row=[str(key.value) for key in codes.rows].index("PROD-GIFT"))
        await pilot.press("x")
        await settle(pilot)
        await confirm_in_production_dialog(pilot, production, "event over")
        await settle(pilot)
        assert sql(production, "SELECT is_active FROM gacha.gift_codes WHERE code = 'PROD-GIFT'").scalar() is False
        assert audit_reasons(production, "giftcode-deactivate") == ["event over"]

    run_desk(production, "support-codes", scenario)


def test_an_account_soft_delete_on_the_desk(production: Database) -> None:
    async def scenario(pilot: Pilot[None], app: ConsoleApp) -> None:
        table = app.screen.query_one("#accounts-table", DataTable)
        table.focus()
        await settle(pilot)
        user_id = str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)
        await pilot.press("z")
        await settle(pilot)
        await confirm_in_production_dialog(pilot, production, "GDPR request")
        await settle(pilot)
        assert (
            sql(production, "SELECT is_deleted FROM accounts.users WHERE id::text = :id", id=user_id).scalar() is True
        )
        assert "GDPR request" in [row.reason for row in sql(production, "SELECT reason FROM console.audit_log").all()]

    run_desk(production, "support-accounts", scenario)


def test_a_migration_on_the_screen(production: Database) -> None:
    async def main() -> None:
        app = make_app(production)
        async with app.run_test(size=(120, 40), notifications=True) as pilot:
            await app.push_screen(MigrationsScreen())
            await settle(pilot)
            tree = app.screen.query_one(Tree)
            tree.focus()
            head = next(
                node
                for node in _walk(tree.root)
                if node.data is not None and getattr(node.data, "branch", None) == "gacha" and node.data.is_head
            )
            tree.move_cursor(head)
            await settle(pilot)
            await pilot.press("d")
            await settle(pilot)
            await confirm_in_production_dialog(pilot, production, "rollback of the index")
            await settle(pilot)
            states = {row.schema: row.state for row in _states(production)}
            assert states["gacha"] == "behind"
            assert audit_reasons(production, "migrate-downgrade") == ["rollback of the index"]

    asyncio.run(main())


def _walk(node: Any) -> Iterator[Any]:
    yield node
    for child in node.children:
        yield from _walk(child)


def _states(database: Database) -> list[Any]:
    from data.migrate.state import schema_states

    with database.connect() as connection:
        return schema_states(connection)

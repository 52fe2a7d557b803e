"""The support desk's Players and Gift codes tabs, driven with Pilot as the support role.

A support session as the issue describes it: find a player, grant (and see the balance
and the ledger move), create a gift code, redeem it for the player, and the refusals.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy.engine import URL
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Static

from console.app import ConsoleApp
from data.roles import Role
from screens.support import SupportScreen
from tests.app_factory import (
    Scenario,
    answer_prompt,
    choose_player,
    fill_form,
    find,
    make_app,
    settle,
    show_tab,
    toasts,
    visible_text,
)
from tests.conftest import DESK_OPERATOR, login_database, sql
from widgets.row_form import RowForm

SIZE = (100, 30)


@pytest.fixture
def support(database_url: URL) -> Iterator[Any]:
    with login_database(database_url, Role.SUPPORT) as db:
        yield db


def run(database: Any, tab: str, scenario: Scenario) -> None:
    async def main() -> None:
        app = make_app(database)
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await pilot.press("3")
            await settle(pilot)
            assert isinstance(app.screen, SupportScreen)
            await show_tab(pilot, tab)
            await scenario(pilot, app)

    asyncio.run(main())


async def create_code(pilot: Pilot[None], code: str, usage_limit: int) -> None:
    """On the gift codes tab, create `code` worth 5 daphine with the form (key n)."""
    await show_tab(pilot, "support-codes")
    pilot.app.screen.query_one("#codes-list", DataTable).focus()
    await pilot.press("n")
    await settle(pilot)
    await fill_form(
        pilot, {"code": code, "reward_type": "daphine", "reward_value": "5", "usage_limit": str(usage_limit)}
    )
    await answer_prompt(pilot, f"event code {code}")


def test_a_support_session_finds_grants_creates_and_redeems(support: Any, database: Any) -> None:
    player = sql(
        support, "SELECT id, academy_name, quartzs FROM gacha.users WHERE academy_name IS NOT NULL ORDER BY id LIMIT 1"
    ).one()

    async def scenario(pilot: Pilot[None], app: ConsoleApp) -> None:
        await find(pilot, player.academy_name.upper()[:6])
        found = app.screen.query_one("#players-found", DataTable)
        assert found.row_count >= 1
        found.move_cursor(row=[str(key.value) for key in found.rows].index(str(player.id)))
        await settle(pilot)
        assert f"id {player.id}" in visible_text(app, "#players-profile")
        # Grant 250 quartzs with a reason.
        await pilot.press("g")
        await settle(pilot)
        await fill_form(pilot, {"currency": "quartzs", "amount": "250", "reason": "refund for ticket 42"})
        assert "balance now" in toasts(app)
        assert (
            sql(support, "SELECT quartzs FROM gacha.users WHERE id = :id", id=player.id).scalar()
            == player.quartzs + 250
        )
        ledger = sql(
            support,
            "SELECT delta, reason, operator FROM gacha.currency_ledger WHERE user_id = :id ORDER BY id DESC LIMIT 1",
            id=player.id,
        ).one()
        assert tuple(ledger) == (250, "refund for ticket 42", DESK_OPERATOR)
        assert "refund for ticket 42" in str(app.screen.query_one("#players-ledger", DataTable).get_row_at(0))
        # A deduction below zero is refused and changes nothing; the form stays open with
        # what was typed and the refusal beside the amount, and saves once corrected.
        await pilot.press("D")
        await settle(pilot)
        await fill_form(pilot, {"currency": "quartzs", "amount": str(10**8), "reason": "test"})
        form = app.screen
        assert isinstance(form, RowForm), form
        errors = str(form.query_one("#row-form-errors", Static).render())
        assert errors.startswith("amount: ") and "cannot go below zero" in errors
        amount = form.query_one("#field-1", Input)
        assert amount.value == str(10**8) and amount.has_class("-invalid") and app.focused is amount
        assert (
            sql(support, "SELECT quartzs FROM gacha.users WHERE id = :id", id=player.id).scalar()
            == player.quartzs + 250
        )
        amount.value = "5"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, RowForm) and "-5 quartzs" in toasts(app)
        assert (
            sql(support, "SELECT quartzs FROM gacha.users WHERE id = :id", id=player.id).scalar()
            == player.quartzs + 245
        )

        # Create a code limited to one use, then redeem it for the player, twice.
        await create_code(pilot, "PILOT-GIFT", usage_limit=1)
        assert "PILOT-GIFT" in toasts(app)
        codes = app.screen.query_one("#codes-list", DataTable)
        assert "PILOT-GIFT" in [str(key.value) for key in codes.rows]

        await show_tab(pilot, "support-players")
        daphine = sql(support, "SELECT daphine FROM gacha.users WHERE id = :id", id=player.id).scalar()
        app.screen.query_one("#players-found", DataTable).focus()
        await pilot.press("c")
        await settle(pilot)
        app.screen.query_one(Input).value = "pilot-gift"
        await pilot.press("enter")
        await settle(pilot)
        assert "+5 daphine" in toasts(app)
        assert sql(support, "SELECT daphine FROM gacha.users WHERE id = :id", id=player.id).scalar() == daphine + 5
        app.clear_notifications()
        await pilot.press("c")
        await settle(pilot)
        app.screen.query_one(Input).value = "PILOT-GIFT"
        await pilot.press("enter")
        await settle(pilot)
        assert "Already redeemed" in toasts(app) and "has already redeemed gift code 'PILOT-GIFT'" in toasts(app)
        assert sql(support, "SELECT count(*) FROM gacha.gift_code_redemptions WHERE code = 'PILOT-GIFT'").scalar() == 1
        # Read as the admin: support writes audit rows but may not read them.
        actions = {row.action for row in sql(database, "SELECT action, operator FROM console.audit_log").all()}
        assert {"grant", "giftcode-create"} <= actions

    run(support, "support-players", scenario)


def test_a_new_code_the_server_refuses_keeps_its_form_open(support: Any) -> None:
    """A code that exists in another case: the form stays, says so beside the code, and
    keeps every value; dismissing the reason prompt goes back to the form as it was."""

    async def scenario(pilot: Pilot[None], app: ConsoleApp) -> None:
        app.screen.query_one("#codes-list", DataTable).focus()
        await pilot.press("n")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, RowForm)
        await fill_form(pilot, {"code": "welcome2025", "reward_type": "daphine", "reward_value": "7"})
        await pilot.press("escape")  # the reason prompt, dismissed
        await settle(pilot)
        assert app.screen is form and form.writing is None
        await pilot.press("ctrl+s")
        await settle(pilot)
        await answer_prompt(pilot, "spring event")
        assert app.screen is form
        errors = str(form.query_one("#row-form-errors", Static).render())
        assert errors.startswith("code: ") and "already exists as 'WELCOME2025'" in errors
        assert form.query_one("#field-0", Input).value == "welcome2025"
        assert form.query_one("#field-2", Input).value == "7"
        assert "Traceback" not in visible_text(app)
        form.query_one("#field-0", Input).value = "SPRING-7"
        await pilot.press("ctrl+s")
        await settle(pilot)
        await answer_prompt(pilot, "spring event")
        assert not isinstance(app.screen, RowForm) and "SPRING-7" in toasts(app)
        assert sql(support, "SELECT reward_value FROM gacha.gift_codes WHERE code = 'SPRING-7'").scalar() == 7

    run(support, "support-codes", scenario)


def test_deactivating_a_code_asks_a_reason_first_and_stops_redemptions(support: Any, database: Any) -> None:
    code = sql(support, "SELECT code FROM gacha.gift_codes WHERE is_active ORDER BY code LIMIT 1").scalar()

    async def scenario(pilot: Pilot[None], app: ConsoleApp) -> None:
        codes = app.screen.query_one("#codes-list", DataTable)
        codes.focus()
        codes.move_cursor(row=[str(key.value) for key in codes.rows].index(code))
        await pilot.press("x")
        await settle(pilot)
        await pilot.press("enter")  # no reason given: the prompt says why and stays
        await settle(pilot)
        assert "Give a reason" in visible_text(app)
        assert sql(support, "SELECT is_active FROM gacha.gift_codes WHERE code = :c", c=code).scalar() is True
        await answer_prompt(pilot, "event over")
        assert "inactive" in toasts(app)
        assert sql(support, "SELECT is_active FROM gacha.gift_codes WHERE code = :c", c=code).scalar() is False
        assert (
            sql(
                database,
                "SELECT reason FROM console.audit_log WHERE action = 'giftcode-deactivate' ORDER BY id DESC LIMIT 1",
            ).scalar()
            == "event over"
        )

    run(support, "support-codes", scenario)


def test_the_support_role_sees_its_screens_and_nothing_else(support: Any) -> None:
    """No Stories for support: not in the footer, not by its key, not in the palette."""

    async def main() -> None:
        app = make_app(support)
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await settle(pilot)
            names = {command.name for command in app.palette}
            assert "Support desk" in names and "Tables" in names and "Stories" not in names
            await pilot.press("4")
            await settle(pilot)
            assert app.current_mode == "home"
            assert "Stories is not open to the support role" in toasts(app)  # said, not ignored
            await pilot.press("2")
            await settle(pilot)
            tree = app.screen.query_one("#tables-tree")
            schemas = {str(node.label).split()[0] for node in tree.root.children}  # type: ignore[attr-defined]
            assert schemas == {"gacha", "accounts", "metaserver"}

    asyncio.run(main())


def test_a_redemption_on_the_players_tab_shows_on_the_codes_tab_without_a_reload(support: Any) -> None:
    player = sql(
        support, "SELECT id, academy_name FROM gacha.users WHERE academy_name IS NOT NULL ORDER BY id LIMIT 1"
    ).one()

    def used(app: ConsoleApp) -> str:
        """The code's redemptions and limit, as its row shows them."""
        cells = app.screen.query_one("#codes-list", DataTable).get_row("PANE-GIFT")
        return f"{cells[2]}/{cells[3]}"

    async def scenario(pilot: Pilot[None], app: ConsoleApp) -> None:
        await create_code(pilot, "PANE-GIFT", usage_limit=3)
        assert used(app) == "0/3"
        await show_tab(pilot, "support-players")
        await choose_player(pilot, player)
        await pilot.press("c")
        await settle(pilot)
        app.screen.query_one(Input).value = "PANE-GIFT"
        await pilot.press("enter")
        await settle(pilot)
        assert "+5 daphine" in toasts(app)
        await show_tab(pilot, "support-codes")  # no ctrl+r
        assert used(app) == "1/3"

    run(support, "support-players", scenario)

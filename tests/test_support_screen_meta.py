"""The support desk's Metaserver and Accounts tabs, driven with Pilot on a real database.

Each test runs the app as a support (or developer) operator at 80x24, opens the support
screen on the tab it needs, works it with the keyboard, and checks both what the user sees
and what the database and the audit log now hold.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy.engine import URL
from textual.pilot import Pilot
from textual.widgets import Checkbox, DataTable, Input

from console.app import ConsoleApp
from data.engine import Database
from data.roles import Role
from screens.support import SupportScreen
from screens.support_accounts import AccountsPane
from screens.support_metaserver import MetaserverPane
from tests.app_factory import Scenario, answer_prompt, make_app, settle, show_tab, toasts, visible_text
from tests.conftest import DESK_OPERATOR, login_database, sql
from widgets.dialogs import TextPrompt

SIZE = (80, 24)


@pytest.fixture
def support(database_url: URL) -> Iterator[Database]:
    with login_database(database_url, Role.SUPPORT) as db:
        yield db


@pytest.fixture
def developer(database_url: URL) -> Iterator[Database]:
    with login_database(database_url, Role.DEVELOPER) as db:
        yield db


def run(database: Database, tab: str, scenario: Scenario) -> None:
    """Open the support screen on `tab`, put the focus in its table, and play `scenario`."""

    async def main() -> None:
        app = make_app(database)
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await settle(pilot)
            screen = SupportScreen()
            await app.push_screen(screen)
            await show_tab(pilot, tab)
            table = screen.query_one(
                "#metaserver-players" if tab == "support-metaserver" else "#accounts-table", DataTable
            )
            table.focus()
            await settle(pilot)
            await scenario(pilot, app)

    asyncio.run(main())


def audit(database: Database, action: str) -> list[Any]:
    return sql(
        database,
        "SELECT operator, role, primary_key, reason FROM console.audit_log WHERE action = :a ORDER BY id",
        a=action,
    ).all()


def meta(app: ConsoleApp) -> MetaserverPane:
    return app.screen.query_one(MetaserverPane)


def column(app: ConsoleApp, table_id: str, index: int) -> list[str]:
    """One column of a table, as drawn."""
    table = app.screen.query_one(table_id, DataTable)
    return [table.get_row_at(row)[index].plain for row in range(table.row_count)]


async def search(pilot: Pilot[None], field: str, query: str) -> None:
    """Type a search as the user does: focus the field, type, Enter."""
    pilot.app.screen.query_one(field, Input).focus()
    await pilot.press(*query, "enter")
    await settle(pilot)


@pytest.fixture
def player(database: Database) -> dict[str, int]:
    """A player of our own: two live sessions (the newer one listed first), one expired, one revoked."""
    user = sql(
        database,
        "INSERT INTO metaserver.users (username, password_hash, caste) VALUES ('Pilot_Tester', 'hash', 7) RETURNING id",
    ).scalar()
    ids = (
        sql(
            database,
            """
        INSERT INTO metaserver.sessions (user_id, session_token, ip_address, created_at, expires_at, is_active)
        VALUES (:u, 'newer', '192.0.2.7', now() - interval '1 hour', now() + interval '1 day', true),
               (:u, 'older', '192.0.2.8', now() - interval '2 days', now() + interval '1 day', true),
               (:u, 'stale', NULL, now() - interval '40 days', now() - interval '10 days', true),
               (:u, 'gone', NULL, now() - interval '5 days', now() + interval '5 days', false)
        RETURNING id""",
            u=user,
        )
        .scalars()
        .all()
    )
    return {"user": user, "newer": ids[0], "older": ids[1]}


def is_active(database: Database, table: str, key: int) -> bool:
    return sql(database, f"SELECT is_active FROM metaserver.{table} WHERE id = :k", k=key).scalar()


# ---- metaserver ------------------------------------------------------------------------


def test_find_a_player_by_prefix_and_revoke_one_session(
    support: Database, database: Database, player: dict[str, int]
) -> None:
    async def scenario(pilot: Pilot[None], app: ConsoleApp) -> None:
        await search(pilot, "#metaserver-search", "pilot_t")
        assert column(app, "#metaserver-players", 1) == ["Pilot_Tester"]
        assert "Pilot_Tester (id" in visible_text(app, "#metaserver-player")
        assert column(app, "#metaserver-sessions", 1) == ["active", "active", "revoked", "expired"]
        assert column(app, "#metaserver-sessions", 2)[:2] == ["192.0.2.7", "192.0.2.8"]
        await pilot.press("k")
        assert f"Revoke session {player['newer']} of Pilot_Tester" in visible_text(app)
        await answer_prompt(pilot, "stolen token reported by the player")
        assert "Session revoked" in toasts(app)
        assert column(app, "#metaserver-sessions", 1).count("active") == 1

    run(support, "support-metaserver", scenario)
    assert not is_active(database, "sessions", player["newer"])
    assert is_active(database, "sessions", player["older"])
    [row] = audit(database, "revoke-session")
    assert (row.operator, row.role, row.primary_key) == (DESK_OPERATOR, "support", {"id": player["newer"]})
    assert row.reason == "stolen token reported by the player"


def test_revoke_all_says_how_many(support: Database, database: Database, player: dict[str, int]) -> None:
    async def scenario(pilot: Pilot[None], app: ConsoleApp) -> None:
        await search(pilot, "#metaserver-search", "Pilot_Tester")
        await pilot.press("K")
        await answer_prompt(pilot, "account sharing")
        assert "2 live sessions of Pilot_Tester revoked" in toasts(app)
        assert "active" not in column(app, "#metaserver-sessions", 1)

    run(support, "support-metaserver", scenario)
    assert len(audit(database, "revoke-session")) == 2


def test_ban_then_unban(support: Database, database: Database, player: dict[str, int]) -> None:
    async def scenario(pilot: Pilot[None], app: ConsoleApp) -> None:
        await search(pilot, "#metaserver-search", "pilot")
        await pilot.press("b")
        assert "Ban Pilot_Tester" in visible_text(app)
        await answer_prompt(pilot, "cheating in ranked games")
        assert "Player banned" in toasts(app)
        assert column(app, "#metaserver-players", 3) == ["BANNED"]
        assert "BANNED" in visible_text(app, "#metaserver-player")
        assert "active" not in column(app, "#metaserver-sessions", 1)
        await pilot.press("b")
        assert "Lift the ban on Pilot_Tester" in visible_text(app)
        await answer_prompt(pilot, "appeal accepted")
        assert "Ban lifted" in toasts(app)
        assert column(app, "#metaserver-players", 3) == ["active"]

    run(support, "support-metaserver", scenario)
    assert is_active(database, "users", player["user"])
    assert [r.reason for r in audit(database, "ban")] == ["cheating in ranked games"]
    assert [r.reason for r in audit(database, "unban")] == ["appeal accepted"]
    assert {r.operator for r in audit(database, "ban") + audit(database, "unban")} == {DESK_OPERATOR}
    # The ban revoked both live sessions; the unban did not bring them back.
    assert not is_active(database, "sessions", player["newer"])
    assert not is_active(database, "sessions", player["older"])


def test_a_blank_reason_is_refused_in_the_prompt(support: Database, database: Database, player: dict[str, int]) -> None:
    async def scenario(pilot: Pilot[None], app: ConsoleApp) -> None:
        await search(pilot, "#metaserver-search", "pilot_tester")
        await pilot.press("b")
        await answer_prompt(pilot, "   ")
        assert isinstance(app.screen, TextPrompt)
        assert "Give a reason" in visible_text(app)
        await pilot.press("escape")
        await settle(pilot)
        assert column(app, "#metaserver-players", 3) == ["active"]

    run(support, "support-metaserver", scenario)
    assert is_active(database, "users", player["user"])
    assert sql(database, "SELECT count(*) FROM console.audit_log").scalar() == 0


def test_a_refusal_of_the_data_layer_is_a_notification(
    support: Database, database: Database, player: dict[str, int]
) -> None:
    async def scenario(pilot: Pilot[None], app: ConsoleApp) -> None:
        await search(pilot, "#metaserver-search", "pilot_tester")
        # Another operator bans the player while this one still sees them active.
        sql(database, "UPDATE metaserver.users SET is_active = false WHERE id = :u", u=player["user"])
        await pilot.press("b")
        await answer_prompt(pilot, "cheating")
        shown = toasts(app)
        assert "Player already banned" in shown and "is already banned" in shown
        # The expired session cannot be revoked either.
        sessions = app.screen.query_one("#metaserver-sessions", DataTable)
        sessions.move_cursor(row=column(app, "#metaserver-sessions", 1).index("expired"))
        await pilot.press("k")
        await answer_prompt(pilot, "tidy up")
        assert "Session not active" in toasts(app)

    run(support, "support-metaserver", scenario)
    assert sql(database, "SELECT count(*) FROM console.audit_log").scalar() == 0


def test_leaderboard_and_rooms(support: Database, database: Database) -> None:
    top = sql(
        database,
        """
        SELECT u.id, u.username, sum(s.score) AS score FROM metaserver.player_stats s
        JOIN metaserver.users u ON u.id = s.user_id GROUP BY u.id ORDER BY score DESC, u.id LIMIT 1""",
    ).one()
    sql(database, "UPDATE metaserver.users SET is_active = false WHERE id = :u", u=top.id)
    room_count = sql(database, "SELECT count(*) FROM metaserver.rooms").scalar()
    bounds = sql(database, "SELECT min_caste, max_caste FROM metaserver.rooms ORDER BY name, id LIMIT 1").one()

    async def scenario(pilot: Pilot[None], app: ConsoleApp) -> None:
        await pilot.press("l")
        await settle(pilot)
        board = app.screen.query_one("#metaserver-leaderboard", DataTable)
        assert board.display and board.has_focus
        first = [cell.plain for cell in board.get_row_at(0)]
        assert first[:3] == ["1", top.username, f"{top.score:,}"]
        assert first[-1] == "BANNED"
        # Enter on a ranked player opens them on the desk.
        await pilot.press("enter")
        await settle(pilot)
        assert meta(app).view == "desk" and meta(app).player_id == top.id
        assert f"{top.username} (id {top.id})" in visible_text(app, "#metaserver-player")
        await pilot.press("o")
        await settle(pilot)
        assert app.screen.query_one("#metaserver-rooms", DataTable).row_count == room_count
        assert column(app, "#metaserver-rooms", 2)[0] == f"{bounds.min_caste} to {bounds.max_caste}"
        await pilot.press("escape")
        assert meta(app).view == "desk"

    run(support, "support-metaserver", scenario)


def test_the_metaserver_tab_fits_80_by_24(support: Database, player: dict[str, int]) -> None:
    async def scenario(pilot: Pilot[None], app: ConsoleApp) -> None:
        await search(pilot, "#metaserver-search", "pilot_tester")
        screen_height = app.screen.size.height
        for selector in ("#metaserver-search", "#metaserver-players", "#metaserver-player", "#metaserver-sessions"):
            region = app.screen.query_one(selector).region
            assert region.height >= 1 and region.bottom <= screen_height - 1, (selector, region)
        assert app.screen.query_one("#metaserver-sessions").region.height >= 4
        assert "Pilot_Tester (id" in visible_text(app, "#metaserver-player")

    run(support, "support-metaserver", scenario)


# ---- accounts --------------------------------------------------------------------------

DELETED = "deleted.user@example.com"
SUPPORT_EMAIL = "support@example.com"


def account(database: Database, email: str) -> Any:
    return sql(database, "SELECT id, is_deleted, deleted_at FROM accounts.users WHERE email = :e", e=email).one()


def test_deleted_accounts_are_hidden_until_shown(support: Database) -> None:
    async def scenario(pilot: Pilot[None], app: ConsoleApp) -> None:
        emails = column(app, "#accounts-table", 0)
        assert SUPPORT_EMAIL in emails and DELETED not in emails
        assert "hashed" not in visible_text(app) and "$2b$" not in " ".join(emails)
        await pilot.press("h")
        await settle(pilot)
        assert app.screen.query_one(Checkbox).value
        emails = column(app, "#accounts-table", 0)
        assert DELETED in emails
        assert column(app, "#accounts-table", 3)[emails.index(DELETED)] != ""
        await search(pilot, "#accounts-search", "Dana")
        assert column(app, "#accounts-table", 0) == [DELETED]

    run(support, "support-accounts", scenario)


def test_soft_delete_then_restore(support: Database, database: Database) -> None:
    user_id = account(database, SUPPORT_EMAIL).id

    async def scenario(pilot: Pilot[None], app: ConsoleApp) -> None:
        await search(pilot, "#accounts-search", "support@")
        assert column(app, "#accounts-table", 0) == [SUPPORT_EMAIL]
        await pilot.press("z")
        assert f"Soft-delete the account {SUPPORT_EMAIL}" in visible_text(app)
        await answer_prompt(pilot, "user asked to close the account")
        assert "Account deleted" in toasts(app)
        assert column(app, "#accounts-table", 0) == []
        assert account(database, SUPPORT_EMAIL).is_deleted
        await pilot.press("h")
        await settle(pilot)
        assert column(app, "#accounts-table", 0) == [SUPPORT_EMAIL]
        await pilot.press("z")
        assert f"Restore the account {SUPPORT_EMAIL}" in visible_text(app)
        await answer_prompt(pilot, "closed by mistake")
        assert "Account restored" in toasts(app)
        assert column(app, "#accounts-table", 3) == [""]

    run(support, "support-accounts", scenario)
    row = account(database, SUPPORT_EMAIL)
    assert (row.is_deleted, row.deleted_at) == (False, None)
    [deleted] = audit(database, "soft-delete")
    [restored] = audit(database, "restore")
    assert (deleted.operator, deleted.role, deleted.primary_key) == (DESK_OPERATOR, "support", {"id": str(user_id)})
    assert (deleted.reason, restored.reason) == ("user asked to close the account", "closed by mistake")


def offered(app: ConsoleApp) -> set[str]:
    """What the footer offers now, by label."""
    return {active.binding.description for active in app.screen.active_bindings.values() if active.enabled}


def test_the_developer_role_is_not_offered_the_desks_writes(developer: Database, database: Database) -> None:
    async def scenario(pilot: Pilot[None], app: ConsoleApp) -> None:
        # Reading works for a developer; no key that writes is offered, and pressing one
        # asks for nothing.
        assert SUPPORT_EMAIL in column(app, "#accounts-table", 0)
        assert "Delete/restore" not in offered(app) and "Show deleted" in offered(app)
        await pilot.press("z")
        await settle(pilot)
        assert not isinstance(app.screen, TextPrompt)
        await show_tab(pilot, "support-metaserver")
        app.screen.query_one("#metaserver-players", DataTable).focus()
        await pilot.pause()
        assert not {"Ban", "Revoke", "Revoke all"} & offered(app) and "Ranks" in offered(app)
        await pilot.press("b")
        await settle(pilot)
        assert not isinstance(app.screen, TextPrompt)
        await show_tab(pilot, "support-players")
        app.screen.query_one("#players-found", DataTable).focus()
        await pilot.pause()
        assert not {"Grant", "Deduct", "Redeem code"} & offered(app) and "Reload" in offered(app)
        await show_tab(pilot, "support-codes")
        app.screen.query_one("#codes-list", DataTable).focus()
        await pilot.pause()
        assert not {"New code", "(De)activate"} & offered(app)
        await pilot.press("n")
        await settle(pilot)
        assert app.screen.query("#codes-list")  # no form opened over the desk

    run(developer, "support-accounts", scenario)
    assert not account(database, SUPPORT_EMAIL).is_deleted
    assert sql(database, "SELECT count(*) FROM console.audit_log").scalar() == 0


def test_the_accounts_tab_fits_80_by_24(support: Database) -> None:
    async def scenario(pilot: Pilot[None], app: ConsoleApp) -> None:
        pane = app.screen.query_one(AccountsPane)
        for selector in ("#accounts-search", "#accounts-deleted", "#accounts-table", "#accounts-detail"):
            region = pane.query_one(selector).region
            assert region.height >= 1 and region.bottom <= app.screen.size.height - 1, (selector, region)
        assert pane.query_one("#accounts-table").region.height >= 10
        assert "created " in str(pane.query_one("#accounts-detail").render())

    run(support, "support-accounts", scenario)

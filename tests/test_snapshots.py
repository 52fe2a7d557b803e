"""The look of each screen at the smallest supported terminal and a comfortable one.

Review the report (`snapshot_report.html`) before accepting a change with
`pytest tests/test_snapshots.py --snapshot-update`.
"""

from __future__ import annotations

import pytest
from textual.pilot import Pilot

from data.engine import Database
from tests.app_factory import make_app, show_tab
from tests.app_factory import settle as overview_loaded


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_home_screen(snap_compare, snapshot_database: Database, size: tuple[int, int]) -> None:
    """Home after the overview loaded: connection facts, and every schema at head."""
    app = make_app(snapshot_database)
    assert snap_compare(app, terminal_size=size, run_before=overview_loaded)


def open_table(name: str, *keys: str):  # type: ignore[no-untyped-def]
    """A run_before that goes to the Tables screen, opens `name`, then presses `keys`."""

    async def run_before(pilot: Pilot[None]) -> None:
        from data.catalog import RelationRef

        await pilot.press("2")
        await overview_loaded(pilot)
        pilot.app.screen.open_relation(RelationRef.parse(name))  # type: ignore[attr-defined]
        await overview_loaded(pilot)
        for key in keys:
            await pilot.press(key)
            await overview_loaded(pilot)

    return run_before


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_tables_grid(snap_compare, snapshot_database: Database, size: tuple[int, int]) -> None:
    """gacha.users open: the tree, the key column fixed, NULLs, numbers right-aligned."""
    app = make_app(snapshot_database)
    assert snap_compare(app, terminal_size=size, run_before=open_table("gacha.users"))


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_tables_grid_wide_numbers_scrolled(snap_compare, snapshot_database: Database, size: tuple[int, int]) -> None:
    """Ten-digit balances with the tree shown, scrolled right: every cell the edges cut
    shows "…" (a cut 1,234,567,890 never reads as a smaller number)."""
    from sqlalchemy import text

    wide = "UPDATE gacha.users SET quartzs = 1234567890, sakura_crystals = 987654321 WHERE id <= 3"
    back = "UPDATE gacha.users SET quartzs = :q, sakura_crystals = :s WHERE id = :id"
    with snapshot_database.connect() as connection:
        before = connection.execute(text("SELECT id, quartzs, sakura_crystals FROM gacha.users WHERE id <= 3")).all()
        connection.execute(text(wide))
    try:
        app = make_app(snapshot_database)
        assert snap_compare(app, terminal_size=size, run_before=open_table("gacha.users", *["right"] * 6))
    finally:  # the snapshot database is shared by the worker's other snapshots
        with snapshot_database.connect() as connection:
            for row in before:
                connection.execute(text(back), {"q": row.quartzs, "s": row.sakura_crystals, "id": row.id})


def test_tables_grid_of_json_and_vectors(snap_compare, snapshot_database: Database) -> None:
    """stories.nodes scrolled to its last columns: folded JSONB, vectors with their dimensions."""
    app = make_app(snapshot_database)
    assert snap_compare(app, terminal_size=(120, 40), run_before=open_table("stories.nodes", "t", "end"))


def test_tables_details(snap_compare, snapshot_database: Database) -> None:
    """The details pane of gacha.users: columns, indexes, constraints, size."""
    app = make_app(snapshot_database)
    assert snap_compare(app, terminal_size=(120, 40), run_before=open_table("gacha.users", "t", "d"))


def test_tables_pending_changes(snap_compare, snapshot_database: Database) -> None:
    """Two pending edits and a deletion, marked in the grid and listed as a diff."""

    async def run_before(pilot: Pilot[None]) -> None:
        from textual.widgets import Input

        await open_table("gacha.users", "t")(pilot)
        screen = pilot.app.screen
        grid = screen.query_one("#tables-grid")
        grid.move_cursor(column=5)  # type: ignore[attr-defined]
        await pilot.press("e")
        pilot.app.screen.query_one("#value-editor", Input).value = "12345"
        await pilot.press("ctrl+s", "down", "delete", "down", "e")
        pilot.app.screen.query_one("#value-editor", Input).value = "0"
        await pilot.press("ctrl+s", "p")
        await overview_loaded(pilot)

    app = make_app(snapshot_database)
    assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)


def support_tab(tab: str, *keys: str):  # type: ignore[no-untyped-def]
    """A run_before that opens the support desk on `tab`, then presses `keys`."""

    async def run_before(pilot: Pilot[None]) -> None:
        await pilot.press("3")
        await show_tab(pilot, tab)
        for key in keys:
            await pilot.press(key)
            await overview_loaded(pilot)

    return run_before


@pytest.mark.parametrize(
    "tab", ["support-codes", "support-metaserver", "support-accounts"], ids=["codes", "metaserver", "accounts"]
)
def test_support_desk(snap_compare, snapshot_database: Database, tab: str) -> None:
    """Each support desk tab at 80x24, as a support session opens it."""
    app = make_app(snapshot_database)
    assert snap_compare(app, terminal_size=(80, 24), run_before=support_tab(tab))


def test_support_desk_player(snap_compare, snapshot_database: Database) -> None:
    """A player found by name prefix: balances, collection, recent ledger."""

    async def run_before(pilot: Pilot[None]) -> None:
        from textual.widgets import Input

        await support_tab("support-players")(pilot)
        search = pilot.app.screen.query_one("#players-search", Input)
        search.focus()
        search.value = "azure"
        await pilot.press("enter")
        await overview_loaded(pilot)

    app = make_app(snapshot_database)
    assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)


def test_stories(snap_compare, snapshot_database: Database) -> None:
    """The stories screen with the first story opened."""

    async def run_before(pilot: Pilot[None]) -> None:
        await pilot.press("4")
        await overview_loaded(pilot)
        await pilot.press("space")
        await overview_loaded(pilot)

    app = make_app(snapshot_database)
    assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)

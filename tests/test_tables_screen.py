"""The Tables screen, driven with Pilot on a real database with demo data.

Each test opens the app on its own database copy, goes to the Tables screen as a user
would (key 2), and asserts on what the grid, the status line and the toasts show.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from sqlalchemy import event, text
from textual.pilot import Pilot
from textual.widgets import ContentSwitcher, Input, Tree

from console.app import ConsoleApp
from data.catalog import RelationRef
from data.engine import Database
from data.roles import Role
from screens.tables import TablesScreen
from tests.app_factory import make_app, settle, toasts
from tests.conftest import SMALL_POOL, login_settings
from widgets.paged_table import PagedTable

SIZE = (120, 36)


def run(database: Database, scenario: Callable[[Pilot[None], ConsoleApp], Awaitable[None]], **app_args: object) -> None:
    async def main() -> None:
        app = make_app(database, **app_args)  # type: ignore[arg-type]
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await pilot.press("2")
            await settle(pilot)
            await scenario(pilot, app)

    asyncio.run(main())


def tables(app: ConsoleApp) -> TablesScreen:
    screen = app.screen
    assert isinstance(screen, TablesScreen), screen
    return screen


def grid(app: ConsoleApp) -> PagedTable:
    return tables(app).query_one(PagedTable)


async def open_table(pilot: Pilot[None], app: ConsoleApp, name: str) -> None:
    tables(app).open_relation(RelationRef.parse(name))
    await settle(pilot)


def column_values(app: ConsoleApp, column: str) -> list[str]:
    """The text of one column on the page, as drawn."""
    table = grid(app)
    names = [col.label.plain.lstrip("⚷").rstrip("→ ▲▼") for col in table.ordered_columns]
    index = names.index(column)
    return [table.get_cell_at((row, index)).plain for row in range(table.row_count)]


def status(app: ConsoleApp) -> str:
    return str(tables(app).query_one("#tables-status").render())


async def to_column(pilot: Pilot[None], app: ConsoleApp, column: str) -> None:
    names = [col.label.plain.lstrip("⚷").rstrip("→ ▲▼") for col in grid(app).ordered_columns]
    grid(app).move_cursor(column=names.index(column))
    await pilot.pause()


async def type_into_dialog(pilot: Pilot[None], value: str) -> None:
    """Type into the focused dialog's text field and press Enter."""
    field = pilot.app.screen.query_one(Input)
    field.value = value
    await pilot.press("enter")
    await settle(pilot)


def scalar(database: Database, sql: str, **params: object) -> object:
    with database.connect() as connection:
        return connection.execute(text(sql), params).scalar()


def test_the_tree_lists_schemas_and_opens_a_table(database: Database) -> None:
    async def scenario(pilot: Pilot[None], app: ConsoleApp) -> None:
        tree = tables(app).query_one(Tree)
        schemas = [str(node.label).split()[0] for node in tree.root.children]
        assert {"gacha", "heroes", "accounts", "metaserver", "stories", "console"} <= set(schemas)
        # Open gacha with the keyboard, then choose users.
        tree.focus()
        tree.move_cursor(tree.root.children[schemas.index("gacha")])
        await pilot.press("space")
        await settle(pilot)
        gacha = tree.root.children[schemas.index("gacha")]
        names = [str(node.label).split()[1] for node in gacha.children]
        assert "users" in names and "user_waifus" in names
        tree.move_cursor(gacha.children[names.index("users")])
        await pilot.press("enter")
        await settle(pilot)
        title = str(tables(app).query_one("#tables-title").render())
        assert title.startswith("gacha.users · table · key id")
        assert column_values(app, "id")[:3] == ["1", "2", "3"]
        assert "rows 1–100 of more" in status(app)

    run(database, scenario)


def test_paging_forward_back_and_to_both_ends(database: Database) -> None:
    async def scenario(pilot: Pilot[None], app: ConsoleApp) -> None:
        await open_table(pilot, app, "gacha.users")
        last_id = scalar(database, "SELECT max(id) FROM gacha.users")
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert column_values(app, "id")[0] == "101"
        # Moving up from the first row fetches the previous page, cursor on its last row.
        await pilot.press("up")
        await settle(pilot)
        assert column_values(app, "id")[-1] == "100"
        assert grid(app).cursor_row == 99
        await pilot.press("G")
        await settle(pilot)
        assert column_values(app, "id")[-1] == str(last_id)
        assert "(the end)" in status(app)
        await pilot.press("g")
        await settle(pilot)
        assert column_values(app, "id")[0] == "1"
        # Jump to a key; a key the column cannot take is refused as a bad key.
        await pilot.press("j")
        await type_into_dialog(pilot, "150")
        assert column_values(app, "id")[0] == "150"
        await pilot.press("j")
        await type_into_dialog(pilot, "abc")
        assert "Bad key" in toasts(app) and "Bad filter" not in toasts(app)
        assert column_values(app, "id")[0] == "150"

    run(database, scenario)


def test_sorting_by_a_column_both_ways(database: Database) -> None:
    async def scenario(pilot: Pilot[None], app: ConsoleApp) -> None:
        await open_table(pilot, app, "gacha.users")
        await to_column(pilot, app, "quartzs")
        low, high = (
            scalar(database, "SELECT min(quartzs) FROM gacha.users"),
            scalar(database, "SELECT max(quartzs) FROM gacha.users"),
        )
        await pilot.press("s")
        await settle(pilot)
        assert column_values(app, "quartzs")[0] == str(low)
        assert "sorted by quartzs asc" in str(tables(app).query_one("#tables-title").render())
        await pilot.press("s")
        await settle(pilot)
        assert column_values(app, "quartzs")[0] == str(high)

    run(database, scenario)


def test_a_sort_and_a_where_clause_read_no_catalog(database: Database) -> None:
    """The view's description is reused: only opening a relation reads the catalog."""
    described: list[str] = []

    def count(connection: object, cursor: object, statement: str, *_: object) -> None:
        if "obj_description(c.oid, 'pg_class')" in statement:  # data.catalog's read of a relation
            described.append(statement)

    async def scenario(pilot: Pilot[None], app: ConsoleApp) -> None:
        await open_table(pilot, app, "gacha.users")
        opened = len(described)
        assert opened >= 1
        await to_column(pilot, app, "quartzs")
        await pilot.press("s")
        await settle(pilot)
        await pilot.press("w")
        await type_into_dialog(pilot, "id < 5")
        assert sorted(column_values(app, "id")) == ["1", "2", "3", "4"]  # sorted by quartzs
        assert len(described) == opened

    event.listen(database.engine, "before_cursor_execute", count)
    try:
        run(database, scenario)
    finally:
        event.remove(database.engine, "before_cursor_execute", count)


def test_filters_and_a_typed_where_clause(database: Database) -> None:
    async def scenario(pilot: Pilot[None], app: ConsoleApp) -> None:
        await open_table(pilot, app, "gacha.users")
        await pilot.press("w")
        await type_into_dialog(pilot, "id < 5")
        assert column_values(app, "id") == ["1", "2", "3", "4"]
        assert "(all)" in status(app)
        assert "(id < 5)" in str(tables(app).query_one("#tables-filters").render())
        # A column filter narrows it further.
        await to_column(pilot, app, "id")
        await pilot.press("f")
        await type_into_dialog(pilot, ">= 3")
        assert column_values(app, "id") == ["3", "4"]
        # A bad clause says why in one line, and the rows shown stay.
        await pilot.press("w")
        await type_into_dialog(pilot, "idd < 5")
        assert 'column "idd" does not exist' in toasts(app)
        assert column_values(app, "id") == ["3", "4"]
        await pilot.press("c")
        await settle(pilot)
        assert len(column_values(app, "id")) == 100

    run(database, scenario)


def test_foreign_keys_open_the_referenced_row_and_list_referencing_rows(database: Database) -> None:
    async def scenario(pilot: Pilot[None], app: ConsoleApp) -> None:
        await open_table(pilot, app, "gacha.user_waifus")
        user_id = column_values(app, "user_id")[0]
        await to_column(pilot, app, "user_id")
        await pilot.press("enter")
        await settle(pilot)
        assert str(tables(app).query_one("#tables-title").render()).startswith("gacha.users")
        assert column_values(app, "id") == [user_id]
        await pilot.press("backspace")
        await settle(pilot)
        assert str(tables(app).query_one("#tables-title").render()).startswith("gacha.user_waifus")
        # From a user, the rows that point at it, per referencing table.
        await open_table(pilot, app, "gacha.users")
        owned = scalar(database, "SELECT count(*) FROM gacha.user_waifus WHERE user_id = 1")
        await pilot.press("r")
        await settle(pilot)
        options = app.screen.query_one("#choice-options")
        labels = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]  # type: ignore[attr-defined]
        line = next(label for label in labels if label.startswith("gacha.user_waifus"))
        assert f": {owned:,} rows" in line
        options.highlighted = labels.index(line)  # type: ignore[attr-defined]
        await pilot.press("enter")
        await settle(pilot)
        assert str(tables(app).query_one("#tables-title").render()).startswith("gacha.user_waifus")
        assert set(column_values(app, "user_id")) == {"1"}
        assert len(column_values(app, "user_id")) == min(owned, 100)  # type: ignore[type-var]

    run(database, scenario)


def test_editing_a_cell_and_saving_writes_the_row_and_its_audit(database: Database) -> None:
    async def scenario(pilot: Pilot[None], app: ConsoleApp) -> None:
        await open_table(pilot, app, "gacha.users")
        await to_column(pilot, app, "academy_name")
        await pilot.press("e")
        await settle(pilot)
        editor = app.screen.query_one("#value-editor")
        editor.text = "Renamed Academy"  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert column_values(app, "academy_name")[0] == "Renamed Academy"
        assert "1 pending change" in status(app)
        assert scalar(database, "SELECT academy_name FROM gacha.users WHERE id = 1") != "Renamed Academy"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Saved: 1 updated" in toasts(app)
        assert scalar(database, "SELECT academy_name FROM gacha.users WHERE id = 1") == "Renamed Academy"
        assert (
            scalar(
                database,
                "SELECT after->>'academy_name' FROM console.audit_log"
                " WHERE table_name = 'users' AND schema_name = 'gacha' AND action = 'update'",
            )
            == "Renamed Academy"
        )
        assert "pending" not in status(app)

    run(database, scenario)


def test_a_row_changed_by_someone_else_is_not_overwritten(database: Database) -> None:
    async def scenario(pilot: Pilot[None], app: ConsoleApp) -> None:
        await open_table(pilot, app, "gacha.users")
        await to_column(pilot, app, "quartzs")
        await pilot.press("e")
        await settle(pilot)
        app.screen.query_one("#value-editor", Input).value = "4242"
        await pilot.press("ctrl+s")
        await settle(pilot)
        # Another session changes the same row and commits.
        with database.connect() as other:
            other.execute(text("UPDATE gacha.users SET quartzs = 7 WHERE id = 1"))
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "changed by someone else" in toasts(app)
        assert "id=1" in toasts(app)
        assert scalar(database, "SELECT quartzs FROM gacha.users WHERE id = 1") == 7
        assert scalar(database, "SELECT count(*) FROM console.audit_log") == 0
        assert "1 pending change" in status(app)

    run(database, scenario)


def test_a_constraint_violation_names_the_constraint_and_writes_nothing(database: Database) -> None:
    async def scenario(pilot: Pilot[None], app: ConsoleApp) -> None:
        await open_table(pilot, app, "gacha.users")
        before = scalar(database, "SELECT daphine FROM gacha.users WHERE id = 2")
        await to_column(pilot, app, "daphine")
        await pilot.press("down")
        await pilot.press("e")
        await settle(pilot)
        app.screen.query_one("#value-editor", Input).value = "99"
        await pilot.press("ctrl+s")
        await to_column(pilot, app, "quartzs")
        await pilot.press("e")
        await settle(pilot)
        app.screen.query_one("#value-editor", Input).value = "-5"
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        shown = toasts(app)
        assert "Save failed" in shown
        assert "check constraint" in shown and "quartzs" in shown
        assert scalar(database, "SELECT daphine FROM gacha.users WHERE id = 2") == before
        assert scalar(database, "SELECT count(*) FROM console.audit_log") == 0

    run(database, scenario)


def test_sensitive_values_are_masked_until_an_admin_reveals_them(database: Database) -> None:
    async def scenario(pilot: Pilot[None], app: ConsoleApp) -> None:
        await open_table(pilot, app, "accounts.users")
        assert set(column_values(app, "hashed_password")) == {"********"}
        first_id = scalar(database, "SELECT id FROM accounts.users ORDER BY id LIMIT 1")
        secret = scalar(database, "SELECT hashed_password FROM accounts.users WHERE id = :id", id=first_id)
        await to_column(pilot, app, "hashed_password")
        await pilot.press("m")
        await settle(pilot)
        shown = column_values(app, "hashed_password")
        assert shown[0] == str(secret)[: len(shown[0].rstrip("…"))] or shown[0].rstrip("…") in str(secret)
        assert shown[1] == "********"
        assert scalar(database, "SELECT count(*) FROM console.audit_log WHERE action = 'reveal'") == 1

    run(database, scenario)


def test_the_developer_role_reads_but_cannot_edit_or_reveal(database_url) -> None:  # type: ignore[no-untyped-def]
    with Database(login_settings(database_url, Role.DEVELOPER, pool=SMALL_POOL)) as developer:

        async def scenario(pilot: Pilot[None], app: ConsoleApp) -> None:
            await open_table(pilot, app, "accounts.users")
            await pilot.press("e")
            await settle(pilot)
            assert "the developer role cannot edit tables" in toasts(app)
            await to_column(pilot, app, "hashed_password")
            await pilot.press("m")
            await settle(pilot)
            assert "Only an admin can reveal" in toasts(app)
            assert set(column_values(app, "hashed_password")) == {"********"}

        run(developer, scenario)


def test_a_table_without_a_primary_key_is_read_only_and_says_so(database: Database) -> None:
    with database.connect() as connection:
        connection.execute(text("CREATE TABLE public.readings (sensor text, value int)"))
        connection.execute(text("INSERT INTO public.readings SELECT 's' || g, g FROM generate_series(1, 150) g"))

    async def scenario(pilot: Pilot[None], app: ConsoleApp) -> None:
        await open_table(pilot, app, "public.readings")
        assert "no key: paged by cursor" in str(tables(app).query_one("#tables-title").render())
        assert "no primary key" in status(app)
        assert len(column_values(app, "value")) == 100
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert len(column_values(app, "value")) == 50
        await pilot.press("e")
        await settle(pilot)
        assert "no primary key" in toasts(app)

    run(database, scenario)


def test_details_show_columns_indexes_and_constraints(database: Database) -> None:
    async def scenario(pilot: Pilot[None], app: ConsoleApp) -> None:
        await open_table(pilot, app, "gacha.users")
        await pilot.press("d")
        await settle(pilot)
        from tests.app_factory import visible_text

        seen = visible_text(app, "#tables-details")
        assert "pk_users" in seen
        assert "sakura_crystals" in seen
        assert "Bloat" in seen and "Size" in seen
        await pilot.press("escape")  # closes the details, back on the grid
        await settle(pilot)
        assert app.screen.query_one(ContentSwitcher).current == "tables-grid"

    run(database, scenario)


def test_every_tables_action_is_in_the_command_palette(database: Database) -> None:
    """Keys the footer has no room for (jump, export, insert...) are reachable by name."""
    from console.commands import screen_commands

    async def scenario(pilot: Pilot[None], app: ConsoleApp) -> None:
        await open_table(pilot, app, "gacha.users")
        names = {command.name for command in screen_commands(app.screen)}
        assert {"Jump", "Export", "Insert", "Delete", "Soft delete", "Undo", "Reveal", "Last", "First"} <= names
        assert {"Sort", "Filter", "Where", "Save", "Pending", "Details"} <= names

    run(database, scenario)

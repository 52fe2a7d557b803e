"""The app shell's plain parts: error lines, the sub-title, the command registry."""

from __future__ import annotations

import importlib
import pkgutil
from types import SimpleNamespace

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from textual.binding import Binding

from console.app import SCREENS, ConsoleApp, connection_label, error_title
from console.binding_ids import BINDING_IDS
from console.commands import CommandRegistry
from data.engine import ConnectionSettings, Database
from data.errors import Refusal, error_summary
from data.inputs import BadInput
from data.roles import Role
from data.support.giftcodes import CodeUsedUp


def test_a_database_error_is_one_line_without_sql(tmp_path) -> None:
    engine = create_engine(f"postgresql+psycopg://nobody@/nothing?host={tmp_path}")
    with pytest.raises(OperationalError) as caught:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    line = error_summary(caught.value)
    assert "\n" not in line
    assert str(tmp_path) in line
    assert "psycopg" not in line and "sqlalche.me" not in line


def test_every_refusal_of_the_data_layer_is_one_kind_with_a_title() -> None:
    """One base (data.errors.Refusal): the App titles a notification by it, the command
    line picks its exit code by it; no exception of data/ carries a title of its own."""
    import data

    for module in pkgutil.walk_packages(data.__path__, "data."):
        importlib.import_module(module.name)
    classes: list[type] = [BaseException]
    titled = []
    while classes:
        cls = classes.pop()
        classes.extend(cls.__subclasses__())
        if cls.__module__.startswith("data.") and "title" in cls.__dict__:
            titled.append(cls)
    assert len(titled) > 40
    assert [cls.__name__ for cls in titled if not issubclass(cls, Refusal)] == []
    worker = SimpleNamespace(name="Redeem")  # error_title reads the worker's name alone
    assert error_title(CodeUsedUp("gift code 'X' is used up"), worker)  # type: ignore[arg-type] == "Gift code used up"
    assert error_title(ValueError("x"), worker)  # type: ignore[arg-type] == "Redeem failed"
    assert BadInput.bad_input and not CodeUsedUp.bad_input


def test_a_bug_keeps_its_type_name_and_a_user_error_does_not() -> None:
    assert error_summary(KeyError("heroes")) == "KeyError: 'heroes'"
    assert error_summary(ValueError("scale must be positive\nmore")) == "scale must be positive"
    assert error_summary(RuntimeError()) == "RuntimeError"


def test_sub_title_names_profile_role_and_flags() -> None:
    url = make_url("postgresql+psycopg://u@/db?host=/nowhere")
    settings = ConnectionSettings(url=url, role=Role.DEVELOPER, production=True, profile_name="prod")
    with Database(settings) as database:
        assert connection_label(database) == "PRODUCTION · prod · developer · read-only"


def test_registry_keeps_order_and_replaces_by_name() -> None:
    registry = CommandRegistry()
    registry.register("Home", "first", lambda: None)
    registry.register("Quit", "leave", lambda: None)
    registry.register("Home", "second", lambda: None)
    assert [(c.name, c.help) for c in registry] == [("Home", "second"), ("Quit", "leave")]
    with pytest.raises(ValueError):
        registry.register(" ", "nameless", lambda: None)


def test_every_binding_of_every_screen_and_pane_can_be_rebound() -> None:
    """Every binding of the app, its screens, panes and widgets has an id (what a config's
    [keys] names) and a tooltip (what `?` and the palette say), and no two bindings of
    different meaning share an id."""
    from textual.dom import DOMNode

    ours = [(cls, b) for cls in our_subclasses(DOMNode) for b in cls.__dict__.get("BINDINGS", [])]
    owners = {cls.__name__ for cls, _ in ours}
    assert {
        "ConsoleApp",
        "HomeScreen",
        "TablesScreen",
        "PlayersPane",
        "GiftCodesPane",
        "ActivityScreen",
        "TabbedScreen",
        "RowForm",
    } <= owners, sorted(owners)
    unnamed = [f"{cls.__name__}: {b!r}" for cls, b in ours if not (isinstance(b, Binding) and b.id and b.tooltip)]
    assert unnamed == []
    meaning: dict[str, tuple[str, str]] = {}
    for cls, binding in ours:
        assert isinstance(binding, Binding) and binding.id
        seen = meaning.setdefault(binding.id, (binding.action, binding.key))
        assert seen == (binding.action, binding.key), f"{binding.id} means two things ({cls.__name__})"
    assert {entry.mode for entry in SCREENS} == set(ConsoleApp.MODES)
    declared = {binding.id for _, binding in ours if isinstance(binding, Binding)}
    assert declared == BINDING_IDS, (
        f"console/binding_ids.py lacks {sorted(declared - BINDING_IDS)} "
        f"and names {sorted(BINDING_IDS - declared)}, which no binding has"
    )


OUR_PACKAGES = ("console", "screens", "widgets")


def our_subclasses(root: type) -> list[type]:
    """The console's own classes below `root`, every screen imported (screens are imported
    when first opened; their panes and widgets come with them)."""
    for entry in SCREENS:
        entry.screen_class()
    found: list[type] = []
    classes: list[type] = [root]
    while classes:
        cls = classes.pop()
        classes.extend(cls.__subclasses__())
        if cls.__module__.split(".")[0] in OUR_PACKAGES:
            found.append(cls)
    return found


def test_no_screen_pane_or_widget_mixes_in_a_plain_class() -> None:
    """A mixin is not a message pump: Textual finds its handlers only by their method names
    (@on does not work there). A screen's parts are nodes of their own, with their own
    messages (the Tables screen's TableEditor and TableExporter)."""
    from textual.message_pump import MessagePump

    nodes = our_subclasses(MessagePump)
    assert {"TablesScreen", "TableEditor", "TableExporter", "PlayersPane"} <= {cls.__name__ for cls in nodes}
    mixed = sorted(
        f"{cls.__name__} inherits {base.__name__}"
        for cls in nodes
        for base in cls.__mro__
        if base.__module__.split(".")[0] in OUR_PACKAGES and not issubclass(base, MessagePump)
    )
    assert mixed == []


def test_question_mark_lists_every_key_of_the_screen_the_footer_too(database: Database) -> None:
    """On the tables screen, ? shows keys the footer has no room for (export, reload)."""
    import asyncio
    import io

    from rich.console import Console
    from textual.widgets import HelpPanel

    from tests.app_factory import make_app, settle

    async def main() -> None:
        app = make_app(database)
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.press("2")
            await settle(pilot)
            app.screen.query_one("#tables-tree").focus()
            await pilot.press("question_mark")
            await pilot.pause()
            reader = Console(width=120, record=True, file=io.StringIO())
            reader.print(app.screen.query_one("HelpPanel BindingsTable").render())
            keys = reader.export_text()
            # Footer keys and hidden ones alike, each with what it does.
            assert "Export" in keys and "Reload" in keys and "Details" in keys, keys
            await pilot.press("question_mark")
            await pilot.pause()
            assert not app.screen.query(HelpPanel)

    asyncio.run(main())


@pytest.mark.parametrize(
    "key, first, second", [("3", "support-players", "support-codes"), ("6", "tab-sessions", "tab-pool")]
)
def test_tabbed_screens_switch_tabs_with_the_same_keys(database: Database, key: str, first: str, second: str) -> None:
    """] and [ (outside a text field) and ctrl+pagedown / ctrl+pageup (from anywhere, a
    focused table too) on the support desk and activity alike, wrapping around."""
    import asyncio

    from textual.widgets import Input, TabbedContent

    from tests.app_factory import make_app, settle

    async def main() -> None:
        app = make_app(database)
        async with app.run_test(size=(160, 30)) as pilot:
            await pilot.press(key)
            await settle(pilot)
            tabs = app.screen.query_one(TabbedContent)
            assert tabs.active == first
            typing = isinstance(app.focused, Input)  # the footer leaves out what the field types
            keys = (
                "ctrl+pagedown",
                "ctrl+pageup",
                *(() if typing else ("right_square_bracket", "left_square_bracket")),
            )
            shown = app.screen.active_bindings
            assert [shown[key].binding.description for key in keys] == ["Next tab", "Prev tab"] * (len(keys) // 2)
            await pilot.press("ctrl+pagedown")
            await settle(pilot)
            assert tabs.active == second
            await pilot.press("ctrl+pageup", "ctrl+pageup")
            await settle(pilot)
            last = [pane.id for pane in tabs.query("TabPane")][-1]
            assert tabs.active == last  # wrapped around
            await pilot.press("ctrl+pagedown")
            await settle(pilot)
            assert tabs.active == first
            typing = isinstance(app.focused, Input)
            await pilot.press("right_square_bracket")
            await settle(pilot)
            if typing:  # the desk's search field keeps ] for typing
                assert tabs.active == first and app.focused.value.endswith("]")
            else:
                assert tabs.active == second

    asyncio.run(main())

"""KeyBar (widgets/key_bar.py) in a bare app: the keys it draws, and a click or hover on one."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.pilot import Pilot
from textual.widgets import Static

from tests.app_factory import drawn_style, run_app
from widgets.key_bar import PALETTE_EDGE, KeyBar


class Editable(Static, can_focus=True):
    BINDINGS = [Binding("e", "edit", "Edit")]

    def action_edit(self) -> None:
        self.app.done.append("edit")  # type: ignore[attr-defined]


class KeysApp(App[None]):
    AUTO_FOCUS = None
    BINDINGS = [
        Binding("r", "refresh", "Refresh"),
        Binding("f5", "refresh", "Refresh again"),  # a second key for the same action: not shown
        Binding("s", "save", "Save"),
        Binding("x", "secret", "Secret", show=False),
        Binding("ctrl+d", "delete", "Delete", tooltip="Delete the selected row"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.done: list[str] = []
        self.can_save = False

    def compose(self) -> ComposeResult:
        yield Editable("a field", id="field")
        yield KeyBar()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "save":
            return True if self.can_save else None  # None: shown, but dimmed and inert
        return True

    def action_refresh(self) -> None:
        self.done.append("refresh")

    def action_save(self) -> None:
        self.done.append("save")

    def action_delete(self) -> None:
        self.done.append("delete")


def run(scenario: Callable[[Pilot[None], KeysApp, KeyBar], Awaitable[None]], width: int = 60) -> None:
    run_app(KeysApp(), lambda pilot, app: scenario(pilot, app, app.query_one(KeyBar)), (width, 6))


def drawn(bar: KeyBar) -> str:
    return str(bar.render())


def test_it_draws_the_shown_keys_left_and_the_palette_key_at_the_right_end() -> None:
    async def scenario(pilot: Pilot[None], app: KeysApp, bar: KeyBar) -> None:
        line = drawn(bar)
        assert len(line) == 60
        # One key per action, the first bound to it; a hidden one left out.
        assert line.startswith(" r Refresh  s Save  ^d Delete ")
        assert "f5" not in line and "Secret" not in line
        assert line.endswith(f"{PALETTE_EDGE}^p palette ")  # Textual's own description
        theme = app.theme_variables
        assert drawn_style(bar, "r ").bold
        assert drawn_style(bar, "r ").color.name.lower() == theme["footer-key-foreground"].lower()
        assert not drawn_style(bar, "Refresh").bold
        # A key its action refuses now is dimmed (Textual draws dim as a fainter colour); it
        # is lit once the action allows it.
        assert drawn_style(bar, "Save").color != drawn_style(bar, "Refresh").color
        app.can_save = True
        app.refresh_bindings()
        await pilot.pause()
        assert drawn_style(bar, "Save").color == drawn_style(bar, "Refresh").color

    run(scenario)


def test_keys_that_do_not_fit_are_cut_and_the_palette_key_stays() -> None:
    async def scenario(pilot: Pilot[None], app: KeysApp, bar: KeyBar) -> None:
        line = drawn(bar)
        assert line == " r Refresh  s Sa" + f"{PALETTE_EDGE}^p palette "

    run(scenario, width=28)


def test_the_bar_follows_the_focus() -> None:
    async def scenario(pilot: Pilot[None], app: KeysApp, bar: KeyBar) -> None:
        assert "Edit" not in drawn(bar)
        app.query_one("#field").focus()
        await pilot.pause()
        # The focused widget's keys come first.
        assert drawn(bar).startswith(" e Edit  r Refresh ")
        app.set_focus(None)
        await pilot.pause()
        assert "Edit" not in drawn(bar)

    run(scenario)


def test_a_click_presses_the_key_and_a_dimmed_key_does_nothing() -> None:
    async def scenario(pilot: Pilot[None], app: KeysApp, bar: KeyBar) -> None:
        line = drawn(bar)
        await pilot.click(KeyBar, offset=(line.index("Refresh"), 0))
        await pilot.click(KeyBar, offset=(line.index("Save"), 0))
        await pilot.click(KeyBar, offset=(line.index("^d"), 0))
        await pilot.click(KeyBar, offset=(line.index("Delete") + 20, 0))  # past the last key
        await pilot.pause()
        assert app.done == ["refresh", "delete"]

    run(scenario)


def test_hovering_a_key_lights_it_and_shows_its_tooltip() -> None:
    async def scenario(pilot: Pilot[None], app: KeysApp, bar: KeyBar) -> None:
        line = drawn(bar)
        plain = drawn_style(bar, "Delete").bgcolor
        await pilot.hover(KeyBar, offset=(line.index("Delete"), 0))
        await pilot.pause()
        assert drawn_style(bar, "Delete").bgcolor != plain
        assert drawn_style(bar, "Refresh").bgcolor == plain
        assert bar.tooltip == "Delete the selected row"
        await pilot.hover(KeyBar, offset=(line.index("Refresh"), 0))
        await pilot.pause()
        assert drawn_style(bar, "Delete").bgcolor == plain
        assert bar.tooltip == "Refresh"

    run(scenario)

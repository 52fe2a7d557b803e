"""TitleBar (widgets/title_bar.py) in a bare app: the title it draws, and its icon."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from textual.app import App, ComposeResult
from textual.command import CommandPalette
from textual.pilot import Pilot

from tests.app_factory import drawn_style, run_app
from widgets.title_bar import ICON, TitleBar


class TitledApp(App[None]):
    TITLE = "console"
    SUB_TITLE = "embedded · admin"

    def compose(self) -> ComposeResult:
        yield TitleBar()


def run(scenario: Callable[[Pilot[None], TitledApp, TitleBar], Awaitable[None]], width: int = 60) -> None:
    run_app(TitledApp(), lambda pilot, app: scenario(pilot, app, app.query_one(TitleBar)), (width, 6))


def drawn(bar: TitleBar) -> str:
    return str(bar.render())


def test_the_title_and_sub_title_are_centred_between_the_icon_and_the_right_end() -> None:
    async def scenario(pilot: Pilot[None], app: TitledApp, bar: TitleBar) -> None:
        line = drawn(bar)
        assert len(line) == 60 and line.startswith(f" {ICON}      ")
        # 42 cells between the icon's 8 and the 10 kept at the right; the title is 26.
        assert line[8:] == " " * 8 + "console — embedded · admin" + " " * 18
        # The sub-title is dimmer than the title, as the Header draws it.
        assert drawn_style(bar, "embedded").color != drawn_style(bar, "console").color

    run(scenario)


def test_a_changed_sub_title_or_a_screen_title_is_drawn_at_once() -> None:
    async def scenario(pilot: Pilot[None], app: TitledApp, bar: TitleBar) -> None:
        app.sub_title = "embedded · support · read-only"
        await pilot.pause()
        assert "console — embedded · support · read-only" in drawn(bar)
        app.screen.title = "planner"
        await pilot.pause()
        assert "planner — embedded · support · read-only" in drawn(bar)

    run(scenario)


def test_a_title_too_long_is_cut_with_an_ellipsis() -> None:
    async def scenario(pilot: Pilot[None], app: TitledApp, bar: TitleBar) -> None:
        assert drawn(bar) == f" {ICON}      console — embedded · …          "

    run(scenario, width=40)


def test_the_icon_lights_under_the_pointer_and_a_click_opens_the_palette() -> None:
    async def scenario(pilot: Pilot[None], app: TitledApp, bar: TitleBar) -> None:
        plain = drawn_style(bar, ICON).bgcolor
        await pilot.hover(TitleBar, offset=(1, 0))
        await pilot.pause()
        assert drawn_style(bar, ICON).bgcolor != plain
        assert bar.tooltip == "Open the command palette"
        await pilot.click(TitleBar, offset=(30, 0))  # the title: nothing happens
        await pilot.pause()
        assert not isinstance(app.screen, CommandPalette)
        await pilot.click(TitleBar, offset=(1, 0))
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)

    run(scenario)

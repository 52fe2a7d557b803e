"""Build the app for tests, and read what the user sees on it.

conftest re-exports `make_app` as a fixture. A fixed note stands in for the server
address, whose socket directory changes from run to run, so snapshots stay stable.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

from rich.style import Style as RichStyle
from textual.app import App
from textual.geometry import Region
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import DataTable, Input, Select, Static, TabbedContent
from textual.widgets._toast import Toast
from textual.worker import WorkerFailed, WorkerState

from console.app import ConsoleApp
from data.engine import Database
from widgets.cell_grid import CellGrid
from widgets.row_form import RowForm

TEST_NOTE = "embedded PostgreSQL (test server)"


def make_app(database: Database, **kwargs: Any) -> ConsoleApp:
    """A ConsoleApp on `database`; keyword arguments go to ConsoleApp (note, keymap)."""
    kwargs.setdefault("note", TEST_NOTE)
    return ConsoleApp(database, **kwargs)


TEXT_WIDGETS = (Static, CellGrid)
"""The widgets whose text `visible_texts` reads: what they render is their text."""


def visible_texts(app: App[Any], within: str | None = None) -> list[str]:
    """The text of every displayed Static (labels, toasts...) and CellGrid (a whole grid, a
    line per row) on the screen, in DOM order.

    Args:
        within: a selector: only the widget it names and those inside it.
    """
    root = app.screen if within is None else app.screen.query_one(within)
    # query("*"), not query(Static): toasts don't inherit Static's CSS type name.
    return [
        str(widget.render())
        for widget in [root, *root.query("*")]
        if isinstance(widget, TEXT_WIDGETS)
        and all(node.display for node in widget.ancestors_with_self if isinstance(node, Widget))
    ]


def grid_rows(app: App[Any], within: str) -> list[list[str]]:
    """A CellGrid's rows as the user reads them, its headers first if it has any: cells
    parted by the columns' gutters (two spaces or more), the last cell whole (its own
    text may hold two spaces)."""
    columns = app.screen.query_one(within, CellGrid).columns
    return [re.split(r" {2,}", line.strip(), maxsplit=columns - 1) for line in visible_text(app, within).splitlines()]


def drawn_style(widget: Widget, text: str) -> RichStyle:
    """The style `text` is drawn in on `widget`, as it reaches the terminal (its first
    character's: theme colours resolved, backgrounds blended)."""
    for strip in widget.render_lines(Region(0, 0, widget.size.width, widget.size.height)):
        drawn, offset = strip.text, 0
        if text in drawn:
            start = drawn.index(text)
            for segment in strip:
                if offset + len(segment.text) > start:
                    return segment.style or RichStyle()
                offset += len(segment.text)
    raise AssertionError(f"{text!r} is not drawn on {widget}")


def visible_text(app: App[Any], within: str | None = None) -> str:
    """Everything `visible_texts` finds, one widget per line."""
    return "\n".join(visible_texts(app, within))


Scenario = Callable[[Pilot[None], ConsoleApp], Awaitable[None]]


async def settle(pilot: Pilot[None], *, max_rounds: int = 40) -> None:
    """Wait until the app is quiet: no worker of ours pending or running, twice in a row.

    One wait is not enough: a worker's message often starts the next worker (a search
    finds players, the highlighted one loads its profile), which a single wait never sees.
    Textual's own service workers (private groups such as DirectoryTree's "_loader") live
    as long as their widget, so they are not waited for. A failed worker is not the test's
    failure: the app reports it, and tests read the toast. `max_rounds` bounds screens
    that refresh on a timer.
    """
    quiet_rounds = 0
    for _ in range(max_rounds):
        ours = [worker for worker in pilot.app.workers if not worker.group.startswith("_")]
        running = [worker for worker in ours if worker.state == WorkerState.RUNNING]
        if running:  # an empty list would mean "every worker" to wait_for_complete
            try:
                await pilot.app.workers.wait_for_complete(running)
            except WorkerFailed:
                pass
        await pilot.pause()
        busy = any(
            worker.state in (WorkerState.PENDING, WorkerState.RUNNING)
            for worker in pilot.app.workers
            if not worker.group.startswith("_")
        )
        quiet_rounds = 0 if busy or running else quiet_rounds + 1
        if quiet_rounds == 2:
            break
    # A message handled in the last round may have asked for a layout after the next
    # refresh (a tab switched): one more pause lets the compositor run.
    await pilot.pause()
    # DataTable measures new rows on its next idle; drawn before that, a column is as
    # narrow as its header and cuts its values ("142" reads "14"). Wait for the measure.
    for _ in range(max_rounds):
        if not any(
            table._require_update_dimensions or table._updated_cells for table in pilot.app.screen.query(DataTable)
        ):
            break
        await pilot.pause()


async def show_tab(pilot: Pilot[None], tab: str, *, timeout: float = 10.0) -> None:
    """Bring the screen's `tab` to the front and wait until the screen has handled it.

    The support desk and the activity screen move the focus into a tab when its
    TabActivated arrives. On a loaded machine that message can be handled after the app
    was otherwise idle, and a test that focused a table of its own in between would have
    its keys typed into the search box the screen focused after it. So wait until the pane
    is laid out and the focus is inside it (when it has anything to focus); then the
    test's own focus is the last word.
    """
    await settle(pilot)  # a screen just pushed activates its first tab when mounted
    screen = pilot.app.screen
    tabs = screen.query_one(TabbedContent)
    tabs.active = tab
    pane = tabs.get_pane(tab)
    deadline = time.monotonic() + timeout
    while True:
        await settle(pilot)
        focused = pilot.app.focused
        focus_inside = focused is not None and pane in focused.ancestors
        if pane.region.height and (focus_inside or not any(pane in w.ancestors for w in screen.focus_chain)):
            return
        assert time.monotonic() < deadline, f"tab {tab} never took the focus (it is on {focused})"
        await pilot.pause(0.02)


def run_screen(database: Database, key: str, scenario: Scenario, size: tuple[int, int] = (80, 24)) -> None:
    """Open the console on `database`, press the screen's `key`, let it load, then play `scenario`.

    No async test plugin is installed: the scenario runs under asyncio.run.
    """

    async def main() -> None:
        app = make_app(database)
        async with app.run_test(size=size, notifications=True) as pilot:
            await pilot.press(key)
            await settle(pilot)
            await scenario(pilot, app)

    asyncio.run(main())


AppT = TypeVar("AppT", bound=App[Any])


def run_app(app: AppT, scenario: Callable[[Pilot[None], AppT], Awaitable[None]], size: tuple[int, int]) -> None:
    """Run `app` (a bare one, showing one widget) headless at `size`, and play `scenario` on
    it once it has painted."""

    async def main() -> None:
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            await scenario(pilot, app)

    asyncio.run(main())


async def write_over(pilot: Pilot[None], key: str, path: Path, answer: str) -> None:
    """Press `key` (an action that writes a file), give `path`, an existing file, in its
    prompt, see the replace dialog name it, and answer: "escape" keeps the file, "enter"
    replaces it."""
    from widgets.dialogs import ConfirmDialog, TextPrompt

    await pilot.press(key)
    await settle(pilot)
    assert isinstance(pilot.app.screen, TextPrompt)
    pilot.app.screen.query_one(Input).value = str(path)
    await pilot.press("enter")
    await settle(pilot)
    assert isinstance(pilot.app.screen, ConfirmDialog) and f"{path} exists." in visible_text(pilot.app)
    await pilot.press(answer)
    await settle(pilot)


async def answer_prompt(pilot: Pilot[None], text: str) -> None:
    """Type into the open prompt (a desk action's reason, say) and press Enter."""
    from widgets.dialogs import TextPrompt

    assert isinstance(pilot.app.screen, TextPrompt), pilot.app.screen
    pilot.app.screen.query_one(Input).value = text
    await pilot.press("enter")
    await settle(pilot)


def toasts(app: App[Any]) -> str:
    """The notifications on screen, as the user reads them."""
    return "\n".join(str(toast.render()) for toast in app.screen.query("*") if isinstance(toast, Toast))


# The support desk's forms and player search.


async def fill_form(pilot: Pilot[None], values: dict[str, str]) -> None:
    """Fill the open RowForm by field name and press ctrl+s."""
    form = pilot.app.screen
    assert isinstance(form, RowForm)
    for index, field in enumerate(form.fields):
        if field.name not in values:
            continue
        widget = form.query_one(f"#field-{index}")
        if isinstance(widget, Select):
            widget.value = values[field.name]
        else:
            assert isinstance(widget, Input)
            widget.value = values[field.name]
    await pilot.press("ctrl+s")
    await settle(pilot)


async def find(pilot: Pilot[None], typed: str) -> None:
    search = pilot.app.screen.query_one("#players-search", Input)
    search.focus()
    search.value = typed
    await pilot.press("enter")
    await settle(pilot)


async def choose_player(pilot: Pilot[None], player: Any) -> None:
    """Find the player by the start of their academy name and highlight their row."""
    await find(pilot, player.academy_name[:6])
    found = pilot.app.screen.query_one("#players-found", DataTable)
    found.move_cursor(row=[str(key.value) for key in found.rows].index(str(player.id)))
    await settle(pilot)

"""What every console screen shares: the typed app, and worker failures reported by the App."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, cast

from textual import on
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import TabbedContent, TabPane
from textual.worker import Worker

if TYPE_CHECKING:
    from console.app import ConsoleApp


class ConsoleScreen(Screen[None]):
    """A screen of the console. Subclasses start their database work in thread workers."""

    @property
    def console_app(self) -> ConsoleApp:
        """The app, typed: its database, note and command registry."""
        return cast("ConsoleApp", self.app)

    def unsaved_work(self) -> str | None:
        """What leaving the console now would lose ("3 pending changes to gacha.users"),
        or None. The App asks before quitting while any screen says something here."""
        return None

    @on(Worker.StateChanged)
    def forward_worker_state(self, event: Worker.StateChanged) -> None:
        # Worker.StateChanged does not bubble: hand it to the App, which reports failures
        # of every screen's workers in one place.
        self.app.post_message(Worker.StateChanged(event.worker, event.state))


class TabbedScreen(ConsoleScreen):
    """A console screen whose content is one TabbedContent (the support desk, activity):
    the same keys switch its tabs on every such screen. [ and ] are shown in the footer (a
    text field keeps them for typing); ctrl+pageup and ctrl+pagedown work from anywhere,
    before the focused table's own use of them."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "left_square_bracket",
            "switch_tab(-1)",
            "Prev tab",
            id="tabs.previous",
            tooltip="Show the tab to the left (wraps around; ctrl+pageup from anywhere)",
        ),
        Binding(
            "right_square_bracket",
            "switch_tab(1)",
            "Next tab",
            id="tabs.next",
            tooltip="Show the tab to the right (wraps around; ctrl+pagedown from anywhere)",
        ),
        Binding(
            "ctrl+pageup",
            "switch_tab(-1)",
            "Prev tab",
            id="tabs.previous_anywhere",
            show=False,
            priority=True,
            tooltip="Show the tab to the left, even from a text field or a table",
        ),
        Binding(
            "ctrl+pagedown",
            "switch_tab(1)",
            "Next tab",
            id="tabs.next_anywhere",
            show=False,
            priority=True,
            tooltip="Show the tab to the right, even from a text field or a table",
        ),
    ]

    def action_switch_tab(self, step: int) -> None:
        tabs = self.query_one(TabbedContent)
        panes = [pane.id for pane in tabs.query(TabPane) if pane.id and not pane.disabled]
        if panes:
            current = panes.index(tabs.active) if tabs.active in panes else 0
            tabs.active = panes[(current + step) % len(panes)]


class ConsolePane(Vertical):
    """A panel of a screen (a tab of the support desk, say) that runs its own workers.

    Like ConsoleScreen, it hands its workers' state changes to the App, which reports
    failures of every worker in one place.
    """

    @property
    def console_app(self) -> ConsoleApp:
        """The app, typed: its database, note and command registry."""
        return cast("ConsoleApp", self.app)

    @on(Worker.StateChanged)
    def forward_worker_state(self, event: Worker.StateChanged) -> None:
        self.app.post_message(Worker.StateChanged(event.worker, event.state))


class ConsolePart(ConsolePane):
    """A part of a screen with state and workers of its own but nothing to draw (the Tables
    screen's editing and export). It is never displayed; the screen calls its methods and
    it answers with messages, which bubble up to the screen."""

    DEFAULT_CSS = "ConsolePart { display: none; }"


def confirm_write(
    node: Widget,
    what: str,
    then: Callable[[str | None], object],
    *,
    reason: str | None = None,
    cancelled: Callable[[], object] = lambda: None,
) -> None:
    """Run a write, asking first the same way everywhere when the profile is production.

    Off production `then(reason)` runs at once. On production a dialog names the database
    and what will be written, asks a reason (unless the caller already has one) and wants
    the database name typed; `then(reason)` runs only once it is given, `cancelled()` if
    the dialog is dismissed.
    """
    from widgets.dialogs import Confirmation, ConfirmDialog

    settings = cast("ConsoleApp", node.app).database.settings
    if not settings.production:
        then(reason)
        return
    name = settings.url.database or "PRODUCTION"

    def answered(answer: Confirmation | None) -> None:
        if answer is None:
            cancelled()
        else:
            then(reason if reason is not None else answer.reason)

    node.app.push_screen(
        ConfirmDialog(
            "Write to a production database",
            f"{what}, on the PRODUCTION database {name}.",
            confirm_label="Write",
            confirm_word=name,
            ask_reason=reason is None,
        ),
        answered,
    )


def confirm_replace(node: Widget, path: Path, then: Callable[[bool], object]) -> None:
    """Write a file, asking first the same way everywhere when it would replace one.

    `then(False)` runs at once when `path` is not an existing regular file; otherwise a
    dialog names the file, and `then(True)` runs only once Replace is chosen. The writer
    goes through data.output_file, so the file is replaced only once the new one is whole.
    """
    from data.output_file import is_regular_file
    from widgets.dialogs import ConfirmDialog

    if not is_regular_file(path):
        then(False)
        return
    node.app.push_screen(
        ConfirmDialog(
            f"Replace {path.name}?",
            f"{path} exists. It is replaced only once the new file is written whole; "
            "if writing fails or is stopped, the file stays as it is.",
            confirm_label="Replace",
        ),
        lambda answer: then(True) if answer is not None else None,
    )

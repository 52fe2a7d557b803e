"""What every console screen shares: the typed app, and worker failures reported by the App."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual import on
from textual.containers import Vertical
from textual.screen import Screen
from textual.worker import Worker

if TYPE_CHECKING:
    from console.app import ConsoleApp


class ConsoleScreen(Screen[None]):
    """A screen of the console. Subclasses start their database work in thread workers."""

    @property
    def console_app(self) -> ConsoleApp:
        """The app, typed: its database, note and command registry."""
        return cast("ConsoleApp", self.app)

    @on(Worker.StateChanged)
    def forward_worker_state(self, event: Worker.StateChanged) -> None:
        # Worker.StateChanged does not bubble: hand it to the App, which reports failures
        # of every screen's workers in one place.
        self.app.post_message(Worker.StateChanged(event.worker, event.state))


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

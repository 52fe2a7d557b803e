"""Build the app for tests, and read what the user sees on it.

conftest re-exports `make_app` as a fixture. A fixed note stands in for the server
address, whose socket directory changes from run to run, so snapshots stay stable.
"""

from __future__ import annotations

from typing import Any

from textual.app import App
from textual.widget import Widget
from textual.widgets import Static

from console.app import ConsoleApp
from data.engine import Database

TEST_NOTE = "embedded PostgreSQL (test server)"


def make_app(database: Database, **kwargs: Any) -> ConsoleApp:
    """A ConsoleApp on `database`; keyword arguments go to ConsoleApp (note, keymap)."""
    kwargs.setdefault("note", TEST_NOTE)
    return ConsoleApp(database, **kwargs)


def visible_texts(app: App[Any], within: str | None = None) -> list[str]:
    """The text of every displayed Static (labels, toasts...) on the screen, in DOM order.

    Args:
        within: a selector: only the Statics inside the widget it names.
    """
    root = app.screen if within is None else app.screen.query_one(within)
    # query("*"), not query(Static): toasts don't inherit Static's CSS type name.
    return [
        str(widget.render())
        for widget in root.query("*")
        if isinstance(widget, Static)
        and all(node.display for node in widget.ancestors_with_self if isinstance(node, Widget))
    ]


def visible_text(app: App[Any], within: str | None = None) -> str:
    """Everything `visible_texts` finds, one widget per line."""
    return "\n".join(visible_texts(app, within))

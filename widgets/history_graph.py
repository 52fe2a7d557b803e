"""A titled sparkline of the last N values of one figure, with its latest and highest value.

For small live graphs (connections checked out, commits per second): the owner pushes a
value per refresh, or replaces the whole series when it keeps its own history.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable

from textual.app import ComposeResult
from textual.widget import Widget
from textual.widgets import Sparkline, Static


def plain_number(value: float) -> str:
    return f"{value:,.1f}".removesuffix(".0")


class HistoryGraph(Widget):
    """A title line ("Commits per second · now 3.5 · max 12") over a sparkline."""

    DEFAULT_CSS = """
    HistoryGraph { height: auto; margin: 0 0 1 0; }
    HistoryGraph > .history-graph--title { color: $text-muted; text-style: bold; }
    HistoryGraph > Sparkline { height: 3; }
    """

    def __init__(
        self,
        title: str,
        *,
        capacity: int = 60,
        number: Callable[[float], str] = plain_number,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        """Args:
        title: what the values are, e.g. "Commits per second".
        capacity: how many values are kept; older ones fall off the left.
        number: how the latest and highest values are written in the title.
        """
        super().__init__(id=id, classes=classes)
        self.title = title
        self.number = number
        self._values: deque[float] = deque(maxlen=capacity)

    @property
    def values(self) -> tuple[float, ...]:
        """The values shown, oldest first."""
        return tuple(self._values)

    def compose(self) -> ComposeResult:
        yield Static(self._title_text(), classes="history-graph--title", markup=False)
        yield Sparkline(self._graph_data())

    def push(self, value: float) -> None:
        """Add the newest value."""
        self._values.append(value)
        self._redraw()

    def replace(self, values: Iterable[float]) -> None:
        """Show these values instead (the last `capacity` of them)."""
        self._values.clear()
        self._values.extend(values)
        self._redraw()

    def _title_text(self) -> str:
        if not self._values:
            return f"{self.title} · no samples yet"
        return f"{self.title} · now {self.number(self._values[-1])} · max {self.number(max(self._values))}"

    def _graph_data(self) -> list[float]:
        # An empty Sparkline draws nothing at all; a flat zero line says "no data yet".
        return list(self._values) or [0.0]

    def _redraw(self) -> None:
        if not self.is_mounted:
            return
        self.query_one(".history-graph--title", Static).update(self._title_text())
        self.query_one(Sparkline).data = self._graph_data()

"""The screen's top line, drawn as Textual's Header draws it, by one widget.

Textual's Header is four widgets (the icon, the title, the clock's space and the header
itself), which cost about 45 ms of the console's first paint; this is one line of text. It
shows the command palette's icon (a click opens the palette) and the app's title and
sub-title centred, as `App.format_title` formats them, kept up to date.
"""

from __future__ import annotations

from textual import events
from textual.content import Content
from textual.widget import Widget

ICON = "⭘"
ICON_WIDTH = 8
"""The icon's cells at the left, as the Header's (its padding included)."""
RIGHT_WIDTH = 10
"""Blank cells at the right, where the Header keeps room for a clock."""


class TitleBar(Widget, can_focus=False):
    """The palette's icon at the left and the title and sub-title centred (cut with an
    ellipsis when they do not fit)."""

    ALLOW_SELECT = False
    COMPONENT_CLASSES = {"title-bar--icon-hover"}

    DEFAULT_CSS = """
    TitleBar {
        dock: top;
        width: 100%;
        height: 1;
        background: $panel;
        color: $foreground;
    }
    TitleBar > .title-bar--icon-hover { background: $foreground 10%; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._icon_hovered = False

    def on_mount(self) -> None:
        for node in (self.app, self.screen):
            self.watch(node, "title", self._title_changed, init=False)
            self.watch(node, "sub_title", self._title_changed, init=False)

    def _title_changed(self) -> None:
        self.refresh()

    def title(self) -> Content:
        """What the bar shows between its ends: the screen's title if it has one, else the
        app's, and likewise the sub-title."""
        title = self.screen.title if self.screen.title is not None else self.app.title
        sub_title = self.screen.sub_title if self.screen.sub_title is not None else self.app.sub_title
        return self.app.format_title(title, sub_title)

    def render(self) -> Content:
        width = self.content_size.width
        icon_style = self.get_visual_style("title-bar--icon-hover") if self._icon_hovered else None
        icon = Content.assemble((f" {ICON}".ljust(ICON_WIDTH), icon_style))
        middle = max(0, width - ICON_WIDTH - RIGHT_WIDTH)
        title = self.title().truncate(middle, ellipsis=True)
        left = (middle - title.cell_length) // 2
        line = icon + Content(" " * left) + title
        return line.pad_right(max(0, width - line.cell_length))

    def _over_icon(self, x: int) -> bool:
        return 0 <= x < ICON_WIDTH

    def on_mouse_move(self, event: events.MouseMove) -> None:
        hovered = self._over_icon(event.x)
        if hovered != self._icon_hovered:
            self._icon_hovered = hovered
            self.tooltip = "Open the command palette" if hovered else None
            self.refresh()

    def on_leave(self, event: events.Leave) -> None:
        if self._icon_hovered:
            self._icon_hovered = False
            self.tooltip = None
            self.refresh()

    async def on_click(self, event: events.Click) -> None:
        if self._over_icon(event.x):
            event.stop()
            await self.run_action("app.command_palette")

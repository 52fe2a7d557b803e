"""The screen's keys on its bottom line, drawn as Textual's Footer draws them, by one widget.

Textual's Footer mounts a widget per key and mounts them all again whenever the screen's
bindings change (each time the focus moves). On the home screen that cost about 70 ms of the
console's first paint; here the keys are one line of text, laid out again at the next paint.
A key is clicked or hovered like the Footer's, and shows its tooltip.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.cells import cell_len
from textual import events
from textual.content import Content
from textual.screen import Screen
from textual.style import Style
from textual.widget import Widget

Piece = tuple[str, Style | None]
"""A run of the line's text and the style it is drawn in (None: the bar's own)."""

PALETTE_EDGE = "▏"
"""The thin line between the screen's keys and the command palette's, at the right end."""


@dataclass(frozen=True)
class Key:
    """One key as the bar shows it."""

    key: str
    """The key pressed when it is clicked (the binding's first key)."""
    display: str
    """The key as shown: "^r", "q"."""
    description: str
    enabled: bool
    tooltip: str

    def pieces(self, compact: bool = False) -> tuple[tuple[str, str], tuple[str, str]]:
        """The key and its description, each padded as the Footer pads them (the palette's key
        compactly), with the component class each is drawn in."""
        if compact:
            key, description = self.display, f" {self.description}"
        else:
            key, description = f" {self.display} ", f"{self.description} " if self.description else ""
        return (key, "key-bar--key"), (description, "key-bar--description")


class KeyBar(Widget, can_focus=False):
    """The focused screen's shown keys, left to right, and the command palette's key at the
    right end; a disabled key is dimmed. Looks like Textual's Footer and uses its theme
    variables."""

    ALLOW_SELECT = False
    COMPONENT_CLASSES = {"key-bar--key", "key-bar--description", "key-bar--disabled", "key-bar--hover", "key-bar--edge"}

    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        color: $footer-foreground;
        background: $footer-background;
    }
    KeyBar > .key-bar--key { color: $footer-key-foreground; background: $footer-key-background; text-style: bold; }
    KeyBar > .key-bar--description { color: $footer-description-foreground; background: $footer-description-background; }
    KeyBar > .key-bar--disabled { text-style: dim; }
    KeyBar > .key-bar--hover { background: $block-hover-background; }
    KeyBar > .key-bar--edge { color: $foreground 20%; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._hovered: str | None = None
        """The key under the mouse pointer, if any."""
        self._spans: list[tuple[int, int, Key]] = []
        """Where each key was drawn at the last paint: its first and past-last cells."""

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen[object]) -> None:
        self.refresh()

    def keys(self) -> tuple[list[Key], Key | None]:
        """The keys the bar shows now, and the command palette's key (None when it has none).

        As the Footer does: one key per action (the first bound to it), in the order of the
        screen's bindings, skipping those not to be shown."""
        active = self.screen.active_bindings
        shown: dict[str, Key] = {}
        for binding, enabled, tooltip in ((b.binding, b.enabled, b.tooltip) for b in active.values()):
            if binding.show and binding.action not in shown:
                shown[binding.action] = Key(
                    binding.key, self.app.get_key_display(binding), binding.description, enabled, tooltip
                )
        palette = None
        if self.app.ENABLE_COMMAND_PALETTE and (found := active.get(self.app.COMMAND_PALETTE_BINDING)):
            binding = found.binding
            palette = Key(
                binding.key,
                self.app.get_key_display(binding),
                binding.description,
                found.enabled,
                binding.tooltip or binding.description,
            )
        return list(shown.values()), palette

    def render(self) -> Content:
        keys, palette = self.keys()
        width = self.content_size.width
        right: list[Piece] = []
        if palette is not None:
            right = [
                (PALETTE_EDGE, self.get_visual_style("key-bar--edge")),
                *self._pieces(palette, compact=True),
                (" ", None),
            ]
        right_width = sum(cell_len(text) for text, _ in right)
        room = max(0, width - right_width)
        left: list[Piece] = []
        spans: list[tuple[int, int, Key]] = []
        x = 0
        for key in keys:
            if x >= room:
                break
            pieces = self._pieces(key)
            key_width = sum(cell_len(text) for text, _ in pieces)
            spans.append((x, min(x + key_width, room), key))
            left.extend(pieces)
            x += key_width
        line = Content.assemble(*((text, style) for text, style in left if text)).truncate(room)
        line = line.pad_right(room - line.cell_length)
        if palette is not None:
            spans.append((room, width, palette))
            line = line + Content.assemble(*((text, style) for text, style in right if text))
        self._spans = spans
        return line

    def _pieces(self, key: Key, compact: bool = False) -> list[Piece]:
        # The hover's background goes under the pieces' own (transparent) ones.
        under = ("key-bar--hover",) if self._hovered == key.key else ()
        over = () if key.enabled else ("key-bar--disabled",)
        return [
            (text, self.get_visual_style(*under, component, *over)) for text, component in key.pieces(compact) if text
        ]

    def _key_at(self, x: int) -> Key | None:
        return next((key for start, end, key in self._spans if start <= x < end), None)

    def on_mouse_move(self, event: events.MouseMove) -> None:
        key = self._key_at(event.x)
        hovered = key.key if key else None
        if hovered != self._hovered:
            self._hovered = hovered
            self.tooltip = (key.tooltip or key.description) if key else None
            self.refresh()

    def on_leave(self, event: events.Leave) -> None:
        if self._hovered is not None:
            self._hovered = None
            self.tooltip = None
            self.refresh()

    def on_mouse_down(self, event: events.MouseDown) -> None:
        key = self._key_at(event.x)
        if key is None:
            return
        if key.enabled:
            self.app.simulate_key(key.key)
        else:
            self.app.bell()

"""The command palette's commands: a registry the app fills, plus the current screen's keys.

The registry holds what is reachable from anywhere (going to a screen, app-wide actions).
Everything a screen binds to a key (with a description) is offered as well, while that
screen is active, so every action reachable by a key is reachable by name too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.screen import Screen


@dataclass(frozen=True)
class Command:
    """One command palette entry."""

    name: str
    help: str
    callback: Callable[[], object]


class CommandRegistry:
    """The app-wide commands, in the order they were registered."""

    def __init__(self) -> None:
        self._commands: dict[str, Command] = {}

    def register(self, name: str, help: str, callback: Callable[[], object]) -> None:
        """Add a command; registering a name again replaces the earlier command.

        Raises:
            ValueError: the name is empty.
        """
        if not name.strip():
            raise ValueError("a command needs a name")
        self._commands[name] = Command(name, help, callback)

    def __iter__(self) -> Iterator[Command]:
        return iter(self._commands.values())

    def __len__(self) -> int:
        return len(self._commands)


def screen_commands(screen: Screen[object]) -> list[Command]:
    """The key bindings of a screen and its focused widgets, as palette commands.

    App-level bindings are left out: the registry and Textual's system commands
    (Theme, Keys, Quit) already offer them. Our own bindings (those with an id) are offered
    even when the footer has no room for them; Textual's hidden ones (scrolling, focus
    moves) would only crowd the palette.
    """
    app = screen.app
    commands: dict[str, Command] = {}
    for active in screen.active_bindings.values():
        binding, node = active.binding, active.node
        if node is app or not (active.enabled and binding.description and (binding.show or binding.id)):
            continue
        run = partial(app.run_action, binding.action, node)
        commands.setdefault(binding.description, Command(binding.description, binding.tooltip, run))
    return list(commands.values())


class ConsoleCommands(Provider):
    """Offers the app's registry and the calling screen's bindings."""

    def _commands(self) -> list[Command]:
        registry = getattr(self.app, "palette", None)
        registered = list(registry) if isinstance(registry, CommandRegistry) else []
        return [*registered, *screen_commands(self.screen)]

    async def discover(self) -> Hits:
        for command in self._commands():
            yield DiscoveryHit(command.name, command.callback, help=command.help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for command in self._commands():
            score = matcher.match(command.name)
            if score > 0:
                yield Hit(score, matcher.highlight(command.name), command.callback, help=command.help)

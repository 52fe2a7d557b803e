"""The console's Textual app: one Database, its screens as modes, the palette, error reports."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from importlib import import_module
from typing import ClassVar, cast

from textual import events, on
from textual.app import App
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from console.commands import CommandRegistry, ConsoleCommands
from data.engine import Database
from data.errors import Refusal, error_summary
from data.overview import ServerOverview
from data.roles import Role


@dataclass(frozen=True)
class ScreenEntry:
    """A screen the user can go to: by key, from the palette, as an App mode."""

    mode: str
    name: str
    help: str
    key: str
    screen: str
    """"module:Class". A screen's module, and the data/ modules it needs, are imported when
    the screen is first opened: the console paints its home screen without them."""
    roles: frozenset[Role] | None = None
    """The roles that may open it; None for every role."""

    def open_to(self, role: Role) -> bool:
        return self.roles is None or role in self.roles

    def screen_class(self) -> type[Screen[None]]:
        module, name = self.screen.split(":")
        return cast("type[Screen[None]]", getattr(import_module(module), name))

    def factory(self) -> Screen[None]:
        return self.screen_class()()


SCREENS: tuple[ScreenEntry, ...] = (
    ScreenEntry("home", "Home", "Server, version, access, tables and migrations", "1", "screens.home:HomeScreen"),
    ScreenEntry(
        "tables", "Tables", "Browse, filter, follow and edit the rows of any table", "2", "screens.tables:TablesScreen"
    ),
    ScreenEntry(
        "support",
        "Support desk",
        "Find a player; grant, redeem, revoke, ban, restore",
        "3",
        "screens.support:SupportScreen",
    ),
    ScreenEntry(
        "stories",
        "Stories",
        "Story trees: ancestors, subtrees, similar nodes by embedding",
        "4",
        "screens.stories:StoriesScreen",
        frozenset({Role.ADMIN, Role.DEVELOPER}),
    ),
    ScreenEntry(
        "migrations",
        "Migrations",
        "History per system, upgrade and downgrade with the SQL first, drift",
        "5",
        "screens.migrations:MigrationsScreen",
        frozenset({Role.ADMIN, Role.DEVELOPER}),
    ),
    ScreenEntry(
        "activity",
        "Activity",
        "The pool beside the server's sessions, blocking chains, rates, statements",
        "6",
        "screens.activity:ActivityScreen",
        frozenset({Role.ADMIN, Role.DEVELOPER}),
    ),
    ScreenEntry(
        "plans",
        "Query plans",
        "EXPLAIN a statement, read its plan as pev2 would, try an index, compare",
        "7",
        "screens.query_plans:QueryPlansScreen",
        frozenset({Role.ADMIN, Role.DEVELOPER}),
    ),
    # Support's login cannot read heroes (data/grants.py): the planner is not offered to it.
    ScreenEntry(
        "planner",
        "Build planner",
        "City of Heroes builds: powers by level, slots, set bonuses, totals",
        "8",
        "screens.build_planner:BuildPlannerScreen",
        frozenset({Role.ADMIN, Role.DEVELOPER}),
    ),
    ScreenEntry(
        "imports",
        "Imports",
        "I12, City of Data, Geminya and CSV/JSON imports with progress; their history",
        "9",
        "screens.imports:ImportsScreen",
    ),
)


def check_keymap(keymap: Mapping[str, str], app_bindings: Sequence[BindingType]) -> None:
    """Refuse a [keys] entry whose id no binding has, or that takes a key another of the
    app's own bindings (a screen key, quit) keeps: that binding would lose its key.

    Raises:
        ConfigError: naming the entry.
    """
    from console.binding_ids import BINDING_IDS
    from console.config import ConfigError

    for binding_id in keymap:
        if binding_id not in BINDING_IDS:
            raise ConfigError(f"keys.{binding_id}: no binding has this id (see the palette for what each key does)")
    bindings = [binding for binding in app_bindings if isinstance(binding, Binding)]
    action_of = {binding.id: binding.action for binding in bindings}
    taken = {key.strip(): binding for binding in bindings if binding.id not in keymap for key in binding.key.split(",")}
    for binding_id, keys in keymap.items():
        for key in keys.split(","):
            holder = taken.get(key.strip())
            # Another binding doing the same thing (quit and quit-anywhere) may share a key.
            if holder is not None and holder.id != binding_id and holder.action != action_of.get(binding_id):
                raise ConfigError(f"keys.{binding_id}: {key.strip()!r} is already the key of {holder.id}")


class ConsoleApp(App[None]):
    """The console for one database. The caller owns the Database and disposes of it."""

    CSS_PATH = "console.tcss"
    TITLE = "console"
    COMMANDS = App.COMMANDS | {ConsoleCommands}
    MODES: ClassVar[dict[str, str | Callable[[], Screen[None]]]] = {entry.mode: entry.factory for entry in SCREENS}
    DEFAULT_MODE = SCREENS[0].mode
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit", id="app.quit", tooltip="Leave the console"),
        Binding(
            "ctrl+q",
            "quit",
            "Quit",
            id="app.quit_anywhere",
            tooltip="Leave the console, even from a text field",
            show=False,
            priority=True,
        ),
        Binding(
            "ctrl+p",
            "command_palette",
            "Palette",
            id="app.command_palette",
            tooltip="Find any screen or action by name",
            show=False,
            priority=True,
        ),
        Binding(
            "question_mark",
            "toggle_keys",
            "Keys",
            id="app.keys",
            tooltip="Every key of this screen with what it does, those the footer has no room for too",
            show=False,
        ),
        Binding(
            "ctrl+c",
            "help_quit",
            id="app.help_quit",
            tooltip="Say how to quit (ctrl+c copies text here)",
            show=False,
            system=True,
        ),
        *(
            Binding(
                entry.key,
                f"switch_mode({entry.mode!r})",
                entry.name,
                id=f"app.screen.{entry.mode}",
                tooltip=entry.help,
            )
            for entry in SCREENS
        ),
    ]

    def __init__(
        self,
        database: Database,
        *,
        note: str | None = None,
        keymap: Mapping[str, str] | None = None,
        first_overview: ServerOverview | None = None,
    ) -> None:
        """Build the console for `database`.

        Args:
            database: The profile's database; every screen's worker uses it.
            note: Shown on the home screen in place of the server address, e.g.
                "embedded PostgreSQL in ~/.local/share/console"; tests pass a fixed one.
            keymap: Binding id -> keys (e.g. {"home.refresh": "f5"}), from the config.
            first_overview: The home screen's data, read with the connection's check
                (console.connect); the home screen's first paint shows it.
        """
        super().__init__()
        self.database = database
        self.note = note
        """Describes the server on the home screen instead of its address."""
        self.first_overview = first_overview
        """The start's read of the home screen's data, until the home screen takes it."""
        self.palette = CommandRegistry()
        """The app-wide command palette entries."""
        self._signal_loop: asyncio.AbstractEventLoop | None = None
        """The running event loop, for exit_on_signal."""
        self.sub_title = connection_label(database)
        role = database.settings.role
        self._closed_screen_keys = {
            key.strip(): entry
            for entry in SCREENS
            if not entry.open_to(role)
            for key in (keymap or {}).get(f"app.screen.{entry.mode}", entry.key).split(",")
        }
        """The keys of the screens this role may not open: their bindings are off."""
        for entry in SCREENS:
            if entry.open_to(database.settings.role):
                self.palette.register(entry.name, entry.help, partial(self.switch_mode, entry.mode))
        self.palette.register("Toggle dark mode", "Switch between the light and dark theme", self.action_toggle_dark)
        if keymap:
            check_keymap(keymap, self.BINDINGS)
            self.set_keymap(dict(keymap))

    def exit_on_signal(self, signum: int) -> None:
        """Exit with 128 + signum; safe to call from a signal handler.

        The handler runs between two bytecodes of the main thread, which is also the event
        loop's: a message posted there sits in the queue while the loop sleeps in select()
        (an idle console would exit only at the next key). call_soon_threadsafe writes to
        the loop's wake-up pipe, so the exit runs at once.
        """
        loop = self._signal_loop
        if loop is None:  # not running yet (or any more): leave the usual way
            raise SystemExit(128 + signum)
        loop.call_soon_threadsafe(partial(self.exit, return_code=128 + signum))

    def on_mount(self) -> None:
        self._signal_loop = asyncio.get_running_loop()

    def on_unmount(self) -> None:
        self._signal_loop = None

    def on_ready(self) -> None:
        # Everything alive now (the imported modules, the first screen) lives as long as the
        # app: freezing it keeps the collector from walking it again in every full collection,
        # which otherwise stalls a page of the grid for a sixth of a second every dozen pages.
        gc.freeze()
        gc.enable()  # paused for the start by console.launch
        # Its failure (it opens no connection: an import failing) would be raised again, and
        # reported, by the first worker that wants the Engine.
        self.run_worker(self._build_engine, thread=True, name="Engine", exit_on_error=False)

    def _build_engine(self) -> None:
        """Import SQLAlchemy and build the Engine once the first screen is painted: the start
        did not wait for them (data.engine), and the first screen opened next will not."""
        _ = self.database.engine
        gc.freeze()  # SQLAlchemy's modules too

    def unsaved_work(self) -> list[str]:
        """What each screen, in every mode (switching screens keeps them), has not saved."""
        from screens.base import ConsoleScreen

        return [
            said
            for stack in self._screen_stacks.values()  # Textual keeps one stack per mode
            for screen in stack
            if isinstance(screen, ConsoleScreen) and (said := screen.unsaved_work())
        ]

    async def action_quit(self) -> None:
        """Leave, but ask first when a screen holds work that leaving would lose."""
        from widgets.dialogs import ConfirmDialog

        unsaved = self.unsaved_work()
        if not unsaved:
            self.exit()
            return
        if isinstance(self.screen, ConfirmDialog):
            return  # already asking
        lines = "\n".join(f"• {line}" for line in unsaved)
        self.push_screen(
            ConfirmDialog(
                "Quit without saving?",
                f"{lines}\n\nQuitting now loses this. Escape goes back to save it.",
                confirm_label="Quit and lose it",
            ),
            lambda answer: self.exit() if answer is not None else None,
        )

    def action_toggle_keys(self) -> None:
        """? shows (and hides) every key of the focused screen with what it does: Textual's
        help panel, which lists the bindings the footer leaves out as well."""
        if self.screen.query("HelpPanel"):
            self.action_hide_help_panel()
        else:
            self.action_show_help_panel()

    async def explain_in_query_plans(self, sql: str) -> None:
        """Bring the query plans screen to the front with `sql` in its editor (from the
        activity screen's top statements)."""
        from screens.query_plans import QueryPlansScreen

        await self.switch_mode("plans")
        screen = self.screen
        if isinstance(screen, QueryPlansScreen):
            screen.take_statement(sql)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # A screen the role may not open is neither in the footer nor reachable by its key.
        if action == "switch_mode" and parameters:
            entry = next((entry for entry in SCREENS if entry.mode == parameters[0]), None)
            return entry is None or entry.open_to(self.database.settings.role)
        return True

    def on_key(self, event: events.Key) -> None:
        """A screen key this role may not use says why, where nothing would happen."""
        entry = self._closed_screen_keys.get(event.key)
        if entry is not None:
            role = self.database.settings.role.value
            self.notify(
                f"{entry.name} is not open to the {role} role: its login may not read what it shows.",
                title="Not for this role",
                severity="warning",
            )

    @on(Worker.StateChanged)
    def report_worker_failure(self, event: Worker.StateChanged) -> None:
        """Every failed worker of every screen ends here, as a notification (never a crash)."""
        error = event.worker.error
        if event.state is not WorkerState.ERROR or error is None:
            return
        self.log.error(event.worker, error)
        self.notify(
            error_summary(error),
            title=error_title(error, event.worker),
            severity="error",
            markup=False,
        )


def connection_label(database: Database) -> str:
    """The sub-title: profile and role, and the flags the user must not miss.

    PRODUCTION comes first so that a narrow header, which cuts the end, never hides it.
    """
    settings = database.settings
    parts = [settings.profile_name, settings.role.value]
    if settings.replica:
        parts.append("replica")
    if settings.enforces_read_only:
        parts.append("read-only")
    if settings.production:
        parts.insert(0, "PRODUCTION")
    return " · ".join(parts)


def error_title(error: BaseException, worker: Worker[object]) -> str:
    """A refusal of the data layer names itself (its `title`); else the worker does."""
    if isinstance(error, Refusal):
        return error.title
    return f"{worker.name} failed" if worker.name else "Something failed"

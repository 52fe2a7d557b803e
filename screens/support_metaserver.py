"""Support desk, Metaserver tab: find a Myth player, see their stats and sessions, act on them.

Every database call is one function of data/support/metaserver.py in a thread worker; the
handlers only move results onto widgets. The data layer's refusals (already banned, a
session no longer live, a blank reason) reach the user through the App's worker-failure
notification, titled by the refusal."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.reactive import Reactive, reactive
from textual.widgets import ContentSwitcher, DataTable, Input
from textual.worker import Worker, WorkerState, get_current_worker

from data.engine import Database
from data.support import metaserver as ms
from screens.support_common import DeskPane, ask_reason, toned, when
from widgets.cell_grid import Cell, CellGrid, Tone
from widgets.data_grid import DataGrid

SEARCH_LIMIT = 50
BOARD_LIMIT = 50
View = Literal["desk", "leaderboard", "rooms"]
STATE_TONES: dict[str, Tone] = {"active": "success", "expired": "muted", "revoked": "error"}
READS = {"metaserver.find": "players", "metaserver.board": "leaderboard", "metaserver.rooms": "rooms"}
"""Worker group -> the table whose title says "reading" until it is done."""


class MetaserverPane(DeskPane):
    """Players of the Myth metaserver: find one, revoke sessions, ban, see the ranks and rooms."""

    DEFAULT_CSS = """
    MetaserverPane { height: 1fr; }
    MetaserverPane #metaserver-views, MetaserverPane #metaserver-desk { height: 1fr; }
    MetaserverPane #metaserver-search { margin: 0 1; }
    MetaserverPane DataTable { height: 1fr; scrollbar-size-vertical: 1; }
    MetaserverPane DataTable, MetaserverPane CellGrid {
        border-top: solid $border-blurred;
        border-title-color: $text-muted;
        border-title-style: bold;
    }
    MetaserverPane DataTable:focus { border-top: solid $border; }
    MetaserverPane DataTable:focus { border-title-color: $text-accent; }
    MetaserverPane #metaserver-player { padding: 0 1; }
    """

    BINDINGS = [
        Binding(
            "slash",
            "focus_search",
            "Search",
            id="metaserver.search",
            tooltip="Find a player by id or name prefix",
            show=False,
        ),
        Binding(
            "k",
            "revoke_session",
            "Revoke",
            id="metaserver.revoke",
            tooltip="Revoke the highlighted session (asks a reason)",
        ),
        Binding(
            "K",
            "revoke_all",
            "Revoke all",
            id="metaserver.revoke_all",
            tooltip="Revoke every live session of the player (asks a reason)",
        ),
        Binding(
            "b",
            "toggle_ban",
            "Ban",
            id="metaserver.ban",
            tooltip="Ban the player (their live sessions are revoked) or lift the ban; asks a reason",
        ),
        Binding(
            "l",
            "board('leaderboard')",
            "Ranks",
            id="metaserver.leaderboard",
            tooltip="Players by total score: kills, deaths, assists, K/D; banned ones flagged",
        ),
        Binding("o", "board('rooms')", "Rooms", id="metaserver.rooms", tooltip="Every room with its caste bounds"),
        Binding("escape", "back", "Back", id="metaserver.back", tooltip="Back to the player"),
        Binding(
            "ctrl+r",
            "reload",
            "Reload",
            id="metaserver.reload",
            tooltip="Read the players and the highlighted one again",
            show=False,
        ),
    ]
    WRITES = frozenset({"revoke_session", "revoke_all", "toggle_ban"})

    view: Reactive[View] = reactive("desk", bindings=True, init=False)
    """What the pane shows: the player desk, the leaderboard or the rooms."""

    player_id: Reactive[int | None] = reactive(None, init=False)
    """The highlighted player's id; None when the search found nobody."""

    @dataclass
    class PlayersFound(Message):
        query: str
        players: list[ms.MetaPlayer]

    @dataclass
    class StatsLoaded(Message):
        stats: ms.PlayerStats

    @dataclass
    class SessionsLoaded(Message):
        user_id: int
        sessions: list[ms.SessionInfo]

    @dataclass
    class LeaderboardLoaded(Message):
        entries: list[ms.LeaderboardEntry]

    @dataclass
    class RoomsLoaded(Message):
        rooms: list[ms.RoomInfo]

    def __init__(self) -> None:
        super().__init__(id="metaserver")
        self.query_text = ""
        """The search the players table shows."""
        self.players: dict[int, ms.MetaPlayer] = {}
        self.stats: ms.PlayerStats | None = None
        self.sessions: dict[int, ms.SessionInfo] = {}

    def compose(self) -> ComposeResult:
        with ContentSwitcher(initial="metaserver-desk", id="metaserver-views"):
            with Vertical(id="metaserver-desk"):
                yield Input(
                    placeholder="Player id or name prefix, Enter searches", compact=True, id="metaserver-search"
                )
                yield DataGrid(cursor_type="row", zebra_stripes=True, id="metaserver-players")
                yield CellGrid(4, id="metaserver-player")
                yield DataGrid(cursor_type="row", id="metaserver-sessions")
            yield DataGrid(cursor_type="row", zebra_stripes=True, id="metaserver-leaderboard")
            yield DataGrid(cursor_type="row", zebra_stripes=True, id="metaserver-rooms")

    def on_mount(self) -> None:
        self.table("players").add_columns("ID", "Player", "Caste", "Status", "Last login")
        self.table("sessions").add_columns("ID", "State", "IP address", "Created", "Expires")
        self.table("leaderboard").add_columns("Rank", "Player", "Score", "Kills", "Deaths", "Assists", "K/D", "")
        self.table("rooms").add_columns("Room", "Type", "Castes", "Players", "Ranked", "Tournament")
        for name, title in (
            ("players", "Players"),
            ("sessions", "Sessions"),
            ("leaderboard", "Leaderboard"),
            ("rooms", "Rooms"),
        ):
            self.table(name).border_title = title
        self.query_one(CellGrid).border_title = "Player"
        self.search("")

    def table(self, name: str) -> DataTable[Text]:
        return self.query_one(f"#metaserver-{name}", DataTable)

    @on(Worker.StateChanged)
    def read_failed(self, event: Worker.StateChanged) -> None:
        # The App tells the user why; here the table stops saying it is reading.
        table = READS.get(event.worker.group or "")
        if table and event.state is WorkerState.ERROR:
            self.table(table).border_title = f"{table.capitalize()} · could not be read (ctrl+r tries again)"

    # ---- finding players ------------------------------------------------------------

    @on(Input.Submitted, "#metaserver-search")
    def search_submitted(self, event: Input.Submitted) -> None:
        self.search(event.value.strip())
        self.table("players").focus()

    def search(self, text: str) -> None:
        # Not `loading`: a loading widget cannot take the focus the user just gave it.
        self.table("players").border_title = "Players · searching…"
        self.find_players(self.console_app.database, text)

    @work(thread=True, exclusive=True, group="metaserver.find", exit_on_error=False, name="Find players")
    def find_players(self, database: Database, text: str) -> None:
        players = ms.find_meta_users(database, text, limit=SEARCH_LIMIT + 1)
        if not get_current_worker().is_cancelled:
            self.post_message(self.PlayersFound(text, players))

    @on(PlayersFound)
    def show_players(self, event: PlayersFound) -> None:
        table = self.table("players")
        self.query_text = event.query
        shown = event.players[:SEARCH_LIMIT]
        self.players = {player.id: player for player in shown}
        keep = self.player_id
        table.clear()
        for player in shown:
            table.add_row(*player_cells(player, self.app.theme_variables), key=str(player.id))
        more = len(event.players) > SEARCH_LIMIT
        found = f"first {SEARCH_LIMIT}, refine the search" if more else f"{len(shown)} found"
        table.border_title = f"Players matching {event.query!r} · {found}" if event.query else f"Players · {found}"
        if keep in self.players:
            table.move_cursor(row=table.get_row_index(str(keep)))
        else:
            self.player_id = shown[0].id if shown else None

    @on(DataTable.RowHighlighted, "#metaserver-players")
    def player_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key.value is not None:
            self.player_id = int(event.row_key.value)

    def watch_player_id(self) -> None:
        self.load_details()

    def load_details(self) -> None:
        """Read the highlighted player's stats and sessions again (or clear them)."""
        # Until the new ones arrive, k and K must not act on the last player's sessions.
        self.sessions = {}
        if self.player_id is None:
            self.stats = None
            self.query_one(CellGrid).rows = ()
            self.table("sessions").clear()
            return
        self.load_stats(self.console_app.database, self.player_id)
        self.load_sessions(self.console_app.database, self.player_id)

    @work(thread=True, exclusive=True, group="metaserver.stats", exit_on_error=False, name="Player stats")
    def load_stats(self, database: Database, user_id: int) -> None:
        stats = ms.player_stats(database, user_id, recent=0)
        if not get_current_worker().is_cancelled:
            self.post_message(self.StatsLoaded(stats))

    @work(thread=True, exclusive=True, group="metaserver.sessions", exit_on_error=False, name="Sessions")
    def load_sessions(self, database: Database, user_id: int) -> None:
        sessions = ms.user_sessions(database, user_id)
        if not get_current_worker().is_cancelled:
            self.post_message(self.SessionsLoaded(user_id, sessions))

    @on(StatsLoaded)
    def show_stats(self, event: StatsLoaded) -> None:
        if event.stats.player.id == self.player_id:
            self.stats = event.stats
            self.query_one(CellGrid).rows = player_rows(event.stats)

    @on(SessionsLoaded)
    def show_sessions(self, event: SessionsLoaded) -> None:
        if event.user_id != self.player_id:
            return
        self.sessions = {session.id: session for session in event.sessions}
        table = self.table("sessions")
        table.clear()
        for session in event.sessions:
            table.add_row(*session_cells(session, self.app.theme_variables), key=str(session.id))
        live = sum(session.state == "active" for session in event.sessions)
        name = self.players[event.user_id].username if event.user_id in self.players else f"player {event.user_id}"
        table.border_title = f"Sessions of {name} · {live} live of {len(event.sessions)}"

    # ---- actions ----------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if not super().check_action(action, parameters):
            return False
        if action in ("revoke_session", "revoke_all", "toggle_ban", "focus_search", "reload"):
            return self.view == "desk"
        if action == "back":
            return self.view != "desk"
        return True

    def current_player(self) -> ms.MetaPlayer | None:
        """The highlighted player as last read (the details when loaded, else the list)."""
        if self.stats is not None and self.stats.player.id == self.player_id:
            return self.stats.player
        player = self.players.get(self.player_id) if self.player_id is not None else None
        if player is None:
            self.notify("Find and highlight a player first.", severity="warning")
        return player

    def action_revoke_session(self) -> None:
        player, table = self.current_player(), self.table("sessions")
        if player is None:
            return
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value if table.row_count else None
        session = self.sessions.get(int(key)) if key else None
        if session is None:
            self.notify(f"{player.username} has no session to revoke here.", severity="warning")
            return
        where = f" from {session.ip_address}" if session.ip_address else ""
        ask_reason(
            self,
            "Revoke session",
            f"Revoke session {session.id} of {player.username}{where} ({session.state})?",
            lambda reason: self.revoke_one(self.console_app.database, session.id, player.username, reason),
        )

    def action_revoke_all(self) -> None:
        player = self.current_player()
        if player is None:
            return
        live = sum(session.state == "active" for session in self.sessions.values())
        ask_reason(
            self,
            "Revoke all sessions",
            f"Revoke every live session of {player.username} ({live} shown live)?",
            lambda reason: self.revoke_all(self.console_app.database, player, reason),
        )

    def action_toggle_ban(self) -> None:
        player = self.current_player()
        if player is None:
            return
        if player.is_active:
            prompt = f"Ban {player.username} (id {player.id})? Their live sessions are revoked too."
        else:
            prompt = f"Lift the ban on {player.username} (id {player.id})? Revoked sessions stay revoked."
        ask_reason(
            self,
            "Ban player" if player.is_active else "Unban player",
            prompt,
            lambda reason: self.set_ban(self.console_app.database, player, reason, player.is_active),
        )

    # Writes are never exclusive: a second action must not hide the outcome of the first.
    @work(thread=True, group="metaserver.action", exit_on_error=False, name="Revoke session")
    def revoke_one(self, database: Database, session_id: int, username: str, reason: str) -> None:
        ms.revoke_session(database, session_id, reason)
        self.done("Session revoked", f"Session {session_id} of {username} revoked.")

    @work(thread=True, group="metaserver.action", exit_on_error=False, name="Revoke all sessions")
    def revoke_all(self, database: Database, player: ms.MetaPlayer, reason: str) -> None:
        count = ms.revoke_all_sessions(database, player.id, reason)
        text = f"{count} live session{'s' if count != 1 else ''} of {player.username} revoked."
        self.done("Sessions revoked", text)

    @work(thread=True, group="metaserver.action", exit_on_error=False, name="Ban or unban")
    def set_ban(self, database: Database, player: ms.MetaPlayer, reason: str, banned: bool) -> None:
        if banned:
            result = ms.ban(database, player.id, reason)
            text = f"{player.username} is banned; {result.sessions_revoked} live session(s) revoked."
            self.done("Player banned", text)
        else:
            ms.unban(database, player.id, reason)
            self.done("Ban lifted", f"{player.username} may play again.")

    def action_reload(self) -> None:
        self.search(self.query_text)
        self.load_details()

    def action_focus_search(self) -> None:
        self.query_one("#metaserver-search", Input).focus()

    # ---- leaderboard and rooms ----------------------------------------------------------

    def action_board(self, view: View) -> None:
        """Show the leaderboard or the rooms, or go back to the desk when it is on show."""
        self.view = "desk" if self.view == view else view
        if self.view == "desk":
            return
        self.table(self.view).border_title = f"{self.view.capitalize()} · reading…"
        if self.view == "leaderboard":
            self.load_leaderboard(self.console_app.database)
        elif self.view == "rooms":
            self.load_rooms(self.console_app.database)

    def action_back(self) -> None:
        self.view = "desk"

    def watch_view(self, view: View) -> None:
        self.query_one(ContentSwitcher).current = f"metaserver-{view}"
        self.table("players" if view == "desk" else view).focus()

    @work(thread=True, exclusive=True, group="metaserver.board", exit_on_error=False, name="Leaderboard")
    def load_leaderboard(self, database: Database) -> None:
        self.post_message(self.LeaderboardLoaded(ms.leaderboard(database, limit=BOARD_LIMIT)))

    @work(thread=True, exclusive=True, group="metaserver.rooms", exit_on_error=False, name="Rooms")
    def load_rooms(self, database: Database) -> None:
        self.post_message(self.RoomsLoaded(ms.rooms(database)))

    @on(LeaderboardLoaded)
    def show_leaderboard(self, event: LeaderboardLoaded) -> None:
        table = self.table("leaderboard")
        table.clear()
        for entry in event.entries:
            table.add_row(*leaderboard_cells(entry, self.app.theme_variables), key=str(entry.player.id))
        table.border_title = f"Leaderboard · top {len(event.entries)} by total score · Enter opens a player"

    @on(DataTable.RowSelected, "#metaserver-leaderboard")
    def open_ranked_player(self, event: DataTable.RowSelected) -> None:
        self.query_one("#metaserver-search", Input).value = str(event.row_key.value)
        self.player_id = int(event.row_key.value or 0)
        self.view = "desk"
        self.search(str(event.row_key.value))

    @on(RoomsLoaded)
    def show_rooms(self, event: RoomsLoaded) -> None:
        table = self.table("rooms")
        table.clear()
        for room in event.rooms:
            table.add_row(*room_cells(room), key=str(room.id))
        table.border_title = f"Rooms · {len(event.rooms)} · castes a room admits"


def player_cells(player: ms.MetaPlayer, theme: Mapping[str, str]) -> tuple[Text, ...]:
    """One line of the players table."""
    status = toned(theme, "active", "success") if player.is_active else toned(theme, "BANNED", "error", bold=True)
    return (
        Text(str(player.id), justify="right"),
        Text(player.username),
        Text(str(player.caste), justify="right"),
        status,
        Text(when(player.last_login)) if player.last_login else toned(theme, "never", "muted"),
    )


def player_rows(stats: ms.PlayerStats) -> tuple[tuple[Cell, ...], ...]:
    """The details panel: who the player is and their totals over every game."""
    player, totals = stats.player, stats.totals
    name = f"{player.username} (id {player.id})" + (" · admin" if player.is_admin else "")
    status = Cell("active", "success") if player.is_active else Cell("BANNED", "alert")
    best = "-" if stats.best_score is None else f"{stats.best_score:,}"
    return tuple(
        (Cell(a, "muted"), b, Cell(c, "muted"), d)
        for a, b, c, d in (
            ("Player", Cell(name), "Status", status),
            ("Caste", Cell(str(player.caste)), "Last login", Cell(when(player.last_login) or "never")),
            ("Games", Cell(f"{totals.games:,}"), "Score", Cell(f"{totals.score:,} (best {best})")),
            ("K/D/A", Cell(f"{totals.kills:,}/{totals.deaths:,}/{totals.assists:,}"), "K/D", Cell(f"{totals.kd:.2f}")),
        )
    )


def session_cells(session: ms.SessionInfo, theme: Mapping[str, str]) -> tuple[Text, ...]:
    return (
        Text(str(session.id), justify="right"),
        toned(theme, session.state, STATE_TONES[session.state]),
        Text(session.ip_address or "-"),
        Text(when(session.created_at)),
        Text(when(session.expires_at)),
    )


def room_cells(room: ms.RoomInfo) -> tuple[Text, ...]:
    flags = (Text("yes" if flag else "no") for flag in (room.is_ranked, room.is_tournament))
    return (
        Text(room.name),
        Text(room.room_type),
        Text(f"{room.min_caste} to {room.max_caste}"),
        Text(str(room.max_players), justify="right"),
        *flags,
    )


def leaderboard_cells(entry: ms.LeaderboardEntry, theme: Mapping[str, str]) -> tuple[Text, ...]:
    totals = entry.totals
    numbers = (entry.rank, totals.score, totals.kills, totals.deaths, totals.assists)
    rank, score, kills, deaths, assists = (Text(f"{n:,}", justify="right") for n in numbers)
    flag = Text("") if entry.player.is_active else toned(theme, "BANNED", "error", bold=True)
    return (
        rank,
        Text(entry.player.username),
        score,
        kills,
        deaths,
        assists,
        Text(f"{totals.kd:.2f}", justify="right"),
        flag,
    )

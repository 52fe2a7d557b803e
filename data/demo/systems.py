"""Demo data for the accounts, metaserver, stories and gacha schemas.

Each loader takes a Session (its transaction is the caller's to commit) and a scale
(1 = a small, playable dataset that loads in well under a second; players and their rows
grow linearly with it, stories more slowly), fills empty tables with deterministic data
and returns the rows inserted per table, keyed "schema.table".
Stories and gacha live in their own modules; they are re-exported here.
"""

from __future__ import annotations

import hashlib
import random
import unicodedata
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

from psycopg.types.json import Jsonb
from sqlalchemy.orm import Session

from data.demo.gacha import load_gacha
from data.demo.rows import (
    DEMO_NOW,
    batched,
    check_scale,
    copy_rows,
    moment_between,
    require_empty,
    reset_sequence,
    seeded_uuid,
)
from data.demo.stories import load_stories
from data.models.accounts import AccountUser
from data.models.metaserver import Game, MetaSession, MetaUser, PlayerStat, Room

__all__ = ["load_accounts", "load_gacha", "load_metaserver", "load_stories"]

UTC = timezone.utc
ACCOUNTS_START = datetime(2024, 1, 1, tzinfo=UTC)
METASERVER_START = datetime(2024, 6, 1, tzinfo=UTC)
GAMES_START = datetime(2025, 6, 1, tzinfo=UTC)

# A few non-ASCII names on purpose: the console must render and search them.
FIRST_NAMES = (
    "Ada",
    "Ben",
    "Chloé",
    "Dmitri",
    "Elena",
    "Farid",
    "Grace",
    "Hiro",
    "Ines",
    "Jonas",
    "Kaito",
    "Lena",
    "Marta",
    "Nikhil",
    "Olivia",
    "Pablo",
    "Quinn",
    "Rosa",
    "Søren",
    "Tariq",
    "Uma",
    "Victor",
    "Wen",
    "Ximena",
    "Yusuf",
    "Zoë",
    "Amara",
    "Bruno",
    "Carmen",
    "Deniz",
    "Emeka",
    "Freya",
    "Gustavo",
    "Hana",
    "Ivan",
    "Julia",
    "Kofi",
    "Leila",
    "Mateo",
    "Noor",
)
LAST_NAMES = (
    "Abara",
    "Bianchi",
    "Castillo",
    "Dubois",
    "Eriksen",
    "Fischer",
    "García",
    "Haddad",
    "Ishikawa",
    "Jensen",
    "Kowalski",
    "Lindqvist",
    "Moreau",
    "Nakamura",
    "Okafor",
    "Petrov",
    "Quispe",
    "Rossi",
    "Schmidt",
    "Tanaka",
    "Underwood",
    "Varga",
    "Wójcik",
    "Xu",
    "Yilmaz",
    "Zhang",
    "Andersen",
    "Becker",
    "Costa",
    "Dimitrov",
    "Evans",
    "Ferreira",
    "Gruber",
    "Horvat",
    "Ivanova",
    "Jovanović",
    "Kim",
    "López",
    "Müller",
    "Novak",
)
MAIL_DOMAINS = ("example.com", "example.org", "example.net")
BCRYPT_ALPHABET = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

# (email, full name, superuser, deleted): fixed accounts a demo can be driven with.
FIXED_ACCOUNTS = (
    ("admin@example.com", "Ada Administrator", True, False),
    ("support@example.com", "Sam Support", False, False),
    ("deleted.user@example.com", "Dana Deleted", False, True),
)


def _ascii(name: str) -> str:
    """The name as an e-mail local part: accents dropped, lower case."""
    folded = unicodedata.normalize("NFKD", name.replace("ø", "o").replace("ł", "l"))
    return "".join(c for c in folded if c.isascii() and c.isalnum()).lower()


def load_accounts(session: Session, scale: int) -> dict[str, int]:
    """Load HypertroQ users: about 100 per scale, some inactive, some soft-deleted.

    Raises ValueError for a bad scale or when accounts.users is not empty.
    """
    check_scale(scale)
    require_empty(session, [AccountUser])
    rng = random.Random(1001)
    emails: set[str] = set()
    full_name: str | None
    rows = []
    total = 100 * scale
    for i in range(total):
        if i < len(FIXED_ACCOUNTS):
            email, full_name, superuser, deleted = FIXED_ACCOUNTS[i]
        else:
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            full_name = f"{first} {last}" if rng.random() > 0.05 else None
            local = f"{_ascii(first)}.{_ascii(last)}"
            email = f"{local}@{rng.choice(MAIL_DOMAINS)}"
            suffix = 2
            while email in emails:  # namesakes get a number, as mail providers do
                email = f"{local}{suffix}@{email.split('@')[1]}"
                suffix += 1
            superuser = rng.random() < 0.01
            deleted = rng.random() < 0.08
        emails.add(email)
        created = moment_between(rng, ACCOUNTS_START, DEMO_NOW - timedelta(days=10))
        updated = moment_between(rng, created, DEMO_NOW)
        deleted_at = moment_between(rng, updated, DEMO_NOW) if deleted else None
        password = "$2b$12$" + "".join(rng.choice(BCRYPT_ALPHABET) for _ in range(53))
        rows.append(
            (
                seeded_uuid(rng),
                email,
                password,
                full_name,
                rng.random() > 0.05,
                superuser,
                created,
                deleted_at or updated,
                deleted,
                deleted_at,
            )
        )
    columns = (
        "id",
        "email",
        "hashed_password",
        "full_name",
        "is_active",
        "is_superuser",
        "created_at",
        "updated_at",
        "is_deleted",
        "deleted_at",
    )
    return {"accounts.users": copy_rows(session, AccountUser, columns, rows)}


HANDLE_HEADS = (
    "Dark",
    "Iron",
    "Shadow",
    "Storm",
    "Ghol",
    "Fetch",
    "Myrk",
    "Soul",
    "Wight",
    "Ember",
    "Frost",
    "Trow",
    "Dwarf",
    "Berserk",
    "Journey",
    "Thrall",
    "Balor",
    "Avatara",
    "Legion",
    "Rune",
)
HANDLE_TAILS = (
    "blade",
    "fang",
    "walker",
    "lord",
    "smith",
    "caller",
    "bane",
    "born",
    "wolf",
    "hammer",
    "scythe",
    "fire",
    "wind",
    "stone",
    "eye",
    "_x",
    "99",
    "Prime",
    "_TFL",
    "master",
)
CLANS = ("Order of the Fist", "Sons of Myrgard", "Heron Guard", "The Fallen", "Mazzarin", None, None)
# Myth II game types, as the metaserver names them.
GAME_TYPES = (
    "body_count",
    "steal_the_bacon",
    "last_man_on_hill",
    "scavenger_hunt",
    "flag_rally",
    "capture_the_flag",
    "balls_on_parade",
    "territories",
    "captures",
    "king_of_the_hill",
    "stampede",
    "assassination",
    "hunting",
)
MAPS = (
    "Forest Heart",
    "Shiver",
    "Silvermines",
    "Bagrada",
    "Gnome's Tower",
    "Mirror Lake",
    "Twin Peaks",
    "Scree",
    "Ice Floes",
    "Cloudspine Pass",
)
# (name, room_type, max_players, min_caste, max_caste, ranked, tournament, message of the day)
ROOMS = (
    ("Training Grounds", "training", 16, -1, 2, False, False, "New players welcome: ask in chat."),
    ("The Tavern", "casual", 32, -1, 99, False, False, "Be nice. Host what you like."),
    ("Forest Heart", "casual", 32, -1, 99, False, False, None),
    ("Great Devoid", "ranked", 24, 2, 99, True, False, "Ranked games only. No plug-ins."),
    ("Cloudspine", "ranked", 24, 5, 99, True, False, "Ranked, caste 5 and up."),
    ("Dagger's Edge", "ranked", 16, 0, 5, True, False, "Ranked for the lower castes."),
    ("Tournament Hall", "tournament", 16, 3, 99, True, True, "Brackets posted on the forum."),
    ("Spring Cup 2025", "tournament", 16, 6, 99, True, True, "Finals: Saturday 20:00 UTC."),
    ("Veterans' Lodge", "casual", 24, 8, 99, False, False, None),
    ("Co-op Campaign", "coop", 8, -1, 99, False, False, "Play the campaign together."),
    ("Plug-in Playground", "custom", 32, -1, 99, False, False, "Plug-ins allowed."),
    ("Tain", "custom", 12, -1, 99, False, False, None),
)
# Documentation address ranges (RFC 5737, RFC 3849): never anyone's real address.
IP_PREFIXES = ("192.0.2.", "198.51.100.", "203.0.113.")
# Live sessions are long-lived login tokens, valid well past the demo's "now".
LIVE_SESSION_DAYS = 5 * 365


def _metaserver_users(rng: random.Random, total: int) -> list[tuple[Any, ...]]:
    names: set[str] = set()
    rows = []
    for i in range(total):
        name = rng.choice(HANDLE_HEADS) + rng.choice(HANDLE_TAILS)
        while name in names:
            name = f"{rng.choice(HANDLE_HEADS)}{rng.choice(HANDLE_TAILS)}{rng.randrange(10, 1000)}"
        names.add(name)
        created = moment_between(rng, METASERVER_START, DEMO_NOW - timedelta(days=30))
        # Logins cluster in recent weeks (about half in the last 30 days); some never did.
        recent = DEMO_NOW - timedelta(days=rng.expovariate(1 / 45), seconds=rng.randrange(86400))
        last_login = None if rng.random() < 0.1 else max(created, recent)
        caste = min(int(rng.expovariate(0.3)), 12)
        meta = {
            "client": rng.choice(("Myth II 1.8.5", "Myth II 1.8.4", "Myth II 1.8.5 (mac)")),
            "locale": rng.choice(("en_US", "en_GB", "de_DE", "fr_FR", "pl_PL", "ja_JP")),
            "clan": rng.choice(CLANS),
            "color": [rng.randrange(256) for _ in range(3)],
        }
        rows.append(
            (
                i + 1,
                name,
                hashlib.sha512(f"demo:{name}".encode()).hexdigest(),
                caste,
                created,
                last_login,
                rng.random() > 0.04,
                i < 3,
                Jsonb(meta),
            )
        )
    return rows


def load_metaserver(session: Session, scale: int) -> dict[str, int]:
    """Load Myth metaserver data: ~150 players per scale, 12 rooms, ~300 games per scale
    with their player stats, and live, expired and revoked sessions.

    Raises ValueError for a bad scale or when a metaserver table is not empty.
    """
    check_scale(scale)
    require_empty(session, [MetaUser, Room, Game, PlayerStat, MetaSession])
    rng = random.Random(2002)
    counts: dict[str, int] = {}

    users = _metaserver_users(rng, 150 * scale)
    counts["metaserver.users"] = copy_rows(
        session,
        MetaUser,
        ("id", "username", "password_hash", "caste", "created_at", "last_login", "is_active", "is_admin", "metadata"),
        users,
    )
    room_created = datetime(2024, 5, 1, tzinfo=UTC)
    counts["metaserver.rooms"] = copy_rows(
        session,
        Room,
        (
            "id",
            "name",
            "room_type",
            "max_players",
            "min_caste",
            "max_caste",
            "is_ranked",
            "is_tournament",
            "created_at",
            "metadata",
        ),
        (
            (
                i + 1,
                name,
                kind,
                most,
                low,
                high,
                ranked,
                cup,
                room_created + timedelta(days=i),
                Jsonb({"motd": motd} if motd else {}),
            )
            for i, (name, kind, most, low, high, ranked, cup, motd) in enumerate(ROOMS)
        ),
    )
    # Players a room admits, by its caste bounds.
    eligible = [
        [u[0] for u in users if low <= u[3] <= high] or [u[0] for u in users] for _, _, _, low, high, *_ in ROOMS
    ]
    players = {u[0]: (u[1], u[4]) for u in users}
    counts["metaserver.games"] = counts["metaserver.player_stats"] = 0
    for chunk in batched(_games(rng, eligible, players, 300 * scale), 5000):
        counts["metaserver.games"] += copy_rows(
            session,
            Game,
            ("id", "room_id", "game_type", "start_time", "end_time", "player_count", "game_state", "metadata"),
            (game for game, _ in chunk),
        )
        counts["metaserver.player_stats"] += copy_rows(
            session,
            PlayerStat,
            ("user_id", "game_id", "score", "kills", "deaths", "assists", "played_at", "metadata"),
            (stat for _, stats in chunk for stat in stats),
        )
    counts["metaserver.sessions"] = copy_rows(
        session,
        MetaSession,
        ("user_id", "session_token", "ip_address", "created_at", "expires_at", "is_active"),
        _sessions(rng, users),
    )
    for model in (MetaUser, Room, Game):
        reset_sequence(session, model)
    return counts


def _games(
    rng: random.Random, eligible: list[list[int]], players: dict[int, tuple[str, datetime]], total: int
) -> Iterator[tuple[tuple[Any, ...], list[tuple[Any, ...]]]]:
    """Yield (game row, its player_stats rows): finished games, a few still being played.

    eligible holds the players each room admits; players maps id to (name, joined).
    """
    for game_id in range(1, total + 1):
        room = rng.randrange(len(ROOMS))
        live = rng.random() < 0.01
        if live:
            start, end = DEMO_NOW - timedelta(minutes=rng.randint(1, 40)), None
        else:
            start = moment_between(rng, GAMES_START, DEMO_NOW - timedelta(hours=1))
            end = start + timedelta(minutes=rng.randint(6, 45))
        teams = rng.choice((2, 2, 2, 3, 4))
        wanted = rng.randint(2, 12)
        candidates = rng.sample(eligible[room], min(len(eligible[room]), 2 * wanted))
        # Only players who had joined by then; failing that, anyone (a tiny early dataset).
        seated = [u for u in candidates if players[u][1] <= start][:wanted] or candidates[:wanted]
        winner = None if live else rng.randrange(teams)
        stats = []
        for slot, user_id in enumerate(seated):
            team = slot % teams
            kills, deaths, assists = rng.randint(0, 30), rng.randint(0, 20), rng.randint(0, 10)
            result = None if live else ("win" if team == winner else "loss")
            stats.append(
                (
                    user_id,
                    game_id,
                    kills * 10 + assists * 3 - deaths * 2,
                    kills,
                    deaths,
                    assists,
                    end or start,
                    Jsonb({"team": team, "result": result, "units_lost": rng.randint(0, 40)}),
                )
            )
        # A game outlives its room: the room of ~1% was deleted since (ON DELETE SET NULL).
        room_id = None if rng.random() < 0.01 else room + 1
        state = {
            "map": rng.choice(MAPS),
            "teams": teams,
            "winner_team": winner,
            "time_limit_minutes": rng.choice((10, 15, 20, 30)),
        }
        meta = {"host": players[seated[0]][0], "plugins": [] if rng.random() < 0.8 else ["Tain Ops"]}
        yield ((game_id, room_id, rng.choice(GAME_TYPES), start, end, len(seated), Jsonb(state), Jsonb(meta)), stats)


def _sessions(rng: random.Random, users: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """A live session for most recent logins, plus older sessions: expired or revoked."""
    rows = []
    for user_id, _, _, _, created_at, last_login, *_ in users:
        if last_login is None:
            continue
        starts = []
        if last_login >= DEMO_NOW - timedelta(days=30) and rng.random() < 0.8:
            starts.append((last_login, LIVE_SESSION_DAYS, True))
        for _ in range(rng.choice((0, 1, 1, 2))):
            revoked = rng.random() < 0.4
            # A revoked token was long-lived; an expired one was a 30-day session.
            starts.append(
                (moment_between(rng, created_at, last_login), LIVE_SESSION_DAYS if revoked else 30, not revoked)
            )
        for created, days, active in starts:
            if rng.random() < 0.25:
                address = f"2001:db8::{rng.randrange(1, 0xFFFF):x}:{rng.randrange(1, 0xFFFF):x}"
            else:
                address = f"{rng.choice(IP_PREFIXES)}{rng.randrange(1, 255)}"
            rows.append(
                (user_id, f"{rng.getrandbits(256):064x}", address, created, created + timedelta(days=days), active)
            )
    return rows

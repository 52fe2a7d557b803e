"""Demo data for Geminya's gacha schema: the catalogue and game tables, then the players.

The catalogue (series, characters), shop, missions, gift codes and banners are fixed in
size; players (gacha_players.py) grow with the scale.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta, timezone
from typing import Any

from sqlalchemy.orm import Session

from data.demo import gacha_catalog as cat
from data.demo.gacha_players import COLUMNS, PlayerFactory, as_json
from data.demo.rows import batched, check_scale, copy_rows, require_empty, reset_sequence
from data.models import gacha as g

PLAYERS_PER_SCALE = 200
CHUNK = 1000  # players generated and copied at a time: memory stays flat at any scale
GENERATED_SERIES = 50  # after the 30 real ones
CHARACTERS_PER_GENERATED_SERIES = 10
FIRST_GENERATED_CHARACTER = 1001  # clear of the real MyAnimeList-derived ids
CATALOGUE_IMPORTED = datetime(2024, 12, 20, 12)
SHOP_OPENED = datetime(2025, 1, 1)
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
STAT_NAMES = ("hp", "atk", "mag", "vit", "spr", "int", "spd", "lck")
ROLES = ("Mage", "Attacker", "Healer", "Buffer", "Debuffer", "Defender", "Specialist")
# Tables whose keys other rows use: generated explicitly, so their sequences need moving on.
EXPLICIT_IDS = (
    g.GachaUser,
    g.UserWaifu,
    g.Equipment,
    g.UserExpedition,
    g.UserPurchase,
    g.ShopItem,
    g.Banner,
    g.DailyMission,
)

Put = Callable[[type, tuple[str, ...], Iterable[tuple[Any, ...] | list[Any]]], None]


def load_gacha(session: Session, scale: int) -> dict[str, int]:
    """Load the gacha demo and return the rows inserted per table.

    A catalogue of 80 series and ~590 characters, 15 shop items, 12 banners, 10 daily
    missions and 11 gift codes (unlimited, limited, exhausted, expired, inactive, unused),
    then 200 players per scale with ~25 characters each (~5,000 user_waifus rows per
    scale: a million at scale 200) and everything they did, ledger included.

    Raises ValueError for a bad scale or when a gacha table is not empty.
    """
    check_scale(scale)
    require_empty(
        session, [g.Series, g.Waifu, g.ShopItem, g.Banner, g.BannerItem, g.DailyMission, g.GiftCode, *COLUMNS]
    )
    rng = random.Random(4004)
    counts: dict[str, int] = {}

    def put(model: type, columns: tuple[str, ...], rows: Iterable[tuple[Any, ...] | list[Any]]) -> None:
        name = model.__table__.fullname  # type: ignore[attr-defined]  # every model put here is mapped
        counts[name] = counts.get(name, 0) + copy_rows(session, model, columns, rows)

    waifus = _catalogue(rng, put)
    banners = _game_tables(rng, put, waifus)
    players = PlayerFactory(rng, waifus, banners)
    for user_ids in batched(range(1, PLAYERS_PER_SCALE * scale + 1), CHUNK):
        for user_id in user_ids:
            players.build(user_id)
        # Parents before children: COLUMNS is in foreign-key order.
        for model, columns in COLUMNS.items():
            put(model, columns, players.rows.pop(model, []))
    for model in EXPLICIT_IDS:
        reset_sequence(session, model)
    return counts


def _catalogue(rng: random.Random, put: Put) -> list[tuple[int, str, int]]:
    """Series and characters, real then generated; returns (waifu_id, name, rarity) each."""
    series = [
        (
            sid,
            name,
            english,
            as_json({"studio": studio}),
            genres,
            cat.MAL_ANIME + image,
            favorites,
            members,
            score,
            synopsis,
        )
        for sid, name, english, studio, genres, favorites, members, score, image, synopsis in cat.REAL_SERIES
    ]
    characters = [
        (wid, name, sid, rarity, arch, elements, cat.MAL_CHARACTERS + image, birthday)
        for wid, name, sid, rarity, arch, elements, image, birthday in cat.REAL_CHARACTERS
    ]
    titles = [(a, b) for a in cat.TITLE_FIRST for b in cat.TITLE_SECOND]
    names = [f"{given} {family}" for given in cat.GIVEN_NAMES for family in cat.FAMILY_NAMES]
    rng.shuffle(titles)
    rng.shuffle(names)
    waifu_ids = iter(range(FIRST_GENERATED_CHARACTER, 10**6))
    first_id = len(cat.REAL_SERIES) + 1
    for sid, ((first, first_en), (second, second_en)) in enumerate(titles[:GENERATED_SERIES], start=first_id):
        members = int(rng.lognormvariate(12, 1))
        genres = "|".join(sorted(rng.sample(cat.GENRE_WORDS, rng.randint(2, 4))))
        series.append(
            (
                sid,
                f"{first} no {second}",
                f"{second_en} of the {first_en}",
                as_json({"studio": rng.choice(cat.STUDIOS)}),
                genres,
                None,
                members // rng.randint(20, 80),
                members,
                round(rng.uniform(6.0, 8.9), 2),
                f"An original {second_en.lower()} story set under the {first_en.lower()}.",
            )
        )
        for _ in range(CHARACTERS_PER_GENERATED_SERIES):
            if rng.random() < 0.85:
                elements: tuple[str, ...] = (rng.choice(cat.ELEMENTS),)
            else:
                elements = tuple(rng.sample(cat.ELEMENTS, 2))
            birthday = f"{rng.choice(MONTHS)} {rng.randint(1, 28)}" if rng.random() < 0.5 else None
            rarity = rng.choices((1, 2, 3), (45, 30, 25))[0]
            characters.append(
                (next(waifu_ids), names.pop(), sid, rarity, rng.choice(cat.ARCHETYPES), elements, None, birthday)
            )
    put(
        g.Series,
        (
            "series_id",
            "name",
            "english_name",
            "studios",
            "genres",
            "image_link",
            "favorites",
            "members",
            "score",
            "synopsis",
        ),
        series,
    )
    series_by_id = {s[0]: (s[1], s[2] or s[1]) for s in series}
    put(
        g.Waifu,
        (
            "waifu_id",
            "name",
            "series_id",
            "series",
            "genre",
            "rarity",
            "image_url",
            "about",
            "stats",
            "elemental_type",
            "archetype",
            "potency",
            "elemental_resistances",
            "birthday",
            "favorite_gifts",
            "special_dialogue",
            "created_at",
        ),
        [_character_row(rng, character, *series_by_id[character[2]]) for character in characters],
    )
    return [(c[0], c[1], c[3]) for c in characters]


def _character_row(rng: random.Random, character: tuple[Any, ...], series: str, english: str) -> tuple[Any, ...]:
    """A waifus row with game data shaped like Geminya's: stats, potency, resistances."""
    waifu_id, name, series_id, rarity, archetype, elements, image, birthday = character
    total = 700 + 40 * rarity
    stats = {stat: total // 8 + rng.randint(-25, 25) for stat in STAT_NAMES}
    potency = {role: rng.choice("CCCBD") for role in ROLES}
    potency[rng.choice(ROLES)] = "S" if rarity == 3 else "A"
    resistances = dict.fromkeys(cat.ELEMENTS, "neutral")
    for element in elements:
        resistances[element] = "resist"
        weakness = cat.WEAKNESS.get(element)
        if weakness and weakness not in elements:
            resistances[weakness] = "weak"
    born = None
    if birthday:
        month, day = birthday.split()
        born = date(2000, MONTHS.index(month) + 1, int(day))  # the year is not part of the data
    about = f"Birthday: {birthday or 'Unknown'}\nGender: Female\nSeries: {english}\nArchetype: {archetype}"
    gifts = rng.sample(cat.GIFTS, rng.randint(2, 3))
    return (
        waifu_id,
        name,
        series_id,
        series,
        "Anime",
        rarity,
        image,
        about,
        as_json(stats),
        as_json(list(elements)),
        archetype,
        as_json(potency),
        as_json(resistances),
        born,
        as_json(gifts),
        "{}",
        CATALOGUE_IMPORTED,
    )


def _game_tables(rng: random.Random, put: Put, waifus: list[tuple[int, str, int]]) -> list[tuple[Any, ...]]:
    """Shop items, missions, gift codes, banners and their pools; returns the banner rows."""
    put(
        g.ShopItem,
        (
            "id",
            "name",
            "description",
            "price",
            "category",
            "item_type",
            "item_data",
            "effects",
            "stock_limit",
            "is_active",
            "created_at",
        ),
        [
            (i, name, text, price, category, kind, as_json(data), as_json(effects), stock, active, SHOP_OPENED)
            for i, (name, text, price, _, category, kind, data, effects, stock, active) in enumerate(
                cat.SHOP_ITEMS, start=1
            )
        ],
    )
    put(
        g.DailyMission,
        (
            "id",
            "name",
            "description",
            "type",
            "target_count",
            "reward_type",
            "reward_amount",
            "difficulty",
            "is_active",
        ),
        [(i, *mission) for i, mission in enumerate(cat.MISSIONS, start=1)],
    )
    put(
        g.GiftCode,
        ("code", "reward_type", "reward_value", "is_active", "usage_limit", "created_at", "expires_at"),
        [
            (
                code,
                kind,
                value,
                active,
                limit,
                datetime.fromisoformat(created),
                datetime.fromisoformat(expires).replace(tzinfo=timezone.utc) if expires else None,
            )
            for code, kind, value, active, limit, created, expires, _ in cat.GIFT_CODES
        ],
    )

    rarity_of = {c[0]: c[3] for c in cat.REAL_CHARACTERS}
    real_series = [s[0] for s in cat.REAL_SERIES]
    banners: list[tuple[Any, ...]] = []
    items: list[tuple[int, int, bool, float | None]] = []
    for i, name in enumerate(cat.BANNER_NAMES, start=1):
        # The last two run across the demo's "now": those are the live ones.
        current = i > len(cat.BANNER_NAMES) - 2
        kind = "limited" if i % 3 == 0 else "rate-up"
        if current:
            start, end = datetime(2025, 12, 20), datetime(2026, 1, 20)
        else:
            start = datetime(2025, 1, 6) + timedelta(days=30 * (i - 1))
            end = start + timedelta(days=14 if kind == "limited" else 21)
        featured = sorted(rng.sample(real_series, rng.randint(1, 2)))
        banners.append(
            (i, name, kind, start, end, f"{name}: featured characters at boosted rates.", current, as_json(featured))
        )
        # Featured characters at boosted rates (a probability), then the ordinary pool.
        chosen = sorted(c[0] for c in cat.REAL_CHARACTERS if c[2] in featured)
        items.extend((i, wid, True, {3: 0.007, 2: 0.03, 1: 0.05}[rarity_of[wid]]) for wid in chosen)
        for wid, _, _ in rng.sample(waifus, 10):
            if wid not in chosen:
                chosen.append(wid)
                items.append((i, wid, False, None))
    put(g.Banner, ("id", "name", "type", "start_time", "end_time", "description", "is_active", "series_ids"), banners)
    put(g.BannerItem, ("banner_id", "item_id", "rate_up", "drop_rate"), items)
    return banners

"""Demo data for Geminya's gacha schema: a catalogue, and players who have played a while.

Players are generated one at a time with everything they own and did (collection,
equipment, expeditions, purchases, missions, gift codes, conversations); every change to a
balance is an event, and the events, replayed in time order, become the currency ledger.
A deduction the balance cannot cover does not happen (a purchase is then 'failed'), so the
ledger's running balance never goes negative and its sum per currency is the user's balance.
Rows are buffered for a chunk of players and COPYed, so memory stays flat at any scale.
"""

from __future__ import annotations

import itertools
import json
import random
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone

from sqlalchemy.orm import Session

from data.demo import gacha_catalog as cat
from data.demo.rows import DEMO_NOW_NAIVE, check_scale, copy_rows, moment_between, require_empty, reset_sequence
from data.models import gacha as g

PLAYERS_PER_SCALE = 200
CHUNK = 1000  # players generated and copied at a time
NOW = DEMO_NOW_NAIVE
START = datetime(2025, 1, 1)
CATALOGUE_IMPORTED = datetime(2024, 12, 20, 12)
BOT = "geminya"  # the ledger's operator for changes the game itself made

COLUMNS: dict[type, tuple[str, ...]] = {
    g.GachaUser: ("id", "discord_id", "academy_name", "collector_rank", "sakura_crystals", "quartzs",
                  "pity_counter", "last_daily_reset", "daphine", "created_at"),
    g.UserWaifu: ("id", "user_id", "waifu_id", "bond_level", "constellation_level",
                  "current_star_level", "star_shards", "character_shards", "is_awakened",
                  "current_mood", "last_interaction", "total_conversations", "favorite_memory",
                  "custom_nickname", "room_decorations", "obtained_at"),
    g.Equipment: ("id", "discord_id", "main_effect", "unlocked_sub_slots", "created_at", "updated_at"),
    g.EquipmentSubSlot: ("equipment_id", "slot_index", "effect", "is_unlocked"),
    g.UserExpedition: ("id", "user_id", "expedition_name", "location", "difficulty", "status",
                       "duration_hours", "started_at", "completed_at", "rewards_claimed",
                       "expedition_data", "final_results", "equipped_equipment_id"),
    g.ExpeditionParticipant: ("expedition_id", "user_waifu_id", "position_in_party",
                              "star_level_used", "final_hp", "final_mp"),
    g.ExpeditionLog: ("expedition_id", "log_type", "encounter_number", "message", "data", "timestamp"),
    g.UserPurchase: ("id", "user_id", "shop_item_id", "quantity", "total_cost", "currency_type",
                     "transaction_status", "purchased_at"),
    g.UserInventoryItem: ("user_id", "item_name", "item_type", "quantity", "metadata", "effects",
                          "is_active", "expires_at", "acquired_at"),
    g.UserMissionProgress: ("user_id", "mission_id", "current_progress", "completed", "claimed", "date"),
    g.GiftCodeRedemption: ("user_id", "code", "redeemed_at"),
    g.Conversation: ("user_id", "waifu_id", "user_message", "waifu_response", "mood_change", "timestamp"),
    g.CurrencyLedger: ("user_id", "currency", "delta", "balance_after", "reason", "operator", "created_at"),
}
# Tables whose keys other rows use: generated explicitly, so their sequences need moving on.
EXPLICIT_IDS = (g.GachaUser, g.UserWaifu, g.Equipment, g.UserExpedition, g.UserPurchase,
                g.ShopItem, g.Banner, g.DailyMission)


def _json(value: object) -> str:
    """The seed's JSON-in-TEXT columns hold compact JSON, as the bot's json.dumps writes it."""
    return json.dumps(value, ensure_ascii=False)


def _day(value: str) -> datetime:
    return datetime.fromisoformat(value)


def load_gacha(session: Session, scale: int) -> dict[str, int]:
    """Load the gacha demo: a catalogue of 80 series and ~590 characters, shop, banners,
    missions and gift codes, and 200 players per scale with ~25 characters each (so
    user_waifus grows by ~5,000 rows per scale), plus their ledger.

    Raises ValueError for a bad scale or when a gacha table is not empty.
    """
    check_scale(scale)
    models = [g.Series, g.Waifu, g.ShopItem, g.Banner, g.BannerItem, g.DailyMission,
              g.GiftCode, *COLUMNS]
    require_empty(session, models)
    rng = random.Random(4004)
    counts: dict[str, int] = {}

    def put(model: type, columns: tuple[str, ...], rows: object) -> None:
        name = model.__table__.fullname  # type: ignore[attr-defined]
        counts[name] = counts.get(name, 0) + copy_rows(session, model, columns, rows)  # type: ignore[arg-type]

    waifus = _catalogue(rng, put)
    banners = _game_tables(rng, put, waifus)
    players = _Players(rng, waifus, banners)
    for first in range(1, PLAYERS_PER_SCALE * scale + 1, CHUNK):
        last = min(first + CHUNK, PLAYERS_PER_SCALE * scale + 1)
        for user_id in range(first, last):
            players.build(user_id)
        for model, columns in COLUMNS.items():
            put(model, columns, players.rows.pop(model, []))
    for model in EXPLICIT_IDS:
        reset_sequence(session, model)
    return counts


def _catalogue(rng: random.Random, put: Callable) -> list[tuple[int, str, int]]:
    """Series and characters: the real ones, then generated ones. Returns (id, name, rarity)."""
    series = [(sid, name, english, _json({"studio": studio}), genres, favorites, members, score,
               cat.MAL_ANIME + image, synopsis)
              for sid, name, english, studio, genres, favorites, members, score, image, synopsis
              in cat.REAL_SERIES]
    characters = [(wid, name, sid, rarity, arch, elements, cat.MAL_CHARACTERS + image, birthday)
                  for wid, name, sid, rarity, arch, elements, image, birthday in cat.REAL_CHARACTERS]
    titles = [(a, b) for a in cat.TITLE_FIRST for b in cat.TITLE_SECOND]
    names = [f"{given} {family}" for given in cat.GIVEN_NAMES for family in cat.FAMILY_NAMES]
    rng.shuffle(titles)
    rng.shuffle(names)
    next_waifu = 1001
    for sid, ((first, first_en), (second, second_en)) in enumerate(titles[:50], start=31):
        members = int(rng.lognormvariate(12, 1))
        series.append((sid, f"{first} no {second}", f"{second_en} of the {first_en}",
                       _json({"studio": rng.choice(cat.STUDIOS)}),
                       "|".join(sorted(rng.sample(cat.GENRE_WORDS, rng.randint(2, 4)))),
                       members // rng.randint(20, 80), members, round(rng.uniform(6.0, 8.9), 2),
                       None, f"An original {second_en.lower()} story set under the {first_en.lower()}."))
        for _ in range(10):
            elements = (rng.choice(cat.ELEMENTS),) if rng.random() < 0.85 else tuple(rng.sample(cat.ELEMENTS, 2))
            birthday = f"{date(2000, rng.randint(1, 12), 1):%B} {rng.randint(1, 28)}" if rng.random() < 0.5 else None
            characters.append((next_waifu, names.pop(), sid, rng.choices((1, 2, 3), (45, 30, 25))[0],
                               rng.choice(cat.ARCHETYPES), elements, None, birthday))
            next_waifu += 1
    put(g.Series, ("series_id", "name", "english_name", "studios", "genres", "image_link",
                   "favorites", "members", "score", "synopsis"),
        [(s[0], s[1], s[2], s[3], s[4], s[8], s[5], s[6], s[7], s[9]) for s in series])
    series_names = {s[0]: s[1] for s in series}
    english = {s[0]: s[2] or s[1] for s in series}
    rows = []
    for wid, name, sid, rarity, arch, elements, image, birthday in characters:
        total = 700 + 40 * rarity
        stats = {k: total // 8 + rng.randint(-25, 25) for k in ("hp", "atk", "mag", "vit", "spr", "int", "spd", "lck")}
        grades = {role: rng.choice("CCCBD") for role in ("Mage", "Attacker", "Healer", "Buffer", "Debuffer", "Defender", "Specialist")}
        grades[rng.choice(list(grades))] = "S" if rarity == 3 else "A"
        resist = {e: "neutral" for e in cat.ELEMENTS}
        for element in elements:
            resist[element] = "resist"
            if element in cat.WEAKNESS and cat.WEAKNESS[element] not in elements:
                resist[cat.WEAKNESS[element]] = "weak"
        born = datetime.strptime(f"{birthday} 2000", "%B %d %Y").date() if birthday else None
        about = f"Birthday: {birthday or 'Unknown'}\nGender: Female\nSeries: {english[sid]}\nArchetype: {arch}"
        rows.append((wid, name, sid, series_names[sid], "Anime", rarity, image, about, _json(stats),
                     _json(list(elements)), arch, _json(grades), _json(resist), born,
                     _json(rng.sample(cat.GIFTS, rng.randint(2, 3))), "{}", CATALOGUE_IMPORTED))
    put(g.Waifu, ("waifu_id", "name", "series_id", "series", "genre", "rarity", "image_url", "about",
                  "stats", "elemental_type", "archetype", "potency", "elemental_resistances",
                  "birthday", "favorite_gifts", "special_dialogue", "created_at"), rows)
    return [(c[0], c[1], c[3]) for c in characters]


def _game_tables(rng: random.Random, put: Callable, waifus: list[tuple[int, str, int]]) -> list[tuple]:
    """Shop items, missions, gift codes, banners and their pools. Returns the banners."""
    put(g.ShopItem, ("id", "name", "description", "price", "category", "item_type", "item_data",
                     "effects", "stock_limit", "is_active", "created_at"),
        [(i, name, text, price, category, kind, _json(data), _json(effects), stock, active, START)
         for i, (name, text, price, _, category, kind, data, effects, stock, active)
         in enumerate(cat.SHOP_ITEMS, start=1)])
    put(g.DailyMission, ("id", "name", "description", "type", "target_count", "reward_type",
                         "reward_amount", "difficulty", "is_active"),
        [(i, *mission) for i, mission in enumerate(cat.MISSIONS, start=1)])
    put(g.GiftCode, ("code", "reward_type", "reward_value", "is_active", "usage_limit", "created_at",
                     "expires_at"),
        [(code, kind, value, active, limit, _day(created),
          _day(expires).replace(tzinfo=timezone.utc) if expires else None)
         for code, kind, value, active, limit, created, expires, _ in cat.GIFT_CODES])
    banners, items = [], []
    featured_pool = [s[0] for s in cat.REAL_SERIES]
    for i, name in enumerate(cat.BANNER_NAMES, start=1):
        current = i > len(cat.BANNER_NAMES) - 2
        start = datetime(2025, 12, 20) if current else datetime(2025, 1, 6) + timedelta(days=30 * (i - 1))
        kind = "limited" if i % 3 == 0 else "rate-up"
        end = start + timedelta(days=31 if current else (14 if kind == "limited" else 21))
        featured = sorted(rng.sample(featured_pool, rng.randint(1, 2)))
        banners.append((i, name, kind, start, end, f"{name}: featured characters at boosted rates.",
                        current, _json(featured)))
        chosen = {c[0] for c in cat.REAL_CHARACTERS if c[2] in featured}
        for wid in sorted(chosen):
            rarity = next(c[3] for c in cat.REAL_CHARACTERS if c[0] == wid)
            items.append((i, wid, True, {3: 0.007, 2: 0.03, 1: 0.05}[rarity]))
        for wid, _, _ in rng.sample(waifus, 10):
            if wid not in chosen:
                chosen.add(wid)
                items.append((i, wid, False, None))
    put(g.Banner, ("id", "name", "type", "start_time", "end_time", "description", "is_active",
                   "series_ids"), banners)
    put(g.BannerItem, ("banner_id", "item_id", "rate_up", "drop_rate"), items)
    return banners


class _Players:
    """Builds players one by one into per-table row buffers (self.rows)."""

    def __init__(self, rng: random.Random, waifus: list[tuple[int, str, int]], banners: list[tuple]) -> None:
        self.rng = rng
        self.waifus = waifus
        # Common characters turn up far more often than rare ones.
        self.cum_weights = list(itertools.accumulate({1: 6, 2: 3, 3: 1}[r] for _, _, r in waifus))
        self.banners = banners
        self.rows: dict[type, list[tuple]] = {}
        self.ids = {g.UserWaifu: 0, g.Equipment: 0, g.UserExpedition: 0, g.UserPurchase: 0}
        self.discord_ids: set[str] = set()
        self.redeemed = {code[0]: 0 for code in cat.GIFT_CODES}
        self.active_missions = [i for i, m in enumerate(cat.MISSIONS, start=1) if m[7]]

    def _next(self, model: type) -> int:
        self.ids[model] += 1
        return self.ids[model]

    def _add(self, model: type, row: tuple) -> None:
        self.rows.setdefault(model, []).append(row)

    def build(self, user_id: int) -> None:
        """Generate one player and everything they own and did."""
        rng = self.rng
        created = moment_between(rng, START, NOW - timedelta(days=7))
        # Discord snowflakes encode the account's creation time (ms since 2015) in the top bits.
        discord_id = str((int((created - timedelta(days=rng.randint(30, 900))).timestamp() * 1000)
                          - 1420070400000) << 22 | rng.getrandbits(22))
        while discord_id in self.discord_ids:
            discord_id = str(int(discord_id) + 1)
        self.discord_ids.add(discord_id)
        events: list[tuple] = [(created, 0, "sakura_crystals", 2000, "Starting crystals", BOT, None)]
        owned = self._collection(user_id, created, events)
        equipment = self._equipment(discord_id, created)
        claimed_loot = self._expeditions(user_id, created, owned, equipment, events)
        purchases = self._purchases(discord_id, created, events)
        active = rng.random() < 0.7
        if active:
            self._missions(user_id, events)
        self._gift_codes(discord_id, created, events)
        self._daily_and_support(created, events)
        balances, failed = self._ledger(user_id, events)
        for row in purchases:
            if row[0] in failed:
                row[6] = "failed"
        self._inventory(discord_id, purchases, failed, claimed_loot)
        last_reset = NOW - timedelta(days=rng.randint(0, 2)) if active else (
            moment_between(rng, created, NOW) if rng.random() < 0.8 else None)
        self._add(g.GachaUser, (
            user_id, discord_id,
            None if rng.random() < 0.1 else " ".join(rng.choice(words) for words in cat.ACADEMY_WORDS),
            1 + len(owned) // 3 + rng.randint(0, 5), balances["sakura_crystals"], balances["quartzs"],
            rng.randint(0, 89), int(last_reset.replace(tzinfo=timezone.utc).timestamp()) if last_reset else 0,
            balances["daphine"], created))

    def _collection(self, user_id: int, created: datetime, events: list[tuple]) -> list[tuple]:
        """Characters and conversations; returns (user_waifu id, star level) per character."""
        rng = self.rng
        size = rng.randint(8, 42)
        picks: dict[int, None] = {}  # insertion-ordered and duplicate-free
        while len(picks) < size:
            for index in rng.choices(range(len(self.waifus)), cum_weights=self.cum_weights, k=size):
                if len(picks) < size:
                    picks.setdefault(index)
        owned = []
        for index in picks:
            waifu_id, name, rarity = self.waifus[index]
            uw_id = self._next(g.UserWaifu)
            obtained = moment_between(rng, created, NOW)
            stars = min(6, rarity + int(rng.random() ** 3 * 4))
            awakened = stars >= 5 and rng.random() < 0.3
            if awakened:
                events.append((obtained + timedelta(days=rng.randint(1, 20)), 1, "daphine", -3,
                               f"Awakening: {name}", BOT, None))
            talks = sorted(moment_between(rng, obtained, NOW) for _ in range(rng.randint(1, 4))) \
                if rng.random() < 0.08 else []
            for when in talks:
                line = rng.randrange(len(cat.PLAYER_LINES))
                self._add(g.Conversation, (user_id, waifu_id, cat.PLAYER_LINES[line],
                                           cat.WAIFU_LINES[line], rng.randint(-2, 5), when))
            self._add(g.UserWaifu, (
                uw_id, user_id, waifu_id, 1 + int(rng.random() ** 2 * 10),
                min(6, int(rng.expovariate(2.5))), stars, rng.randint(0, 300), rng.randint(0, 120),
                awakened, rng.choice(cat.MOODS), talks[-1] if talks else None, len(talks),
                "The day we watched the fireworks." if rng.random() < 0.02 else None,
                f"{name.split()[0]}-chan" if rng.random() < 0.02 else None,
                _json({"wallpaper": "sakura", "items": ["low table", "cushion"]}) if rng.random() < 0.03 else None,
                obtained))
            owned.append((uw_id, stars))
        # Each character came from a summon: ten-pulls, with a few single pulls.
        for _ in range(max(1, size // 8)):
            when = moment_between(rng, created, NOW)
            banner = next((b[1] for b in self.banners if b[3] <= when < b[4]), "Standard")
            ten = rng.random() < 0.7
            events.append((when, 2, "sakura_crystals", -1000 if ten else -100,
                           f"Summon x{10 if ten else 1}: {banner} banner", BOT, None))
        return owned

    def _equipment(self, discord_id: str, created: datetime) -> list[int]:
        rng = self.rng
        ids = []
        for _ in range(rng.choice((0, 0, 1, 2, 2, 3, 4, 5, 6, 8))):
            eq_id = self._next(g.Equipment)
            made = moment_between(rng, created, NOW)
            kind = rng.choices(("affinity_add", "loot_pool_bonus", "encounter_count_add"), (90, 5, 5))[0]
            main = {"type": kind, "affinity": None, "category": None, "value": None, "stat": None}
            if kind == "affinity_add":
                main.update(affinity="favored", category="elemental", value=rng.choice(cat.ELEMENTS))
            else:
                main["value"] = rng.randint(10, 20) if kind == "loot_pool_bonus" else rng.randint(1, 3)
            unlocked = rng.choice((0, 0, 1, 1, 2, 3, 4, 5))
            for slot in range(1, unlocked + 1):
                final = rng.random() < 0.5
                stat = rng.choice(("atk", "spr", "spd", "int", "lck", "vit", "mag", "all"))
                value = rng.randint(12, 48) if final else rng.randint(5, 20)
                self._add(g.EquipmentSubSlot, (eq_id, slot, _json({
                    "type": "final_stat_check_bonus" if final else "stat_check_bonus", "affinity": None,
                    "category": None, "value": value // 2 if stat == "all" else value, "stat": stat}), True))
            if unlocked < 5 and rng.random() < 0.3:
                self._add(g.EquipmentSubSlot, (eq_id, unlocked + 1, None, False))
            self._add(g.Equipment, (eq_id, discord_id, _json(main), unlocked, made,
                                    moment_between(rng, made, NOW)))
            ids.append(eq_id)
        return ids

    def _expeditions(self, user_id: int, created: datetime, owned: list[tuple], equipment: list[int],
                     events: list[tuple]) -> list[tuple]:
        """Expeditions with parties and logs; returns loot (expedition id, item, when) claimed."""
        rng = self.rng
        busy: set[int] = set()  # characters away on an expedition still in progress
        loot = []
        for _ in range(rng.choice((0, 1, 1, 2, 2, 3, 4, 6))):
            exp_id = self._next(g.UserExpedition)
            location, name, hours, difficulty = rng.choice(cat.EXPEDITIONS)
            status = rng.choices(("completed", "in_progress", "cancelled"), (70, 15, 15))[0]
            free = [o for o in owned if o[0] not in busy]
            party = rng.sample(free, min(len(free), rng.randint(1, 4)))
            if status == "in_progress":
                started = NOW - timedelta(minutes=rng.randint(1, int(hours * 60)))
                busy.update(uw for uw, _ in party)
            else:
                started = moment_between(rng, created, NOW - timedelta(hours=hours + 1))
            done = status == "completed"
            finished = started + timedelta(hours=hours, minutes=rng.randint(0, 600)) if done else None
            claimed = done and rng.random() < 0.85
            results = None
            self._add(g.ExpeditionLog, (exp_id, "start", None, f"The party set out for {name}.",
                                        _json({"party_size": len(party)}), started))
            if done:
                count = max(1, min(8, int(hours * 0.75 * rng.uniform(0.5, 1.5))))
                wins = 0
                for n in range(1, count + 1):
                    encounter, won = rng.choice(cat.ENCOUNTERS), rng.random() < 0.7
                    wins += won
                    when = started + timedelta(hours=hours * n / (count + 1))
                    self._add(g.ExpeditionLog, (
                        exp_id, "encounter", n, f"{encounter}: {'success' if won else 'setback'}.",
                        _json({"encounter": encounter, "success": won, "roll": rng.randint(1, 100)}), when))
                quartzs = rng.randint(20, 60) * max(1, difficulty // 50)
                items = [{"type": "item", "name": rng.choice(cat.LOOT_ITEMS), "quantity": rng.randint(1, 3)}]
                total = [{"type": "quartzs", "amount": quartzs}, *items]
                daphine = rng.randint(1, 3) if rng.random() < 0.2 else 0
                if daphine:
                    total.append({"type": "daphine", "amount": daphine})
                results = {"expedition_success": wins * 2 >= count, "encounters": count, "successes": wins,
                           "final_multiplier": rng.choice(("setback", "standard", "standard", "jackpot")),
                           "total_loot": total}
                self._add(g.ExpeditionLog, (exp_id, "completion", None, f"The party returned from {name}.",
                                            _json({"successes": wins, "encounters": count}), finished))
                if claimed:
                    when = finished + timedelta(minutes=rng.randint(1, 300))
                    events.append((when, 3, "quartzs", quartzs, f"Expedition reward: {name} (#{exp_id})", BOT, None))
                    if daphine:
                        events.append((when, 3, "daphine", daphine, f"Expedition reward: {name} (#{exp_id})", BOT, None))
                    loot.extend((exp_id, item["name"], item["quantity"], when) for item in items)
            elif status == "cancelled":
                self._add(g.ExpeditionLog, (exp_id, "cancellation", None, "Expedition cancelled by user",
                                            "{}", started + timedelta(minutes=rng.randint(5, 120))))
            for position, (uw_id, stars) in enumerate(party):
                self._add(g.ExpeditionParticipant, (exp_id, uw_id, position, stars,
                                                    rng.randint(0, 100) if done else None,
                                                    rng.randint(0, 100) if done else None))
            data = {"name": name, "location": location, "difficulty": str(difficulty), "duration_hours": hours,
                    "template_data": {"expedition_id": location, "name": name, "duration_hours": hours,
                                      "difficulty": difficulty, "num_favored_affinities": rng.randint(1, 3),
                                      "num_disfavored_affinities": rng.randint(0, 2)}}
            self._add(g.UserExpedition, (
                exp_id, user_id, name, location, str(difficulty), status, float(hours), started, finished,
                claimed, _json(data), _json(results) if results else None,
                rng.choice(equipment) if equipment and rng.random() < 0.4 else None))
        return loot

    def _purchases(self, discord_id: str, created: datetime, events: list[tuple]) -> list[list]:
        """Purchases as mutable rows: the ledger replay marks the unaffordable ones failed."""
        rng = self.rng
        rows = []
        for _ in range(rng.choice((0, 0, 1, 1, 2, 3, 4, 6))):
            item_id = rng.randint(1, len(cat.SHOP_ITEMS))
            name, _, price, currency, category, *_ = cat.SHOP_ITEMS[item_id - 1]
            quantity = rng.randint(1, 3) if category == "consumable" else 1
            purchase_id = self._next(g.UserPurchase)
            pending = rng.random() < 0.01
            when = NOW - timedelta(minutes=rng.randint(1, 30)) if pending else moment_between(rng, created, NOW)
            row = [purchase_id, discord_id, item_id, quantity, price * quantity, currency,
                   "pending" if pending else "completed", when]
            rows.append(row)
            if not pending:
                events.append((when, 4, currency, -price * quantity,
                               f"Shop purchase: {name} x{quantity} (#{purchase_id})", BOT, purchase_id))
                if rng.random() < 0.03:
                    row[6] = "refunded"
                    events.append((when + timedelta(days=1), 5, currency, price * quantity,
                                   f"Refund: {name} (#{purchase_id}), item never delivered", "support:aiko", None))
        for row in rows:
            self._add(g.UserPurchase, row)  # type: ignore[arg-type]
        return rows

    def _missions(self, user_id: int, events: list[tuple]) -> None:
        rng = self.rng
        for days_ago in (3, 2, 1):
            day = (NOW - timedelta(days=days_ago)).date()
            for mission_id in sorted(rng.sample(self.active_missions, rng.randint(2, 5))):
                name, _, _, target, reward, amount, *_ = cat.MISSIONS[mission_id - 1]
                progress = rng.randint(0, target) if rng.random() < 0.4 else target
                completed = progress >= target
                claimed = completed and rng.random() < 0.85
                if claimed:
                    when = datetime.combine(day, datetime.min.time()) + timedelta(minutes=rng.randint(600, 1430))
                    events.append((when, 6, reward, amount, f"Daily mission: {name}", BOT, None))
                self._add(g.UserMissionProgress, (user_id, mission_id, progress, completed, claimed, day))

    def _gift_codes(self, discord_id: str, created: datetime, events: list[tuple]) -> None:
        rng = self.rng
        for code, reward, value, active, limit, made, expires, chance in cat.GIFT_CODES:
            if rng.random() >= chance or (limit not in (None, -1) and self.redeemed[code] >= limit):
                continue
            # A deactivated code was live for its first two months.
            end = min(_day(expires) if expires else NOW, NOW if active else _day(made) + timedelta(days=60))
            begin = max(_day(made), created)
            if begin >= end:
                continue
            when = moment_between(rng, begin, end)
            self.redeemed[code] += 1
            self._add(g.GiftCodeRedemption, (discord_id, code, when))
            events.append((when, 7, reward, value, f"Gift code {code}", BOT, None))

    def _daily_and_support(self, created: datetime, events: list[tuple]) -> None:
        rng = self.rng
        for _ in range(rng.randint(1, 6)):
            events.append((moment_between(rng, created, NOW), 8, "sakura_crystals",
                           rng.choice((100, 150, 200)), "Daily reward", BOT, None))
        if rng.random() < 0.05 and created < datetime(2025, 11, 14):
            events.append((datetime(2025, 11, 15, 9) + timedelta(minutes=rng.randint(0, 600)), 9,
                           "sakura_crystals", rng.choice((300, 500, 1000)),
                           "Compensation: maintenance on 2025-11-14", "support:aiko", None))
        if rng.random() < 0.02:
            events.append((moment_between(rng, created, NOW), 9, "quartzs", rng.choice((100, 250)),
                           f"Goodwill: lost expedition rewards (ticket #{rng.randint(4000, 9999)})",
                           "support:ren", None))
        if rng.random() < 0.01:
            events.append((moment_between(rng, created, NOW), 9, "sakura_crystals", -500,
                           "Reversal: gift code credited twice", "support:aiko", None))

    def _ledger(self, user_id: int, events: list[tuple]) -> tuple[dict[str, int], set[int]]:
        """Replay events in time order into ledger rows; return balances and failed purchases."""
        balances = dict.fromkeys(g.CURRENCIES, 0)
        failed: set[int] = set()
        for when, _, currency, delta, reason, operator, purchase in sorted(events, key=lambda e: (e[0], e[1])):
            if balances[currency] + delta < 0:
                if purchase is not None:
                    failed.add(purchase)
                continue
            balances[currency] += delta
            self._add(g.CurrencyLedger, (user_id, currency, delta, balances[currency], reason, operator,
                                         when.replace(tzinfo=timezone.utc)))
        return balances, failed

    def _inventory(self, discord_id: str, purchases: list[list], failed: set[int], loot: list[tuple]) -> None:
        rng = self.rng
        for purchase_id, _, item_id, quantity, _, _, status, when in purchases:
            if status != "completed" or purchase_id in failed:
                continue
            name, _, _, _, category, kind, _, effects, *_ = cat.SHOP_ITEMS[item_id - 1]
            expires = when + timedelta(hours=24) if category == "boost" else None
            used_up = category == "consumable" and rng.random() < 0.3
            self._add(g.UserInventoryItem, (
                discord_id, name, kind, 0 if used_up else quantity,
                _json({"source": "shop", "purchase_id": purchase_id}), _json(effects),
                not used_up and (expires is None or expires > NOW), expires, when))
        for exp_id, name, quantity, when in loot:
            self._add(g.UserInventoryItem, (discord_id, name, "material", quantity,
                                            _json({"source": "expedition", "expedition_id": exp_id}),
                                            None, True, None, when))

"""Gacha players for the demo: each generated with everything they own and did.

Every change to a player's balances (starting crystals, summons, purchases, rewards, gift
codes, missions, support grants) is an event; replayed in time order, the events become
the currency ledger. A deduction the balance cannot cover does not happen (a purchase is
refused), so the running balance never goes negative and the ledger's sum per currency is
exactly the user's balance.
"""

from __future__ import annotations

import heapq
import itertools
import json
import random
from datetime import datetime, timedelta, timezone
from typing import Any, NamedTuple

from data.demo import gacha_catalog as cat
from data.demo.rows import DEMO_NOW_NAIVE, moment_between
from data.inputs import CURRENCIES
from data.models import gacha as g

NOW = DEMO_NOW_NAIVE  # the seed's TIMESTAMP columns are without time zone (UTC)
FIRST_PLAYER = datetime(2025, 1, 1)
BOT = "geminya"  # the ledger's operator for changes the game itself made
MAINTENANCE = datetime(2025, 11, 14)  # compensated by support the next morning

# Per-player tables, in foreign-key order, with the columns each row gives.
COLUMNS: dict[type, tuple[str, ...]] = {
    g.GachaUser: (
        "id",
        "discord_id",
        "academy_name",
        "collector_rank",
        "sakura_crystals",
        "quartzs",
        "pity_counter",
        "last_daily_reset",
        "daphine",
        "created_at",
    ),
    g.UserWaifu: (
        "id",
        "user_id",
        "waifu_id",
        "bond_level",
        "constellation_level",
        "current_star_level",
        "star_shards",
        "character_shards",
        "is_awakened",
        "current_mood",
        "last_interaction",
        "total_conversations",
        "favorite_memory",
        "custom_nickname",
        "room_decorations",
        "obtained_at",
    ),
    g.Equipment: ("id", "discord_id", "main_effect", "unlocked_sub_slots", "created_at", "updated_at"),
    g.EquipmentSubSlot: ("equipment_id", "slot_index", "effect", "is_unlocked"),
    g.UserExpedition: (
        "id",
        "user_id",
        "expedition_name",
        "location",
        "difficulty",
        "status",
        "duration_hours",
        "started_at",
        "completed_at",
        "rewards_claimed",
        "expedition_data",
        "final_results",
        "equipped_equipment_id",
    ),
    g.ExpeditionParticipant: (
        "expedition_id",
        "user_waifu_id",
        "position_in_party",
        "star_level_used",
        "final_hp",
        "final_mp",
    ),
    g.ExpeditionLog: ("expedition_id", "log_type", "encounter_number", "message", "data", "timestamp"),
    g.UserPurchase: (
        "id",
        "user_id",
        "shop_item_id",
        "quantity",
        "total_cost",
        "currency_type",
        "transaction_status",
        "purchased_at",
    ),
    g.UserInventoryItem: (
        "user_id",
        "item_name",
        "item_type",
        "quantity",
        "metadata",
        "effects",
        "is_active",
        "expires_at",
        "acquired_at",
    ),
    g.UserMissionProgress: ("user_id", "mission_id", "current_progress", "completed", "claimed", "date"),
    g.GiftCodeRedemption: ("user_id", "code", "redeemed_at"),
    g.Conversation: ("user_id", "waifu_id", "user_message", "waifu_response", "mood_change", "timestamp"),
    g.CurrencyLedger: ("user_id", "currency", "delta", "balance_after", "reason", "operator", "created_at"),
}


def as_json(value: object) -> str:
    """JSON for the seed's JSON-in-TEXT columns, compact as the bot's json.dumps writes it."""
    return json.dumps(value, ensure_ascii=False)


class Event(NamedTuple):
    """One change to a balance, before the ledger replay decides whether it happens."""

    when: datetime
    order: int  # breaks ties between events at the same second
    currency: str
    delta: int
    reason: str
    operator: str = BOT
    # A shop purchase attempt: (shop item id, quantity, refunded later). Its purchase row
    # is written at replay, when it is known whether the balance covered it.
    purchase: tuple[int, int, bool] | None = None


class PlayerFactory:
    """Builds players one by one into per-table row buffers (self.rows, keyed by model).

    Keys other rows refer to (users, user_waifus, equipment, expeditions, purchases) are
    numbered here from 1, so the tables must start empty.
    """

    def __init__(self, rng: random.Random, waifus: list[tuple[int, str, int]], banners: list[tuple[Any, ...]]) -> None:
        self.rng = rng
        self.waifus = waifus
        # Common characters turn up far more often than rare ones.
        self.cum_weights = list(itertools.accumulate({1: 6, 2: 3, 3: 1}[r] for *_, r in waifus))
        self.banners = banners
        self.rows: dict[type, list[tuple[Any, ...] | list[Any]]] = {}
        self.ids: dict[type, int] = dict.fromkeys((g.UserWaifu, g.Equipment, g.UserExpedition, g.UserPurchase), 0)
        self.discord_ids: set[str] = set()
        self.redeemed = {code[0]: 0 for code in cat.GIFT_CODES}
        self.live_missions = [i for i, m in enumerate(cat.MISSIONS, start=1) if m[7]]

    def _next(self, model: type) -> int:
        self.ids[model] += 1
        return self.ids[model]

    def _add(self, model: type, row: tuple[Any, ...] | list[Any]) -> None:
        self.rows.setdefault(model, []).append(row)

    def build(self, user_id: int) -> None:
        """Generate player user_id and everything they own and did."""
        rng = self.rng
        joined = moment_between(rng, FIRST_PLAYER, NOW - timedelta(days=7))
        discord_id = self._discord_id(joined)
        events = [Event(joined, 0, "sakura_crystals", 2000, "Starting crystals")]
        owned = self._collection(user_id, joined, events)
        equipment = self._equipment(discord_id, joined)
        loot = self._expeditions(user_id, joined, owned, equipment, events)
        self._shopping(joined, events)
        playing = rng.random() < 0.7  # has played in the last few days
        if playing:
            self._missions(user_id, events)
        self._gift_codes(discord_id, joined, events)
        self._daily_and_support(joined, events)
        balances, purchases = self._ledger(user_id, discord_id, events)
        self._inventory(discord_id, purchases, loot)
        if playing:
            last_reset: datetime | None = NOW - timedelta(days=rng.randint(0, 2))
        else:
            last_reset = moment_between(rng, joined, NOW) if rng.random() < 0.8 else None
        academy = None if rng.random() < 0.1 else " ".join(rng.choice(words) for words in cat.ACADEMY_WORDS)
        self._add(
            g.GachaUser,
            (
                user_id,
                discord_id,
                academy,
                1 + len(owned) // 3 + rng.randint(0, 5),
                balances["sakura_crystals"],
                balances["quartzs"],
                rng.randint(0, 89),
                int(last_reset.replace(tzinfo=timezone.utc).timestamp()) if last_reset else 0,
                balances["daphine"],
                joined,
            ),
        )

    def _discord_id(self, joined: datetime) -> str:
        # A snowflake: the Discord account's creation (ms since 2015) in the top bits.
        created = joined - timedelta(days=self.rng.randint(30, 900))
        millis = int(created.replace(tzinfo=timezone.utc).timestamp() * 1000) - 1420070400000
        snowflake = millis << 22 | self.rng.getrandbits(22)
        while str(snowflake) in self.discord_ids:
            snowflake += 1
        self.discord_ids.add(str(snowflake))
        return str(snowflake)

    def _collection(self, user_id: int, joined: datetime, events: list[Event]) -> list[tuple[Any, ...]]:
        """Characters, their summons and conversations; returns (user_waifu id, stars) each."""
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
            obtained = moment_between(rng, joined, NOW)
            stars = min(6, rarity + int(rng.random() ** 3 * 4))
            awakened = stars >= 5 and rng.random() < 0.3
            if awakened:
                when = min(obtained + timedelta(days=rng.randint(1, 20)), NOW)
                events.append(Event(when, 1, "daphine", -3, f"Awakening: {name}"))
            talks = (
                sorted(moment_between(rng, obtained, NOW) for _ in range(rng.randint(1, 4)))
                if rng.random() < 0.08
                else []
            )
            for when in talks:
                line = rng.randrange(len(cat.PLAYER_LINES))
                self._add(
                    g.Conversation,
                    (user_id, waifu_id, cat.PLAYER_LINES[line], cat.WAIFU_LINES[line], rng.randint(-2, 5), when),
                )
            self._add(
                g.UserWaifu,
                (
                    uw_id,
                    user_id,
                    waifu_id,
                    1 + int(rng.random() ** 2 * 10),
                    min(6, int(rng.expovariate(2.5))),
                    stars,
                    rng.randint(0, 300),
                    rng.randint(0, 120),
                    awakened,
                    rng.choice(cat.MOODS),
                    talks[-1] if talks else None,
                    len(talks),
                    "The day we watched the fireworks." if rng.random() < 0.02 else None,
                    f"{name.split()[0]}-chan" if rng.random() < 0.02 else None,
                    as_json({"wallpaper": "sakura", "items": ["low table", "cushion"]})
                    if rng.random() < 0.03
                    else None,
                    obtained,
                ),
            )
            owned.append((uw_id, stars))
        # The characters came from summons: mostly ten-pulls, some single pulls.
        for _ in range(max(1, size // 8)):
            when = moment_between(rng, joined, NOW)
            banner = next((b[1] for b in self.banners if b[3] <= when < b[4]), "Standard")
            pulls = 10 if rng.random() < 0.7 else 1
            events.append(Event(when, 2, "sakura_crystals", -100 * pulls, f"Summon x{pulls}: {banner} banner"))
        return owned

    def _equipment(self, discord_id: str, joined: datetime) -> list[int]:
        """Equipment with the bot's effect JSON; only unlocked sub slots (and sometimes the
        next, still locked) have rows, as the bot writes them."""
        rng = self.rng
        ids = []
        for _ in range(rng.choice((0, 0, 1, 2, 2, 3, 4, 5, 6, 8))):
            eq_id = self._next(g.Equipment)
            made = moment_between(rng, joined, NOW)
            kind = rng.choices(("affinity_add", "loot_pool_bonus", "encounter_count_add"), (90, 5, 5))[0]
            main: dict[str, object] = {"type": kind, "affinity": None, "category": None, "value": None, "stat": None}
            if kind == "affinity_add":
                main.update(affinity="favored", category="elemental", value=rng.choice(cat.ELEMENTS))
            else:
                main["value"] = rng.randint(10, 20) if kind == "loot_pool_bonus" else rng.randint(1, 3)
            unlocked = rng.choice((0, 0, 1, 1, 2, 3, 4, 5))
            for slot in range(1, unlocked + 1):
                final = rng.random() < 0.5
                stat = rng.choice(("atk", "spr", "spd", "int", "lck", "vit", "mag", "all"))
                value = rng.randint(12, 48) if final else rng.randint(5, 20)
                effect = {
                    "type": "final_stat_check_bonus" if final else "stat_check_bonus",
                    "affinity": None,
                    "category": None,
                    "value": value // 2 if stat == "all" else value,
                    "stat": stat,
                }
                self._add(g.EquipmentSubSlot, (eq_id, slot, as_json(effect), True))
            if unlocked < 5 and rng.random() < 0.3:
                self._add(g.EquipmentSubSlot, (eq_id, unlocked + 1, None, False))
            self._add(g.Equipment, (eq_id, discord_id, as_json(main), unlocked, made, moment_between(rng, made, NOW)))
            ids.append(eq_id)
        return ids

    def _expeditions(
        self, user_id: int, joined: datetime, owned: list[tuple[Any, ...]], equipment: list[int], events: list[Event]
    ) -> list[tuple[Any, ...]]:
        """Expeditions, parties and logs; returns claimed loot as (expedition, item, qty, when)."""
        rng = self.rng
        away: set[int] = set()  # characters on an expedition still in progress
        loot = []
        for _ in range(rng.choice((0, 1, 1, 2, 2, 3, 4, 6))):
            exp_id = self._next(g.UserExpedition)
            location, name, hours, difficulty = rng.choice(cat.EXPEDITIONS)
            status = rng.choices(("completed", "in_progress", "cancelled"), (70, 15, 15))[0]
            free = [o for o in owned if o[0] not in away]
            party = rng.sample(free, min(len(free), rng.randint(1, 4)))
            if status == "in_progress":
                started = NOW - timedelta(minutes=rng.randint(1, int(hours * 60)))
                away.update(uw_id for uw_id, _ in party)
            else:
                # Early enough that the return (up to 10 h late) and the claim are past.
                started = moment_between(rng, joined, NOW - timedelta(hours=hours + 16))
            done = status == "completed"
            finished = started + timedelta(hours=hours, minutes=rng.randint(0, 600)) if done else None
            claimed = done and rng.random() < 0.85
            results = None
            self._add(
                g.ExpeditionLog,
                (exp_id, "start", None, f"The party set out for {name}.", as_json({"party_size": len(party)}), started),
            )
            if done and finished:
                results = self._resolve(exp_id, name, hours, difficulty, started, finished)
                if claimed:
                    when = finished + timedelta(minutes=rng.randint(1, 300))
                    reason = f"Expedition reward: {name} (#{exp_id})"
                    for reward in results["total_loot"]:
                        if reward["type"] == "item":
                            loot.append((exp_id, reward["name"], reward["quantity"], when))
                        else:
                            events.append(Event(when, 3, reward["type"], reward["amount"], reason))
            elif status == "cancelled":
                self._add(
                    g.ExpeditionLog,
                    (
                        exp_id,
                        "cancellation",
                        None,
                        "Expedition cancelled by user",
                        "{}",
                        started + timedelta(minutes=rng.randint(5, 120)),
                    ),
                )
            for position, (uw_id, stars) in enumerate(party):  # the bot counts from 0
                hp_mp = (rng.randint(0, 100), rng.randint(0, 100)) if done else (None, None)
                self._add(g.ExpeditionParticipant, (exp_id, uw_id, position, stars, *hp_mp))
            data = {
                "name": name,
                "location": location,
                "difficulty": str(difficulty),
                "duration_hours": hours,
                "template_data": {
                    "expedition_id": location,
                    "name": name,
                    "duration_hours": hours,
                    "difficulty": difficulty,
                    "num_favored_affinities": rng.randint(1, 3),
                    "num_disfavored_affinities": rng.randint(0, 2),
                },
            }
            self._add(
                g.UserExpedition,
                (
                    exp_id,
                    user_id,
                    name,
                    location,
                    str(difficulty),
                    status,
                    float(hours),
                    started,
                    finished,
                    claimed,
                    as_json(data),
                    as_json(results) if results else None,
                    rng.choice(equipment) if equipment and rng.random() < 0.4 else None,
                ),
            )
        return loot

    def _resolve(
        self, exp_id: int, name: str, hours: float, difficulty: int, started: datetime, finished: datetime
    ) -> dict[str, Any]:
        """Encounter logs and the final results of a completed expedition."""
        rng = self.rng
        count = max(1, min(8, int(hours * 0.75 * rng.uniform(0.5, 1.5))))
        wins = 0
        for n in range(1, count + 1):
            encounter, won = rng.choice(cat.ENCOUNTERS), rng.random() < 0.7
            wins += won
            self._add(
                g.ExpeditionLog,
                (
                    exp_id,
                    "encounter",
                    n,
                    f"{encounter}: {'success' if won else 'setback'}.",
                    as_json({"encounter": encounter, "success": won, "roll": rng.randint(1, 100)}),
                    started + timedelta(hours=hours * n / (count + 1)),
                ),
            )
        self._add(
            g.ExpeditionLog,
            (
                exp_id,
                "completion",
                None,
                f"The party returned from {name}.",
                as_json({"successes": wins, "encounters": count}),
                finished,
            ),
        )
        quartzs = rng.randint(20, 60) * max(1, difficulty // 50)
        loot: list[dict[str, Any]] = [
            {"type": "quartzs", "amount": quartzs},
            {"type": "item", "name": rng.choice(cat.LOOT_ITEMS), "quantity": rng.randint(1, 3)},
        ]
        if rng.random() < 0.2:
            loot.append({"type": "daphine", "amount": rng.randint(1, 3)})
        return {
            "expedition_success": wins * 2 >= count,
            "encounters": count,
            "successes": wins,
            "final_multiplier": rng.choice(("setback", "standard", "standard", "jackpot")),
            "total_loot": loot,
        }

    def _shopping(self, joined: datetime, events: list[Event]) -> None:
        """Purchase attempts, as events: the ledger replay decides which ones go through."""
        rng = self.rng
        for _ in range(rng.choice((0, 0, 1, 1, 2, 3, 4, 6))):
            item_id = rng.randint(1, len(cat.SHOP_ITEMS))
            _, _, price, currency, category, *_ = cat.SHOP_ITEMS[item_id - 1]
            quantity = rng.randint(1, 3) if category == "consumable" else 1
            refunded = rng.random() < 0.03
            if rng.random() < 0.01:  # paid for a moment ago, still being processed
                when = NOW - timedelta(minutes=rng.randint(1, 30))
            else:
                when = moment_between(rng, joined, NOW)
            events.append(Event(when, 4, currency, -price * quantity, "", purchase=(item_id, quantity, refunded)))

    def _missions(self, user_id: int, events: list[Event]) -> None:
        """Progress on a few daily missions on each of the last three days."""
        rng = self.rng
        for days_ago in (3, 2, 1):
            day = (NOW - timedelta(days=days_ago)).date()
            for mission_id in sorted(rng.sample(self.live_missions, rng.randint(2, 5))):
                name, _, _, target, reward, amount, *_ = cat.MISSIONS[mission_id - 1]
                progress = rng.randint(0, target) if rng.random() < 0.4 else target
                completed = progress >= target
                claimed = completed and rng.random() < 0.85
                if claimed:
                    when = datetime.combine(day, datetime.min.time()) + timedelta(minutes=rng.randint(600, 1430))
                    events.append(Event(when, 6, reward, amount, f"Daily mission: {name}"))
                self._add(g.UserMissionProgress, (user_id, mission_id, progress, completed, claimed, day))

    def _gift_codes(self, discord_id: str, joined: datetime, events: list[Event]) -> None:
        """Redemptions within each code's window, never past its usage limit."""
        rng = self.rng
        for code, reward, value, active, limit, made, expires, chance in cat.GIFT_CODES:
            if rng.random() >= chance:
                continue
            if limit not in (None, -1) and self.redeemed[code] >= limit:
                continue
            created = datetime.fromisoformat(made)
            # A deactivated code was live for its first two months.
            end = min(
                datetime.fromisoformat(expires) if expires else NOW, NOW if active else created + timedelta(days=60)
            )
            begin = max(created, joined)
            if begin >= end:
                continue
            when = moment_between(rng, begin, end)
            self.redeemed[code] += 1
            self._add(g.GiftCodeRedemption, (discord_id, code, when))
            events.append(Event(when, 7, reward, value, f"Gift code {code}"))

    def _daily_and_support(self, joined: datetime, events: list[Event]) -> None:
        """Daily rewards, and the odd grant or deduction by the support team."""
        rng = self.rng
        for _ in range(rng.randint(1, 6)):
            events.append(
                Event(
                    moment_between(rng, joined, NOW), 8, "sakura_crystals", rng.choice((100, 150, 200)), "Daily reward"
                )
            )
        if rng.random() < 0.05 and joined < MAINTENANCE:
            when = MAINTENANCE + timedelta(hours=33, minutes=rng.randint(0, 600))
            events.append(
                Event(
                    when,
                    9,
                    "sakura_crystals",
                    rng.choice((300, 500, 1000)),
                    f"Compensation: maintenance on {MAINTENANCE:%Y-%m-%d}",
                    "support:aiko",
                )
            )
        if rng.random() < 0.02:
            ticket = rng.randint(4000, 9999)
            events.append(
                Event(
                    moment_between(rng, joined, NOW),
                    9,
                    "quartzs",
                    rng.choice((100, 250)),
                    f"Goodwill: lost expedition rewards (ticket #{ticket})",
                    "support:ren",
                )
            )
        if rng.random() < 0.01:
            events.append(
                Event(
                    moment_between(rng, joined, NOW),
                    9,
                    "sakura_crystals",
                    -500,
                    "Reversal: gift code credited twice",
                    "support:aiko",
                )
            )

    def _ledger(
        self, user_id: int, discord_id: str, events: list[Event]
    ) -> tuple[dict[str, int], list[tuple[Any, ...]]]:
        """Replay events in time order into ledger rows and purchase rows.

        Returns the final balances and the purchase rows. A purchase the balance cannot
        cover is refused: the bot writes no row for most, a 'failed' one for some.
        """
        rng = self.rng
        balances = dict.fromkeys(CURRENCIES, 0)
        purchases: list[tuple[Any, ...]] = []
        queue = [(e.when, e.order, n, e) for n, e in enumerate(events)]
        heapq.heapify(queue)
        while queue:
            when, _, _, event = heapq.heappop(queue)
            reason, balance = event.reason, balances[event.currency] + event.delta
            if event.purchase:
                item_id, quantity, refunded = event.purchase
                name = cat.SHOP_ITEMS[item_id - 1][0]
                pending = when > NOW - timedelta(hours=1)
                refunded = refunded and when < NOW - timedelta(days=1)
                if balance < 0 and (pending or rng.random() > 0.1):
                    continue
                status = "pending" if pending else "failed" if balance < 0 else "refunded" if refunded else "completed"
                purchase_id = self._next(g.UserPurchase)
                row = (purchase_id, discord_id, item_id, quantity, -event.delta, event.currency, status, when)
                purchases.append(row)
                self._add(g.UserPurchase, row)
                if status in ("pending", "failed"):
                    continue
                reason = f"Shop purchase: {name} x{quantity} (#{purchase_id})"
                if refunded:
                    refund = Event(
                        when + timedelta(days=1),
                        5,
                        event.currency,
                        -event.delta,
                        f"Refund: {name} (#{purchase_id}), never delivered",
                        "support:aiko",
                    )
                    heapq.heappush(queue, (refund.when, refund.order, len(events) + purchase_id, refund))
            elif balance < 0:
                continue  # a summon or a deduction that the balance could not cover
            balances[event.currency] = balance
            self._add(
                g.CurrencyLedger,
                (
                    user_id,
                    event.currency,
                    event.delta,
                    balance,
                    reason,
                    event.operator,
                    when.replace(tzinfo=timezone.utc),
                ),
            )
        return balances, purchases

    def _inventory(self, discord_id: str, purchases: list[tuple[Any, ...]], loot: list[tuple[Any, ...]]) -> None:
        """What the player holds: what they bought and what expeditions brought home."""
        rng = self.rng
        for purchase_id, _, item_id, quantity, _, _, status, when in purchases:
            if status != "completed":
                continue
            name, _, _, _, category, kind, _, effects, *_ = cat.SHOP_ITEMS[item_id - 1]
            expires = when + timedelta(hours=24) if category == "boost" else None
            used_up = category == "consumable" and rng.random() < 0.3
            self._add(
                g.UserInventoryItem,
                (
                    discord_id,
                    name,
                    kind,
                    0 if used_up else quantity,
                    as_json({"source": "shop", "purchase_id": purchase_id}),
                    as_json(effects),
                    not used_up and (expires is None or expires > NOW),
                    expires,
                    when,
                ),
            )
        for exp_id, name, quantity, when in loot:
            self._add(
                g.UserInventoryItem,
                (
                    discord_id,
                    name,
                    "material",
                    quantity,
                    as_json({"source": "expedition", "expedition_id": exp_id}),
                    None,
                    True,
                    None,
                    when,
                ),
            )

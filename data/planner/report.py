"""How the planner words a build for people: labels, percentages, and the summary lines
the screen and `console build show` both print (so they always agree)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from data.planner.catalogue import Catalogue
from data.planner.exchange import export_build
from data.planner.plan import BuildPlan, slots_left
from data.planner.totals import BONUS_GROUPS, BuildTotals, PowerTotals

_GROUP_LABELS = dict(BONUS_GROUPS)


def words(key: str) -> str:
    """negative_energy -> negative energy."""
    return key.replace("_", " ")


def percent(value: float) -> str:
    """12.5 -> "12.5%", 2 -> "2%", 94.993 -> "94.99%"."""
    return f"{value:.2f}".rstrip("0").rstrip(".") + "%"


def bonus_label(bonus_type: str) -> str:
    """defense.ranged -> "Defense (ranged)", recharge -> "Recharge"."""
    family, _, kind = bonus_type.partition(".")
    label = _GROUP_LABELS.get(family, words(family).capitalize())
    return f"{label} ({words(kind)})" if kind else label


def powerset_name(catalogue: Catalogue, powerset_id: int | None) -> str:
    found = catalogue.powersets.get(powerset_id) if powerset_id is not None else None
    return found.display_name if found is not None else "-"


def headline(plan: BuildPlan, catalogue: Catalogue) -> str:
    """ "Blaze of Glory · level 50 Blaster · Fire Blast / Fire Manipulation · 0 slots left"."""
    archetype = catalogue.archetypes[plan.archetype_id].display_name if plan.archetype_id else "no archetype"
    sets = f"{powerset_name(catalogue, plan.primary_id)} / {powerset_name(catalogue, plan.secondary_id)}"
    return (
        f"{plan.name} · level {plan.level} {archetype} · {sets} · {len(plan.powers)}/24 picks · "
        f"{slots_left(plan)} slots left"
    )


def power_values(values: PowerTotals) -> str:
    """ "Acc 1.42 · Dmg 2.03 · End 3.69→2.34 · Rech 2.18s→1.25s"."""
    power = values.power
    parts = [f"Acc {values.accuracy:.2f}"]
    if power.damage_scale:
        parts.append(f"Dmg {power.damage_scale:.2f}→{values.damage_scale:.2f}")
    if power.endurance_cost:
        parts.append(f"End {power.endurance_cost:.2f}→{values.endurance_cost:.2f}")
    if power.recharge_time:
        parts.append(f"Rech {power.recharge_time:.1f}s→{values.recharge_time:.1f}s")
    return " · ".join(parts)


def attribute_texts(values: PowerTotals) -> list[str]:
    """["damage 99.99%→94.99% (A)", "accuracy 33.33%→33.33% (A)"]: before ED, then after."""
    return [f"{words(a.attribute)} {percent(a.before)}→{percent(a.after)} ({a.schedule})" for a in values.attributes]


def attribute_values(values: PowerTotals) -> str:
    """The attribute texts on one line."""
    return " · ".join(attribute_texts(values))


@dataclass(frozen=True)
class TotalLine:
    label: str
    value: float


def total_lines(totals: BuildTotals) -> list[TotalLine]:
    """The build's totals, family by family (defense by type, resistance by type, ...)."""
    lines = []
    known = {family for family, _ in BONUS_GROUPS}
    for family, _ in BONUS_GROUPS:
        lines += [
            TotalLine(bonus_label(f"{family}.{kind}" if kind else family), value)
            for kind, value in totals.group(family).items()
        ]
    lines += [
        TotalLine(bonus_label(bonus_type), value)
        for bonus_type, value in totals.totals.items()
        if bonus_type.partition(".")[0] not in known
    ]
    return lines


def totals_document(plan: BuildPlan, catalogue: Catalogue, totals: BuildTotals) -> dict[str, Any]:
    """The build and what it adds up to, JSON-ready (for --json)."""
    return {
        "build": export_build(plan, catalogue),
        "id": plan.id,
        "slots_left": slots_left(plan),
        "powers": [
            {
                "pick": p.pick + 1,
                "power": p.power.display_name,
                "accuracy": round(p.accuracy, 4),
                "damage_scale": round(p.damage_scale, 4),
                "endurance_cost": round(p.endurance_cost, 4),
                "recharge_time": round(p.recharge_time, 4),
                "enhancements": {
                    a.attribute: {
                        "schedule": a.schedule,
                        "before_ed": round(a.before, 4),
                        "after_ed": round(a.after, 4),
                    }
                    for a in p.attributes
                },
            }
            for p in totals.powers
        ],
        "set_bonuses": [
            {
                "power": catalogue.powers[b.power_id].display_name,
                "set": catalogue.sets[b.set_id].display_name,
                "pieces": b.pieces,
                "pieces_required": b.bonus.pieces_required,
                "bonus": b.bonus.display_text,
                "effects": dict(b.bonus.effects),
                "suppressed": b.suppressed,
            }
            for b in totals.bonuses
        ],
        "totals": {key: round(value, 4) for key, value in totals.totals.items()},
    }

"""Enhancement strengths and enhancement diversification (ED), as Mids Reborn computes them.

ED works per attribute on the sum of the enhancement values slotted in one power: the sum
counts fully up to the schedule's first threshold, at 90 % up to the second, at 70 % up to
the third and at 15 % beyond. The schedules are DESIGN.md's: A 70/90/100 % (damage,
accuracy, recharge, endurance cost, heal and most others), B 40/50/60 % (defense,
resistance, to-hit, range), C 80/100/120 % (interrupt), D 120/150/180 % (fear, confuse).
"""

from __future__ import annotations

from bisect import bisect_right

from data.models.heroes import ENHANCEMENT_ATTRIBUTES
from data.planner.catalogue import EnhancementInfo

ED_THRESHOLDS: dict[str, tuple[float, float, float]] = {
    "A": (70.0, 90.0, 100.0),
    "B": (40.0, 50.0, 60.0),
    "C": (80.0, 100.0, 120.0),
    "D": (120.0, 150.0, 180.0),
}
"""Schedule -> the thresholds t1, t2, t3, in percent."""

ED_RATES: tuple[float, float, float, float] = (1.0, 0.90, 0.70, 0.15)
"""How much of the value counts below t1, from t1 to t2, from t2 to t3, above t3."""

# Mids Reborn holds the origin enhancements of schedule A to 0.01 % (a single origin is
# 33.33 %); the seed stores them to 0.1 %, which would make three single origins 94.93 %
# after ED instead of the game's 94.99 %.
_ORIGIN_KINDS = frozenset({"TO", "DO", "SO", "HamiO"})
_EXACT_ORIGIN_STRENGTHS = (8.33, 16.67, 33.33)
_ROUNDING = 0.05

# Crafted IOs and set pieces grow with their level; DESIGN.md's anchors for schedule A
# (11.7 % at 10, 32.0 % at 25, 42.4 % at 50), linear between them and from 0 below 10.
# Every schedule scales by the same curve relative to its level-50 value.
IO_CURVE: tuple[tuple[int, float], ...] = ((0, 0.0), (10, 11.7), (25, 32.0), (50, 42.4))
_SCALED_KINDS = frozenset({"IO", "set_piece"})


def schedule_of(attribute: str) -> str:
    """The ED schedule (A-D) of an enhancement attribute; unknown ones use A, as most do."""
    return ENHANCEMENT_ATTRIBUTES.get(attribute, "A")


def diversified(total: float, schedule: str) -> float:
    """The enhancement value of one attribute of one power after ED.

    Args:
        total: the sum of the slotted enhancements' values for the attribute, in percent.
        schedule: A, B, C or D.

    Raises:
        KeyError: the schedule is not one of A-D.
    """
    thresholds = ED_THRESHOLDS[schedule]
    result, lower = 0.0, 0.0
    for upper, rate in zip((*thresholds, float("inf")), ED_RATES):
        if total <= lower:
            break
        result += (min(total, upper) - lower) * rate
        lower = upper
    return result


def io_scale(level: int) -> float:
    """The strength of a crafted IO of `level` as a fraction of the level-50 one."""
    levels = [anchor for anchor, _ in IO_CURVE]
    level = max(levels[0], min(levels[-1], level))
    index = min(bisect_right(levels, level), len(levels) - 1)
    (low, low_value), (high, high_value) = IO_CURVE[index - 1], IO_CURVE[index]
    value = low_value + (high_value - low_value) * (level - low) / (high - low)
    return value / IO_CURVE[-1][1]


def _exact(value: float) -> float:
    for exact in _EXACT_ORIGIN_STRENGTHS:
        if abs(value - exact) < _ROUNDING:
            return exact
    return value


def enhancement_strengths(enhancement: EnhancementInfo, level: int | None) -> dict[str, float]:
    """What an enhancement slotted at `level` adds per attribute, in percent (before ED).

    Training, dual and single origin and Hamidon enhancements have fixed strengths;
    crafted IOs and set pieces follow the IO level curve (the stored value is at 50).
    """
    if enhancement.kind in _SCALED_KINDS:
        scale = io_scale(level if level is not None else enhancement.level_max)
        return {attribute: value * scale for attribute, value in enhancement.strengths.items()}
    if enhancement.kind in _ORIGIN_KINDS:
        return {attribute: _exact(value) for attribute, value in enhancement.strengths.items()}
    return dict(enhancement.strengths)

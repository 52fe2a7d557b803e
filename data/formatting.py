"""Sizes and durations as every part of the console writes them: the details pane, the
activity screen, the grid's bytea cells, dialogs and the command line alike."""

from __future__ import annotations

import math

__all__ = ["age_text", "eta_text", "first_line", "size_text"]

_UNITS = ("KiB", "MiB", "GiB", "TiB")


def first_line(text: str) -> str:
    """The first non-blank line of `text`, stripped; "" when there is none."""
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


def size_text(count: int | None) -> str:
    """A size in bytes as people read it: `0 B`, `512 B`, `8.0 KiB`, `1.2 MiB`, `3.4 GiB`
    (powers of 1024, so IEC names); `—` for None."""
    if count is None:
        return "—"
    if abs(count) < 1024:
        return f"{count} B"
    value = float(count)
    for unit in _UNITS:
        value /= 1024
        # Move on to the next unit only when this one would print as 1024.0 or more.
        if abs(value) < 1024 - 0.05 or unit == _UNITS[-1]:
            return f"{value:.1f} {unit}"
    raise AssertionError("unreachable")


def age_text(seconds: float | None) -> str:
    """How long something has run, compact for a table column: `4.2s`, `3m07s`, `2h05m`;
    `-` for None."""
    if seconds is None:
        return "-"
    if seconds < 60:
        return f"{seconds:.1f}s"
    if seconds < 3600:
        return f"{int(seconds // 60)}m{int(seconds % 60):02d}s"
    return f"{int(seconds // 3600)}h{int(seconds % 3600 // 60):02d}m"


def eta_text(seconds: float) -> str:
    """A time still to wait, rounded up: `3 s`, `2 min 5 s`, `1 h 4 min`."""
    whole = max(1, math.ceil(seconds))
    if whole < 60:
        return f"{whole} s"
    if whole < 3600:
        minutes, rest = divmod(whole, 60)
        return f"{minutes} min {rest} s" if rest else f"{minutes} min"
    hours, rest = divmod(whole, 3600)
    return f"{hours} h {rest // 60} min"

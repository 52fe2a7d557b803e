"""What the type families share: the InvalidValue error and its one-line message, fitting
parts into a width, a type's modifiers (`numeric(12,4)`), and plurals.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from data.catalog import ColumnInfo
from data.errors import Refusal


class InvalidValue(Refusal, ValueError):
    """What the user typed cannot be a value of the column: one line naming both."""

    title = "Invalid value"


def fill(head: str, parts: Iterable[str], width: int, sep: str = ", ", tail: str = "") -> str:
    """head, then as many of `parts` as fit in `width`, then `…` if some were left out.

    Parts are pulled one at a time, so a 1536-dimension vector costs only what shows.
    """
    out, count = head, 0
    parts = iter(parts)
    part = next(parts, None)
    while part is not None:
        following = next(parts, None)
        piece = (sep if count else "") + part
        reserve = len(sep) + 1 if following is not None else 0
        if len(out) + len(piece) + reserve + len(tail) > width:
            return out + (sep if count else "") + "…" + tail
        out, count, part = out + piece, count + 1, following
    return out + tail


def invalid(column: ColumnInfo, problem: str) -> InvalidValue:
    return InvalidValue(f"{column.name}: {problem}")


def type_modifiers(column: ColumnInfo) -> list[int]:
    """The numbers in a type's parentheses: `numeric(12,4)` -> [12, 4], `text` -> []."""
    found = re.search(r"\(([-\d,\s]+)\)(?:\[\])*$", column.type_name)
    return [int(n) for n in found[1].split(",")] if found else []


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"

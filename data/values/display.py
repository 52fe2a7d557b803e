"""A value as the grid and the detail pane show it: display_value folds it into one styled
line, full_text gives it whole.

Each family renders its own values (families.py); what every cell shares is here: NULL and
'' spelled out so they never look alike, control characters made visible, the cut to width.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from data.catalog import ColumnInfo
from data.values.families import TEXT, family_of

NULL_TEXT = "NULL"
EMPTY_TEXT = "''"


@dataclass(frozen=True)
class Shown:
    """A value as one grid cell: `text` fits the width asked for; `kind` says how to style it."""

    text: str
    kind: str
    """null, empty, text, number, boolean, json, array, bytes, vector, datetime, uuid,
    network, enum, interval or other."""


def display_value(value: Any, column: ColumnInfo | None, *, width: int = 40) -> Shown:
    """`value` (as psycopg returned it) on one line of at most `width` characters.

    Never raises: a value this module does not understand is shown as str(value).
    """
    width = max(width, 1)
    if value is None:
        return Shown(_fit(NULL_TEXT, width), "null")
    try:
        family = family_of(value, column)
        if family is TEXT and value == "":
            return Shown(_fit(EMPTY_TEXT, width), "empty")
        return Shown(_fit(_one_line(family.show(value, column, width)), width), family.kind)
    except Exception:  # noqa: BLE001 - a grid cell must always render
        return Shown(_fit(_one_line(str(value)), width), "other")


def full_text(value: Any, column: ColumnInfo | None) -> str:
    """The whole value for a detail pane: JSON pretty-printed, arrays and vectors whole,
    bytea as a hex dump (the first 4 KiB), NULL as `NULL`. Never raises."""
    if value is None:
        return NULL_TEXT
    try:
        return family_of(value, column).whole(value, column)
    except Exception:  # noqa: BLE001
        return str(value)


# Control characters would break the one-line grid: newlines become ⏎, the rest their
# Unicode "control picture".
_ONE_LINE = {code: chr(0x2400 + code) for code in range(32)} | {10: "⏎", 9: "⇥", 127: "␡"}


def _one_line(text: str) -> str:
    return text.replace("\r\n", "\n").translate(_ONE_LINE)


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"

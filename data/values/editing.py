"""What an editor needs for a column: which editor suits it (editor_kind), the text to start
from (input_text), and the check of what the user typed (validate_input).
"""

from __future__ import annotations

from typing import Any

from data.catalog import ColumnInfo
from data.values.families import family_of


def editor_kind(column: ColumnInfo) -> str:
    """Which editor suits the column: json, boolean, enum, date, timestamp, time, number,
    uuid, network, bytes, array, vector or text."""
    return family_of(None, column).editor


def input_text(value: Any, column: ColumnInfo) -> str | None:
    """`value` in PostgreSQL input syntax, for an editor to start from; None for NULL.

    `validate_input(input_text(v, c), c)`, written back, gives `v` again.
    """
    if value is None:
        return None
    return family_of(value, column).source(value, column)


def validate_input(text: str, column: ColumnInfo) -> str:
    """The user's `text`, normalised to PostgreSQL input syntax the column will accept.

    The empty string is a value (of a text column), not NULL. What Python cannot judge
    (a domain's CHECK, an interval, a range...) is passed on for the server to judge.

    Raises:
        InvalidValue: one line such as `rarity: not an integer`.
    """
    return family_of(None, column).check(text, column)

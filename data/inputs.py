"""What a person may type for each value the console takes, one rule each, used by the
command line and the screens alike: a value is refused here, with one line that names it,
before it reaches the server.

- Whole numbers are ASCII digits with an optional sign: no separators ("1_000", "1,000"),
  no other scripts' digits ("１２", which Python's int() would read as 12), and within the
  column's type.
- Text is valid Unicode without NUL (an argument that was not UTF-8 arrives as lone
  surrogates), and within its length.
- Ids are whole numbers, never a float rounded to another row.
- A time without a zone is UTC.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from typing import Any

from data.errors import Refusal

INT4_MAX = 2**31 - 1
INT4_MIN = -(2**31)
GIFT_CODE_MAX = 64
"""Characters in a gift code; the gift_codes table's CHECK says the same."""
REASON_MAX = 500
"""Characters in a reason (the ledger's and the audit log's); their CHECKs say the same."""
CURRENCIES: tuple[str, ...] = ("sakura_crystals", "quartzs", "daphine")
"""The gacha's currencies: a player's balance columns, and what a grant or a gift code may
credit (the ledger's and the codes' CHECKs say the same)."""

_WHOLE = re.compile(r"[+-]?[0-9]+")


class BadInput(Refusal, ValueError):
    """A value a person typed is not one the console takes; the message names it."""

    title = "Bad input"
    bad_input = True


def whole_number(text: str, what: str, *, low: int = INT4_MIN, high: int = INT4_MAX) -> int:
    """`text` as a whole number from `low` to `high`.

    Raises:
        BadInput: not ASCII digits with an optional sign, or out of range.
    """
    typed = text.strip()
    if not _WHOLE.fullmatch(typed):
        raise BadInput(f"{what} must be a whole number written with the digits 0-9, not {shown(text)}")
    number = int(typed)
    if not low <= number <= high:
        raise BadInput(f"{what} must be from {low:,} to {high:,}, not {shown(text)}")
    return number


def whole(value: Any, what: str, *, low: int, high: int = INT4_MAX) -> int:
    """A whole number as the data layer takes it from code: an int (not a bool, not a
    float, which would be rounded to another row or count) from `low` to `high`.

    Raises:
        BadInput: anything else.
    """
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadInput(f"{what} must be a whole number, not {value!r}")
    if not low <= value <= high:
        raise BadInput(f"{what} must be from {low:,} to {high:,}, not {value:,}")
    return value


def row_id(value: Any, what: str) -> int:
    """An id as the data layer takes it: a whole number from 1 to INT4_MAX."""
    return whole(value, what, low=1)


def row_count(value: Any, what: str) -> int:
    """A limit, page size or batch size: a whole number from 1 to INT4_MAX."""
    return whole(value, what, low=1)


def uuid_id(value: Any, what: str) -> uuid.UUID:
    """An id that is a UUID, as the data layer takes it (a UUID object, never its text).

    Raises:
        BadInput: anything else.
    """
    if not isinstance(value, uuid.UUID):
        raise BadInput(f"{what} must be a UUID, not {value!r}")
    return value


def text_value(value: Any, what: str, *, max_length: int | None = None, required: bool = False) -> str:
    """`value` stripped, checked to be text the server can store.

    Raises:
        BadInput: not a str, not valid Unicode (lone surrogates: bytes that were not
            UTF-8), a NUL character, empty when required, or longer than max_length.
    """
    if not isinstance(value, str):
        raise BadInput(f"{what} must be text, not {value!r}")
    text = value.strip()
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise BadInput(f"{what} is not valid UTF-8 text") from None
    if "\x00" in text:
        raise BadInput(f"{what} must not contain a NUL character")
    if required and not text:
        raise BadInput(f"{what} must not be empty")
    if max_length is not None and len(text) > max_length:
        raise BadInput(f"{what} is {len(text):,} characters long; at most {max_length:,} are allowed")
    return text


class ReasonRequired(BadInput):
    """A desk action without a reason: every one is recorded in the audit log with why."""

    title = "Reason required"
    field = "reason"


def required_reason(value: Any, action: str) -> str:
    """The reason given for a desk action, trimmed.

    Raises:
        ReasonRequired: it is blank ("a reason is required {action}").
        BadInput: it is longer than REASON_MAX.
    """
    reason = reason_text(value)
    if not reason:
        raise ReasonRequired(f"a reason is required {action}")
    return reason


def reason_text(value: Any) -> str:
    """A reason as the ledger and the audit log keep it (may be empty; callers that need
    one say so)."""
    return text_value(value if value is not None else "", "the reason", max_length=REASON_MAX)


def gift_code_text(value: Any) -> str:
    return text_value(value, "the gift code", max_length=GIFT_CODE_MAX, required=True)


def usage_limit(value: Any) -> int:
    """-1 (unlimited) or a count of at least 1: a limit of 0 makes a code used up from birth.

    Raises:
        BadInput: anything else.
    """
    if isinstance(value, bool) or not isinstance(value, int) or not (value == -1 or 1 <= value <= INT4_MAX):
        raise BadInput(f"the usage limit must be -1 (unlimited) or a count from 1 to {INT4_MAX:,}, not {value!r}")
    return value


def moment(text: str, what: str) -> datetime:
    """An ISO date or time; one without a zone is UTC.

    Raises:
        BadInput: not an ISO date or time.
    """
    try:
        parsed = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise BadInput(
            f"{what} must be an ISO date or time such as 2026-12-31T23:59:59+00:00, not {shown(text)}"
        ) from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def shown(text: str, limit: int = 40) -> str:
    """`text` quoted for a message: cut when long, its invalid bytes escaped."""
    cut = text if len(text) <= limit else text[:limit] + "…"
    return repr(cut.encode("utf-8", "backslashreplace").decode("utf-8"))

"""The single-valued types: numbers and booleans, text, enums and bit strings, dates, times
and intervals, UUIDs and network addresses.

Each has its input text (what an editor starts from), sometimes its own grid rendering,
and a check of typed input that says in one line what is wrong.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import math
import re
import uuid
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext
from typing import Any

from data.catalog import ColumnInfo
from data.values.common import invalid, plural, type_modifiers

# --- numbers ------------------------------------------------------------------------------

NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_SPECIAL_FLOATS = {
    "nan": "NaN",
    "infinity": "Infinity",
    "inf": "Infinity",
    "+infinity": "Infinity",
    "+inf": "Infinity",
    "-infinity": "-Infinity",
    "-inf": "-Infinity",
}
_INTEGER_RANGES = {
    "int2": ("smallint", -(2**15), 2**15 - 1),
    "int4": ("integer", -(2**31), 2**31 - 1),
    "int8": ("bigint", -(2**63), 2**63 - 1),
    "oid": ("oid", 0, 2**32 - 1),
}


def number_text(value: Any, column: ColumnInfo | None = None) -> str:
    if isinstance(value, Decimal):  # exact; format "f" avoids str()'s 1E-7
        return {"NaN": "NaN", "Infinity": "Infinity", "-Infinity": "-Infinity"}.get(str(value)) or format(value, "f")
    if isinstance(value, float):  # repr is the shortest text that reads back exactly
        if math.isnan(value):
            return "NaN"
        return ("-Infinity" if value < 0 else "Infinity") if math.isinf(value) else repr(value)
    return str(value)


def check_integer(text: str, column: ColumnInfo) -> str:
    try:
        number = int(text.strip())
    except ValueError:
        raise invalid(column, "not an integer") from None
    name, low, high = _INTEGER_RANGES.get(column.base_type, ("integer", -math.inf, math.inf))
    if not low <= number <= high:
        raise invalid(column, f"out of range for {name} ({low} to {high})")
    return str(number)


def check_numeric(text: str, column: ColumnInfo) -> str:
    stripped = text.strip()
    if stripped.lower() in _SPECIAL_FLOATS:
        return _SPECIAL_FLOATS[stripped.lower()]
    if not NUMBER.fullmatch(stripped):
        raise invalid(column, "not a number")
    typmod = type_modifiers(column)
    if typmod:  # numeric(p,s) holds at most p-s digits before the point, once rounded to s
        precision, scale = typmod[0], (typmod[1] if len(typmod) > 1 else 0)
        with localcontext() as context:
            context.prec = 4000  # numeric's own limit is 1000 digits of precision
            try:
                rounded = abs(Decimal(stripped)).quantize(Decimal(1).scaleb(-scale), ROUND_HALF_UP)
            except InvalidOperation:  # more digits than any numeric holds
                rounded = Decimal("Infinity")
        if rounded >= Decimal(10) ** (precision - scale):
            raise invalid(
                column, f"too large for {column.type_name} (at most {precision - scale} digits before the point)"
            )
    return stripped


def check_float(text: str, column: ColumnInfo) -> str:
    stripped = text.strip()
    if stripped.lower() in _SPECIAL_FLOATS:
        return _SPECIAL_FLOATS[stripped.lower()]
    if not NUMBER.fullmatch(stripped):
        raise invalid(column, "not a number")
    limit = 3.4028234663852886e38 if column.base_type == "float4" else 1.7976931348623157e308
    if abs(float(stripped)) > limit:
        raise invalid(column, f"out of range for {column.type_name}")
    return stripped  # as typed: float4 parses the digits itself, no double rounding


def check_boolean(text: str, column: ColumnInfo) -> str:
    word = text.strip().lower()
    if word in ("true", "t", "yes", "y", "on", "1"):
        return "true"
    if word in ("false", "f", "no", "n", "off", "0"):
        return "false"
    raise invalid(column, "not a boolean (use true or false)")


def boolean_text(value: Any, column: ColumnInfo | None = None) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


# --- text, enums, bit strings -------------------------------------------------------------


def text_show(value: str, column: ColumnInfo | None, width: int) -> str:
    # Quoted when there is nothing else to see: '   ' is three spaces, not an empty cell.
    return f"'{value}'" if isinstance(value, str) and not value.strip() else str(value)


def check_text(text: str, column: ColumnInfo) -> str:
    # varchar(n)/char(n) refuse longer strings, except that trailing spaces are cut off.
    typmod = type_modifiers(column)
    if typmod and column.base_type in ("varchar", "bpchar") and len(text.rstrip(" ")) > typmod[0]:
        raise invalid(column, f"longer than {plural(typmod[0], 'character')}")
    return text


def check_enum(text: str, column: ColumnInfo) -> str:
    for candidate in (text, text.strip()):
        if candidate in column.enum_labels:
            return candidate
    labels = ", ".join(column.enum_labels[:12]) + (", …" if len(column.enum_labels) > 12 else "")
    raise invalid(column, f"not one of {labels}")


def check_bits(text: str, column: ColumnInfo) -> str:
    bits = text.strip()
    if bits[:1] in ("x", "X") and re.fullmatch(r"[0-9a-fA-F]+", bits[1:]):
        bits = "".join(f"{int(digit, 16):04b}" for digit in bits[1:])
    elif bits[:1] in ("b", "B"):
        bits = bits[1:]
    if not re.fullmatch(r"[01]*", bits):
        raise invalid(column, "not a bit string (use 0s and 1s, e.g. 1010)")
    size = next(iter(type_modifiers(column)), None if column.base_type == "varbit" else 1)
    if column.base_type == "bit" and size is not None and len(bits) != size:
        raise invalid(column, f"must be exactly {plural(size, 'bit')}")
    if column.base_type == "varbit" and size is not None and len(bits) > size:
        raise invalid(column, f"longer than {plural(size, 'bit')}")
    return bits


# --- dates and times ----------------------------------------------------------------------


def datetime_text(value: Any, column: ColumnInfo | None = None) -> str:
    # isoformat leaves out microseconds when they are zero; tz-aware values keep their offset.
    return (
        value.isoformat(sep=" ")
        if isinstance(value, dt.datetime)
        else value.isoformat()
        if isinstance(value, (dt.date, dt.time))
        else str(value)
    )


def datetime_checker(
    parse: Callable[[str], Any], what: str, example: str, zone: bool | None
) -> Callable[[str, ColumnInfo], str]:
    """A check for one date/time type; zone False refuses an offset (the server would drop it)."""

    def check(text: str, column: ColumnInfo) -> str:
        try:
            parsed = parse(text.strip())
        except ValueError:
            raise invalid(column, f"not {what} (use {example})") from None
        if zone is False and parsed.tzinfo is not None:
            raise invalid(column, f"{column.type_name} takes no time zone offset (use {example})")
        return datetime_text(parsed)

    return check


def interval_text(value: Any, column: ColumnInfo | None = None) -> str:
    """A timedelta as PostgreSQL prints an interval: `3 days 04:05:06`, `-1 days -00:00:01`."""
    if not isinstance(value, dt.timedelta):
        return str(value)
    sign = "-" if value < dt.timedelta(0) else ""
    value = abs(value)
    minutes, seconds = divmod(value.seconds, 60)
    clock = f"{sign}{minutes // 60:02}:{minutes % 60:02}:{seconds:02}" + (
        f".{value.microseconds:06}".rstrip("0") if value.microseconds else ""
    )
    days = (
        f"{sign}{value.days} day{'' if value.days == 1 and not sign else 's'}" if value.days else ""
    )  # as PG: -1 days
    return " ".join(part for part in (days, clock if value.seconds or value.microseconds or not days else "") if part)


# --- uuid, network ------------------------------------------------------------------------


def check_uuid(text: str, column: ColumnInfo) -> str:
    try:
        return str(uuid.UUID(text.strip()))
    except ValueError:
        raise invalid(column, "not a UUID (use 8-4-4-4-12 hex digits)") from None


def network_text(value: Any, column: ColumnInfo | None = None) -> str:
    # PostgreSQL prints an inet host without its /32 (or /128); cidr always has its mask.
    if (
        isinstance(value, (ipaddress.IPv4Interface, ipaddress.IPv6Interface))
        and value.network.prefixlen == value.max_prefixlen
    ):
        return str(value.ip)
    return str(value)


def check_network(text: str, column: ColumnInfo) -> str:
    stripped = text.strip()
    if column.base_type in ("macaddr", "macaddr8"):
        digits = re.sub(r"[:.\-]", "", stripped).lower()
        if not re.fullmatch(r"[0-9a-f]{12}" + ("([0-9a-f]{4})?" if column.base_type == "macaddr8" else ""), digits):
            raise invalid(column, "not a MAC address (use 08:00:2b:01:02:03)")
        return ":".join(digits[i : i + 2] for i in range(0, len(digits), 2))
    try:
        if column.base_type == "cidr":
            return str(ipaddress.ip_network(stripped))
        return network_text(ipaddress.ip_interface(stripped))
    except ValueError as error:
        if "host bits set" in str(error):
            suggestion = ipaddress.ip_network(stripped, strict=False)
            raise invalid(column, f"not a network: host bits set (did you mean {suggestion}?)") from None
        raise invalid(column, "not an IP address (use 192.0.2.1 or 192.0.2.0/24)") from None

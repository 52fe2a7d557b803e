"""How the table browser shows, and lets a user edit, a value of any PostgreSQL type.

Three jobs, one per direction:

- `display_value` folds a value into one line for a grid cell, with a `kind` the UI styles
  by (NULL dim, numbers right-aligned...). `full_text` gives the whole value for a detail pane.
- `input_text` turns a value into PostgreSQL input syntax for an editor to start from.
- `validate_input` checks what the user typed, as far as Python can without the server, and
  normalises it; the result is meant to be bound as a plain string, which the server casts.

Types are looked up in a dispatch table: by pg typcategory first for arrays and enums (an
enum may be called anything), then by base typname, then by category; with no column, by
the Python type psycopg returned. NULL is the word `NULL` (kind "null"); the empty string
is `''` (kind "empty"), so the two never look alike.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import math
import re
import struct
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext
from typing import Any

from psycopg.types.multirange import Multirange
from psycopg.types.range import Range

from data.catalog import ColumnInfo

NULL_TEXT = "NULL"
EMPTY_TEXT = "''"
HEX_DUMP_LIMIT = 4096
"""full_text dumps at most this many bytes of a bytea value."""


@dataclass(frozen=True)
class Shown:
    """A value as one grid cell: `text` fits the width asked for; `kind` says how to style it."""

    text: str
    kind: str
    """null, empty, text, number, boolean, json, array, bytes, vector, datetime, uuid,
    network, enum, interval or other."""


class InvalidValue(ValueError):
    """What the user typed cannot be a value of the column: one line naming both."""

    title = "Invalid value"


def display_value(value: Any, column: ColumnInfo | None, *, width: int = 40) -> Shown:
    """`value` (as psycopg returned it) on one line of at most `width` characters.

    Never raises: a value this module does not understand is shown as str(value).
    """
    width = max(width, 1)
    if value is None:
        return Shown(_fit(NULL_TEXT, width), "null")
    try:
        family = _family(value, column)
        if family is _TEXT and value == "":
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
        return _family(value, column).full(value, column)
    except Exception:  # noqa: BLE001
        return str(value)


def editor_kind(column: ColumnInfo) -> str:
    """Which editor suits the column: json, boolean, enum, date, timestamp, time, number,
    uuid, network, bytes, array, vector or text."""
    return _family(None, column).editor


def input_text(value: Any, column: ColumnInfo) -> str | None:
    """`value` in PostgreSQL input syntax, for an editor to start from; None for NULL.

    `validate_input(input_text(v, c), c)`, written back, gives `v` again.
    """
    if value is None:
        return None
    return _family(value, column).source(value, column)


def validate_input(text: str, column: ColumnInfo) -> str:
    """The user's `text`, normalised to PostgreSQL input syntax the column will accept.

    The empty string is a value (of a text column), not NULL. What Python cannot judge
    (a domain's CHECK, an interval, a range...) is passed on for the server to judge.

    Raises:
        InvalidValue: one line such as `rarity: not an integer`.
    """
    return _family(None, column).check(text, column)


# --- shared helpers -----------------------------------------------------------------------

# Control characters would break the one-line grid: newlines become ⏎, the rest their
# Unicode "control picture".
_ONE_LINE = {code: chr(0x2400 + code) for code in range(32)} | {10: "⏎", 9: "⇥", 127: "␡"}


def _one_line(text: str) -> str:
    return text.replace("\r\n", "\n").translate(_ONE_LINE)


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _fill(head: str, parts: Iterable[str], width: int, sep: str = ", ", tail: str = "") -> str:
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


def _invalid(column: ColumnInfo, problem: str) -> InvalidValue:
    return InvalidValue(f"{column.name}: {problem}")


def _typmod(column: ColumnInfo) -> list[int]:
    """The numbers in a type's parentheses: `numeric(12,4)` -> [12, 4], `text` -> []."""
    found = re.search(r"\(([-\d,\s]+)\)(?:\[\])*$", column.type_name)
    return [int(n) for n in found[1].split(",")] if found else []


def _as_is(text: str, column: ColumnInfo) -> str:
    return text


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


# --- numbers ------------------------------------------------------------------------------

_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_SPECIAL_FLOATS = {"nan": "NaN", "infinity": "Infinity", "inf": "Infinity",
                   "+infinity": "Infinity", "+inf": "Infinity", "-infinity": "-Infinity", "-inf": "-Infinity"}
_INTEGER_RANGES = {"int2": ("smallint", -(2**15), 2**15 - 1), "int4": ("integer", -(2**31), 2**31 - 1),
                   "int8": ("bigint", -(2**63), 2**63 - 1), "oid": ("oid", 0, 2**32 - 1)}


def _number_text(value: Any, column: ColumnInfo | None = None) -> str:
    if isinstance(value, Decimal):  # exact; format "f" avoids str()'s 1E-7
        return {"NaN": "NaN", "Infinity": "Infinity", "-Infinity": "-Infinity"}.get(str(value)) or format(value, "f")
    if isinstance(value, float):  # repr is the shortest text that reads back exactly
        if math.isnan(value):
            return "NaN"
        return ("-Infinity" if value < 0 else "Infinity") if math.isinf(value) else repr(value)
    return str(value)


def _check_integer(text: str, column: ColumnInfo) -> str:
    try:
        number = int(text.strip())
    except ValueError:
        raise _invalid(column, "not an integer") from None
    name, low, high = _INTEGER_RANGES.get(column.base_type, ("integer", -math.inf, math.inf))
    if not low <= number <= high:
        raise _invalid(column, f"out of range for {name} ({low} to {high})")
    return str(number)


def _check_numeric(text: str, column: ColumnInfo) -> str:
    stripped = text.strip()
    if stripped.lower() in _SPECIAL_FLOATS:
        return _SPECIAL_FLOATS[stripped.lower()]
    if not _NUMBER.fullmatch(stripped):
        raise _invalid(column, "not a number")
    typmod = _typmod(column)
    if typmod:  # numeric(p,s) holds at most p-s digits before the point, once rounded to s
        precision, scale = typmod[0], (typmod[1] if len(typmod) > 1 else 0)
        with localcontext() as context:
            context.prec = 4000  # numeric's own limit is 1000 digits of precision
            try:
                rounded = abs(Decimal(stripped)).quantize(Decimal(1).scaleb(-scale), ROUND_HALF_UP)
            except InvalidOperation:  # more digits than any numeric holds
                rounded = Decimal("Infinity")
        if rounded >= Decimal(10) ** (precision - scale):
            raise _invalid(column, f"too large for {column.type_name} (at most {precision - scale} digits before the point)")
    return stripped


def _check_float(text: str, column: ColumnInfo) -> str:
    stripped = text.strip()
    if stripped.lower() in _SPECIAL_FLOATS:
        return _SPECIAL_FLOATS[stripped.lower()]
    if not _NUMBER.fullmatch(stripped):
        raise _invalid(column, "not a number")
    limit = 3.4028234663852886e38 if column.base_type == "float4" else 1.7976931348623157e308
    if abs(float(stripped)) > limit:
        raise _invalid(column, f"out of range for {column.type_name}")
    return stripped  # as typed: float4 parses the digits itself, no double rounding


def _check_boolean(text: str, column: ColumnInfo) -> str:
    word = text.strip().lower()
    if word in ("true", "t", "yes", "y", "on", "1"):
        return "true"
    if word in ("false", "f", "no", "n", "off", "0"):
        return "false"
    raise _invalid(column, "not a boolean (use true or false)")


def _boolean_text(value: Any, column: ColumnInfo | None = None) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


# --- text, enums, bit strings -------------------------------------------------------------


def _text_show(value: str, column: ColumnInfo | None, width: int) -> str:
    # Quoted when there is nothing else to see: '   ' is three spaces, not an empty cell.
    return f"'{value}'" if isinstance(value, str) and not value.strip() else str(value)


def _check_text(text: str, column: ColumnInfo) -> str:
    # varchar(n)/char(n) refuse longer strings, except that trailing spaces are cut off.
    typmod = _typmod(column)
    if typmod and column.base_type in ("varchar", "bpchar") and len(text.rstrip(" ")) > typmod[0]:
        raise _invalid(column, f"longer than {_plural(typmod[0], 'character')}")
    return text


def _check_enum(text: str, column: ColumnInfo) -> str:
    for candidate in (text, text.strip()):
        if candidate in column.enum_labels:
            return candidate
    labels = ", ".join(column.enum_labels[:12]) + (", …" if len(column.enum_labels) > 12 else "")
    raise _invalid(column, f"not one of {labels}")


def _check_bits(text: str, column: ColumnInfo) -> str:
    bits = text.strip()
    if bits[:1] in ("x", "X") and re.fullmatch(r"[0-9a-fA-F]+", bits[1:]):
        bits = "".join(f"{int(digit, 16):04b}" for digit in bits[1:])
    elif bits[:1] in ("b", "B"):
        bits = bits[1:]
    if not re.fullmatch(r"[01]*", bits):
        raise _invalid(column, "not a bit string (use 0s and 1s, e.g. 1010)")
    size = (_typmod(column) or [None if column.base_type == "varbit" else 1])[0]
    if column.base_type == "bit" and size is not None and len(bits) != size:
        raise _invalid(column, f"must be exactly {_plural(size, 'bit')}")
    if column.base_type == "varbit" and size is not None and len(bits) > size:
        raise _invalid(column, f"longer than {_plural(size, 'bit')}")
    return bits


# --- JSON ---------------------------------------------------------------------------------


def _json_text(value: Any, column: ColumnInfo | None = None) -> str:
    """Compact-but-readable JSON; Decimals (from validate_input) keep their digits."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(str(k), ensure_ascii=False)}: {_json_text(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_json_text(item) for item in value) + "]"
    return str(value) if isinstance(value, Decimal) else json.dumps(value, ensure_ascii=False)


def _json_brief(value: Any) -> str:
    """A nested value in a folded summary: containers by their size, long strings cut."""
    if isinstance(value, dict):
        return f"{{{_plural(len(value), 'key')}}}" if value else "{}"
    if isinstance(value, list):
        return f"[{_plural(len(value), 'item')}]" if value else "[]"
    text = _json_text(value)
    if len(text) <= 24:
        return text
    return text[:22] + ("…\"" if isinstance(value, str) else "…")


def _json_show(value: Any, column: ColumnInfo | None, width: int) -> str:
    compact = _json_text(value)
    if len(compact) <= width or not isinstance(value, (dict, list)) or not value:
        return compact
    if isinstance(value, dict):
        parts = (f"{json.dumps(str(k), ensure_ascii=False)}: {_json_brief(v)}" for k, v in value.items())
        return _fill(f"{{{_plural(len(value), 'key')}}} {{", parts, width, tail="}")
    return _fill(f"[{_plural(len(value), 'item')}] [", map(_json_brief, value), width, tail="]")


def _json_full(value: Any, column: ColumnInfo | None) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, default=float)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _check_json(text: str, column: ColumnInfo) -> str:
    try:  # Decimal keeps every digit; NaN/Infinity are Python's extensions, not JSON
        parsed = json.loads(text, parse_float=Decimal, parse_constant=_reject_constant)
    except json.JSONDecodeError as error:
        raise _invalid(column, f"not valid JSON: {error.msg} at line {error.lineno} column {error.colno}") from None
    except ValueError as error:
        raise _invalid(column, f"not valid JSON: {error}") from None
    return _json_text(parsed)


# --- arrays -------------------------------------------------------------------------------


def _quote_element(text: str | None) -> str:
    if text is None:
        return "NULL"
    if text == "" or text.upper() == "NULL" or any(c in '{}",\\' or c.isspace() for c in text):
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return text


def _array_literal(items: list[Any], element: Callable[[Any], str | None], nested: bool = True) -> str:
    """A (nested) list as a PostgreSQL array literal, elements rendered by `element`."""
    return "{" + ",".join(
        _array_literal(item, element) if nested and isinstance(item, list) else _quote_element(element(item))
        for item in items
    ) + "}"


# The server's own idea of whitespace in array literals (array_isspace), not str.isspace.
_ARRAY_SPACE = " \t\n\r\v\f"


def parse_array_literal(text: str) -> list[Any]:
    """A PostgreSQL array literal as nested lists of str (None for NULL).

    Raises:
        ValueError: not a well-formed literal.
    """
    position = 0

    def skip_space() -> None:
        nonlocal position
        while position < len(text) and text[position] in _ARRAY_SPACE:
            position += 1

    def element() -> str | None:
        nonlocal position
        quoted = text[position] == '"'
        position += quoted
        chars: list[str] = []
        escaped = False
        kept = 0  # unquoted elements lose trailing unescaped whitespace, as on the server
        while True:
            char = text[position]
            if quoted and char == '"':
                position += 1
                return "".join(chars)
            if not quoted and char in ",}":
                if not chars:
                    raise ValueError(f"missing element at position {position + 1} (write \"\" for an empty string)")
                word = "".join(chars[:kept])
                return None if word.upper() == "NULL" and not escaped else word
            if char == "\\":
                position += 1
                chars.append(text[position])
                escaped = True
            elif not quoted and char in '{"':
                raise ValueError(f"unexpected {char} at position {position + 1}")
            else:
                chars.append(char)
            if quoted or char not in _ARRAY_SPACE:  # an escaped space is kept: char is the backslash
                kept = len(chars)
            position += 1

    def array() -> list[Any]:
        nonlocal position
        if text[position] != "{":
            raise ValueError(f"expected {{ at position {position + 1}")
        position += 1
        items: list[Any] = []
        skip_space()
        if text[position] == "}":
            position += 1
            return items
        while True:
            skip_space()
            items.append(array() if text[position] == "{" else element())
            skip_space()
            position += 1
            if text[position - 1] == "}":
                return items
            if text[position - 1] != ",":
                raise ValueError(f"expected , or }} at position {position}")

    text = text.strip(_ARRAY_SPACE)
    try:
        result = array()
    except IndexError:
        raise ValueError("unterminated array (a } or \" is missing)") from None
    if position != len(text):
        raise ValueError(f"unexpected text after the closing }} at position {position + 1}")
    return result


def _element_column(column: ColumnInfo, name: str | None = None) -> ColumnInfo:
    """A column of the array's element type, for its show/check rules."""
    return replace(
        column, name=name or column.name, type_name=column.type_name.removesuffix("[]"),
        base_type=column.element_type or column.base_type.lstrip("_"),
        category="E" if column.enum_labels else "U", element_type=None, domain=None,
    )


def _array_items(value: Any) -> list[Any]:
    # psycopg returns a str for arrays of types it does not know (arrays of enums).
    return parse_array_literal(value) if isinstance(value, str) else list(value)


def _element_renderer(value: Any, column: ColumnInfo | None) -> Callable[[Any], str | None]:
    """How one element of `value` becomes input text (as it is, when parsed from a literal)."""
    if isinstance(value, str):
        return lambda item: item
    element = _element_column(column) if column is not None else None
    return lambda item: None if item is None else _family(item, element).source(item, element)


def _nested(value: Any, column: ColumnInfo | None) -> bool:
    # In a json[]/jsonb[] from psycopg, a list is a JSON array element, not a sub-array.
    return isinstance(value, str) or column is None or column.element_type not in ("json", "jsonb")


def _array_source(value: Any, column: ColumnInfo | None) -> str:
    if isinstance(value, str):
        return value
    return _array_literal(list(value), _element_renderer(value, column), _nested(value, column))


def _array_show(value: Any, column: ColumnInfo | None, width: int) -> str:
    literal = _array_source(value, column)
    if len(literal) <= width:
        return literal
    items, render, nested = _array_items(value), _element_renderer(value, column), _nested(value, column)
    tokens = (_array_literal(item, render) if nested and isinstance(item, list) else _quote_element(render(item)) for item in items)
    return _fill(f"[{_plural(len(items), 'item')}] ", tokens, width)


def _json_to_element(item: Any) -> Any:
    if isinstance(item, list):
        return [_json_to_element(inner) for inner in item]
    if item is None or isinstance(item, str):
        return item
    return _boolean_text(item) if isinstance(item, bool) else _json_text(item)


def _check_array(text: str, column: ColumnInfo) -> str:
    stripped = text.strip()
    try:
        if stripped.startswith("["):
            parsed = json.loads(stripped, parse_float=Decimal, parse_constant=_reject_constant)
            if not isinstance(parsed, list):
                raise ValueError("not a list")
            if column.element_type in ("json", "jsonb"):  # each item is a JSON value, not a sub-array
                items: list[Any] = [None if item is None else _json_text(item) for item in parsed]
            else:
                items = _json_to_element(parsed)
        elif stripped.startswith("{"):
            items = parse_array_literal(stripped)
        else:
            raise ValueError('use {a,b} or a JSON list ["a", "b"]')
    except ValueError as error:
        raise _invalid(column, f"not an array: {error}") from None

    def check(items: list[Any], path: str) -> list[Any]:
        checked = []
        for index, item in enumerate(items, start=1):
            where = f"{path}[{index}]"
            if isinstance(item, list):
                checked.append(check(item, where))
            elif item is None:
                checked.append(None)
            else:
                element = _element_column(column, where)
                checked.append(_family(None, element).check(item, element))
        return checked

    return _array_literal(check(items, column.name), lambda item: item)


# --- bytea --------------------------------------------------------------------------------


def _size(count: int) -> str:
    if count < 1024:
        return f"{count} B"
    for unit in ("KiB", "MiB", "GiB", "TiB"):
        count /= 1024
        if count < 1024 or unit == "TiB":
            return f"{count:.1f} {unit}"
    raise AssertionError  # unreachable


def _bytes_show(value: Any, column: ColumnInfo | None, width: int) -> str:
    data = bytes(value)
    return _fill(f"{_size(len(data))} \\x", (f"{b:02x}" for b in data), width, sep="") if data else "0 B"


def _bytes_full(value: Any, column: ColumnInfo | None) -> str:
    data = bytes(value)
    lines = [f"{_plural(len(data), 'byte')}" + (f" ({_size(len(data))})" if len(data) >= 1024 else "")]
    for offset in range(0, min(len(data), HEX_DUMP_LIMIT), 16):
        chunk = data[offset : offset + 16]
        ascii_ = "".join(chr(b) if 32 <= b < 127 else "." for b in chunk)
        lines.append(f"{offset:08x}  {chunk.hex(' '):<47}  |{ascii_}|")
    if len(data) > HEX_DUMP_LIMIT:
        rest = len(data) - HEX_DUMP_LIMIT
        lines.append(f"… {_plural(rest, 'more byte')} ({_size(rest)}) not shown")
    return "\n".join(lines)


def _check_bytes(text: str, column: ColumnInfo) -> str:
    stripped = text.strip()
    digits = re.sub(r"\s+", "", stripped[2:])
    if stripped[:2].lower() != "\\x" or len(digits) % 2 or not re.fullmatch(r"[0-9a-fA-F]*", digits):
        raise _invalid(column, "not bytea (use \\x and pairs of hex digits, e.g. \\x0102ff)")
    return "\\x" + digits.lower()


# --- pgvector -----------------------------------------------------------------------------


def _float4_text(number: float) -> str:
    """The shortest text that reads back as the same float4, as pgvector prints it."""
    number = float(number)
    try:
        target = struct.pack("<f", number)
    except OverflowError:
        return repr(number)
    for digits in range(1, 10):
        text = f"{number:.{digits}g}"
        if struct.pack("<f", float(text)) == target:
            return text
    return repr(number)


def _vector_parts(value: Any) -> Iterator[str]:
    """The dimensions as text, lazily: from pgvector's text, a list, numpy, or pgvector.Vector."""
    if isinstance(value, str):
        inner = value.strip().removeprefix("[").removesuffix("]")
        return (part.strip() for part in inner.split(",")) if inner.strip() else iter(())
    if hasattr(value, "to_list"):
        value = value.to_list()
    elif hasattr(value, "tolist"):
        value = value.tolist()
    return map(_float4_text, value)


def _vector_label(value: Any, column: ColumnInfo | None) -> str:
    if column is not None:
        return column.base_type
    return "halfvec" if type(value).__name__ == "HalfVector" else "vector"


def _sparse_text(value: Any) -> str | None:
    """A sparsevec's own text (`{1:0.5,7:2}/10`); None for a dense vector."""
    if hasattr(value, "indices"):  # pgvector.SparseVector
        return value.to_text()
    return value.strip() if isinstance(value, str) and value.lstrip().startswith("{") else None


def _dimensions(value: Any) -> int:
    if isinstance(value, str):
        return value.count(",") + 1 if value.strip("[] ") else 0
    return len(value.to_list() if hasattr(value, "to_list") else value)


def _vector_show(value: Any, column: ColumnInfo | None, width: int) -> str:
    sparse = _sparse_text(value)
    if sparse is not None:
        return sparse
    return _fill(f"{_vector_label(value, column)}({_dimensions(value)}) [", _vector_parts(value), width, tail="]")


def _vector_source(value: Any, column: ColumnInfo | None) -> str:
    sparse = _sparse_text(value)
    return sparse if sparse is not None else "[" + ",".join(_vector_parts(value)) + "]"


def _vector_full(value: Any, column: ColumnInfo | None) -> str:
    sparse = _sparse_text(value)
    if sparse is not None:
        return sparse
    return f"{_vector_label(value, column)}({_dimensions(value)})\n[" + ", ".join(_vector_parts(value)) + "]"


def _check_vector(text: str, column: ColumnInfo) -> str:
    if column.base_type == "sparsevec":
        return text
    inner = text.strip().removeprefix("[").removesuffix("]").strip()
    parts = [part.strip() for part in inner.split(",")] if inner else []
    for part in parts:
        if not _NUMBER.fullmatch(part) or not math.isfinite(float(part)):
            raise _invalid(column, f"not a vector: {part!r} is not a number (use [0.1, 0.2, 0.3])")
    wanted = (_typmod(column) or [None])[0]
    if not parts or (wanted is not None and len(parts) != wanted):
        raise _invalid(column, f"has {_plural(len(parts), 'dimension')}, {column.type_name} needs {wanted or 'at least 1'}")
    return "[" + ",".join(parts) + "]"


# --- dates and times ----------------------------------------------------------------------


def _datetime_text(value: Any, column: ColumnInfo | None = None) -> str:
    # isoformat leaves out microseconds when they are zero; tz-aware values keep their offset.
    return value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value.isoformat() if isinstance(value, (dt.date, dt.time)) else str(value)


def _datetime_checker(parse: Callable[[str], Any], what: str, example: str, zone: bool | None) -> Callable[[str, ColumnInfo], str]:
    """A check for one date/time type; zone False refuses an offset (the server would drop it)."""

    def check(text: str, column: ColumnInfo) -> str:
        try:
            parsed = parse(text.strip())
        except ValueError:
            raise _invalid(column, f"not {what} (use {example})") from None
        if zone is False and parsed.tzinfo is not None:
            raise _invalid(column, f"{column.type_name} takes no time zone offset (use {example})")
        return _datetime_text(parsed)

    return check


def _interval_text(value: Any, column: ColumnInfo | None = None) -> str:
    """A timedelta as PostgreSQL prints an interval: `3 days 04:05:06`, `-1 days -00:00:01`."""
    if not isinstance(value, dt.timedelta):
        return str(value)
    sign = "-" if value < dt.timedelta(0) else ""
    value = abs(value)
    minutes, seconds = divmod(value.seconds, 60)
    clock = f"{sign}{minutes // 60:02}:{minutes % 60:02}:{seconds:02}" + (f".{value.microseconds:06}".rstrip("0") if value.microseconds else "")
    days = f"{sign}{value.days} day{'' if value.days == 1 and not sign else 's'}" if value.days else ""  # as PG: -1 days
    return " ".join(part for part in (days, clock if value.seconds or value.microseconds or not days else "") if part)


# --- uuid, network ------------------------------------------------------------------------


def _check_uuid(text: str, column: ColumnInfo) -> str:
    try:
        return str(uuid.UUID(text.strip()))
    except ValueError:
        raise _invalid(column, "not a UUID (use 8-4-4-4-12 hex digits)") from None


def _network_text(value: Any, column: ColumnInfo | None = None) -> str:
    # PostgreSQL prints an inet host without its /32 (or /128); cidr always has its mask.
    if isinstance(value, (ipaddress.IPv4Interface, ipaddress.IPv6Interface)) and value.network.prefixlen == value.max_prefixlen:
        return str(value.ip)
    return str(value)


def _check_network(text: str, column: ColumnInfo) -> str:
    stripped = text.strip()
    if column.base_type in ("macaddr", "macaddr8"):
        digits = re.sub(r"[:.\-]", "", stripped).lower()
        if not re.fullmatch(r"[0-9a-f]{12}" + ("([0-9a-f]{4})?" if column.base_type == "macaddr8" else ""), digits):
            raise _invalid(column, "not a MAC address (use 08:00:2b:01:02:03)")
        return ":".join(digits[i : i + 2] for i in range(0, len(digits), 2))
    try:
        if column.base_type == "cidr":
            return str(ipaddress.ip_network(stripped))
        return _network_text(ipaddress.ip_interface(stripped))
    except ValueError as error:
        if "host bits set" in str(error):
            suggestion = ipaddress.ip_network(stripped, strict=False)
            raise _invalid(column, f"not a network: host bits set (did you mean {suggestion}?)") from None
        raise _invalid(column, "not an IP address (use 192.0.2.1 or 192.0.2.0/24)") from None


# --- ranges -------------------------------------------------------------------------------


def _range_text(value: Any, column: ColumnInfo | None = None) -> str:
    """A psycopg Range (or Multirange) in PostgreSQL's own syntax: `[1,5)`, `(,3]`, `empty`."""
    if isinstance(value, Multirange):
        return "{" + ",".join(_range_text(item) for item in value) + "}"
    if not isinstance(value, Range):
        return str(value)
    if value.isempty:
        return "empty"

    def bound(item: Any) -> str:
        if item is None:
            return ""
        text = _family(item, None).source(item, None)
        return f'"{text}"' if any(c in '(),[]"\\' or c.isspace() for c in text) else text

    return f"{value.bounds[0]}{bound(value.lower)},{bound(value.upper)}{value.bounds[1]}"


# --- the dispatch table -------------------------------------------------------------------


@dataclass(frozen=True)
class _Family:
    """What to do with the values of one family of types."""

    kind: str
    editor: str
    show: Callable[[Any, ColumnInfo | None, int], str]
    source: Callable[[Any, ColumnInfo | None], str]
    check: Callable[[str, ColumnInfo], str]
    full: Callable[[Any, ColumnInfo | None], str] | None = None

    def __post_init__(self) -> None:
        if self.full is None:  # most types are whole in their input syntax
            object.__setattr__(self, "full", self.source)


def _shows(render: Callable[[Any, ColumnInfo | None], str]) -> Callable[[Any, ColumnInfo | None, int], str]:
    return lambda value, column, width: render(value, column)


def _str(value: Any, column: ColumnInfo | None = None) -> str:
    return str(value)


_TEXT = _Family("text", "text", _text_show, _str, _check_text)
_INTEGER = _Family("number", "number", _shows(_number_text), _number_text, _check_integer)
_NUMERIC = _Family("number", "number", _shows(_number_text), _number_text, _check_numeric)
_FLOAT = _Family("number", "number", _shows(_number_text), _number_text, _check_float)
_MONEY = _Family("number", "text", _shows(_str), _str, _as_is)  # '$12.34': locale-shaped, server judges
_BOOLEAN = _Family("boolean", "boolean", _shows(_boolean_text), _boolean_text, _check_boolean)
_JSON = _Family("json", "json", _json_show, _json_text, _check_json, _json_full)
_ARRAY = _Family("array", "array", _array_show, _array_source, _check_array)
_BYTES = _Family("bytes", "bytes", _bytes_show, lambda value, column: "\\x" + bytes(value).hex(), _check_bytes, _bytes_full)
_VECTOR = _Family("vector", "vector", _vector_show, _vector_source, _check_vector, _vector_full)
_DATE = _Family("datetime", "date", _shows(_datetime_text), _datetime_text,
                _datetime_checker(dt.date.fromisoformat, "a date", "2026-11-22", None))
_TIMESTAMP = _Family("datetime", "timestamp", _shows(_datetime_text), _datetime_text,
                     _datetime_checker(dt.datetime.fromisoformat, "a timestamp", "2026-11-22 14:05:00", False))
_TIMESTAMPTZ = replace(_TIMESTAMP, check=_datetime_checker(dt.datetime.fromisoformat, "a timestamp", "2026-11-22 14:05:00+00", True))
_TIME = _Family("datetime", "time", _shows(_datetime_text), _datetime_text,
                _datetime_checker(dt.time.fromisoformat, "a time", "14:05:00", False))
_TIMETZ = replace(_TIME, check=_datetime_checker(dt.time.fromisoformat, "a time", "14:05:00+00", True))
_INTERVAL = _Family("interval", "text", _shows(_interval_text), _interval_text, _as_is)
_UUID = _Family("uuid", "uuid", _shows(_str), _str, _check_uuid)
_NETWORK = _Family("network", "network", _shows(_network_text), _network_text, _check_network)
_ENUM = _Family("enum", "enum", _shows(_str), _str, _check_enum)
_BITS = _Family("other", "text", _shows(_str), _str, _check_bits)
_RANGE = _Family("other", "text", _shows(_range_text), _range_text, _as_is)
_OTHER = _Family("other", "text", _shows(_str), _str, _as_is)

_BY_TYPE: dict[str, _Family] = {
    # Text types by name too: array elements have no category to fall back on.
    **dict.fromkeys(("text", "varchar", "bpchar", "name", "citext"), _TEXT),
    **dict.fromkeys(("int2", "int4", "int8", "oid"), _INTEGER),
    "numeric": _NUMERIC, "float4": _FLOAT, "float8": _FLOAT, "money": _MONEY, "bool": _BOOLEAN,
    "json": _JSON, "jsonb": _JSON, "bytea": _BYTES,
    **dict.fromkeys(("vector", "halfvec", "sparsevec"), _VECTOR),
    "date": _DATE, "timestamp": _TIMESTAMP, "timestamptz": _TIMESTAMPTZ, "time": _TIME, "timetz": _TIMETZ,
    "interval": _INTERVAL, "uuid": _UUID,
    **dict.fromkeys(("inet", "cidr", "macaddr", "macaddr8"), _NETWORK),
    "bit": _BITS, "varbit": _BITS,
}
_BY_CATEGORY: dict[str, _Family] = {"S": _TEXT, "R": _RANGE}

# With no column to go by, psycopg's Python type decides (bool before int: it is one).
_BY_PYTHON_TYPE: tuple[tuple[type | tuple[type, ...], _Family], ...] = (
    (bool, _BOOLEAN), (int, _INTEGER), (float, _FLOAT), (Decimal, _NUMERIC), (str, _TEXT),
    ((bytes, bytearray, memoryview), _BYTES), (dict, _JSON), ((list, tuple), _ARRAY),
    (dt.datetime, _TIMESTAMPTZ), (dt.date, _DATE), (dt.time, _TIMETZ), (dt.timedelta, _INTERVAL),
    (uuid.UUID, _UUID), ((ipaddress.IPv4Interface, ipaddress.IPv6Interface, ipaddress.IPv4Network,
                          ipaddress.IPv6Network, ipaddress.IPv4Address, ipaddress.IPv6Address), _NETWORK),
    ((Range, Multirange), _RANGE),
)


def _family(value: Any, column: ColumnInfo | None) -> _Family:
    if column is not None:
        # Arrays and enums first: their typname is the user's choice (an enum may be "date").
        if column.category == "A":
            return _ARRAY
        if column.category == "E":
            return _ENUM
        return _BY_TYPE.get(column.base_type) or _BY_CATEGORY.get(column.category, _OTHER)
    for python_type, family in _BY_PYTHON_TYPE:
        if isinstance(value, python_type):
            return family
    if hasattr(value, "to_text") or type(value).__name__ == "ndarray":  # pgvector.Vector, numpy
        return _VECTOR
    return _OTHER

"""The dispatch table: which family of types (how to show, write and check its values)
serves a column, by its type, or a value, by the Python type psycopg returned.

Arrays and ranges live here too: their elements are values of any type, looked up in this
same table.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from psycopg.types.multirange import Multirange
from psycopg.types.range import Range

from data.catalog import ColumnInfo
from data.values.array_literal import array_literal, parse_array_literal, quote_element
from data.values.binary import (
    bytes_full,
    bytes_show,
    check_bytes,
    check_vector,
    vector_full,
    vector_show,
    vector_source,
)
from data.values.common import fill, invalid, plural
from data.values.json_values import check_json, json_full, json_show, json_text, reject_constant
from data.values.scalars import (
    boolean_text,
    check_bits,
    check_boolean,
    check_enum,
    check_float,
    check_integer,
    check_network,
    check_numeric,
    check_text,
    check_uuid,
    datetime_checker,
    datetime_text,
    interval_text,
    network_text,
    number_text,
    text_show,
)


@dataclass(frozen=True)
class _Family:
    """What to do with the values of one family of types."""

    kind: str
    editor: str
    show: Callable[[Any, ColumnInfo | None, int], str]
    source: Callable[[Any, ColumnInfo | None], str]
    check: Callable[[str, ColumnInfo], str]
    full: Callable[[Any, ColumnInfo | None], str] | None = None
    """The whole value for a detail pane; None: its input syntax (source), as for most types."""

    def whole(self, value: Any, column: ColumnInfo | None) -> str:
        return (self.full or self.source)(value, column)


def _shows(render: Callable[[Any, ColumnInfo | None], str]) -> Callable[[Any, ColumnInfo | None, int], str]:
    return lambda value, column, width: render(value, column)


def _str(value: Any, column: ColumnInfo | None = None) -> str:
    return str(value)


def _as_is(text: str, column: ColumnInfo) -> str:
    return text


# --- arrays and ranges: their elements are of any type ------------------------------------


def _element_column(column: ColumnInfo, name: str | None = None) -> ColumnInfo:
    """A column of the array's element type, for its show/check rules."""
    return replace(
        column,
        name=name or column.name,
        type_name=column.type_name.removesuffix("[]"),
        base_type=column.element_type or column.base_type.lstrip("_"),
        category="E" if column.enum_labels else "U",
        element_type=None,
        domain=None,
    )


def _array_items(value: Any) -> list[Any]:
    # psycopg returns a str for arrays of types it does not know (arrays of enums).
    return parse_array_literal(value) if isinstance(value, str) else list(value)


def _element_renderer(value: Any, column: ColumnInfo | None) -> Callable[[Any], str | None]:
    """How one element of `value` becomes input text (as it is, when parsed from a literal)."""
    if isinstance(value, str):
        return lambda item: item
    element = _element_column(column) if column is not None else None
    return lambda item: None if item is None else family_of(item, element).source(item, element)


def _nested(value: Any, column: ColumnInfo | None) -> bool:
    # In a json[]/jsonb[] from psycopg, a list is a JSON array element, not a sub-array.
    return isinstance(value, str) or column is None or column.element_type not in ("json", "jsonb")


def _array_source(value: Any, column: ColumnInfo | None) -> str:
    if isinstance(value, str):
        return value
    return array_literal(list(value), _element_renderer(value, column), _nested(value, column))


def _array_show(value: Any, column: ColumnInfo | None, width: int) -> str:
    literal = _array_source(value, column)
    if len(literal) <= width:
        return literal
    items, render, nested = _array_items(value), _element_renderer(value, column), _nested(value, column)
    tokens = (
        array_literal(item, render) if nested and isinstance(item, list) else quote_element(render(item))
        for item in items
    )
    return fill(f"[{plural(len(items), 'item')}] ", tokens, width)


def _json_to_element(item: Any) -> Any:
    if isinstance(item, list):
        return [_json_to_element(inner) for inner in item]
    if item is None or isinstance(item, str):
        return item
    return boolean_text(item) if isinstance(item, bool) else json_text(item)


def _check_array(text: str, column: ColumnInfo) -> str:
    stripped = text.strip()
    try:
        if stripped.startswith("["):
            parsed = json.loads(stripped, parse_float=Decimal, parse_constant=reject_constant)
            if not isinstance(parsed, list):
                raise ValueError("not a list")
            if column.element_type in ("json", "jsonb"):  # each item is a JSON value, not a sub-array
                items: list[Any] = [None if item is None else json_text(item) for item in parsed]
            else:
                items = _json_to_element(parsed)
        elif stripped.startswith("{"):
            items = parse_array_literal(stripped)
        else:
            raise ValueError('use {a,b} or a JSON list ["a", "b"]')
    except ValueError as error:
        raise invalid(column, f"not an array: {error}") from None

    def check(items: list[Any], path: str) -> list[Any]:
        checked: list[Any] = []
        for index, item in enumerate(items, start=1):
            where = f"{path}[{index}]"
            if isinstance(item, list):
                checked.append(check(item, where))
            elif item is None:
                checked.append(None)
            else:
                element = _element_column(column, where)
                checked.append(family_of(None, element).check(item, element))
        return checked

    return array_literal(check(items, column.name), lambda item: item)


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
        text = family_of(item, None).source(item, None)
        return f'"{text}"' if any(c in '(),[]"\\' or c.isspace() for c in text) else text

    return f"{value.bounds[0]}{bound(value.lower)},{bound(value.upper)}{value.bounds[1]}"


# --- the dispatch table -------------------------------------------------------------------

# TEXT alone is public: display_value tells an empty text by it.
TEXT = _Family("text", "text", text_show, _str, check_text)
_INTEGER = _Family("number", "number", _shows(number_text), number_text, check_integer)
_NUMERIC = _Family("number", "number", _shows(number_text), number_text, check_numeric)
_FLOAT = _Family("number", "number", _shows(number_text), number_text, check_float)
_MONEY = _Family("number", "text", _shows(_str), _str, _as_is)  # '$12.34': locale-shaped, server judges
_BOOLEAN = _Family("boolean", "boolean", _shows(boolean_text), boolean_text, check_boolean)
_JSON = _Family("json", "json", json_show, json_text, check_json, json_full)
_ARRAY = _Family("array", "array", _array_show, _array_source, _check_array)
_BYTES = _Family(
    "bytes", "bytes", bytes_show, lambda value, column: "\\x" + bytes(value).hex(), check_bytes, bytes_full
)
_VECTOR = _Family("vector", "vector", vector_show, vector_source, check_vector, vector_full)
_DATE = _Family(
    "datetime",
    "date",
    _shows(datetime_text),
    datetime_text,
    datetime_checker(dt.date.fromisoformat, "a date", "2026-11-22", None),
)
_TIMESTAMP = _Family(
    "datetime",
    "timestamp",
    _shows(datetime_text),
    datetime_text,
    datetime_checker(dt.datetime.fromisoformat, "a timestamp", "2026-11-22 14:05:00", False),
)
_TIMESTAMPTZ = replace(
    _TIMESTAMP, check=datetime_checker(dt.datetime.fromisoformat, "a timestamp", "2026-11-22 14:05:00+00", True)
)
_TIME = _Family(
    "datetime",
    "time",
    _shows(datetime_text),
    datetime_text,
    datetime_checker(dt.time.fromisoformat, "a time", "14:05:00", False),
)
_TIMETZ = replace(_TIME, check=datetime_checker(dt.time.fromisoformat, "a time", "14:05:00+00", True))
_INTERVAL = _Family("interval", "text", _shows(interval_text), interval_text, _as_is)
_UUID = _Family("uuid", "uuid", _shows(_str), _str, check_uuid)
_NETWORK = _Family("network", "network", _shows(network_text), network_text, check_network)
_ENUM = _Family("enum", "enum", _shows(_str), _str, check_enum)
_BITS = _Family("other", "text", _shows(_str), _str, check_bits)
_RANGE = _Family("other", "text", _shows(_range_text), _range_text, _as_is)
_OTHER = _Family("other", "text", _shows(_str), _str, _as_is)

_BY_TYPE: dict[str, _Family] = {
    # Text types by name too: array elements have no category to fall back on.
    **dict.fromkeys(("text", "varchar", "bpchar", "name", "citext"), TEXT),
    **dict.fromkeys(("int2", "int4", "int8", "oid"), _INTEGER),
    "numeric": _NUMERIC,
    "float4": _FLOAT,
    "float8": _FLOAT,
    "money": _MONEY,
    "bool": _BOOLEAN,
    "json": _JSON,
    "jsonb": _JSON,
    "bytea": _BYTES,
    **dict.fromkeys(("vector", "halfvec", "sparsevec"), _VECTOR),
    "date": _DATE,
    "timestamp": _TIMESTAMP,
    "timestamptz": _TIMESTAMPTZ,
    "time": _TIME,
    "timetz": _TIMETZ,
    "interval": _INTERVAL,
    "uuid": _UUID,
    **dict.fromkeys(("inet", "cidr", "macaddr", "macaddr8"), _NETWORK),
    "bit": _BITS,
    "varbit": _BITS,
}
_BY_CATEGORY: dict[str, _Family] = {"S": TEXT, "R": _RANGE}

# With no column to go by, psycopg's Python type decides (bool before int: it is one).
_BY_PYTHON_TYPE: tuple[tuple[type | tuple[type, ...], _Family], ...] = (
    (bool, _BOOLEAN),
    (int, _INTEGER),
    (float, _FLOAT),
    (Decimal, _NUMERIC),
    (str, TEXT),
    ((bytes, bytearray, memoryview), _BYTES),
    (dict, _JSON),
    ((list, tuple), _ARRAY),
    (dt.datetime, _TIMESTAMPTZ),
    (dt.date, _DATE),
    (dt.time, _TIMETZ),
    (dt.timedelta, _INTERVAL),
    (uuid.UUID, _UUID),
    (
        (
            ipaddress.IPv4Interface,
            ipaddress.IPv6Interface,
            ipaddress.IPv4Network,
            ipaddress.IPv6Network,
            ipaddress.IPv4Address,
            ipaddress.IPv6Address,
        ),
        _NETWORK,
    ),
    ((Range, Multirange), _RANGE),
)


def family_of(value: Any, column: ColumnInfo | None) -> _Family:
    """The family of a column's values, by its type; with no column, of `value`, by its Python type."""
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

"""Showing and editing values of every PostgreSQL type: unit tests, then a round trip
through a real table with one column of each type."""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import uuid
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from psycopg.types.range import Range
from sqlalchemy import text

from data.catalog import ColumnInfo, RelationRef, describe_table_on, quote_ident
from data.values import (
    InvalidValue,
    Shown,
    display_value,
    editor_kind,
    full_text,
    input_text,
    parse_array_literal,
    validate_input,
)


def column(name: str, type_name: str, base_type: str, category: str, **more: Any) -> ColumnInfo:
    fields: dict[str, Any] = dict(
        element_type=None,
        domain=None,
        enum_labels=(),
        nullable=True,
        default=None,
        identity=False,
        generated=False,
        comment=None,
    )
    fields.update(more)
    return ColumnInfo(name=name, type_name=type_name, base_type=base_type, category=category, **fields)


INT2 = column("rarity", "smallint", "int2", "N")
INT4 = column("rarity", "integer", "int4", "N")
INT8 = column("views", "bigint", "int8", "N")
NUMERIC = column("price", "numeric(12,4)", "numeric", "N")
REAL = column("score", "real", "float4", "N")
DOUBLE = column("score", "double precision", "float8", "N")
BOOL = column("is_active", "boolean", "bool", "B")
TEXT = column("note", "text", "text", "S")
VARCHAR = column("email", "character varying(5)", "varchar", "S")
CHAR = column("code", "character(3)", "bpchar", "S")
JSONB = column("metadata", "jsonb", "jsonb", "U")
INT_ARRAY = column("ranks", "integer[]", "_int4", "A", element_type="int4")
TEXT_ARRAY = column("tags", "text[]", "_text", "A", element_type="text")
VARCHAR_ARRAY = column("codes", "character varying(2)[]", "_varchar", "A", element_type="varchar")
INET = column("address", "inet", "inet", "I")
CIDR = column("network", "cidr", "cidr", "I")
MACADDR = column("mac", "macaddr", "macaddr", "U")
UUID = column("id", "uuid", "uuid", "U")
DATE = column("born_on", "date", "date", "D")
TIME = column("at", "time without time zone", "time", "D")
TIMESTAMP = column("seen_at", "timestamp without time zone", "timestamp", "D")
TIMESTAMPTZ = column("created_at", "timestamp with time zone", "timestamptz", "D")
INTERVAL = column("took", "interval", "interval", "T")
BYTEA = column("data", "bytea", "bytea", "U")
VECTOR = column("embedding", "vector(3)", "vector", "U")
ENUM = column("status", "app.status", "status", "E", enum_labels=("active", "archived"))
ENUM_ARRAY = column(
    "statuses", "app.status[]", "_status", "A", element_type="status", enum_labels=("active", "archived")
)
DOMAIN = column("stock", "app.positive", "int4", "N", domain="positive")
MONEY = column("cost", "money", "money", "N")
RANGE = column("span", "int4range", "int4range", "R")
BITS = column("flags", "bit(4)", "bit", "V")
VARBITS = column("mask", "bit varying(3)", "varbit", "V")
POINT = column("spot", "point", "point", "G")


# --- display ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "col", "expected"),
    [
        (None, TEXT, Shown("NULL", "null")),
        (None, INT4, Shown("NULL", "null")),
        ("", TEXT, Shown("''", "empty")),
        ("   ", TEXT, Shown("'   '", "text")),
        ("one\ntwo\r\nthree\tfour", TEXT, Shown("one⏎two⏎three⇥four", "text")),
        ("bell\x07", TEXT, Shown("bell␇", "text")),
        ("ab ", CHAR, Shown("ab ", "text")),
        (42, INT4, Shown("42", "number")),
        (-(2**63), INT8, Shown("-9223372036854775808", "number")),
        (Decimal("12.5000"), NUMERIC, Shown("12.5000", "number")),
        (Decimal("0.0000001"), NUMERIC, Shown("0.0000001", "number")),
        (Decimal("NaN"), NUMERIC, Shown("NaN", "number")),
        (0.1, DOUBLE, Shown("0.1", "number")),
        (float("-inf"), DOUBLE, Shown("-Infinity", "number")),
        (1e300, DOUBLE, Shown("1e+300", "number")),
        (True, BOOL, Shown("true", "boolean")),
        (False, BOOL, Shown("false", "boolean")),
        ({"a": 1, "b": [2, 3]}, JSONB, Shown('{"a": 1, "b": [2, 3]}', "json")),
        ("just a string", JSONB, Shown('"just a string"', "json")),
        ("", JSONB, Shown('""', "json")),
        (
            {"name": "Ada", "tags": ["x", "y"], "address": {"city": "London"}, "born": 1815},
            JSONB,
            Shown('{4 keys} {"name": "Ada", …}', "json"),
        ),
        ([{"id": n} for n in range(20)], JSONB, Shown("[20 items] [{1 key}, {1 key}, …]", "json")),
        ([1, 2, 3], INT_ARRAY, Shown("{1,2,3}", "array")),
        ([], INT_ARRAY, Shown("{}", "array")),
        (["a b", None, 'say "hi"', "NULL", ""], TEXT_ARRAY, Shown('{"a b",NULL,"say \\"hi\\"","NULL",""}', "array")),
        (list(range(1, 13)), INT_ARRAY, Shown("{1,2,3,4,5,6,7,8,9,10,11,12}", "array")),
        (list(range(100, 130)), INT_ARRAY, Shown("[30 items] 100, 101, 102, 103, 104, …", "array")),
        ('{active,"archived"}', ENUM_ARRAY, Shown('{active,"archived"}', "array")),
        ([[1, 2], [3, 4]], INT_ARRAY, Shown("{{1,2},{3,4}}", "array")),
        (ipaddress.ip_interface("192.168.0.1/24"), INET, Shown("192.168.0.1/24", "network")),
        (ipaddress.ip_interface("192.168.0.1/32"), INET, Shown("192.168.0.1", "network")),
        (ipaddress.ip_network("10.0.0.0/8"), CIDR, Shown("10.0.0.0/8", "network")),
        ("08:00:2b:01:02:03", MACADDR, Shown("08:00:2b:01:02:03", "network")),
        (uuid.UUID(int=1), UUID, Shown("00000000-0000-0000-0000-000000000001", "uuid")),
        (dt.date(2026, 11, 22), DATE, Shown("2026-11-22", "datetime")),
        (dt.time(14, 5), TIME, Shown("14:05:00", "datetime")),
        (dt.datetime(2026, 11, 22, 14, 5), TIMESTAMP, Shown("2026-11-22 14:05:00", "datetime")),
        (
            dt.datetime(2026, 11, 22, 14, 5, tzinfo=dt.timezone.utc),
            TIMESTAMPTZ,
            Shown("2026-11-22 14:05:00+00:00", "datetime"),
        ),
        (
            dt.datetime(2026, 11, 22, 14, 5, 0, 250, tzinfo=dt.timezone(dt.timedelta(hours=5, minutes=30))),
            TIMESTAMPTZ,
            Shown("2026-11-22 14:05:00.000250+05:30", "datetime"),
        ),
        (dt.timedelta(days=3, hours=4, minutes=5, seconds=6), INTERVAL, Shown("3 days 04:05:06", "interval")),
        (dt.timedelta(days=1), INTERVAL, Shown("1 day", "interval")),
        (dt.timedelta(0), INTERVAL, Shown("00:00:00", "interval")),
        (-dt.timedelta(days=2, seconds=1.5), INTERVAL, Shown("-2 days -00:00:01.5", "interval")),
        (b"\x89PNG\r\n\x1a\n" + bytes(40), BYTEA, Shown("48 B \\x89504e470d0a1a0a0000000000000000…", "bytes")),
        (memoryview(b"\x01\x02"), BYTEA, Shown("2 B \\x0102", "bytes")),
        (bytes(1300), BYTEA, Shown("1.3 KiB \\x0000000000000000000000000000…", "bytes")),
        (b"", BYTEA, Shown("0 B", "bytes")),
        ("[0.1,-2,3.5]", VECTOR, Shown("vector(3) [0.1, -2, 3.5]", "vector")),
        ([0.1, -2.0, 3.5], VECTOR, Shown("vector(3) [0.1, -2, 3.5]", "vector")),
        ("active", ENUM, Shown("active", "enum")),
        (5, DOMAIN, Shown("5", "number")),
        ("$12.34", MONEY, Shown("$12.34", "number")),
        (Range(1, 5), RANGE, Shown("[1,5)", "other")),
        (Range(None, 5, "(]"), RANGE, Shown("(,5]", "other")),
        (Range(empty=True), RANGE, Shown("empty", "other")),
        ("1010", BITS, Shown("1010", "other")),
        ("(1,2)", POINT, Shown("(1,2)", "other")),
    ],
)
def test_display_value(value: Any, col: ColumnInfo, expected: Shown) -> None:
    assert display_value(value, col, width=40) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, Shown("NULL", "null")),
        ("", Shown("''", "empty")),
        (7, Shown("7", "number")),
        (Decimal("1.10"), Shown("1.10", "number")),
        (True, Shown("true", "boolean")),
        ({"a": None}, Shown('{"a": null}', "json")),
        (["x", None], Shown("{x,NULL}", "array")),
        (b"\x00", Shown("1 B \\x00", "bytes")),
        (dt.datetime(2026, 1, 2, 3, 4, 5), Shown("2026-01-02 03:04:05", "datetime")),
        (dt.timedelta(minutes=1), Shown("00:01:00", "interval")),
        (uuid.UUID(int=0), Shown("00000000-0000-0000-0000-000000000000", "uuid")),
        (ipaddress.ip_network("::/0"), Shown("::/0", "network")),
        (object, Shown("<class 'object'>", "other")),
    ],
)
def test_display_without_a_column_goes_by_the_python_type(value: Any, expected: Shown) -> None:
    assert display_value(value, None) == expected


@pytest.mark.parametrize("width", [1, 2, 5, 12, 40])
@pytest.mark.parametrize(
    ("value", "col"),
    [
        ("x" * 100, TEXT),
        ("a\nb" * 50, TEXT),
        (Decimal("1" * 60), NUMERIC),
        ({f"key{n}": list(range(n)) for n in range(30)}, JSONB),
        (list(range(1000)), INT_ARRAY),
        (bytes(range(256)) * 10, BYTEA),
        ("[" + ",".join(["0.123456"] * 768) + "]", column("embedding", "vector(768)", "vector", "U")),
        (dt.datetime(2026, 11, 22, 14, 5, tzinfo=dt.timezone.utc), TIMESTAMPTZ),
        (None, TEXT),
        ("", TEXT),
    ],
)
def test_display_is_one_line_within_the_width(value: Any, col: ColumnInfo, width: int) -> None:
    shown = display_value(value, col, width=width)
    assert len(shown.text) <= width
    assert "\n" not in shown.text and "\r" not in shown.text
    if len(shown.text) < len(full_text(value, col)) and width > 1:
        assert shown.text.endswith(("…", "…]", "…}"))


def test_a_long_vector_shows_its_dimensions_and_head() -> None:
    value = "[" + ",".join(f"{n / 100:g}" for n in range(768)) + "]"
    shown = display_value(value, column("embedding", "vector(768)", "vector", "U"), width=40)
    assert shown == Shown("vector(768) [0, 0.01, 0.02, 0.03, …]", "vector")


def test_vectors_from_pgvectors_own_adapter_show_alike() -> None:
    from pgvector import HalfVector, SparseVector, Vector

    class FakeNumpy:  # numpy is not installed: what register_vector returns, duck-typed
        def __init__(self, items: list[float]) -> None:
            self.items = items

        def tolist(self) -> list[float]:
            return self.items

        def __len__(self) -> int:
            return len(self.items)

    expected = Shown("vector(3) [0.1, -2, 3.5]", "vector")
    assert display_value(Vector([0.1, -2, 3.5]), VECTOR) == expected
    assert display_value(FakeNumpy([0.10000000149011612, -2.0, 3.5]), VECTOR) == expected
    assert input_text(Vector([0.1, -2, 3.5]), VECTOR) == "[0.1,-2,3.5]"
    assert display_value(HalfVector([1, 2, 3]), None).kind == "vector"
    sparse = column("weights", "sparsevec(5)", "sparsevec", "U")
    assert display_value(SparseVector({0: 1.5, 3: 2}, 5), sparse) == Shown("{1:1.5,4:2.0}/5", "vector")
    assert display_value("{1:1.5,4:2}/5", sparse) == Shown("{1:1.5,4:2}/5", "vector")


def test_display_value_never_raises() -> None:
    class Hostile:
        def __str__(self) -> str:
            return "hostile"

        def __len__(self) -> int:
            raise RuntimeError("no")

    assert display_value(Hostile(), VECTOR) == Shown("hostile", "other")
    assert display_value("not json at all {", JSONB).kind == "json"
    assert display_value("{unterminated", ENUM_ARRAY) == Shown("{unterminated", "array")  # as the server sent it
    assert display_value("{unterminated" * 10, ENUM_ARRAY, width=20) == Shown("{unterminated{unter…", "other")
    assert full_text(Hostile(), VECTOR) == "hostile"


# --- full text ----------------------------------------------------------------------------


def test_full_text() -> None:
    assert full_text(None, TEXT) == "NULL"
    assert full_text("", TEXT) == ""
    assert full_text("line\nline", TEXT) == "line\nline"
    assert full_text({"a": [1, {"b": None}]}, JSONB) == '{\n  "a": [\n    1,\n    {\n      "b": null\n    }\n  ]\n}'
    assert full_text(list(range(100)), INT_ARRAY) == "{" + ",".join(map(str, range(100))) + "}"
    assert full_text("[1,2,3]", VECTOR) == "vector(3)\n[1, 2, 3]"
    assert full_text(Decimal("1E-7"), NUMERIC) == "0.0000001"
    assert full_text(dt.timedelta(days=3, seconds=14706), INTERVAL) == "3 days 04:05:06"


def test_full_text_of_bytea_is_a_capped_hex_dump() -> None:
    assert full_text(b"Hello, world!\x00\x01\x02\xff", BYTEA) == (
        "17 bytes\n"
        "00000000  48 65 6c 6c 6f 2c 20 77 6f 72 6c 64 21 00 01 02  |Hello, world!...|\n"
        "00000010  ff                                               |.|"
    )
    dump = full_text(bytes(10_000), BYTEA).splitlines()
    assert dump[0] == "10000 bytes (9.8 KiB)"
    assert len(dump) == 1 + 4096 // 16 + 1
    assert dump[-2].startswith("00000ff0  00 00")
    assert dump[-1] == "… 5904 more bytes (5.8 KiB) not shown"


# --- editors and input text ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("col", "kind"),
    [
        (JSONB, "json"),
        (column("j", "json", "json", "U"), "json"),
        (BOOL, "boolean"),
        (ENUM, "enum"),
        (DATE, "date"),
        (TIMESTAMP, "timestamp"),
        (TIMESTAMPTZ, "timestamp"),
        (TIME, "time"),
        (INT2, "number"),
        (INT8, "number"),
        (NUMERIC, "number"),
        (REAL, "number"),
        (DOMAIN, "number"),
        (UUID, "uuid"),
        (INET, "network"),
        (CIDR, "network"),
        (MACADDR, "network"),
        (BYTEA, "bytes"),
        (INT_ARRAY, "array"),
        (ENUM_ARRAY, "array"),
        (VECTOR, "vector"),
        (TEXT, "text"),
        (VARCHAR, "text"),
        (INTERVAL, "text"),
        (MONEY, "text"),
        (RANGE, "text"),
        (BITS, "text"),
        (POINT, "text"),
        # An enum called "date" is still an enum.
        (column("d", "app.date", "date", "E", enum_labels=("x",)), "enum"),
    ],
)
def test_editor_kind(col: ColumnInfo, kind: str) -> None:
    assert editor_kind(col) == kind


@pytest.mark.parametrize(
    ("value", "col", "expected"),
    [
        (None, TEXT, None),
        ("", TEXT, ""),
        ({"b": [1, 2], "a": "é"}, JSONB, '{"b": [1, 2], "a": "é"}'),
        ("x", JSONB, '"x"'),
        ([1, None, 3], INT_ARRAY, "{1,NULL,3}"),
        (
            ["a b", "c,d", "{}", "back\\slash", 'quo"te', "null"],
            TEXT_ARRAY,
            '{"a b","c,d","{}","back\\\\slash","quo\\"te","null"}',
        ),
        (dt.date(2026, 11, 22), DATE, "2026-11-22"),
        (
            dt.datetime(2026, 11, 22, 14, 5, tzinfo=dt.timezone(dt.timedelta(hours=2))),
            TIMESTAMPTZ,
            "2026-11-22 14:05:00+02:00",
        ),
        (b"\x00\xff", BYTEA, "\\x00ff"),
        (Decimal("1E-7"), NUMERIC, "0.0000001"),
        (Decimal("-Infinity"), NUMERIC, "-Infinity"),
        (float("nan"), DOUBLE, "NaN"),
        (True, BOOL, "true"),
        (False, BOOL, "false"),
        (dt.timedelta(days=-1), INTERVAL, "-1 days"),
        (ipaddress.ip_interface("::1/128"), INET, "::1"),
        ("[1,2,3]", VECTOR, "[1,2,3]"),
        (Range(dt.date(2026, 1, 1), None), column("r", "daterange", "daterange", "R"), "[2026-01-01,)"),
        (
            Range(dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc), None),
            column("r", "tstzrange", "tstzrange", "R"),
            '["2026-01-01 00:00:00+00:00",)',
        ),
    ],
)
def test_input_text(value: Any, col: ColumnInfo, expected: str | None) -> None:
    assert input_text(value, col) == expected


# --- validation ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "col", "expected"),
    [
        (" 42 ", INT4, "42"),
        ("-32768", INT2, "-32768"),
        ("9223372036854775807", INT8, "9223372036854775807"),
        ("12345678.12345", NUMERIC, "12345678.12345"),
        ("1e3", NUMERIC, "1e3"),
        ("nan", NUMERIC, "NaN"),
        ("-inf", DOUBLE, "-Infinity"),
        ("Infinity", REAL, "Infinity"),
        ("1.5e-3", REAL, "1.5e-3"),
        ("YES", BOOL, "true"),
        ("f", BOOL, "false"),
        ("0", BOOL, "false"),
        ("On", BOOL, "true"),
        ("", TEXT, ""),
        ("  keep my spaces ", TEXT, "  keep my spaces "),
        ("héllo", VARCHAR, "héllo"),
        ("abc   ", VARCHAR, "abc   "),  # the server trims excess trailing spaces itself
        ("ab", CHAR, "ab"),
        (' {"b": 1,  "a": [1.10, "x"]} ', JSONB, '{"b": 1, "a": [1.10, "x"]}'),
        ("123456789012345678901234567890.5", JSONB, "123456789012345678901234567890.5"),
        ("null", JSONB, "null"),
        ("{1, 2 ,3}", INT_ARRAY, "{1,2,3}"),
        ("[1, null, 3]", INT_ARRAY, "{1,NULL,3}"),
        ("{{1,2},{3,4}}", INT_ARRAY, "{{1,2},{3,4}}"),
        ('["a b", "c\\"d", null, "NULL"]', TEXT_ARRAY, '{"a b","c\\"d",NULL,"NULL"}'),
        ('{"a b",plain, NULL ,"NULL"}', TEXT_ARRAY, '{"a b",plain,NULL,"NULL"}'),
        ("{}", TEXT_ARRAY, "{}"),
        ("[]", TEXT_ARRAY, "{}"),
        ('["active", "archived"]', ENUM_ARRAY, "{active,archived}"),
        (" 10.0.0.1 ", INET, "10.0.0.1"),
        ("10.0.0.1/8", INET, "10.0.0.1/8"),
        ("2001:db8::1/64", INET, "2001:db8::1/64"),
        ("10.0.0.0/8", CIDR, "10.0.0.0/8"),
        ("08-00-2B-01-02-03", MACADDR, "08:00:2b:01:02:03"),
        ("{A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11}", UUID, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"),
        ("2026-11-22", DATE, "2026-11-22"),
        ("14:05", TIME, "14:05:00"),
        ("2026-11-22 14:05", TIMESTAMP, "2026-11-22 14:05:00"),
        ("2026-11-22T14:05:00.5", TIMESTAMP, "2026-11-22 14:05:00.500000"),
        ("2026-11-22T14:05:00Z", TIMESTAMPTZ, "2026-11-22 14:05:00+00:00"),
        ("2026-11-22 14:05+02", TIMESTAMPTZ, "2026-11-22 14:05:00+02:00"),
        ("2026-11-22 14:05", TIMESTAMPTZ, "2026-11-22 14:05:00"),  # the session's time zone applies
        ("3 days 04:05:06", INTERVAL, "3 days 04:05:06"),
        ("\\x00FF", BYTEA, "\\x00ff"),
        ("\\x 01 02 ", BYTEA, "\\x0102"),
        ("\\x", BYTEA, "\\x"),
        ("[1, 2.5, -3e-2]", VECTOR, "[1,2.5,-3e-2]"),
        ("archived", ENUM, "archived"),
        ("-5", DOMAIN, "-5"),  # the domain's CHECK is the server's to judge
        ("$1,000.00", MONEY, "$1,000.00"),
        ("[1,5)", RANGE, "[1,5)"),
        ("1010", BITS, "1010"),
        ("xA", BITS, "1010"),
        ("B101", VARBITS, "101"),
        ("(1,2)", POINT, "(1,2)"),
    ],
)
def test_validate_input_accepts_and_normalises(typed: str, col: ColumnInfo, expected: str) -> None:
    assert validate_input(typed, col) == expected


@pytest.mark.parametrize(
    ("typed", "col", "message"),
    [
        (
            '{"a": }',
            column("metadata", "jsonb", "jsonb", "U"),
            "metadata: not valid JSON: Expecting value at line 1 column 7",
        ),
        (
            "{'a': 1}",
            JSONB,
            "metadata: not valid JSON: Expecting property name enclosed in double quotes at line 1 column 2",
        ),
        ("NaN", JSONB, "metadata: not valid JSON: NaN is not valid JSON"),
        ("maybe", BOOL, "is_active: not a boolean (use true or false)"),
        ("", BOOL, "is_active: not a boolean (use true or false)"),
        ("1.5", INT4, "rarity: not an integer"),
        ("", INT4, "rarity: not an integer"),
        ("40000", INT2, "rarity: out of range for smallint (-32768 to 32767)"),
        ("2147483648", INT4, "rarity: out of range for integer (-2147483648 to 2147483647)"),
        ("1e10", NUMERIC, "price: too large for numeric(12,4) (at most 8 digits before the point)"),
        ("99999999.99995", NUMERIC, "price: too large for numeric(12,4) (at most 8 digits before the point)"),
        ("1e100000", NUMERIC, "price: too large for numeric(12,4) (at most 8 digits before the point)"),
        ("twelve", NUMERIC, "price: not a number"),
        ("1,5", DOUBLE, "score: not a number"),
        ("1e39", REAL, "score: out of range for real"),
        ("1e309", DOUBLE, "score: out of range for double precision"),
        ("deleted", ENUM, "status: not one of active, archived"),
        ("2026-13-01 10:00", TIMESTAMPTZ, "created_at: not a timestamp (use 2026-11-22 14:05:00+00)"),
        ("yesterday", DATE, "born_on: not a date (use 2026-11-22)"),
        ("25:00", TIME, "at: not a time (use 14:05:00)"),
        (
            "2026-11-22 14:05+02",
            TIMESTAMP,
            "seen_at: timestamp without time zone takes no time zone offset (use 2026-11-22 14:05:00)",
        ),
        ("not-a-uuid", UUID, "id: not a UUID (use 8-4-4-4-12 hex digits)"),
        ("10.0.0.256", INET, "address: not an IP address (use 192.0.2.1 or 192.0.2.0/24)"),
        ("10.0.0.1/8", CIDR, "network: not a network: host bits set (did you mean 10.0.0.0/8?)"),
        ("08:00:2b", MACADDR, "mac: not a MAC address (use 08:00:2b:01:02:03)"),
        ("123456", VARCHAR, "email: longer than 5 characters"),
        ("abcd", CHAR, "code: longer than 3 characters"),
        ("{1,x,3}", INT_ARRAY, "ranks[2]: not an integer"),
        ("{{1,2},{3,99999999999}}", INT_ARRAY, "ranks[2][2]: out of range for integer (-2147483648 to 2147483647)"),
        ('["ok", "too long"]', VARCHAR_ARRAY, "codes[2]: longer than 2 characters"),
        ("{active,deleted}", ENUM_ARRAY, "statuses[2]: not one of active, archived"),
        ("1,2,3", INT_ARRAY, 'ranks: not an array: use {a,b} or a JSON list ["a", "b"]'),
        ("{1,2", INT_ARRAY, 'ranks: not an array: unterminated array (a } or " is missing)'),
        ("{a,,b}", TEXT_ARRAY, 'tags: not an array: missing element at position 4 (write "" for an empty string)'),
        ('{"a"b}', TEXT_ARRAY, "tags: not an array: expected , or } at position 5"),
        ("[1, 2", INT_ARRAY, "ranks: not an array: Expecting ',' delimiter: line 1 column 6 (char 5)"),
        ("[1,2]", VECTOR, "embedding: has 2 dimensions, vector(3) needs 3"),
        ("[]", VECTOR, "embedding: has 0 dimensions, vector(3) needs 3"),
        ("[1,two,3]", VECTOR, "embedding: not a vector: 'two' is not a number (use [0.1, 0.2, 0.3])"),
        ("[1,NaN,3]", VECTOR, "embedding: not a vector: 'NaN' is not a number (use [0.1, 0.2, 0.3])"),
        ("0x0102", BYTEA, "data: not bytea (use \\x and pairs of hex digits, e.g. \\x0102ff)"),
        ("\\x012", BYTEA, "data: not bytea (use \\x and pairs of hex digits, e.g. \\x0102ff)"),
        ("10a0", BITS, "flags: not a bit string (use 0s and 1s, e.g. 1010)"),
        ("101", BITS, "flags: must be exactly 4 bits"),
        ("1010", VARBITS, "mask: longer than 3 bits"),
    ],
)
def test_validate_input_refuses_with_one_line(typed: str, col: ColumnInfo, message: str) -> None:
    with pytest.raises(InvalidValue) as caught:
        validate_input(typed, col)
    assert str(caught.value) == message
    assert "\n" not in message
    assert caught.value.title == "Invalid value"


def test_a_long_list_of_enum_labels_is_cut_in_the_message() -> None:
    col = column("colour", "app.colour", "colour", "E", enum_labels=tuple(f"c{n}" for n in range(30)))
    with pytest.raises(InvalidValue, match=r"^colour: not one of c0, c1, .*, c11, …$"):
        validate_input("blue", col)


def test_parse_array_literal() -> None:
    assert parse_array_literal('{ a b , NULL, "NULL", \\NULL, "x\\"y", a\\ \\  }') == [
        "a b",
        None,
        "NULL",
        "NULL",
        'x"y',
        "a  ",
    ]
    assert parse_array_literal("{{1,2},{NULL,4}}") == [["1", "2"], [None, "4"]]
    assert parse_array_literal("{}") == []


# --- properties ---------------------------------------------------------------------------

# PostgreSQL text holds any character but NUL; surrogates cannot be encoded at all.
pg_text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=12)
nasty_text = st.one_of(pg_text, st.sampled_from(["", " ", "NULL", "null", "{", "}", ",", '"', "\\", "a b", "\\N"]))


@given(st.lists(st.one_of(st.none(), nasty_text), max_size=8))
def test_text_arrays_survive_input_text_and_validate_input(items: list[str | None]) -> None:
    literal = input_text(items, TEXT_ARRAY)
    assert literal is not None
    assert validate_input(literal, TEXT_ARRAY) == literal
    assert parse_array_literal(literal) == items
    assert validate_input(json.dumps(items), TEXT_ARRAY) == literal


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | pg_text,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(pg_text, children, max_size=4),
    max_leaves=12,
)


@given(json_values.filter(lambda value: value is not None))  # a top-level JSON null arrives as None
def test_json_survives_input_text_and_validate_input(value: Any) -> None:
    typed = input_text(value, JSONB)
    assert typed is not None
    assert json.loads(validate_input(typed, JSONB)) == value


# --- a real table with one column of each type --------------------------------------------

# (column definition, SQL literal inserted, what the grid should show)
COLUMNS: dict[str, tuple[str, str, str]] = {
    "c_smallint": ("smallint", "-32768", "-32768"),
    "c_integer": ("integer", "2147483647", "2147483647"),
    "c_bigint": ("bigint", "-9223372036854775808", "-9223372036854775808"),
    "c_numeric": ("numeric(12,4)", "12345678.125", "12345678.1250"),
    "c_real": ("real", "1.1", "1.1"),
    "c_double": ("double precision", "0.1", "0.1"),
    "c_boolean": ("boolean", "true", "true"),
    "c_text": ("text", "E'first line\\nsecond, with \"quotes\" and \\\\'", 'first line⏎second, with "quotes" and \\'),
    "c_varchar": ("varchar(5)", "'héllo'", "héllo"),
    "c_char": ("char(3)", "'ab'", "ab "),
    "c_json": ("json", """'{"b": [1, 2], "a": {"x": null}}'""", '{"b": [1, 2], "a": {"x": null}}'),
    "c_jsonb": (
        "jsonb",
        """'{"tags": ["x", "y"], "name": "Ada", "n": 1.5}'""",
        '{"n": 1.5, "name": "Ada", "tags": ["x", "y"]}',
    ),
    "c_int_array": ("integer[]", "'{1,NULL,3}'", "{1,NULL,3}"),
    "c_text_array": (
        "text[]",
        """'{"a b",NULL,"c\\"d","x,y","{}","NULL",""}'""",
        '{"a b",NULL,"c\\"d","x,y","{}","NULL",""}',
    ),
    "c_inet": ("inet", "'192.168.0.1/24'", "192.168.0.1/24"),
    "c_cidr": ("cidr", "'10.0.0.0/8'", "10.0.0.0/8"),
    "c_macaddr": ("macaddr", "'08:00:2b:01:02:03'", "08:00:2b:01:02:03"),
    "c_uuid": ("uuid", "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"),
    "c_date": ("date", "'2026-11-22'", "2026-11-22"),
    "c_time": ("time", "'14:05:06.25'", "14:05:06.250000"),
    "c_timestamp": ("timestamp", "'2026-11-22 14:05'", "2026-11-22 14:05:00"),
    "c_timestamptz": ("timestamptz", "'2026-11-22 14:05+02'", "2026-11-22 17:35:00+05:30"),
    "c_interval": ("interval", "'3 days 04:05:06.5'", "3 days 04:05:06.5"),
    "c_bytea": ("bytea", "'\\x89504e47000102ff'", "8 B \\x89504e47000102ff"),
    "c_vector": ("vector(3)", "'[0.1,-2,3.5]'", "vector(3) [0.1, -2, 3.5]"),
    "c_enum": ("vt.mood", "'with space'", "with space"),
    "c_domain": ("vt.positive", "5", "5"),
    "c_money": ("money", "12.34", "$12.34"),
    "c_int4range": ("int4range", "'[1,5)'", "[1,5)"),
    "c_bit": ("bit(4)", "B'1010'", "1010"),
    # A few more that psycopg hands back in other shapes.
    "c_enum_array": ("vt.mood[]", """'{happy,"with space"}'""", '{happy,"with space"}'),
    "c_int_matrix": ("integer[][]", "'{{1,2},{3,4}}'", "{{1,2},{3,4}}"),
    "c_jsonb_array": ("jsonb[]", """ARRAY['{"a": 1}', '[1, "x"]']::jsonb[]""", '{"{\\"a\\": 1}","[1, \\"x\\"]"}'),
    "c_timestamptz_array": ("timestamptz[]", "'{2026-11-22 14:05+02}'", '{"2026-11-22 17:35:00+05:30"}'),
    "c_timetz": ("timetz", "'14:05+02'", "14:05:00+02:00"),
    "c_tstzrange": ("tstzrange", "'[2026-01-01 00:00+00,)'", '["2026-01-01 05:30:00+05:30",)'),
    "c_numrange": ("numrange", "'(1.50,2]'", "(1.50,2]"),
    "c_halfvec": ("halfvec(3)", "'[1,2,3]'", "halfvec(3) [1, 2, 3]"),
    "c_varbit": ("bit varying(8)", "B'101'", "101"),
    "c_macaddr8": ("macaddr8", "'08:00:2b:01:02:03:04:05'", "08:00:2b:01:02:03:04:05"),
    "c_point": ("point", "'(1,2)'", "(1,2)"),
    "c_tsvector": ("tsvector", "'a fat cat'", "'a' 'cat' 'fat'"),
}

TABLE = RelationRef("vt", "everything")
SETUP = f"""
    CREATE SCHEMA vt;
    CREATE TYPE vt.mood AS ENUM ('happy', 'sad', 'with space');
    CREATE DOMAIN vt.positive AS integer CHECK (VALUE > 0);
    CREATE TABLE {TABLE.sql} (id integer PRIMARY KEY, {", ".join(f"{name} {definition}" for name, (definition, _, _) in COLUMNS.items())});
    INSERT INTO {TABLE.sql} VALUES (1, {", ".join(literal for _, literal, _ in COLUMNS.values())});
    INSERT INTO {TABLE.sql} (id) VALUES (2);
"""


@pytest.fixture
def everything(database: Any) -> Any:
    with database.connect() as connection:
        connection.exec_driver_sql(SETUP)
    return database


def _in_kolkata(connection: Any) -> None:
    # A half-hour offset proves timestamptz keeps its offset; money needs a known locale.
    connection.execute(text("SET LOCAL TIME ZONE 'Asia/Kolkata'"))
    connection.execute(text("SET LOCAL lc_monetary = 'C'"))


def _row(connection: Any, row_id: int) -> dict[str, Any]:
    return dict(connection.execute(text(f"SELECT * FROM {TABLE.sql} WHERE id = :id"), {"id": row_id}).mappings().one())


def test_every_type_displays_as_expected(everything: Any) -> None:
    with everything.connect() as connection:
        _in_kolkata(connection)
        table = describe_table_on(connection, TABLE)
        row, empty_row = _row(connection, 1), _row(connection, 2)
    shown = {name: display_value(row[name], table.column(name), width=60).text for name in COLUMNS}
    assert shown == {name: expected for name, (_, _, expected) in COLUMNS.items()}
    for name in COLUMNS:
        assert display_value(empty_row[name], table.column(name)) == Shown("NULL", "null")
        assert input_text(empty_row[name], table.column(name)) is None
        assert full_text(empty_row[name], table.column(name)) == "NULL"


def test_the_kinds_the_grid_styles_by(everything: Any) -> None:
    with everything.connect() as connection:
        _in_kolkata(connection)
        table = describe_table_on(connection, TABLE)
        row = _row(connection, 1)
    kinds = {name: display_value(row[name], table.column(name)).kind for name in COLUMNS}
    assert kinds["c_numeric"] == kinds["c_domain"] == kinds["c_money"] == "number"
    assert kinds["c_json"] == kinds["c_jsonb"] == "json"
    assert kinds["c_enum_array"] == kinds["c_int_matrix"] == kinds["c_jsonb_array"] == "array"
    assert kinds["c_vector"] == kinds["c_halfvec"] == "vector"
    assert (kinds["c_enum"], kinds["c_bytea"], kinds["c_uuid"], kinds["c_inet"]) == ("enum", "bytes", "uuid", "network")
    assert (kinds["c_timestamptz"], kinds["c_interval"], kinds["c_boolean"]) == ("datetime", "interval", "boolean")


def test_every_type_round_trips_through_the_editor_and_the_server(everything: Any) -> None:
    with everything.connect() as connection:
        _in_kolkata(connection)
        table = describe_table_on(connection, TABLE)
        before = _row(connection, 1)
        for name in COLUMNS:
            col = table.column(name)
            typed = input_text(before[name], col)
            assert typed is not None
            normalised = validate_input(typed, col)
            # A plain string parameter: the server casts it to the column's type.
            connection.execute(
                text(f"UPDATE {TABLE.sql} SET {quote_ident(name)} = :value WHERE id = 2"), {"value": normalised}
            )
        after = _row(connection, 2)
    for name in COLUMNS:
        assert after[name] == before[name], name
        assert display_value(after[name], table.column(name)) == display_value(before[name], table.column(name))


def test_validated_input_is_what_the_server_stores(everything: Any) -> None:
    typed = {
        "c_smallint": "  -7 ",
        "c_numeric": "1e3",
        "c_real": "-inf",
        "c_boolean": "off",
        "c_text": "",
        "c_varchar": "abc",
        "c_jsonb": '{"k": 123456789012345678901234567890.5}',
        "c_int_array": "[1, null]",
        "c_text_array": '["", "NULL", null]',
        "c_inet": "10.0.0.1",
        "c_cidr": "10.1.0.0/16",
        "c_macaddr": "08002B010203",
        "c_uuid": "A0EEBC999C0B4EF8BB6D6BB9BD380A11",
        "c_date": "20261122",
        "c_timestamp": "2026-11-22T09:00",
        "c_timestamptz": "2026-11-22T09:00:00Z",
        "c_bytea": "\\xDEADbeef",
        "c_vector": " [1, 2.5, -3] ",
        "c_enum": "sad",
        "c_bit": "x5",
        "c_enum_array": "[]",
    }
    with everything.connect() as connection:
        _in_kolkata(connection)
        table = describe_table_on(connection, TABLE)
        for name, value in typed.items():
            normalised = validate_input(value, table.column(name))
            connection.execute(
                text(f"UPDATE {TABLE.sql} SET {quote_ident(name)} = :value WHERE id = 2"), {"value": normalised}
            )
        row = _row(connection, 2)
    shown = {name: display_value(row[name], table.column(name), width=60).text for name in typed}
    assert shown == {
        "c_smallint": "-7",
        "c_numeric": "1000.0000",
        "c_real": "-Infinity",
        "c_boolean": "false",
        "c_text": "''",
        "c_varchar": "abc",
        "c_jsonb": '{"k": 1.2345678901234568e+29}',
        "c_int_array": "{1,NULL}",
        "c_text_array": '{"","NULL",NULL}',
        "c_inet": "10.0.0.1",
        "c_cidr": "10.1.0.0/16",
        "c_macaddr": "08:00:2b:01:02:03",
        "c_uuid": "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
        "c_date": "2026-11-22",
        "c_timestamp": "2026-11-22 09:00:00",
        "c_timestamptz": "2026-11-22 14:30:00+05:30",
        "c_bytea": "4 B \\xdeadbeef",
        "c_vector": "vector(3) [1, 2.5, -3]",
        "c_enum": "sad",
        "c_bit": "0101",
        "c_enum_array": "{}",
    }
    with everything.connect() as connection:  # and jsonb kept every digit, though psycopg's float did not
        stored = connection.execute(text(f"SELECT c_jsonb->>'k' FROM {TABLE.sql} WHERE id = 2")).scalar_one()
    assert stored == "123456789012345678901234567890.5"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(items=st.lists(st.one_of(st.none(), nasty_text), max_size=6))
def test_text_arrays_round_trip_through_the_server(everything: Any, items: list[str | None]) -> None:
    col = TEXT_ARRAY
    with everything.connect() as connection:
        normalised = validate_input(input_text(items, col) or "", col)
        connection.execute(text(f"UPDATE {TABLE.sql} SET c_text_array = :value WHERE id = 2"), {"value": normalised})
        stored = connection.execute(text(f"SELECT c_text_array FROM {TABLE.sql} WHERE id = 2")).scalar_one()
        server_text = connection.execute(text(f"SELECT c_text_array::text FROM {TABLE.sql} WHERE id = 2")).scalar_one()
    assert stored == items
    # Our parser reads the server's own output the same way.
    assert parse_array_literal(server_text) == items

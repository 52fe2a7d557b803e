"""PostgreSQL's array literal syntax: quoting an element, writing `{a,"b c",NULL}`, and
parse_array_literal, which reads one back the way the server does.

Syntax only: what the elements mean is for their own type (families.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def quote_element(text: str | None) -> str:
    if text is None:
        return "NULL"
    if text == "" or text.upper() == "NULL" or any(c in '{}",\\' or c.isspace() for c in text):
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return text


def array_literal(items: list[Any], element: Callable[[Any], str | None], nested: bool = True) -> str:
    """A (nested) list as a PostgreSQL array literal, elements rendered by `element`."""
    return (
        "{"
        + ",".join(
            array_literal(item, element) if nested and isinstance(item, list) else quote_element(element(item))
            for item in items
        )
        + "}"
    )


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
                    raise ValueError(f'missing element at position {position + 1} (write "" for an empty string)')
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
        raise ValueError('unterminated array (a } or " is missing)') from None
    if position != len(text):
        raise ValueError(f"unexpected text after the closing }} at position {position + 1}")
    return result

"""JSON and JSONB values: compact text, a folded summary for the grid, pretty-printed full
text, and a check of typed JSON that keeps every digit of its numbers.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from data.catalog import ColumnInfo
from data.values.common import fill, invalid, plural


def json_text(value: Any, column: ColumnInfo | None = None) -> str:
    """Compact-but-readable JSON; Decimals (from validate_input) keep their digits."""
    if isinstance(value, dict):
        return (
            "{" + ", ".join(f"{json.dumps(str(k), ensure_ascii=False)}: {json_text(v)}" for k, v in value.items()) + "}"
        )
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(json_text(item) for item in value) + "]"
    return str(value) if isinstance(value, Decimal) else json.dumps(value, ensure_ascii=False)


def _json_brief(value: Any) -> str:
    """A nested value in a folded summary: containers by their size, long strings cut."""
    if isinstance(value, dict):
        return f"{{{plural(len(value), 'key')}}}" if value else "{}"
    if isinstance(value, list):
        return f"[{plural(len(value), 'item')}]" if value else "[]"
    text = json_text(value)
    if len(text) <= 24:
        return text
    return text[:22] + ('…"' if isinstance(value, str) else "…")


def json_show(value: Any, column: ColumnInfo | None, width: int) -> str:
    compact = json_text(value)
    if len(compact) <= width or not isinstance(value, (dict, list)) or not value:
        return compact
    if isinstance(value, dict):
        parts = (f"{json.dumps(str(k), ensure_ascii=False)}: {_json_brief(v)}" for k, v in value.items())
        return fill(f"{{{plural(len(value), 'key')}}} {{", parts, width, tail="}")
    return fill(f"[{plural(len(value), 'item')}] [", map(_json_brief, value), width, tail="]")


def json_full(value: Any, column: ColumnInfo | None) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, default=float)


def reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def check_json(text: str, column: ColumnInfo) -> str:
    try:  # Decimal keeps every digit; NaN/Infinity are Python's extensions, not JSON
        parsed = json.loads(text, parse_float=Decimal, parse_constant=reject_constant)
    except json.JSONDecodeError as error:
        raise invalid(column, f"not valid JSON: {error.msg} at line {error.lineno} column {error.colno}") from None
    except ValueError as error:
        raise invalid(column, f"not valid JSON: {error}") from None
    return json_text(parsed)

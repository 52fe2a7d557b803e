"""The bulky values: bytea (its size and first bytes in the grid, a hex dump in full) and
pgvector's vector, halfvec and sparsevec (dimensions drawn lazily, so a 1536-dimension
vector costs only what shows).
"""

from __future__ import annotations

import math
import re
import struct
from collections.abc import Iterator
from typing import Any

from data.catalog import ColumnInfo
from data.formatting import size_text
from data.values.common import fill, invalid, plural, type_modifiers
from data.values.scalars import NUMBER

HEX_DUMP_LIMIT = 4096
"""full_text dumps at most this many bytes of a bytea value."""


# --- bytea --------------------------------------------------------------------------------


def bytes_show(value: Any, column: ColumnInfo | None, width: int) -> str:
    data = bytes(value)
    return fill(f"{size_text(len(data))} \\x", (f"{b:02x}" for b in data), width, sep="") if data else "0 B"


def bytes_full(value: Any, column: ColumnInfo | None) -> str:
    data = bytes(value)
    lines = [f"{plural(len(data), 'byte')}" + (f" ({size_text(len(data))})" if len(data) >= 1024 else "")]
    for offset in range(0, min(len(data), HEX_DUMP_LIMIT), 16):
        chunk = data[offset : offset + 16]
        ascii_ = "".join(chr(b) if 32 <= b < 127 else "." for b in chunk)
        lines.append(f"{offset:08x}  {chunk.hex(' '):<47}  |{ascii_}|")
    if len(data) > HEX_DUMP_LIMIT:
        rest = len(data) - HEX_DUMP_LIMIT
        lines.append(f"… {plural(rest, 'more byte')} ({size_text(rest)}) not shown")
    return "\n".join(lines)


def check_bytes(text: str, column: ColumnInfo) -> str:
    stripped = text.strip()
    digits = re.sub(r"\s+", "", stripped[2:])
    if stripped[:2].lower() != "\\x" or len(digits) % 2 or not re.fullmatch(r"[0-9a-fA-F]*", digits):
        raise invalid(column, "not bytea (use \\x and pairs of hex digits, e.g. \\x0102ff)")
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
        return str(value.to_text())
    return value.strip() if isinstance(value, str) and value.lstrip().startswith("{") else None


def _dimensions(value: Any) -> int:
    if isinstance(value, str):
        return value.count(",") + 1 if value.strip("[] ") else 0
    return len(value.to_list() if hasattr(value, "to_list") else value)


def vector_show(value: Any, column: ColumnInfo | None, width: int) -> str:
    sparse = _sparse_text(value)
    if sparse is not None:
        return sparse
    return fill(f"{_vector_label(value, column)}({_dimensions(value)}) [", _vector_parts(value), width, tail="]")


def vector_source(value: Any, column: ColumnInfo | None) -> str:
    sparse = _sparse_text(value)
    return sparse if sparse is not None else "[" + ",".join(_vector_parts(value)) + "]"


def vector_full(value: Any, column: ColumnInfo | None) -> str:
    sparse = _sparse_text(value)
    if sparse is not None:
        return sparse
    return f"{_vector_label(value, column)}({_dimensions(value)})\n[" + ", ".join(_vector_parts(value)) + "]"


def check_vector(text: str, column: ColumnInfo) -> str:
    if column.base_type == "sparsevec":
        return text
    inner = text.strip().removeprefix("[").removesuffix("]").strip()
    parts = [part.strip() for part in inner.split(",")] if inner else []
    for part in parts:
        if not NUMBER.fullmatch(part) or not math.isfinite(float(part)):
            raise invalid(column, f"not a vector: {part!r} is not a number (use [0.1, 0.2, 0.3])")
    wanted = next(iter(type_modifiers(column)), None)
    if not parts or (wanted is not None and len(parts) != wanted):
        raise invalid(
            column, f"has {plural(len(parts), 'dimension')}, {column.type_name} needs {wanted or 'at least 1'}"
        )
    return "[" + ",".join(parts) + "]"

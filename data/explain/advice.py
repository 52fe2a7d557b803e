"""Index advice for the scans that warn: the index a developer would create.

For a scan whose plan warns (a sequential scan that throws most rows away, a nested loop
that rescans its inner side), the columns come from the conditions PostgreSQL printed: the
scan's Filter, and for the inner side of a nested loop the loop's Join Filter. Columns
compared with `=` come first, then one compared with a range (`<`, `>`, BETWEEN), as a
B-tree serves best; a JSONB containment (`@>`) gets a GIN index instead. Expressions such
as `metadata ->> 'author'` become expression indexes. A condition joined by OR, or one that
compares two columns of the same table, gives no advice: one index would not serve it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from data.explain.analysis import NodeAnalysis, PlanAnalysis

_SCANS = ("Seq Scan", "Bitmap Heap Scan")
_COMPARISON = re.compile(r"^(?P<left>.+?)\s+(?P<op>=|<>|<=|>=|<|>|@>|~~\*?|!~~\*?)\s+(?P<right>.+)$", re.S)
_CAST = re.compile(r"::[\w ]+(?:\[\])?(?=\)|$)")
_COLUMN = re.compile(r'^(?:(?P<alias>"[^"]+"|\w+)\.)?(?P<column>"[^"]+"|[a-z_]\w*)$')
_EXPRESSION = re.compile(r"^(?P<column>(?:\w+\.)?\w+)\s*(?P<op>->>|->|#>>)\s*(?P<key>'[^']*')$")
_CONSTANT = re.compile(r"^(?:'(?:[^']|'')*'|-?\d+(?:\.\d+)?|\$\d+|NULL|true|false|ANY \(.*\))$", re.S)


@dataclass(frozen=True)
class IndexAdvice:
    node_id: int
    table: str  # schema-qualified
    columns: tuple[str, ...]  # index keys, in order: columns or parenthesised expressions
    method: str  # "btree" or "gin"
    why: str

    @property
    def sql(self) -> str:
        using = "" if self.method == "btree" else f" USING {self.method}"
        return f"CREATE INDEX ON {self.table}{using} ({', '.join(self.columns)})"


@dataclass(frozen=True)
class _Keys:
    equal: list[str]
    ranged: list[str]
    contained: list[str]


def advise_indexes(analysis: PlanAnalysis, schema_of: Callable[[str], str | None]) -> list[IndexAdvice]:
    """One piece of advice per warned scan that a single index could serve.

    Args:
        schema_of: the schema of a relation name, for plans without VERBOSE (which leave
            the schema out); None when it cannot be told, and the advice is left out.
    """
    advice: list[IndexAdvice] = []
    seen: set[str] = set()
    for node, conditions, why in _warned_scans(analysis):
        schema = node.schema or schema_of(node.relation or "")
        if schema is None or node.relation is None:
            continue
        keys = _keys(conditions, node.alias or node.relation)
        piece = _advice(node, f"{_quote(schema)}.{_quote(node.relation)}", keys, why)
        if piece is not None and piece.sql not in seen:
            seen.add(piece.sql)
            advice.append(piece)
    return advice


def _warned_scans(analysis: PlanAnalysis) -> Iterator[tuple[NodeAnalysis, list[str], str]]:
    for node in analysis.nodes:
        if node.node_type in _SCANS and node.warnings and node.filter:
            yield node, [node.filter], node.warnings[0].message
        if node.node_type == "Nested Loop" and node.join_filter and node.warnings:
            inner = [analysis.node(c) for c in node.children if analysis.node(c).parent_relationship == "Inner"]
            if inner and inner[0].node_type in _SCANS:
                conditions = [node.join_filter, *([inner[0].filter] if inner[0].filter else [])]
                yield inner[0], conditions, node.warnings[0].message


def _advice(node: NodeAnalysis, table: str, keys: _Keys, why: str) -> IndexAdvice | None:
    if keys.contained:
        return IndexAdvice(
            node.id, table, tuple(keys.contained[:1]), "gin", f"{why} A GIN index answers @> containment."
        )
    columns = _unique(keys.equal) + [c for c in _unique(keys.ranged)[:1] if c not in keys.equal]
    if not columns:
        return None
    return IndexAdvice(
        node.id,
        table,
        tuple(columns),
        "btree",
        f"{why} An index on {', '.join(columns)} lets the scan read only the matching rows.",
    )


def _keys(conditions: list[str], alias: str) -> _Keys:
    keys = _Keys([], [], [])
    for condition in conditions:
        for conjunct in _conjuncts(condition):
            _add_key(keys, conjunct, alias)
    return keys


def _add_key(keys: _Keys, conjunct: str, alias: str) -> None:
    match = _COMPARISON.match(conjunct)
    if match is None:
        return
    left, op, right = (_operand(match["left"]), match["op"], _operand(match["right"]))
    ours_left, ours_right = _key_of(left, alias), _key_of(right, alias)
    if ours_left and ours_right:
        return  # two columns of the same table: no single index helps
    key, other = (ours_left, right) if ours_left else (ours_right, left)
    if key is None:
        return
    if ours_right and op in ("<", ">", "<=", ">="):
        op = {"<": ">", ">": "<", "<=": ">=", ">=": "<="}[op]
    if not (_CONSTANT.match(other) or _COLUMN.match(other)):
        return  # compared with an expression of its own: leave it to the developer
    if op == "=":
        keys.equal.append(key)
    elif op in ("<", ">", "<=", ">="):
        keys.ranged.append(key)
    elif op == "@>" and ours_left:
        keys.contained.append(key)


def _key_of(operand: str, alias: str) -> str | None:
    """The index key for an operand that is a column of this scan's table (or an expression on one)."""
    column = _COLUMN.match(operand)
    if column is not None and not _CONSTANT.match(operand):
        if column["alias"] not in (None, alias, f'"{alias}"'):
            return None
        return column["column"]
    expression = _EXPRESSION.match(operand)
    if expression is not None:
        name = expression["column"]
        if "." in name:
            prefix, name = name.split(".", 1)
            if prefix != alias:
                return None
        return f"({name} {expression['op']} {expression['key']})"
    return None


def _operand(text: str) -> str:
    """An operand without its outer parentheses and casts: `((a.name)::text)` is `a.name`."""
    previous = None
    text = text.strip()
    while text != previous:
        previous = text
        text = _CAST.sub("", text).strip()
        text = _strip_parens(text)
    return text


def _conjuncts(condition: str) -> list[str]:
    """The parts of a condition ANDed at the top level; [] when an OR joins them."""
    body = _strip_parens(condition.strip())
    parts, depth, start, quoted = [], 0, 0, False
    i = 0
    while i < len(body):
        char = body[i]
        if char == "'":
            quoted = not quoted
        elif not quoted:
            if char == "(":
                depth += 1
            elif char == ")":
                depth -= 1
            elif depth == 0 and body.startswith(" OR ", i):
                return []
            elif depth == 0 and body.startswith(" AND ", i):
                parts.append(body[start:i])
                start = i + 5
                i += 4
        i += 1
    parts.append(body[start:])
    return [_strip_parens(part.strip()) for part in parts]


def _strip_parens(text: str) -> str:
    """`(x)` is `x`, but `(a) = (b)` stays as it is: only a pair that encloses everything."""
    while text.startswith("(") and text.endswith(")"):
        depth = 0
        for i, char in enumerate(text):
            depth += char == "("
            depth -= char == ")"
            if depth == 0 and i < len(text) - 1:
                return text
        text = text[1:-1].strip()
    return text


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _quote(name: str) -> str:
    return name if re.fullmatch(r"[a-z_][a-z0-9_]*", name) else '"' + name.replace('"', '""') + '"'

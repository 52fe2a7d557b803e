"""Plans as people paste them: PostgreSQL's TEXT format (psql, auto_explain) into the JSON shape.

`parse_text_plan` reads the text that EXPLAIN prints and returns the document that
EXPLAIN (FORMAT JSON) would have given for the same plan, with PostgreSQL's own key names,
so that `analyse_plan` reads either. The layout rules it relies on are those of
src/backend/commands/explain.c: a child node starts with "->  " two columns right of its
parent's properties; an InitPlan, SubPlan or CTE is announced by a line of its own
("InitPlan 1 (returns $0)", "SubPlan 2", "CTE name") just above its node; a worker's figures
start with "Worker N:  " and continue two columns further right.

`parse_plan` takes any pasted or loaded text: JSON or text, bare or inside psql's frames
(aligned with its header, rule and "(N rows)" footer, "+" newline markers, the wrapped
format's "." markers, \\x expanded records, border 2 boxes in ASCII or Unicode, unaligned
with or without its header), or an auto_explain log entry.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from data.explain.analysis import _document as explain_document

__all__ = ["parse_plan", "parse_text_plan"]

_JOIN_TYPES = ("Right Semi", "Right Anti", "Left", "Full", "Right", "Semi", "Anti")
_SIMPLE_NODES = (
    "Result",
    "ProjectSet",
    "Append",
    "Merge Append",
    "Recursive Union",
    "BitmapAnd",
    "BitmapOr",
    "Seq Scan",
    "Sample Scan",
    "Gather Merge",
    "Gather",
    "Index Only Scan",
    "Index Scan",
    "Bitmap Index Scan",
    "Bitmap Heap Scan",
    "Tid Range Scan",
    "Tid Scan",
    "Subquery Scan",
    "Function Scan",
    "Table Function Scan",
    "Values Scan",
    "CTE Scan",
    "Named Tuplestore Scan",
    "WorkTable Scan",
    "Foreign Scan",
    "Materialize",
    "Memoize",
    "Result Cache",
    "Incremental Sort",
    "Sort",
    "Group",
    "WindowAgg",
    "Unique",
    "LockRows",
    "Limit",
    "Hash",
)
_NODE_NAME = re.compile(
    r"(?P<parallel>Parallel )?(?P<async>Async )?(?P<name>"
    r"(?:Nested Loop|Hash|Merge)(?: (?:" + "|".join(_JOIN_TYPES) + r"))? Join|Nested Loop"
    r"|(?:Partial |Finalize )?(?:Aggregate|GroupAggregate|HashAggregate|MixedAggregate)"
    r"|(?:Hash)?SetOp(?: (?:Intersect|Except)(?: All)?)?"
    r"|(?:Insert|Update|Delete|Merge) on"
    r"|Foreign (?:Insert|Update|Delete)"
    r"|Custom Scan(?: \([^)]*\))?"
    r"|" + "|".join(re.escape(name) for name in _SIMPLE_NODES) + r")(?=\s|$)"
)
_COSTS = re.compile(r"\(cost=(?P<startup>[\d.]+)\.\.(?P<total>[\d.]+) rows=(?P<rows>\d+) width=(?P<width>\d+)\)")
_ACTUAL = re.compile(
    r"\(actual (?:time=(?P<startup>[\d.]+)\.\.(?P<total>[\d.]+) )?"
    r"rows=(?P<rows>[\d.]+) loops=(?P<loops>\d+)\)"
)
_WORKER_ACTUAL = re.compile(
    r"^(?:actual )?(?:time=(?P<startup>[\d.]+)\.\.(?P<total>[\d.]+) )?"
    r"rows=(?P<rows>[\d.]+) loops=(?P<loops>\d+)$"
)
_NEVER = "(never executed)"
_SUBPLAN_LABEL = re.compile(r"^(?:(?:InitPlan|SubPlan) \d+(?: \(returns .*\))?|CTE \S.*)$")
_WORKER = re.compile(r"^Worker (\d+):  (.*)$")
_TRIGGER = re.compile(
    r"^Trigger(?: (?!for constraint )(?P<name>.+?))?(?: for constraint (?P<constraint>.+?))?"
    r"(?: on (?P<relation>\S+))?: (?:time=(?P<time>[\d.]+) )?calls=(?P<calls>\d+)$"
)
_PROPERTY = re.compile(r"^(?P<key>[A-Z][A-Za-z0-9 /()-]*?): (?P<value>.*)$")
_SECTION = re.compile(r"^(?P<key>Planning|JIT|Serialization):$")
_NUMBER = re.compile(r"^-?\d+(?:\.\d+)?$")
_KB = re.compile(r"^(-?\d+)\s*kB$")
_LOG_PLAN = re.compile(r"\b(?:LOG|INFO|NOTICE|DEBUG\d?):\s+duration: ([\d.]+) ms\s+plan:\s*(.*)$")

_LIST_KEYS = {
    "Output",
    "Sort Key",
    "Presorted Key",
    "Group Key",
    "Hash Key",
    "Conflict Arbiter Indexes",
    "Sampling Parameters",
}
_BOOL_KEYS = {"Inner Unique", "Single Copy", "Disabled", "Async Capable"}
_TEXT_KEYS = {
    "Filter",
    "Index Cond",
    "Recheck Cond",
    "Hash Cond",
    "Merge Cond",
    "Join Filter",
    "One-Time Filter",
    "Order By",
    "TID Cond",
    "Run Condition",
    "Cache Key",
    "Function Call",
    "Table Function Call",
    "Conflict Filter",
    "Window",
    "Params Evaluated",
    "Query Text",
    "Query Parameters",
}
_BUFFER_AREAS = {
    "shared": {
        "hit": "Shared Hit Blocks",
        "read": "Shared Read Blocks",
        "dirtied": "Shared Dirtied Blocks",
        "written": "Shared Written Blocks",
    },
    "local": {
        "hit": "Local Hit Blocks",
        "read": "Local Read Blocks",
        "dirtied": "Local Dirtied Blocks",
        "written": "Local Written Blocks",
    },
    "temp": {"read": "Temp Read Blocks", "written": "Temp Written Blocks"},
}
# "I/O Timings:" areas: PG 16+ names them shared, local and temp; PG 15 "shared/local" and
# temp; PG 14 and older print bare read= write= (the JSON keys differ accordingly).
_IO_AREAS = {"shared": "Shared I/O", "local": "Local I/O", "temp": "Temp I/O", "shared/local": "I/O", "": "I/O"}
_WAL_KEYS = {"records": "WAL Records", "fpi": "WAL FPI", "bytes": "WAL Bytes", "buffers full": "WAL Buffers Full"}
_MULTI_PROPERTY_KEYS = {  # lines that hold several "Label: value" pairs two spaces apart
    "Hits": "Cache Hits",
    "Misses": "Cache Misses",
    "Evictions": "Cache Evictions",
    "Overflows": "Cache Overflows",
    "Memory Usage": "Peak Memory Usage",
    "Disk Usage": "Disk Usage",
    "Planned Partitions": "Planned Partitions",
    "Batches": "HashAgg Batches",
    "Storage": "Storage",
    "Maximum Storage": "Maximum Storage",
}


def _number(text: str) -> int | float:
    return float(text) if "." in text else int(text)


def _value(key: str, text: str) -> Any:
    if key in _LIST_KEYS:
        return _split_list(text)
    if key in _BOOL_KEYS and text in ("true", "false"):
        return text == "true"
    if key in _TEXT_KEYS:
        return text
    if _NUMBER.match(text):
        return _number(text)
    unit = re.match(r"^(-?\d+(?:\.\d+)?) (?:ms|kB)$", text) or _KB.match(text)
    if unit:
        return _number(unit.group(1))
    return text


def _split_list(text: str) -> list[str]:
    """Split "a, f(b, c), 'x, y'" at top-level commas, as ExplainPropertyList joined it."""
    items, depth, quote, start = [], 0, "", 0
    for i, ch in enumerate(text):
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "," and depth == 0 and text.startswith(", ", i):
            items.append(text[start:i])
            start = i + 2
    items.append(text[start:])
    return items


def _unquote(identifier: str) -> str:
    if len(identifier) >= 2 and identifier[0] == identifier[-1] == '"':
        return identifier[1:-1].replace('""', '"')
    return identifier


_IDENT = r'(?:"(?:[^"]|"")*"|[^\s".]+)'
_TARGET = re.compile(rf"^(?:(?P<schema>{_IDENT})\.)?(?P<name>{_IDENT})(?: (?P<alias>{_IDENT}))?$")


def _node_head(head: str, line_no: int) -> dict[str, Any]:
    """The node type, join type, target and costs of a node's first line."""
    match = _NODE_NAME.match(head)
    if not match:
        raise ValueError(f"line {line_no}: not a plan node: {head[:60]!r}")
    node: dict[str, Any] = {}
    name = match["name"]
    rest = head[match.end() :]
    node["Node Type"] = name
    join = re.match(r"^(Nested Loop|Hash|Merge)(?: (.+))? Join$", name)
    if join or name == "Nested Loop":
        kind = join[1] if join else "Nested Loop"
        node["Node Type"] = "Nested Loop" if kind == "Nested Loop" else f"{kind} Join"
        node["Join Type"] = join[2] if join and join[2] else "Inner"
    elif name.endswith("Aggregate"):
        mode, _, strategy = name.rpartition(" ")
        node["Node Type"] = "Aggregate"
        node["Strategy"] = {
            "Aggregate": "Plain",
            "GroupAggregate": "Sorted",
            "HashAggregate": "Hashed",
            "MixedAggregate": "Mixed",
        }[strategy]
        node["Partial Mode"] = mode or "Simple"
    elif "SetOp" in name:
        node["Node Type"] = "SetOp"
        node["Strategy"] = "Hashed" if name.startswith("Hash") else "Sorted"
        command = name.partition(" ")[2]
        if command:
            node["Command"] = command
    elif name.endswith(" on"):
        node["Node Type"] = "ModifyTable"
        node["Operation"] = name[:-3]
        rest = " on" + rest
    elif name.startswith("Foreign ") and name != "Foreign Scan":
        node["Node Type"] = "Foreign Scan"
        node["Operation"] = name[8:]
    elif name.startswith("Custom Scan ("):
        node["Node Type"] = "Custom Scan"
        node["Custom Plan Provider"] = name[13:-1]
    node["Parallel Aware"] = bool(match["parallel"])
    node["Async Capable"] = bool(match["async"])

    # Figures first (from the right), then what is left is the target.
    figures_at = len(rest)
    for pattern in (_COSTS, _ACTUAL):
        found = pattern.search(rest)
        if found:
            figures_at = min(figures_at, found.start())
    if _NEVER in rest:
        figures_at = min(figures_at, rest.index(_NEVER))
    target, figures = rest[:figures_at].strip(), rest[figures_at:]
    costs = _COSTS.search(figures)
    if costs:
        node["Startup Cost"] = float(costs["startup"])
        node["Total Cost"] = float(costs["total"])
        node["Plan Rows"] = int(costs["rows"])
        node["Plan Width"] = int(costs["width"])
    actual = _ACTUAL.search(figures)
    if actual:
        _put_actuals(node, actual)
    elif _NEVER in figures:
        node["Actual Rows"] = 0
        node["Actual Loops"] = 0
    _put_target(node, target, line_no)
    return node


def _put_actuals(node: dict[str, Any], actual: re.Match[str]) -> None:
    if actual["total"] is not None:
        node["Actual Startup Time"] = float(actual["startup"])
        node["Actual Total Time"] = float(actual["total"])
    node["Actual Rows"] = _number(actual["rows"])
    node["Actual Loops"] = int(actual["loops"])


def _put_target(node: dict[str, Any], target: str, line_no: int) -> None:
    if not target:
        return
    node_type = node["Node Type"]
    index = re.match(rf"^(?P<backward>Backward )?using (?P<index>{_IDENT})(?: (?P<rest>.*))?$", target)
    if index:
        node["Scan Direction"] = "Backward" if index["backward"] else "Forward"
        node["Index Name"] = _unquote(index["index"])
        target = index["rest"] or ""
    if not target.startswith("on "):
        raise ValueError(f"line {line_no}: unexpected text after {node_type}: {target[:60]!r}")
    target = target[3:]
    if node_type == "Bitmap Index Scan":
        node["Index Name"] = _unquote(target)
        return
    parts = _TARGET.match(target)
    if not parts:
        raise ValueError(f"line {line_no}: cannot read the target of {node_type}: {target[:60]!r}")
    name, alias = _unquote(parts["name"]), parts["alias"]
    tag = {
        "CTE Scan": "CTE Name",
        "WorkTable Scan": "CTE Name",
        "Function Scan": "Function Name",
        "Table Function Scan": "Table Function Name",
        "Named Tuplestore Scan": "Tuplestore Name",
        "Values Scan": None,
        "Subquery Scan": None,
    }.get(node_type, "Relation Name")
    if tag is None:  # only the alias is printed ("Values Scan on "*VALUES*"")
        node["Alias"] = name
        return
    node[tag] = name
    if parts["schema"]:
        node["Schema"] = _unquote(parts["schema"])
    node["Alias"] = _unquote(alias) if alias else name


@dataclass
class _Scope:
    """An open block of the indented text: lines right of `column` belong to it."""

    column: int
    kind: str  # "document", "node", "label", "worker", "section"
    target: dict[str, Any]
    label: str = ""
    children: list[dict[str, Any]] = field(default_factory=list)


def _put_property(target: dict[str, Any], text: str, line_no: int) -> None:
    """One property line of a node (or of a worker, or of the Planning section)."""
    if text.startswith("Buffers:"):
        _put_counters(target, text[8:], _BUFFER_AREAS, line_no)
    elif text.startswith("I/O Timings:"):
        for area_text in text[12:].split(","):
            words = area_text.split()
            area = words[0] if words and "=" not in words[0] else ""
            prefix = _IO_AREAS.get(area)
            if prefix is None:
                raise ValueError(f"line {line_no}: unknown I/O timing area {area!r}")
            for word in words[1 if area else 0 :]:
                kind, _, value = word.partition("=")
                target[f"{prefix} {'Read' if kind == 'read' else 'Write'} Time"] = float(value)
    elif text.startswith("WAL:"):
        for item in re.finditer(r"(records|fpi|bytes|buffers full)=(\d+)", text):
            target[_WAL_KEYS[item[1]]] = int(item[2])
    elif text.startswith("Heap Blocks:"):
        for item in re.finditer(r"(exact|lossy)=(\d+)", text):
            target[f"{item[1].title()} Heap Blocks"] = int(item[2])
    elif text.startswith("Sort Method:"):
        found = re.match(r"^Sort Method: (.+?)  (Memory|Disk): (\d+)kB$", text)
        if not found:
            target["Sort Method"] = text[13:]
            return
        target["Sort Method"], target["Sort Space Type"] = found[1], found[2]
        target["Sort Space Used"] = int(found[3])
    elif text.startswith("Buckets:"):
        found = re.match(
            r"^Buckets: (\d+)(?: \(originally (\d+)\))?  Batches: (\d+)(?: \(originally (\d+)\))?"
            r"  Memory Usage: (\d+)kB$",
            text,
        )
        if not found:
            raise ValueError(f"line {line_no}: cannot read the hash figures: {text[:60]!r}")
        target["Hash Buckets"] = int(found[1])
        target["Original Hash Buckets"] = int(found[2] or found[1])
        target["Hash Batches"] = int(found[3])
        target["Original Hash Batches"] = int(found[4] or found[3])
        target["Peak Memory Usage"] = int(found[5])
    elif text.startswith(("Full-sort Groups:", "Pre-sorted Groups:")):
        label, _, rest = text.partition(" Groups: ")
        count, _, rest = rest.partition("  ")
        group: dict[str, Any] = {"Group Count": int(count)}
        methods = re.match(r"^Sort Methods?: (.*?)(?:  |$)", rest)
        if methods:
            group["Sort Methods Used"] = methods[1].split(", ")
        for space in re.finditer(r"Average (Memory|Disk): (\d+)kB  Peak \1: (\d+)kB", rest):
            group[f"Sort Space {space[1]}"] = {
                "Average Sort Space Used": int(space[2]),
                "Peak Sort Space Used": int(space[3]),
            }
        target[f"{label} Groups"] = group
    elif text.split(":", 1)[0] in _MULTI_PROPERTY_KEYS and "  " in text:
        for pair in text.split("  "):
            key, _, value = pair.partition(": ")
            target[_MULTI_PROPERTY_KEYS.get(key, key)] = _value(key, value)
    elif text.startswith("Sampling: "):
        found = re.match(r"^Sampling: (\S+) \((.*)\)(?: REPEATABLE \((.*)\))?$", text)
        if found:
            target["Sampling Method"] = found[1]
            target["Sampling Parameters"] = _split_list(found[2]) if found[2] else []
            if found[3]:
                target["Repeatable Seed"] = found[3]
    else:
        found = _PROPERTY.match(text)
        if not found:
            raise ValueError(f"line {line_no}: not a plan line: {text[:60]!r}")
        key = found["key"]
        if key == "Memoize":
            key = "Cache Key"
        target[key] = _value(key, found["value"])


def _put_counters(target: dict[str, Any], text: str, areas: dict[str, dict[str, str]], line_no: int) -> None:
    for area_text in text.split(","):
        words = area_text.split()
        if not words or words[0] not in areas:
            raise ValueError(f"line {line_no}: cannot read the buffers: {text.strip()[:60]!r}")
        for word in words[1:]:
            kind, _, value = word.partition("=")
            key = areas[words[0]].get(kind)
            if key is None or not value.isdigit():
                raise ValueError(f"line {line_no}: cannot read the buffers: {text.strip()[:60]!r}")
            target[key] = int(value)


def _put_document_line(doc: dict[str, Any], text: str, line_no: int) -> None:
    trigger = _TRIGGER.match(text)
    if trigger:
        entry: dict[str, Any] = {"Trigger Name": trigger["name"] or trigger["constraint"]}
        if trigger["constraint"]:
            entry["Constraint Name"] = trigger["constraint"]
        if trigger["relation"]:
            entry["Relation"] = trigger["relation"]
        if trigger["time"]:
            entry["Time"] = float(trigger["time"])
        entry["Calls"] = int(trigger["calls"])
        doc.setdefault("Triggers", []).append(entry)
        return
    if text.startswith("Settings: "):  # name = 'value', ...: JSON gives an object
        settings = (re.match(r"^(\S+) = (?:'(.*)'|NULL)$", item) for item in _split_list(text[10:]))
        doc["Settings"] = {m[1]: m[2] for m in settings if m}
        return
    total_runtime = re.match(r"^Total runtime: ([\d.]+) ms$", text)  # PostgreSQL 9.3 and older
    if total_runtime:
        doc["Execution Time"] = float(total_runtime[1])
        return
    _put_property(doc, text, line_no)


def _put_jit_line(jit: dict[str, Any], text: str, line_no: int) -> None:
    if text.startswith("Options: "):
        jit["Options"] = {k: v == "true" for k, v in (p.rsplit(" ", 1) for p in text[9:].split(", "))}
    elif text.startswith("Timing: "):
        timing: dict[str, Any] = {}
        for part in re.finditer(r"(\w+) ([\d.]+) ms(?: \(Deform ([\d.]+) ms\))?", text[8:]):
            if part[3] is not None:
                timing[part[1]] = {"Deform": float(part[3]), "Total": float(part[2])}
            else:
                timing[part[1]] = float(part[2])
        jit["Timing"] = timing
    else:
        _put_property(jit, text, line_no)


def _attach(parent: _Scope, node: dict[str, Any], relationship: str | None, name: str | None) -> None:
    if relationship:
        node["Parent Relationship"] = relationship
    if name:
        node["Subplan Name"] = name
    parent.target.setdefault("Plans", []).append(node)


def _relationships(node: dict[str, Any]) -> None:
    """Outer/Inner/Member/Subquery for the children not announced as InitPlan or SubPlan."""
    stack = [node]
    while stack:
        current = stack.pop()
        plain = [c for c in current.get("Plans", ()) if "Parent Relationship" not in c]
        node_type = current["Node Type"]
        for i, child in enumerate(plain):
            if node_type in ("Append", "Merge Append", "BitmapAnd", "BitmapOr"):
                child["Parent Relationship"] = "Member"
            elif node_type == "Subquery Scan":
                child["Parent Relationship"] = "Subquery"
            elif node_type == "Custom Scan":
                child["Parent Relationship"] = "child" if len(plain) == 1 else "children"
            else:
                child["Parent Relationship"] = "Outer" if i == 0 else "Inner"
        stack.extend(current.get("Plans", ()))


def parse_text_plan(text: str) -> dict[str, Any]:
    """The EXPLAIN (FORMAT JSON) document for a plan printed in EXPLAIN's TEXT format.

    Args:
        text: the plan's lines, as EXPLAIN prints them (psql's frames and auto_explain's log
            prefix are taken off by `parse_plan`, not here).

    Raises:
        ValueError: the text is not a plan; the one-line message gives the line number.
    """
    doc: dict[str, Any] = {}
    stack = [_Scope(-1, "document", doc)]
    query_text: list[str] | None = None
    root: dict[str, Any] | None = None
    timing = False
    for line_no, raw in enumerate(text.expandtabs(8).split("\n"), start=1):
        line = raw.rstrip()
        stripped = line.lstrip()
        if not stripped:
            continue
        column = len(line) - len(stripped)
        if query_text is not None:  # auto_explain: the query runs until the plan's first node
            if root is None and not _NODE_NAME.match(stripped) and not stripped.startswith("Query Parameters:"):
                query_text.append(line)
                continue
            doc["Query Text"] = "\n".join(query_text)
            query_text = None
        if root is None and stripped.startswith("Query Text: "):
            query_text = [stripped[12:]]
            continue
        while stack[-1].column >= column:
            closed = stack.pop()
            if closed.kind == "label" and not closed.children:
                raise ValueError(f"line {line_no}: {closed.label!r} is not followed by its plan node")
        scope = stack[-1]
        arrow = stripped.startswith("->  ")
        if arrow or (root is None and scope.kind == "document" and _NODE_NAME.match(stripped)):
            node = _node_head(stripped[4:] if arrow else stripped, line_no)
            timing = timing or "Actual Total Time" in node
            if scope.kind == "label":
                if scope.children:
                    raise ValueError(f"line {line_no}: a second node under {scope.label!r}")
                relationship = "InitPlan" if not scope.label.startswith("SubPlan") else "SubPlan"
                _attach(stack[-2], node, relationship, scope.label)
                scope.children.append(node)
            elif scope.kind == "node":
                _attach(scope, node, None, None)
            elif scope.kind == "document" and root is None and not arrow:
                root = node
                doc["Plan"] = node
            else:
                raise ValueError(f"line {line_no}: a plan node out of place: {stripped[:60]!r}")
            stack.append(_Scope(column, "node", node))
            continue
        if scope.kind == "node" and _SUBPLAN_LABEL.match(stripped):
            stack.append(_Scope(column, "label", scope.target, label=stripped))
            continue
        worker = _WORKER.match(stripped) if scope.kind == "node" else None
        if worker:
            workers = scope.target.setdefault("Workers", [])
            entry = next((w for w in workers if w["Worker Number"] == int(worker[1])), None)
            if entry is None:
                entry = {"Worker Number": int(worker[1])}
                workers.append(entry)
            stack.append(_Scope(column, "worker", entry))
            _put_worker_line(entry, worker[2], line_no)
            continue
        if scope.kind == "document" and root is None:
            raise ValueError(f"line {line_no}: not a plan: {stripped[:60]!r}")
        section = _SECTION.match(stripped) if scope.kind == "document" else None
        if section:
            block: dict[str, Any] = {}
            doc[section["key"]] = block
            stack.append(_Scope(column, "section", block, label=section["key"]))
        elif scope.kind == "document":
            _put_document_line(doc, stripped, line_no)
        elif scope.kind == "worker":
            _put_worker_line(scope.target, stripped, line_no)
        elif scope.kind == "section" and scope.label == "JIT":
            _put_jit_line(scope.target, stripped, line_no)
        elif scope.kind == "label":
            raise ValueError(f"line {line_no}: expected a plan node under {scope.label!r}")
        else:
            _put_property(scope.target, stripped, line_no)
    dangling = next((scope for scope in stack if scope.kind == "label" and not scope.children), None)
    if dangling is not None:
        raise ValueError(f"the last line: {dangling.label!r} is not followed by its plan node")
    if root is None:
        raise ValueError("no plan node found: the first line of a plan names a node, such as 'Seq Scan on ...'")
    if query_text is not None:
        doc["Query Text"] = "\n".join(query_text)
    _relationships(root)
    if timing:
        _zero_never_executed(root)
    return doc


def _put_worker_line(worker: dict[str, Any], text: str, line_no: int) -> None:
    actual = _WORKER_ACTUAL.match(text)
    if actual:
        _put_actuals(worker, actual)
    else:
        _put_property(worker, text, line_no)


def _zero_never_executed(root: dict[str, Any]) -> None:
    """With timing on, JSON reports a never-executed node's times as 0.0; so do we."""
    stack = [root]
    while stack:
        node = stack.pop()
        if node.get("Actual Loops") == 0:
            node.setdefault("Actual Startup Time", 0.0)
            node.setdefault("Actual Total Time", 0.0)
        stack.extend(node.get("Plans", ()))


# --- psql frames and auto_explain log entries ------------------------------------------

_RULE = re.compile(r"^[-+=─━┌┐└┘├┤┬┴┼╔╗╚╝╠╣╦╩╬═]+$")
_FOOTER = re.compile(r"^\((\d+) rows?\)$")
_RECORD = re.compile(r"^[+|│┌├└]?[-─]\[ RECORD \d+ \][-─+┐┤┘]*[|│]?$")
_BORDERS = "|│║"
_NEWLINE_MARKERS = ("+", "↵")


def _unframe(lines: list[str]) -> list[str]:
    """The cell text of psql's output: header, rules, footer, borders and markers taken off."""
    body = [line.rstrip() for line in lines]
    while body and not body[0].strip():
        body.pop(0)
    while body and not body[-1].strip():
        body.pop()
    if not body:
        return body
    if any(_RECORD.match(line.strip()) for line in body[:3]):
        return _unframe_expanded(body)
    framed = (
        body[0].strip() in ("QUERY PLAN", "")
        or _RULE.match(body[0].strip())
        or (body[0].lstrip()[:1] in _BORDERS and body[0].strip().strip("".join(_BORDERS)).strip() == "QUERY PLAN")
    )
    if not framed:
        return body
    rows = [line for line in body if not _RULE.match(line.strip()) and not _FOOTER.match(line.strip())]
    if rows and rows[0].strip().strip("".join(_BORDERS)).strip() == "QUERY PLAN":
        rows = rows[1:]
    rows = _join_wrapped(rows)
    boxed = bool(rows) and all(r.lstrip()[:1] in _BORDERS and r[-1:] in _BORDERS for r in rows)
    cells = []
    for row in rows:
        if boxed:
            row = row.strip()[1:-1]
        row = row.rstrip()
        if row.endswith(_NEWLINE_MARKERS):
            row = row[:-1].rstrip()
        cells.append(row)
    # psql pads a cell with one space on the left in aligned output, none in unaligned.
    if all(cell.startswith(" ") for cell in cells if cell):
        cells = [cell[1:] for cell in cells]
    return cells


def _join_wrapped(rows: list[str]) -> list[str]:
    """Undo psql's wrapped format: "." ends a wrapped piece and starts its continuation."""
    joined: list[str] = []
    for row in rows:
        if joined and row.startswith(".") and joined[-1].endswith("."):
            joined[-1] = joined[-1][:-1] + row[1:]
        else:
            joined.append(row)
    return joined


def _unframe_expanded(body: list[str]) -> list[str]:
    cells = []
    cut = None
    for line in body:
        stripped = line.strip()
        if _RECORD.match(stripped) or _RULE.match(stripped) or _FOOTER.match(stripped) or not stripped:
            continue
        if cut is None:
            found = re.search(r"QUERY PLAN\s*[|│] ?", line)
            if not found:
                raise ValueError("expanded output without a QUERY PLAN column")
            cut = found.end()
        cell = line[cut:].rstrip()
        if cell.endswith(tuple(_BORDERS)):
            cell = cell[:-1].rstrip()
        if cell.endswith(_NEWLINE_MARKERS):
            cell = cell[:-1].rstrip()
        cells.append(cell)
    return cells


def _from_log(lines: list[str]) -> list[str] | None:
    """The plan lines of the first auto_explain entry in a server log, or None if none."""
    for i, line in enumerate(lines):
        found = _LOG_PLAN.search(line)
        if not found:
            continue
        plan = [found[2]] if found[2].strip() else []
        for following in lines[i + 1 :]:
            if following and not following[0].isspace():
                break  # the next log entry
            plan.append(following[1:] if following.startswith("\t") else following)
        return plan
    return None


def parse_plan(text: str) -> dict[str, Any]:
    """The EXPLAIN (FORMAT JSON) document for a pasted or loaded plan, in JSON or text format.

    Accepts what psql prints (aligned, wrapped or unaligned, with or without frames,
    expanded, border 2, ASCII or Unicode lines, "+" newline markers), auto_explain log
    entries (with a log_line_prefix, in text or JSON format) and bare EXPLAIN output.

    Raises:
        ValueError: the text holds no plan; the one-line message says what was wrong.
    """
    if not text or not text.strip():
        raise ValueError("no plan: the text is empty")
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    logged = _from_log(lines)
    cells = logged if logged is not None else _unframe(lines)
    body = "\n".join(cells).strip("\n")
    if body.lstrip()[:1] in ("[", "{"):
        return _json_document(body)
    return parse_text_plan(body)


def _json_document(body: str) -> dict[str, Any]:
    try:
        doc = json.loads(body)
    except json.JSONDecodeError as error:
        raise ValueError(f"line {error.lineno}: not valid JSON: {error.msg}") from None
    return explain_document(doc)

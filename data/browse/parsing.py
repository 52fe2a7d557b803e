"""Filters and sorts as typed on the command line (`id >= 10`, `name:desc`), read into
the same Filter and SortKey the grid builds.
"""

from __future__ import annotations

import re

from data.browse.views import NO_VALUE, OPERATORS, BadFilter, Filter, SortKey

_FILTER_COLUMN = re.compile(r'\s*("(?:[^"]|"")+"|[^\s=!<>]+)\s*(.*)', re.S)


def parse_filter(text: str) -> Filter:
    """`COLUMN OPERATOR VALUE` as typed on a command line: `id >= 10`, `name contains ab`,
    `deleted_at is null`, `"Odd Name" = x`. One pair of quotes around the value is removed.

    Raises:
        BadFilter: no column, no known operator, or a missing value.
    """
    match = _FILTER_COLUMN.fullmatch(text)
    if not match:
        raise BadFilter(f"filter {text!r}: expected COLUMN OPERATOR VALUE")
    column, rest = match.groups()
    if column.startswith('"'):
        column = column[1:-1].replace('""', '"')
    if rest.startswith("<>"):  # SQL's spelling of !=
        rest = "!=" + rest[2:]
    for operator in sorted(OPERATORS, key=len, reverse=True):
        head = rest[: len(operator)]
        after = rest[len(operator) :]
        if head.lower() != operator or (operator[0].isalpha() and after[:1] not in ("", " ", "\t")):
            continue
        value = after.strip()
        if operator in NO_VALUE:
            if value:
                raise BadFilter(f"filter {text!r}: {operator} takes no value")
            return Filter(column, operator)
        if not value:
            raise BadFilter(f"filter {text!r}: {operator} needs a value")
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]  # quoted, the value may even be empty
        return Filter(column, operator, value)
    raise BadFilter(f"filter {text!r}: the operator must be one of {', '.join(OPERATORS)}")


def parse_sort(text: str) -> SortKey:
    """`COLUMN` or `COLUMN:desc` (or `:asc`) as typed on a command line."""
    column, _, direction = text.rpartition(":")
    if column and direction.lower() in ("asc", "desc"):
        return SortKey(column, direction.lower() == "desc")
    return SortKey(text)

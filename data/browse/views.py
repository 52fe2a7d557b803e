"""What the table browser asks for and gets back: a View of a relation, its filters and
sort, the Page a Pager returns, and the errors paging can raise.

Plain values with no SQL in them, so every other module of the package can import them.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Concatenate, ParamSpec, Protocol, TypeVar

from data.catalog import TableInfo
from data.errors import Refusal

OPERATORS: tuple[str, ...] = (
    "=",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "contains",
    "starts with",
    "is null",
    "is not null",
)
NO_VALUE = ("is null", "is not null")
"""The operators that take no value."""


@dataclass(frozen=True)
class Filter:
    """One condition on one column, as the user typed it.

    Comparisons read `value` in the column's type (the server casts the text). `!=` keeps
    the rows where the column is NULL (IS DISTINCT FROM): hiding blanks is what `is not
    null` is for. `contains` and `starts with` match the column's text, case-insensitively.
    """

    column: str
    operator: str
    value: str | None = None


@dataclass(frozen=True)
class SortKey:
    column: str
    descending: bool = False


@dataclass(frozen=True)
class View:
    """What the grid shows: a relation, an optional sort, filters (ANDed), a typed WHERE clause."""

    table: TableInfo
    sort: SortKey | None = None
    filters: tuple[Filter, ...] = ()
    where: str | None = None


@dataclass(frozen=True)
class Page:
    """One page of rows, with what the grid needs to page on and to edit safely."""

    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    """Values in column order, as psycopg returns them."""
    keys: tuple[tuple[Any, ...], ...]
    """Per row, the values of table.key (empty tuples when paging by cursor)."""
    versions: tuple[int | None, ...]
    """Per row, xmin for tables (for lost-update checks); None for views and the like."""
    has_previous: bool
    has_next: bool
    first_row_number: int | None
    """1-based position of rows[0] when known: always by cursor; by keyset on the first page
    and on pages reached from it by next/previous (counted, not re-read), None after last()
    or seek() unless they reach the top; None on an empty page."""


class BadFilter(Refusal, ValueError):
    """A bad WHERE clause, filter, sort or key value; the message is one line naming it."""

    title = "Bad filter"


class BadKey(BadFilter):
    """A key to jump to that the table cannot take (too few values, a value of the wrong type)."""

    title = "Bad key"


class RowNotFound(Refusal, ValueError):
    """seek() on a view sorted on another column found no row with the typed key."""

    title = "No such row"


class Pager(Protocol):
    """Pages through one View. Blocking methods, safe to call from any thread: a call waits
    for another thread's call on the same pager to end (see `one_call_at_a_time`)."""

    view: View
    page_size: int

    def first(self) -> Page: ...
    def last(self) -> Page: ...
    def next(self) -> Page: ...
    def previous(self) -> Page: ...
    def reload(self) -> Page: ...
    def seek(self, key: Sequence[str]) -> Page: ...
    def close(self) -> None: ...


class _Serialized(Protocol):
    _calls: threading.RLock


_S = TypeVar("_S", bound=_Serialized)
_P = ParamSpec("_P")
_R = TypeVar("_R")


def one_call_at_a_time(method: Callable[Concatenate[_S, _P], _R]) -> Callable[Concatenate[_S, _P], _R]:
    """A pager method that waits while another thread is in one of the pager's methods.

    The grid moves on before a superseded page worker has finished fetching, and closes the
    old pager from yet another thread: the pager's connection (a cursor pager holds one)
    must never serve two threads at once. Reentrant, as next() may call first().
    """

    @functools.wraps(method)
    def serialized(self: _S, /, *args: _P.args, **kwargs: _P.kwargs) -> _R:
        with self._calls:
            return method(self, *args, **kwargs)

    return serialized

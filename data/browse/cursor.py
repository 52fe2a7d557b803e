"""CursorPager: pages a relation without a key (a view, a keyless table) with a scrollable
server-side cursor, which holds one connection for as long as the grid shows it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from sqlalchemy import Connection, Row
from sqlalchemy.exc import DBAPIError

from data.browse.checks import blame
from data.browse.sql import Params, conditions_sql, order_by_sql, order_columns, row_items, select_sql
from data.browse.views import BadFilter, BadKey, Page, View, one_call_at_a_time
from data.engine import Database, guard_typed_sql
from data.errors import is_bad_input

_T = TypeVar("_T")
_CURSOR = '"console_browse"'


class CursorPager:
    """Pages a relation without a key (a view, a keyless table) with a scrollable cursor.

    It holds one pooled connection with a READ ONLY transaction open, where the cursor
    lives, until close(): pages come from that transaction's snapshot, so they agree with
    each other; reload() takes a fresh one. Positions are exact, so every page knows its
    row numbers.
    """

    def __init__(self, database: Database, view: View, page_size: int = 100) -> None:
        self.database = database
        self.view = view
        self.page_size = page_size
        self._calls = threading.RLock()
        self._width = len(view.table.columns)
        self._xmin = view.table.kind.has_rows_of_its_own
        self._connection: Connection | None = None
        self._start = 0
        self._total: int | None = None
        self._page: Page | None = None

    @one_call_at_a_time
    def first(self) -> Page:
        """The first page."""
        return self._load(0, self.page_size)

    @one_call_at_a_time
    def last(self) -> Page:
        """The last page; the first call reads to the end once to count the rows."""
        if self._total is None:
            self._total = self._run(_count_rows)
        return self._load(max(0, self._total - self.page_size), self.page_size)

    @one_call_at_a_time
    def next(self) -> Page:
        """The page after the current one; the current page again if there is none."""
        if self._page is None:
            return self.first()
        if not self._page.has_next:
            return self._page
        return self._load(self._start + len(self._page.rows), self.page_size)

    @one_call_at_a_time
    def previous(self) -> Page:
        """The rows just before the current page (fewer than a page when they reach the top)."""
        if self._page is None:
            return self.first()
        if self._start == 0:
            return self._page
        count = min(self.page_size, self._start)
        return self._load(self._start - count, count)

    @one_call_at_a_time
    def reload(self) -> Page:
        """The current page again, from the same row number, in a fresh snapshot."""
        self._discard()
        page = self._load(self._start, self.page_size)
        return self.last() if not page.rows and self._start > 0 else page

    @one_call_at_a_time
    def seek(self, key: Sequence[str]) -> Page:
        """Not possible: there is no key. Raises BadKey."""
        raise BadKey("this view has no key to jump to")

    @one_call_at_a_time
    def close(self) -> None:
        """End the transaction (and the cursor) and give the connection back to the pool."""
        self._discard()

    def __enter__(self) -> CursorPager:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- helpers

    def _load(self, start: int, count: int) -> Page:
        """`count` rows from 0-based position `start`, and one more to know if there are more."""

        def fetch(connection: Connection) -> list[Row[Any]]:
            connection.exec_driver_sql(f"MOVE ABSOLUTE {int(start)} IN {_CURSOR}")
            return list(connection.exec_driver_sql(f"FETCH FORWARD {int(count) + 1} FROM {_CURSOR}").all())

        rows = self._run(fetch)
        has_next = len(rows) > count
        rows = rows[:count]
        if not has_next:
            self._total = start + len(rows)
        width = self._width
        self._start = start
        self._page = Page(
            columns=self.view.table.column_names,
            rows=tuple(tuple(row[:width]) for row in rows),
            keys=tuple(() for _ in rows),
            versions=tuple(row[width] if self._xmin else None for row in rows),
            has_previous=start > 0,
            has_next=has_next,
            first_row_number=start + 1 if rows else None,
        )
        return self._page

    def _run(self, action: Callable[[Connection], _T]) -> _T:
        for attempt in range(2):
            reopened = self._connection is None
            try:
                return action(self._open())
            except DBAPIError as error:
                self._discard()
                # The server may have ended our idle transaction (an idle-in-transaction
                # timeout, a restart): open a new cursor once and carry on where we were.
                if error.connection_invalidated and not reopened and attempt == 0:
                    continue
                if not is_bad_input(error):
                    raise
                raise BadFilter(blame(self.view, error)) from error
        raise AssertionError("unreachable")

    def _open(self) -> Connection:
        if self._connection is not None:
            return self._connection
        view = self.view
        connection = self.database.engine.connect()
        try:
            connection.begin()
            guard_typed_sql(connection)
            params = Params()
            order = order_by_sql(view.table.ref, order_columns(view)) if view.sort else None
            query = select_sql(view.table.ref, row_items(view), conditions_sql(view, params), order=order)
            connection.exec_driver_sql(f"DECLARE {_CURSOR} SCROLL CURSOR FOR {query}", params.values)
        except BaseException:
            connection.close()
            raise
        self._connection = connection
        self._total = None
        return connection

    def _discard(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                connection.close()  # rolls back: the cursor goes with the transaction
            except DBAPIError:
                pass  # a dead connection: the pool has already dropped it


def _count_rows(connection: Connection) -> int:
    connection.exec_driver_sql(f"MOVE ABSOLUTE 0 IN {_CURSOR}")
    return int(connection.exec_driver_sql(f"MOVE FORWARD ALL IN {_CURSOR}").rowcount)

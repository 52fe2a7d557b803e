"""Opening a pager on a view: by keyset when the table has a key, else by cursor.

The one place that chooses between the two strategies (keyset.py and cursor.py).
"""

from __future__ import annotations

from data import inputs
from data.browse.checks import validate_view
from data.browse.cursor import CursorPager
from data.browse.keyset import KeysetPager
from data.browse.views import Pager, View
from data.engine import Database


def open_pager(database: Database, view: View, page_size: int = 100) -> Pager:
    """A pager over the view: by keyset when the table has a key, else by cursor.

    Raises:
        BadFilter: the sort, a filter or the WHERE clause is refused (one line).
        BadInput: page_size is not a whole number of at least 1.
    """
    inputs.row_count(page_size, "the page size")
    validate_view(database, view)
    if view.table.key:
        return KeysetPager(database, view, page_size)
    return CursorPager(database, view, page_size)

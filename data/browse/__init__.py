"""Browsing any relation a page at a time: keyset paging, sort, filters, foreign-key links.

Tables with a key (a primary key, or a unique index on NOT NULL columns) page by keyset:
every page is one `... WHERE (sort, key) > (last row's values) ORDER BY sort, key LIMIT n+1`,
as fast at row 990,000 as at row 1. Nothing ever says OFFSET or COUNT(*): the extra row
says whether there is a next page. Relations without a key (views, keyless tables)
page with a scrollable server-side cursor instead, which holds one connection for as long
as the grid shows them.

Every query runs in a READ ONLY transaction, whatever the role, so a WHERE clause typed
by the user can read but never write. Every identifier is quoted; every value the user
typed travels as a bind parameter and is read by the server in the column's own type.

The package, by part:

- views: what the grid asks for (View, Filter, SortKey) and gets back (Page), the
  Pager protocol and the errors.
- sql: the SQL text of a view's query, built with bind parameters.
- checks: refusing a bad view before paging, the READ ONLY guard, naming the culprit.
- keyset, cursor: the two pagers; pagers: open_pager, which picks one.
- links: the rows a foreign key points at, and the rows pointing at a row.
- parsing: filters and sorts as typed on the command line.
"""

from data.browse.checks import blame, check_view, validate_view
from data.browse.cursor import CursorPager
from data.browse.keyset import KeysetPager
from data.browse.links import ReferencingRows, referenced_row_filters, referencing_rows, value_text
from data.browse.pagers import open_pager
from data.browse.parsing import parse_filter, parse_sort
from data.browse.sql import (
    OrderColumn,
    Params,
    after_sql,
    column_item,
    conditions_sql,
    filter_sql,
    ident,
    order_by_sql,
    order_columns,
    row_items,
    select_sql,
    typed_where,
)
from data.browse.views import OPERATORS, BadFilter, BadKey, Filter, Page, Pager, RowNotFound, SortKey, View
from data.catalog import sql_text

__all__ = [
    "OPERATORS",
    "BadFilter",
    "BadKey",
    "CursorPager",
    "Filter",
    "KeysetPager",
    "OrderColumn",
    "Page",
    "Pager",
    "Params",
    "ReferencingRows",
    "RowNotFound",
    "SortKey",
    "View",
    "after_sql",
    "blame",
    "check_view",
    "column_item",
    "conditions_sql",
    "filter_sql",
    "ident",
    "open_pager",
    "order_by_sql",
    "order_columns",
    "parse_filter",
    "parse_sort",
    "referenced_row_filters",
    "referencing_rows",
    "row_items",
    "select_sql",
    "sql_text",
    "typed_where",
    "validate_view",
    "value_text",
]

"""How the table browser shows, and lets a user edit, a value of any PostgreSQL type.

Three jobs, one per direction:

- `display_value` folds a value into one line for a grid cell, with a `kind` the UI styles
  by (NULL dim, numbers right-aligned...). `full_text` gives the whole value for a detail pane.
- `input_text` turns a value into PostgreSQL input syntax for an editor to start from.
- `validate_input` checks what the user typed, as far as Python can without the server, and
  normalises it; the result is meant to be bound as a plain string, which the server casts.

Types are looked up in a dispatch table: by pg typcategory first for arrays and enums (an
enum may be called anything), then by base typname, then by category; with no column, by
the Python type psycopg returned. NULL is the word `NULL` (kind "null"); the empty string
is `''` (kind "empty"), so the two never look alike.

The package, by part:

- display: display_value and full_text; editing: editor_kind, input_text, validate_input.
- families: the dispatch table from a type to its family, and arrays and ranges, whose
  elements are looked up in it.
- scalars, json_values, binary, array_literal: each family's own show, input text and check.
- common: the helpers they share, and InvalidValue.
"""

from data.values.array_literal import parse_array_literal
from data.values.binary import HEX_DUMP_LIMIT
from data.values.common import InvalidValue
from data.values.display import EMPTY_TEXT, NULL_TEXT, Shown, display_value, full_text
from data.values.editing import editor_kind, input_text, validate_input

__all__ = [
    "EMPTY_TEXT",
    "HEX_DUMP_LIMIT",
    "NULL_TEXT",
    "InvalidValue",
    "Shown",
    "display_value",
    "editor_kind",
    "full_text",
    "input_text",
    "parse_array_literal",
    "validate_input",
]

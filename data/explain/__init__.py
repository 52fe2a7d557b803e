"""EXPLAIN plan analysis: plain functions over PostgreSQL's plans, JSON or text (no UI).

Importing the package imports none of its modules: `console` reads the default timeout
for its parser, and the start-up has no use for the rest.
"""

DEFAULT_TIMEOUT_MS = 60_000
"""The statement timeout of an EXPLAIN run unless one is given."""

"""Turn database exceptions into the one line a user should read.

SQLAlchemy's exceptions are looked up only where SQLAlchemy was imported: the start path
does not import it (data.engine), and an exception of a module never imported cannot
have been raised.
"""

from __future__ import annotations

import re
import sys
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from sqlalchemy.exc import DBAPIError


class Refusal(Exception):
    """The console refused a request and wrote nothing: its message is one line naming
    the rule, `title` heads the notification that shows it. Every refusal of data/ is
    one, so the App and the command line handle them the same way."""

    title: ClassVar[str] = "Refused"
    bad_input: ClassVar[bool] = False
    """The request itself was malformed (the command line's usage error, exit 2), rather
    than refused by what the database holds (exit 1)."""
    field: ClassVar[str | None] = None
    """The part of the request it is about ("amount"), which a form shows it beside; None
    when it is about the request as a whole."""


_NOISE = re.compile(r"^\(psycopg[\w.]*\)\s*")
_SERVER_LINE = re.compile(r'connection to server (?:at "[^"]*"(?:, port \d+)?|on socket "[^"]*") failed: ')


# What the server says when typed SQL (sent through the extended protocol) holds several
# statements; it names a mechanism the user never chose.
_SEVERAL_STATEMENTS = "cannot insert multiple commands into a prepared statement"


def one_line(error: BaseException) -> str:
    """The most telling single line of an exception from the database layer.

    A connection failure names the problem: the host that did not answer, the password
    that was refused, the database that does not exist. Others give the server's message
    without SQLAlchemy's wrapping.
    """
    driver_error = getattr(error, "orig", None) if _is_sqlalchemy(error, "DBAPIError") else None
    original = error if driver_error is None else driver_error
    text = str(original).strip()
    if is_database_error(error) and original is error:
        text = _NOISE.sub("", text.split("\n(Background", 1)[0])
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("[SQL")]
    if not lines:
        return type(error).__name__
    # libpq tries every address of a host and reports each; the last is the final word.
    attempts = [line for line in lines if _SERVER_LINE.search(line)]
    line = attempts[-1] if attempts else lines[0]
    if line.startswith(_SEVERAL_STATEMENTS):
        return "one statement at a time: the text holds several (separated by ;)"
    return line.removeprefix("connection failed: ")


def needs_password(error: BaseException) -> bool:
    """True when the server asked for a password and none was given."""
    return "no password supplied" in str(getattr(error, "orig", None) or error)


def is_database_error(error: BaseException) -> bool:
    """True for an error of SQLAlchemy's (the database layer's, a DBAPIError among them)."""
    return _is_sqlalchemy(error, "SQLAlchemyError")


def is_bad_value(error: BaseException) -> bool:
    """True when the server refused a value as data (SQLSTATE class 22: a number out of
    range, a malformed date...): the user's input, not the database, was wrong."""
    return _is_sqlalchemy(error, "DataError")


def _is_sqlalchemy(error: BaseException, name: str) -> bool:
    exc = sys.modules.get("sqlalchemy.exc")
    return exc is not None and isinstance(error, getattr(exc, name))


_BUG_ERRORS = (LookupError, TypeError, AttributeError, NameError, AssertionError)


def error_summary(error: BaseException) -> str:
    """One line for the user: the driver's message for database errors, no SQL, no traceback.

    Errors that only a bug raises (a KeyError, say) keep their type name, since their
    message alone ("'heroes'") says nothing.
    """
    if is_database_error(error):
        return one_line(error)
    lines = str(error).strip().splitlines()
    if not lines:
        return type(error).__name__
    if isinstance(error, _BUG_ERRORS):
        return f"{type(error).__name__}: {lines[0]}"
    return lines[0]


def is_bad_input(error: DBAPIError) -> bool:
    """True when the statement was refused (syntax, types, a value it made such as 1/0, a
    write in a read-only transaction), False when the server or the connection failed
    (timeouts included)."""
    return not _is_sqlalchemy(error, "OperationalError") and not error.connection_invalidated

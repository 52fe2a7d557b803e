"""A database URL, parsed and rendered as SQLAlchemy does, without importing SQLAlchemy.

The console's start (the home screen painted) does not wait for SQLAlchemy's import, a third
of a second on two cores: the settings, the embedded server's address and the start's
reads need only the URL's parts. `to_sqlalchemy()` gives SQLAlchemy's own URL when the
engine is built (data.engine).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, quote, quote_plus, unquote

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

DRIVER = "postgresql+psycopg"

# sqlalchemy.engine.url._parse_url's pattern, so that a URL means here what it means there.
_URL = re.compile(
    r"""
        (?P<name>[\w\+]+)://
        (?:
            (?P<username>[^:/]*)
            (?::(?P<password>[^@]*))?
        @)?
        (?:
            (?:
                \[(?P<ipv6host>[^/\?]+)\] |
                (?P<ipv4host>[^/:\?]+)
            )?
            (?::(?P<port>[^/\?]*))?
        )?
        (?:/(?P<database>[^\?]*))?
        (?:\?(?P<query>.*))?
    """,
    re.X,
)


@dataclass(frozen=True)
class DatabaseURL:
    """The parts of a PostgreSQL URL; the attribute and method names are SQLAlchemy URL's."""

    drivername: str = DRIVER
    username: str | None = None
    password: str | None = None
    host: str | None = None
    port: int | None = None
    database: str | None = None
    query: Mapping[str, str] = field(default_factory=dict)
    """libpq parameters given after `?` (`host` names a Unix socket directory)."""

    @classmethod
    def parse(cls, text: str) -> DatabaseURL:
        """A libpq-style or SQLAlchemy URL, made to use the psycopg 3 driver.

        Raises:
            ValueError: the text is not a URL at all, or not a PostgreSQL one.
        """
        match = _URL.match(text)
        if match is None:
            raise ValueError("not a URL such as postgresql://user@host/database")
        parts = match.groupdict()
        backend = parts["name"].split("+", 1)[0]
        if backend not in ("postgresql", "postgres"):
            raise ValueError(f"not a PostgreSQL URL (scheme {parts['name']!r})")
        port = parts["port"]
        if port and not port.isdigit():
            raise ValueError(f"the port {port!r} is not a number")
        pairs = parse_qsl(parts["query"] or "")
        repeated = sorted(key for key, times in Counter(key for key, _ in pairs).items() if times > 1)
        if repeated:  # libpq takes a parameter once: several hosts are host=h1,h2&port=p1,p2
            raise ValueError(f"{repeated[0]!r} is given twice: list several values as {repeated[0]}=a,b")
        return cls(
            username=_unquoted(parts["username"]),
            password=_unquoted(parts["password"]),
            host=parts["ipv4host"] or parts["ipv6host"],
            port=int(port) if port else None,
            database=_unquoted(parts["database"]),
            query=dict(pairs),
        )

    @classmethod
    def of(cls, url: DatabaseURL | URL | str) -> DatabaseURL:
        """`url` as a DatabaseURL: parsed from text, or from SQLAlchemy's URL (a test's, say)."""
        if isinstance(url, DatabaseURL):
            return url
        if isinstance(url, str):
            return cls.parse(url)
        return cls.parse(url.render_as_string(hide_password=False))

    def set(self, **parts: Any) -> DatabaseURL:
        """A copy with `parts` changed (username=, password=, database=...)."""
        return replace(self, **parts)

    def get_backend_name(self) -> str:
        return self.drivername.split("+", 1)[0]

    def render_as_string(self, hide_password: bool = True) -> str:
        """As SQLAlchemy renders it (and parses it back)."""
        text = f"{self.drivername}://"
        if self.username is not None:
            text += quote(self.username, safe=" +")
            if self.password is not None:
                text += ":" + ("***" if hide_password else quote(self.password, safe=" +"))
            text += "@"
        if self.host is not None:
            text += f"[{self.host}]" if ":" in self.host else self.host
        if self.port is not None:
            text += f":{self.port}"
        if self.database is not None:
            text += "/" + quote(self.database, safe=" +/")
        if self.query:
            text += "?" + "&".join(f"{quote_plus(key)}={quote_plus(self.query[key])}" for key in sorted(self.query))
        return text

    def __str__(self) -> str:
        return self.render_as_string()

    def __repr__(self) -> str:  # never the password, as SQLAlchemy's URL
        return self.render_as_string()

    def connect_arguments(self) -> dict[str, Any]:
        """psycopg.connect's keyword arguments (libpq's parameter names), as SQLAlchemy's
        psycopg dialect gives them."""
        named = {
            "user": self.username,
            "password": self.password,
            "host": self.host,
            "port": self.port,
            "dbname": self.database,
        }
        return {**{name: value for name, value in named.items() if value is not None}, **self.query}

    def to_sqlalchemy(self) -> URL:
        from sqlalchemy.engine import URL  # imported with the engine, not at start

        return URL.create(
            self.drivername,
            username=self.username,
            password=self.password,
            host=self.host,
            port=self.port,
            database=self.database,
            query=dict(self.query),
        )


def _unquoted(part: str | None) -> str | None:
    return None if part is None else unquote(part)

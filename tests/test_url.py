"""DatabaseURL means what SQLAlchemy's URL means: the same parts from the same text, the
same text back, and the same arguments for psycopg; without importing SQLAlchemy."""

from __future__ import annotations

import subprocess
import sys

import pytest
from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg
from sqlalchemy.engine import make_url

from data.url import DatabaseURL
from tests.conftest import ROOT

URLS = [
    "postgresql://support@db.internal/geminya",
    "postgresql://alice:s%40cr%3At%2F@db.internal:6432/console?sslmode=require",
    "postgres://u@/console?host=/tmp/a%20dir/sock",
    "postgresql+psycopg2://u:p@[::1]:5433/db",
    "postgresql:///console",
    "postgresql://u:pw with space@h/d b",
    "postgresql://u@/d?host=h1,h2&port=5432,5433",
]


@pytest.mark.parametrize("text", URLS)
def test_a_url_has_the_parts_and_the_text_sqlalchemy_gives_it(text: str) -> None:
    ours = DatabaseURL.parse(text)
    theirs = make_url(text).set(drivername="postgresql+psycopg")
    parts = ("drivername", "username", "password", "host", "port", "database")
    assert {part: getattr(ours, part) for part in parts} == {part: getattr(theirs, part) for part in parts}
    assert dict(ours.query) == dict(theirs.query)
    for hide in (True, False):
        assert ours.render_as_string(hide_password=hide) == theirs.render_as_string(hide_password=hide)
    assert ours.to_sqlalchemy() == theirs
    assert DatabaseURL.of(theirs) == ours
    _, arguments = PGDialect_psycopg().create_connect_args(theirs)  # type: ignore[no-untyped-call]
    assert ours.connect_arguments() == arguments


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("::not a url::", "not a URL"),
        ("mysql://x/y", "not a PostgreSQL URL"),
        ("postgresql://u@h:port/d", "port 'port' is not a number"),
        ("postgresql://u@/d?host=h1:5432&host=h2:5433", "'host' is given twice: list several values as host=a,b"),
    ],
)
def test_a_bad_url_is_refused_with_why(text: str, why: str) -> None:
    with pytest.raises(ValueError, match=why):
        DatabaseURL.parse(text)


def test_the_password_is_never_in_its_repr_or_str() -> None:
    url = DatabaseURL.parse("postgresql://alice:hunter2@h/d")
    assert "hunter2" not in repr(url) and "hunter2" not in str(url) and "hunter2" not in repr([url])
    assert url.set(password="other").password == "other"


def test_parsing_a_url_imports_no_sqlalchemy() -> None:
    probe = "import sys; from data.url import DatabaseURL; DatabaseURL.parse('postgresql://u@h/d').connect_arguments(); print('sqlalchemy' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "False", done.stderr

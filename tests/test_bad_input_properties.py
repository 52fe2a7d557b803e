"""Property-based: each command-line verb, run with generated arguments against a real
server, never shows a traceback, exits 0, 1 or 2, and when it refuses (non-zero) leaves
every system's tables as they were.

The verbs run in this process (console.cli.main), so that arguments can hold what no
terminal would pass (lone surrogates, which is what bytes that are not UTF-8 become, and
NUL). Examples are derandomized: every run tries the same ones.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import URL

from data.base import SYSTEM_SCHEMAS
from data.engine import Database
from tests.conftest import run_console_here, socket_url

CHECKS = settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

ODD = ["\udcff", "\udcfe", "\x00", "１", "٣", "_", ",", " ", "-", "+", "e", ".", "'", ";", "a", "0", "9"]
values = st.one_of(
    st.text(max_size=12),
    st.text(alphabet=st.sampled_from(ODD), max_size=8),
    st.integers(-(2**70), 2**70).map(str),
    st.sampled_from(["", "0", "-1", "1", "69", "x" * 600, "C" * 65, "1e9", "inf", "nan"]),
)
currencies = st.one_of(st.sampled_from(["quartzs", "daphine", "sakura_crystals"]), values)


def checksums(database: Database) -> dict[str, str]:
    """One md5 per system schema over every row of every table in it."""
    sums = {}
    with database.connect() as connection:
        for schema in SYSTEM_SCHEMAS:
            tables = (
                connection.exec_driver_sql(
                    "SELECT format('%%I.%%I', schemaname, tablename) FROM pg_tables WHERE schemaname = %(s)s"
                    " ORDER BY 1",
                    {"s": schema},
                )
                .scalars()
                .all()
            )
            parts = [
                connection.exec_driver_sql(
                    f"SELECT md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), '')) FROM {table} AS t"
                ).scalar_one()
                for table in tables
            ]
            sums[schema] = "".join(parts)
    return sums


def run_verb(database_url: URL, database: Database, capsys: Any, args: list[str]) -> None:
    before = checksums(database)
    # In this process, so a traceback fails the test here.
    ran = run_console_here(capsys, "--url", socket_url(database_url), *args)
    assert ran.returncode in (0, 1, 2), (args, ran.returncode, ran.stderr)
    assert "Traceback" not in ran.stderr
    if ran.returncode != 0:
        assert len(ran.stderr.strip().splitlines()) == 1, (args, ran.stderr)
        assert checksums(database) == before, args


@pytest.mark.parametrize("verb", ["grant", "redeem", "giftcode", "stats", "export"])
def test_every_verb_takes_any_argument(database_url: URL, database: Database, capsys: Any, verb: str) -> None:
    @CHECKS
    @given(data=st.data())
    def check(data: Any) -> None:
        if verb == "grant":
            args = ["grant", data.draw(values), data.draw(values), data.draw(currencies), "--reason", data.draw(values)]
        elif verb == "redeem":
            args = ["redeem", data.draw(values), data.draw(values)]
        elif verb == "giftcode":
            reward = f"{data.draw(currencies)}:{data.draw(values)}"
            args = ["giftcode", "create", data.draw(values), "--reward", reward, "--limit", data.draw(values)]
        elif verb == "stats":
            interval = data.draw(st.one_of(st.sampled_from(["0", "-1", "inf", "nan", "1e9", "", "０", "x"]), values))
            args = ["stats", "--interval", interval if interval in ("0",) or not _small(interval) else "0"]
        else:
            args = ["export", "--query", data.draw(values), "--format", "csv"]
        run_verb(database_url, database, capsys, args)

    check()


def _small(text: str) -> bool:
    """A number of seconds a test can afford to sleep (stats sleeps --interval)."""
    try:
        return 0 < float(text) <= 3600
    except ValueError:
        return False

"""The look of each Activity tab, drawn from a frozen, hand-made reading
(tests/fixtures/activity/frozen.py) instead of the live server, whose figures change from
run to run. Review the report before `pytest tests/test_activity_snapshots.py --snapshot-update`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from textual.pilot import Pilot

from data.engine import Database
from screens.activity import ActivityScreen
from tests.app_factory import make_app, settle, show_tab
from tests.fixtures.activity.frozen import COMMIT_RATES, WITHOUT_STATEMENTS, RecordedActivity, reading

NEVER = 3600.0
"""A refresh interval no test outlasts: only the refreshes a test asks for happen."""


def open_tab(
    tab: str, source: RecordedActivity | None = None, *, refreshes: int = 0, keys: tuple[str, ...] = ()
) -> Callable[[Pilot[None]], Awaitable[None]]:
    """A run_before: the Activity screen on a frozen source, `refreshes` more readings
    taken (one point each on the rate graphs), then `tab` in front and `keys` pressed."""

    async def run_before(pilot: Pilot[None]) -> None:
        screen = ActivityScreen(interval=NEVER, source=source or RecordedActivity())
        await pilot.app.push_screen(screen)
        await settle(pilot)
        for _ in range(refreshes):
            screen.action_refresh_now()
            await settle(pilot)
        await show_tab(pilot, tab)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)

    return run_before


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_sessions(snap_compare, snapshot_database: Database, size: tuple[int, int]) -> None:
    """Backends longest first, idle in transaction marked with its age, the chain 4101 > 4102 > 4103."""
    app = make_app(snapshot_database)
    assert snap_compare(app, terminal_size=size, run_before=open_tab("tab-sessions"))


def test_sessions_idle_in_transaction_by_pid(snap_compare, snapshot_database: Database) -> None:
    """s twice (all, active, idle in transaction) and o once (duration, pid): two rows, by pid."""
    app = make_app(snapshot_database)
    assert snap_compare(app, terminal_size=(120, 40), run_before=open_tab("tab-sessions", keys=("s", "s", "o")))


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_pool(snap_compare, snapshot_database: Database, size: tuple[int, int]) -> None:
    """The pool's facts (one caller waiting, in warning colour) and thirty checkout samples."""
    app = make_app(snapshot_database)
    assert snap_compare(app, terminal_size=size, run_before=open_tab("tab-pool"))


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_database(snap_compare, snapshot_database: Database, size: tuple[int, int]) -> None:
    """Counters with a low hit ratio and deadlocks flagged; ten points on each rate graph."""
    app = make_app(snapshot_database)
    assert snap_compare(app, terminal_size=size, run_before=open_tab("tab-database", refreshes=len(COMMIT_RATES)))


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_statements(snap_compare, snapshot_database: Database, size: tuple[int, int]) -> None:
    """The top statements by total time, each on its first line."""
    app = make_app(snapshot_database)
    assert snap_compare(app, terminal_size=size, run_before=open_tab("tab-statements"))


def test_statements_without_the_extension(snap_compare, snapshot_database: Database) -> None:
    """Where pg_stat_statements is missing: how to enable it, and no empty table."""
    app = make_app(snapshot_database)
    source = RecordedActivity((reading(WITHOUT_STATEMENTS),))
    assert snap_compare(app, terminal_size=(120, 40), run_before=open_tab("tab-statements", source))


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_tables(snap_compare, snapshot_database: Database, size: tuple[int, int]) -> None:
    """Table usage with last vacuum and analyze (or never), then unused and duplicate indexes."""
    app = make_app(snapshot_database)
    assert snap_compare(app, terminal_size=size, run_before=open_tab("tab-tables"))

"""The start path imports only what the home screen uses: the other screens, and the data/
modules behind them, are imported when first opened (console.app.ScreenEntry).

A fresh interpreter opens the console on the test database, waits for the home screen's
data, and lists what was imported; the support desk, the planner, the query plans, the
imports, the activity screen and their data/ modules must not be there yet.
"""

from __future__ import annotations

import json
import subprocess
import sys

from sqlalchemy.engine import URL

from data.roles import Role
from tests.conftest import ROOT, login_url

PROBE = """
import asyncio, json, sys
from sqlalchemy.engine import make_url
from data.engine import ConnectionSettings, Database
from console.app import ConsoleApp

async def main():
    with Database(ConnectionSettings(url=make_url(sys.argv[1]))) as database:
        app = ConsoleApp(database, note="probe")
        async with app.run_test(size=(80, 24)) as pilot:
            for _ in range(200):
                await pilot.pause(0.05)
                if getattr(app.screen, "overview", None) is not None:
                    break
            else:
                raise SystemExit("the home screen never showed its data")
            print(json.dumps(sorted(sys.modules)))

asyncio.run(main())
"""

NOT_AT_START = ("screens.tables", "screens.support", "screens.stories", "screens.migrations", "screens.activity",
                "screens.query_plans", "screens.build_planner", "screens.imports", "data.support", "data.planner",
                "data.explain", "data.imports", "data.stats", "data.browse", "data.edits", "data.stories")
# Alembic is not in the list: the home screen says whether each system is at its head.


def test_the_home_screen_starts_without_the_other_screens_modules(database_url: URL) -> None:
    url = login_url(database_url, Role.ADMIN).render_as_string(hide_password=False)
    done = subprocess.run([sys.executable, "-c", PROBE, url], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr[-2000:]
    modules = json.loads(done.stdout.strip().splitlines()[-1])
    assert "screens.home" in modules
    loaded = [name for name in modules if name.startswith(NOT_AT_START)]
    assert loaded == [], f"imported at start though the home screen does not use them: {loaded}"

"""The start path imports only what the home screen uses: the other screens, and the data/
modules behind them, are imported when first opened (console.app.ScreenEntry); the command
families' modules when their command runs; SQLAlchemy, Alembic, the ORM and the models when
a screen or command needs them (the start's reads go out on psycopg alone: data.engine).

A fresh interpreter imports console.launch (console.cli) as `console` does, opens the console on the test
database, waits for the home screen's data, and lists what was imported: our modules must
all be in AT_START, and none of the HEAVY libraries may be there.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from sqlalchemy.engine import URL

from data.roles import Role
from tests.conftest import ROOT, login_url

PROBE = """
import asyncio, json, sys
import console.launch  # what `console` imports before it opens the UI
from console.app import ConsoleApp
from console.connect import open_checked
from data.engine import ConnectionSettings

app = None
at_first_sqlalchemy = {}


def showing_its_data():
    try:
        return getattr(app.screen, "overview", None) is not None
    except Exception:  # no app, or no screen yet
        return False


class Watch:
    # What was imported, and whether the home screen showed its data, when the Engine's
    # module or SQLAlchemy is first imported (ConsoleApp builds the Engine once the first
    # screen is painted).
    def find_spec(self, name, path=None, target=None):
        if name in ("data.pooled", "sqlalchemy") and not at_first_sqlalchemy:
            at_first_sqlalchemy.update(showing=showing_its_data(), modules=sorted(sys.modules))
        return None


sys.meta_path.insert(0, Watch())


async def main():
    global app
    opened = open_checked(ConnectionSettings(url=sys.argv[1]), interactive=False)  # as console.cli does
    with opened.database as database:
        app = ConsoleApp(database, note="probe", keymap=json.loads(sys.argv[2]), first_overview=opened.overview)
        async with app.run_test(size=(80, 24)) as pilot:
            for _ in range(200):
                await pilot.pause(0.05)
                if at_first_sqlalchemy and not any(worker.is_running for worker in app.workers):
                    break
            else:
                raise SystemExit("the Engine was never built after the first paint")
            print(json.dumps({**at_first_sqlalchemy, "at_end": sorted(sys.modules)}))

asyncio.run(main())
"""

AT_START = frozenset(
    {
        # The UI: the app, the home screen and what it draws with.
        "console.app",
        "console.commands",
        "screens.base",
        "screens.home",
        "widgets.cell_grid",
        "widgets.key_bar",
        "widgets.title_bar",
        # The command line, whose parser names every command (their modules load when they run).
        "console.launch",
        "console.cli",
        "console.cli_common",
        "console.config",
        "console.connect",
        "console.embedded",
        "console.binding_ids",
        *(f"console.cli_{family}" for family in ("build", "desk", "explain", "import", "migrate", "roles", "stats")),
        # The connection, and the home screen's data: one read of the catalog and the version table.
        "data.engine",
        "data.url",
        "data.errors",
        "data.roles",
        "data.base",
        "data.inputs",
        "data.formatting",
        "data.login",
        "data.overview",
        "data.pooler",
        "data.migrate",
        "data.migrate.state",
        # Packages whose __init__ holds a constant the parser shows, and nothing else.
        "data.imports",
        "data.explain",
    }
)
"""Our modules the start path may import: any other is a regression of the start-up."""

HEAVY = ("sqlalchemy", "alembic", "mako", "ijson", "tree_sitter", "pgvector")
"""Libraries the home screen has no use for: SQLAlchemy (its import is a third of a second:
the Engine is built once the home screen is painted), Alembic, the importers' parsers."""
LATER = ("sqlalchemy.orm", "alembic", "mako", "ijson", "tree_sitter", "pgvector")
"""What building the Engine after the first paint does not import either: the ORM and the
models load with the first screen that uses them."""


@pytest.mark.parametrize(
    "keymap", [{}, {"tables.filter": "ctrl+f", "activity.pause": "f6"}], ids=["no keymap", "a config's [keys]"]
)
def test_the_home_screen_starts_without_the_other_screens_modules(database_url: URL, keymap: dict[str, str]) -> None:
    """A config's [keys] is checked against the known binding ids without importing the
    screens that declare them."""
    url = login_url(database_url, Role.ADMIN).render_as_string(hide_password=False)
    done = subprocess.run(
        [sys.executable, "-c", PROBE, url, json.dumps(keymap)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["showing"], "SQLAlchemy was imported before the home screen showed its data"
    modules = seen["modules"]
    assert "screens.home" in modules
    packages = {"console", "data", "screens", "widgets"}
    ours = {name for name in modules if name.split(".")[0] in packages} - packages
    assert sorted(ours - AT_START) == [], "imported at start though the home screen does not use them"
    assert _of(HEAVY, modules) == [], "libraries imported at start"
    assert _of(LATER, seen["at_end"]) == [], "libraries imported with the Engine"
    assert "data.pooled" in seen["at_end"]


def _of(libraries: tuple[str, ...], modules: list[str]) -> list[str]:
    return [name for name in modules if any(name == lib or name.startswith(f"{lib}.") for lib in libraries)][:5]

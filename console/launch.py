"""The `console` command's entry point: the garbage collector paused while the console starts.

A start imports psycopg and Textual and paints the first screen: about two hundred
collections, one of them a full one walking all that those imports made, about 70 ms of the
start on the reference machine, for almost no garbage (under 500 objects). The collector
is paused here, before those imports, and resumed once it has nothing left to spare: by
the app once its first screen is painted (ConsoleApp.on_ready), and by a command that opens
no UI as soon as its arguments are parsed (console.cli), so a long import or export runs
with it.
"""

import gc

gc.disable()

from console.cli import main  # noqa: E402  (after the pause: the imports are what it spares)

__all__ = ["main"]

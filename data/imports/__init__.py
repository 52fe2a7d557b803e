"""Imports (DESIGN.md, Imports): plain functions shared by the imports screen and `console import`.

- `i12`: the seed's I12 power data, streamed and upserted in batches (`import_i12`).
- `cod`: City of Data, the Homecoming game export (`import_city_of_data`).
- `geminya`: Geminya's series and characters CSV (`import_series`, `import_characters`).
- `table_copy`: CSV or JSON into any table through COPY (`import_table`).

Every run is a row of heroes.import_logs (`common.ImportRun`); every function takes a
progress callback and a cancel flag, and returns an `ImportResult`. The importers load
on first use, the shared parts (`common`) too: the City of Data one brings the game's bonus
tables, and none of them is any use to the console's start-up, which imports this package
for `ON_ERROR_CHOICES` alone (the command line's parser).
"""

from __future__ import annotations

import importlib
from typing import Any

ON_ERROR_CHOICES: tuple[str, ...] = ("skip", "stop")
"""What a run does at a bad record: skip it (it is logged) or stop there."""

_COMMON = ("ImportFailed", "ImportLogEntry", "ImportResult", "Progress", "RecordError", "check_can_import", "history")
_LAZY = {
    **dict.fromkeys(_COMMON, "data.imports.common"),
    "import_i12": "data.imports.i12",
    "import_city_of_data": "data.imports.cod",
    "import_series": "data.imports.geminya",
    "import_characters": "data.imports.geminya",
    "import_table": "data.imports.table_copy",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'data.imports' has no attribute {name!r}")


__all__ = ["ON_ERROR_CHOICES", *_LAZY]  # noqa: PLE0604 - resolved lazily by __getattr__

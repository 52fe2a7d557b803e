"""Imports (DESIGN.md, Imports): plain functions shared by the imports screen and `console import`.

- `i12`: the seed's I12 power data, streamed and upserted in batches (`import_i12`).
- `cod`: City of Data, the Homecoming game export (`import_city_of_data`).
- `geminya`: Geminya's series and characters CSV (`import_series`, `import_characters`).
- `table_copy`: CSV or JSON into any table through COPY (`import_table`).

Every run is a row of heroes.import_logs (`common.ImportRun`); every function takes a
progress callback and a cancel flag, and returns an `ImportResult`. The importers load
on first use: the City of Data one brings the game's bonus tables, which the console's
start-up has no need for.
"""

from __future__ import annotations

import importlib
from typing import Any

from data.imports.common import (
    ImportFailed,
    ImportLogEntry,
    ImportResult,
    Progress,
    RecordError,
    check_can_import,
    history,
)

_IMPORTERS = {
    "import_i12": "data.imports.i12",
    "import_city_of_data": "data.imports.cod",
    "import_series": "data.imports.geminya",
    "import_characters": "data.imports.geminya",
    "import_table": "data.imports.table_copy",
}


def __getattr__(name: str) -> Any:
    if name in _IMPORTERS:
        return getattr(importlib.import_module(_IMPORTERS[name]), name)
    raise AttributeError(f"module 'data.imports' has no attribute {name!r}")


__all__ = [  # noqa: PLE0604 - the importers' names, resolved lazily by __getattr__
    "ImportFailed", "ImportLogEntry", "ImportResult", "Progress", "RecordError", "check_can_import",
    "history", *_IMPORTERS,
]

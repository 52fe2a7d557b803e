"""Every revision of the history with its message, date and branch, and Alembic's
configuration for our migrations (the script directory the runs and previews use)."""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources

from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

from data.migrate.state import applied_revisions, revision_graph


@dataclass(frozen=True)
class RevisionInfo:
    """One revision of the history, for `migrate history` and the migrations screen."""

    revision: str
    down_revisions: tuple[str, ...]
    branch: str
    message: str
    is_head: bool
    applied: bool


def alembic_config(
    connection: Connection | None = None, *, schemas: Iterable[str] | None = None, output: io.StringIO | None = None
) -> Config:
    """An Alembic Config for our migrations, independent of the working directory."""
    config = Config(output_buffer=output) if output is not None else Config()
    config.set_main_option("path_separator", "os")
    config.set_main_option("script_location", str(resources.files("migrations")))
    config.set_main_option("version_locations", str(resources.files("migrations") / "versions"))
    config.set_main_option("file_template", "%%(year)d-%%(month).2d-%%(day).2d_%%(slug)s")
    if connection is not None:
        config.attributes["connection"] = connection
    if schemas is not None:
        config.attributes["schemas"] = tuple(schemas)
    return config


def script_directory() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def history(connection: Connection | None = None) -> list[RevisionInfo]:
    """Every revision, newest first per branch, marking heads and those applied."""
    graph = revision_graph()
    applied_ids: set[str] = set()
    if connection is not None:
        for revision in applied_revisions(connection):
            if revision in graph.revisions:
                applied_ids.update(graph.ancestors(revision))
    heads = set(graph.heads().values())
    return [
        RevisionInfo(
            revision=node.revision,
            down_revisions=graph.revisions[node.revision].down_revisions,
            branch=graph.branch_of(node.revision),
            message=node.doc or "",
            is_head=node.revision in heads,
            applied=node.revision in applied_ids,
        )
        for node in script_directory().walk_revisions()
    ]


def revision_dates() -> dict[str, str]:
    """Each revision's "Create Date" (from its file's docstring), as written there."""
    dates: dict[str, str] = {}
    for node in script_directory().walk_revisions():
        match = re.search(r"^Create Date:\s*(.+)$", node.longdoc or "", re.MULTILINE)
        if match:
            dates[node.revision] = match.group(1).strip()[:19]
    return dates

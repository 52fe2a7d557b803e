"""Where each system's branch stands in a database, read without Alembic.

The home screen shows this on every start. Alembic's script directory (Alembic itself and
every revision module imported) costs more than the rest of the start's queries together,
so the revision graph is read from the files' headers instead: the `revision`,
`down_revision`, `branch_labels` and `depends_on` lines Alembic's template writes, as
Python literals. tests/test_migrations.py checks this reading against Alembic's for every
revision, so the two cannot drift apart.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING

from data.base import CONSOLE_SCHEMA
from data.migrate import BRANCHES, VERSION_TABLE, MigrationError

if TYPE_CHECKING:
    from sqlalchemy import Connection

_HEADER = re.compile(r"^(revision|down_revision|branch_labels|depends_on)\b[^=\n]*=\s*(.+)$", re.MULTILINE)


@dataclass(frozen=True)
class Revision:
    """One revision file's header."""

    revision: str
    down_revisions: tuple[str, ...]
    branch_labels: tuple[str, ...]
    dependencies: tuple[str, ...]
    """Revisions of other branches this one needs (depends_on)."""


@dataclass(frozen=True)
class RevisionGraph:
    """Every revision of the code, by id."""

    revisions: Mapping[str, Revision]

    def ancestors(self, revision: str) -> Iterator[str]:
        """`revision`, then everything below it: its down revisions and its dependencies,
        as Alembic's `iterate_revisions(revision, "base")` walks them."""
        seen: set[str] = set()
        stack = [revision]
        while stack:
            current = stack.pop(0)
            if current in seen:
                continue
            seen.add(current)
            yield current
            node = self.revisions[current]
            stack.extend((*node.down_revisions, *node.dependencies))

    def branch_of(self, revision: str) -> str:
        """The branch a revision belongs to: the label of the first labelled revision down
        its own line (the base below every branch counts as the console's)."""
        current: str | None = revision
        while current is not None:
            node = self.revisions[current]
            for label in node.branch_labels:
                if label in BRANCHES:
                    return label
            current = node.down_revisions[0] if node.down_revisions else None
        return CONSOLE_SCHEMA

    def depth(self, revision: str) -> int:
        """How many revisions lie below `revision` on its own line."""
        node = self.revisions[revision]
        return 1 + max((self.depth(down) for down in node.down_revisions), default=-1)

    def heads(self) -> dict[str, str]:
        """Each branch's newest revision."""
        below = {down for node in self.revisions.values() for down in node.down_revisions}
        return {self.branch_of(head): head for head in self.revisions if head not in below}


def revision_graph() -> RevisionGraph:
    """The revisions of migrations/versions, read from their headers (a dozen small reads:
    not cached, so a test's or a developer's new revision file is seen at once).

    Raises:
        MigrationError: a revision file without a readable header.
    """
    revisions: dict[str, Revision] = {}
    for path in sorted((resources.files("migrations") / "versions").iterdir(), key=lambda p: p.name):
        if not path.name.endswith(".py"):
            continue
        fields = {name: value for name, value in _HEADER.findall(path.read_text(encoding="utf-8"))}
        try:
            revision = ast.literal_eval(fields["revision"])
            header = Revision(
                revision,
                *(
                    _names(ast.literal_eval(fields.get(name, "None")))
                    for name in ("down_revision", "branch_labels", "depends_on")
                ),
            )
        except (KeyError, ValueError, SyntaxError):
            raise MigrationError(f"{path.name}: no revision header Alembic's template would write") from None
        revisions[revision] = header
    return RevisionGraph(revisions)


def _names(value: str | tuple[str, ...] | list[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


@dataclass(frozen=True)
class SchemaState:
    """Where one system's migration branch stands in a database."""

    schema: str
    current: str | None
    head: str
    state: str
    """"at head", "behind", "missing" (never applied) or "unknown" (a revision we don't know)."""


APPLIED_REVISIONS = f"SELECT version_num FROM {VERSION_TABLE}"
"""The version table's rows; the table is missing until the first migration makes it."""


def applied_revisions(connection: Connection) -> tuple[str, ...]:
    """The revisions recorded in the version table; empty if it does not exist yet."""
    if connection.exec_driver_sql("SELECT to_regclass(%s)", (VERSION_TABLE,)).scalar() is None:
        return ()
    return tuple(connection.exec_driver_sql(APPLIED_REVISIONS).scalars())


def schema_states(connection: Connection) -> list[SchemaState]:
    """The migration state of every branch: at head, behind, missing or unknown."""
    return states_of(applied_revisions(connection), revision_graph())


def states_of(applied: tuple[str, ...], graph: RevisionGraph) -> list[SchemaState]:
    """Each branch's state when the version table holds `applied`.

    A branch stands at the newest of its revisions that an applied revision is, or lies
    above (the version table has one row per head: a system's row implies the console
    revision it depends on), whatever order the rows come in.
    """
    current: dict[str, str] = {}
    unknown: set[str] = set()
    for revision in applied:
        if revision not in graph.revisions:
            unknown.add(revision)
            continue
        for ancestor in graph.ancestors(revision):
            branch = graph.branch_of(ancestor)
            if branch not in current or graph.depth(ancestor) > graph.depth(current[branch]):
                current[branch] = ancestor
    heads = graph.heads()
    states = []
    for branch in BRANCHES:
        head = heads[branch]
        now = current.get(branch)
        if now is None and unknown:
            # A revision this code does not know (a newer console's, or hand-made): it may
            # be this branch's, so show it rather than claim the branch was never applied.
            now, state = ", ".join(sorted(unknown)), "unknown"
        elif now is None:
            state = "missing"
        elif now == head:
            state = "at head"
        else:
            state = "behind"
        states.append(SchemaState(schema=branch, current=now, head=head, state=state))
    return states

"""What a migration would do, before it runs: the branch it moves, the SQL, the rows it loses.

The command line and the migrations screen both plan through here, so a target means the
same thing in both. Alembic's own reading of a target is too wide for a history whose
branches share a root and depend on the console branch: `stories@base` or `-1` there
walks below the branch into the shared root and takes every system (and the audit log)
with it. So a downgrade target is resolved here to `branch@revision`, the one form that
moves that branch alone, and anything we cannot resolve is refused with the known names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from alembic.script import Script, ScriptDirectory

from data.base import CONSOLE_SCHEMA
from data.engine import Database
from data.migrate import BRANCHES, MigrationError, MigrationTargetError, known_targets
from data.migrate.history import RevisionInfo, history, revision_dates, script_directory
from data.migrate.preview import offline_sql, only_steps, rows_lost
from data.migrate.state import SchemaState, revision_graph, schema_states

_RELATIVE = re.compile(r"^([+-])(\d+)$")


@dataclass(frozen=True)
class Overview:
    """The history and where each branch stands."""

    revisions: list[RevisionInfo]
    states: list[SchemaState]
    dates: dict[str, str]


def load_overview(database: Database) -> Overview:
    with database.connect() as connection:
        return Overview(history(connection), schema_states(connection), revision_dates())


@dataclass(frozen=True)
class Plan:
    """One migration to run, as previewed: `target` is what goes to Alembic."""

    direction: str
    target: str
    branch: str
    sql: str
    lost: list[tuple[str, int]]
    """("schema.table", rows) or ("schema.table.column", values) that a downgrade destroys."""


def _chain(script: ScriptDirectory, branch: str) -> list[Script]:
    """The branch's own revisions, oldest first (the console branch includes the shared root)."""
    graph = revision_graph()
    own = [node for node in script.walk_revisions() if graph.branch_of(node.revision) == branch]
    return list(reversed(own))


def _revision(script: ScriptDirectory, text: str) -> Script:
    try:
        node = script.get_revision(text)
    except Exception:  # noqa: BLE001  (alembic raises several kinds for an unknown or ambiguous id)
        node = None
    if node is None or isinstance(node, tuple):
        raise MigrationTargetError(f"unknown revision {text!r}; {known_targets()}")
    return node


def _split(target: str) -> tuple[str | None, str]:
    if "@" not in target:
        return None, target
    branch, rest = target.split("@", 1)
    if branch not in BRANCHES:
        raise MigrationTargetError(f"unknown branch {branch!r}; {known_targets()}")
    return branch, rest


def resolve_upgrade(target: str) -> tuple[str, str]:
    """(branch or "all", Alembic target) for an upgrade; unknown names are refused."""
    script = script_directory()
    if target == "heads":
        return "all", target
    branch, rest = _split(target)
    if branch is None:
        if _RELATIVE.match(rest) or rest in ("head", "base"):
            raise MigrationTargetError(f"name a branch for {target!r}; {known_targets()}")
        return revision_graph().branch_of(_revision(script, rest).revision), rest
    if rest != "head" and not _RELATIVE.match(rest):
        node = _revision(script, rest)
        if revision_graph().branch_of(node.revision) != branch:
            raise MigrationTargetError(f"{rest} is not a {branch} revision; {known_targets()}")
    return branch, target


def resolve_downgrade(states: list[SchemaState], target: str) -> tuple[str, str | None, list[str]]:
    """(branch, the revision it stops at or None for the very base, revisions removed).

    `BRANCH@base`, `BRANCH@-N` and `BRANCH@REV` (or a bare revision id) move BRANCH alone.
    A bare `base` removes everything, every system and the audit log; it is spelled out
    so that nobody gets it from a typo.

    Raises:
        MigrationTargetError: an unknown branch or revision, a step below the branch's
            first revision, a bare `-N`, or the console branch while systems depend on it.
    """
    script = script_directory()
    current = {
        state.schema: state.current
        for state in states
        if state.state in ("at head", "behind") and state.current is not None
    }
    if target == "base":
        applied = [node.revision for branch in BRANCHES if branch in current for node in _chain(script, branch)]
        return "all", None, applied
    branch, rest = _split(target)
    if branch is None:
        if _RELATIVE.match(rest) or rest in ("head", "heads"):
            raise MigrationTargetError(f"name the branch to move, e.g. gacha@{rest}; {known_targets()}")
        branch = revision_graph().branch_of(_revision(script, rest).revision)
    chain = _chain(script, branch)
    ids = [node.revision for node in chain]
    if branch not in current:
        raise MigrationTargetError(f"{branch} has no revision applied: there is nothing to downgrade")
    now = ids.index(current[branch])
    relative = _RELATIVE.match(rest)
    if rest == "base":
        stop = -1
    elif relative and relative.group(1) == "-":
        stop = now - int(relative.group(2))
        if stop < -1:
            raise MigrationTargetError(
                f"{branch} has {now + 1} revision(s) applied: {target} goes below its first; use {branch}@base"
            )
    elif relative:
        raise MigrationTargetError(f"a downgrade goes down: {target}; {known_targets()}")
    elif rest == chain[0].down_revision:  # the revision the branch stands on: its base
        stop = -1
    else:
        node = _revision(script, rest)
        if node.revision not in ids:
            raise MigrationTargetError(f"{rest} is not a {branch} revision; {known_targets()}")
        stop = ids.index(node.revision)
    removed = ids[stop + 1 : now + 1]
    if not removed:
        raise MigrationTargetError(f"{branch} already stands at {target}: there is nothing to downgrade")
    if branch == CONSOLE_SCHEMA:
        dependants = [other for other in BRANCHES if other != CONSOLE_SCHEMA and other in current]
        if dependants:
            raise MigrationTargetError(f"{', '.join(dependants)} depend on the console branch: downgrade them first")
    down = chain[0].down_revision if stop == -1 else ids[stop]
    return branch, (down if isinstance(down, str) else None), removed


def plan(database: Database, direction: str, target: str, states: list[SchemaState] | None = None) -> Plan:
    """Resolve `target`, render its SQL offline, and for a downgrade count the rows it loses.

    Raises:
        MigrationTargetError: see `resolve_downgrade` and `resolve_upgrade`.
        MigrationError: Alembic could not render the SQL.
    """
    url = database.settings.url.render_as_string(hide_password=False)
    if states is None:
        with database.connect() as connection:
            states = schema_states(connection)
    current = {
        state.schema: state.current
        for state in states
        if state.state in ("at head", "behind") and state.current is not None
    }
    if direction == "upgrade":
        branch, alembic_target = resolve_upgrade(target)
        start = current.get(branch) if branch != "all" else None
        sql = offline_sql(url, "upgrade", alembic_target, start if start and start != alembic_target else None)
        graph = revision_graph()
        applied = {revision for head in current.values() for revision in graph.ancestors(head)}
        pending = set(graph.revisions) - applied
        return Plan("upgrade", alembic_target, branch, only_steps(sql, pending), [])
    if direction != "downgrade":
        raise MigrationError(f"direction must be upgrade or downgrade, not {direction!r}")
    branch, stop, removed = resolve_downgrade(states, target)
    if branch == "all":
        # System branches first, the console branch (the audit log) last, as Alembic runs them.
        order = [name for name in BRANCHES if name != CONSOLE_SCHEMA] + [CONSOLE_SCHEMA]
        sql = "".join(offline_sql(url, "downgrade", "base", current[name]) for name in order if name in current)
        alembic_target = "base"
    else:
        sql = only_steps(offline_sql(url, "downgrade", stop or "base", current[branch]), removed)
        alembic_target = f"{branch}@{stop}" if stop else "base"
    with database.connect() as connection:
        lost = rows_lost(connection, sql)
    return Plan("downgrade", alembic_target, branch, sql, lost)


def branch_points(revisions: list[RevisionInfo]) -> set[str]:
    """Revisions that more than one revision stands on."""
    children: dict[str, int] = {}
    for info in revisions:
        for down in info.down_revisions:
            children[down] = children.get(down, 0) + 1
    return {revision for revision, count in children.items() if count > 1}


def plan_for_revision(database: Database, overview: Overview, info: RevisionInfo, direction: str) -> Plan:
    """The migrations screen's plan for moving to `info` (upgrade) or to below it in its
    branch (downgrade): the same resolution as `console migrate`'s targets."""
    if direction == "upgrade":
        if info.applied:
            raise MigrationError(f"{info.revision} is already applied: there is nothing to upgrade")
        return plan(database, "upgrade", info.revision, overview.states)
    if not info.applied:
        raise MigrationError(f"{info.revision} is not applied: there is nothing to downgrade")
    # branch@<the revision below> moves this branch alone (never the branches it stands on).
    down = info.down_revisions[0] if len(info.down_revisions) == 1 else "base"
    return plan(database, "downgrade", f"{info.branch}@{down}", overview.states)

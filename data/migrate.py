"""Migrations: Alembic, run in-process, one branch per system.

The history has a base revision (branch `console`: our own schema and the audit log) and
one branch per system, labelled with its schema name, so one system can be upgraded
alone (`gacha@head`). Upgrading "heads" upgrades each branch in a transaction of its own:
a branch that cannot be applied (stories on a server without pgvector) stops with its
reason and the others still land.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING, Any

from alembic.config import Config
from alembic.script import Script, ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Connection, Engine, inspect, text

import data.models  # noqa: F401  (registers every table on Base.metadata for drift checks)
from data.base import ALL_SCHEMAS, CONSOLE_SCHEMA, Base
from data.errors import error_summary

if TYPE_CHECKING:
    from data.engine import Database

VERSION_TABLE = f"{CONSOLE_SCHEMA}.alembic_version"
BRANCHES: tuple[str, ...] = ALL_SCHEMAS
"""Branch labels, base first: each is also the schema the branch creates."""


class MigrationError(RuntimeError):
    """A migration command could not run; the message says which and why."""


@dataclass(frozen=True)
class SchemaState:
    """Where one system's migration branch stands in a database."""

    schema: str
    current: str | None
    head: str
    state: str
    """"at head", "behind", "missing" (never applied) or "unknown" (a revision we don't know)."""


@dataclass(frozen=True)
class RevisionInfo:
    """One revision of the history, for `migrate history` and the migrations screen."""

    revision: str
    down_revisions: tuple[str, ...]
    branch: str
    message: str
    is_head: bool
    applied: bool


@dataclass(frozen=True)
class BranchOutcome:
    """What happened to one branch during an upgrade or downgrade."""

    branch: str
    target: str
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def alembic_config(connection: Connection | None = None, *, schemas: Iterable[str] | None = None,
                   output: io.StringIO | None = None) -> Config:
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


def branch_of(script: ScriptDirectory, revision: Script) -> str:
    """The branch label a revision belongs to (labels are set on each branch's first revision)."""
    for node in script.revision_map.iterate_revisions(revision.revision, "base"):
        labels = set(node.branch_labels or ())
        for branch in BRANCHES:
            if branch in labels:
                return branch
    return CONSOLE_SCHEMA


def applied_revisions(connection: Connection) -> tuple[str, ...]:
    """The revisions recorded in the version table; empty if it does not exist yet."""
    if not inspect(connection).has_table("alembic_version", schema=CONSOLE_SCHEMA):
        return ()
    return tuple(connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars())


def schema_states(connection: Connection) -> list[SchemaState]:
    """The migration state of every branch: at head, behind, missing or unknown."""
    script = script_directory()
    applied = applied_revisions(connection)
    heads = {branch_of(script, script.get_revision(head)): head for head in script.get_heads()}
    current: dict[str, str] = {}
    unknown: set[str] = set()
    for revision in applied:
        try:
            node = script.get_revision(revision)
        except Exception:  # noqa: BLE001  (alembic raises several kinds for an unknown id)
            node = None
        if node is None:
            unknown.add(revision)
            continue
        # One row per head: a system branch's row implies the base branch below it.
        for ancestor in script.revision_map.iterate_revisions(revision, "base"):
            current.setdefault(branch_of(script, ancestor), ancestor.revision)
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


def upgrade(engine: Engine, target: str = "heads") -> list[BranchOutcome]:
    """Upgrade to `target` ("heads", "gacha@head", a revision id...).

    "heads" upgrades each branch in its own transaction, so one that fails (its error is in
    the outcome) does not hold the others back. Any other target runs in one transaction.
    """
    from alembic import command  # the runtime half of Alembic: only paid for when migrating

    targets = [(branch, f"{branch}@head") for branch in BRANCHES] if target == "heads" else [(_branch_name(target), target)]
    outcomes = [_run(engine, branch, lambda config, t=t: command.upgrade(config, t), t) for branch, t in targets]
    grant_roles(engine)
    return outcomes


def grant_roles(engine: Engine) -> bool:
    """Give the console's group roles their privileges on what the migrations made (new
    tables, new columns); True if this login could (data.grants.apply_grants)."""
    from data import grants

    schema_map = engine.get_execution_options().get("schema_translate_map") or {}
    with engine.begin() as connection:
        return grants.apply_grants(connection, schema_map)


def downgrade(engine: Engine, target: str) -> list[BranchOutcome]:
    """Downgrade to `target` ("base", "gacha@base", "-1", a revision id...) in one transaction."""
    from alembic import command

    return [_run(engine, _branch_name(target), lambda config: command.downgrade(config, target), target)]


def offline_sql(url: str, direction: str, target: str, start: str | None = None) -> str:
    """The SQL an upgrade or downgrade would run, without touching a database (offline mode).

    Offline, Alembic cannot read where the database stands, so a downgrade starts from
    `start`, or from the head of the target's branch ("gacha@base" starts at "gacha@head").

    Raises:
        MigrationError: a downgrade with no branch and no start, or an unknown direction.
    """
    if direction not in ("upgrade", "downgrade"):
        raise MigrationError(f"direction must be upgrade or downgrade, not {direction!r}")
    if direction == "downgrade" and start is None:
        branch = target.split("@", 1)[0] if "@" in target else None
        if branch is None:
            raise MigrationError("an offline downgrade needs a branch (e.g. gacha@base) or --from REVISION")
        start = f"{branch}@head"
    from alembic import command

    output = io.StringIO()
    config = alembic_config(output=output)
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    run = command.upgrade if direction == "upgrade" else command.downgrade
    try:
        run(config, f"{start}:{target}" if start else target, sql=True)
    except CommandError as error:
        raise MigrationError(str(error).splitlines()[0]) from None
    return output.getvalue()


def history(connection: Connection | None = None) -> list[RevisionInfo]:
    """Every revision, newest first per branch, marking heads and those applied."""
    script = script_directory()
    applied_ids: set[str] = set()
    if connection is not None:
        for revision in applied_revisions(connection):
            applied_ids.update(node.revision for node in script.revision_map.iterate_revisions(revision, "base"))
    heads = set(script.get_heads())
    return [
        RevisionInfo(
            revision=node.revision,
            down_revisions=_as_tuple(node.down_revision),
            branch=branch_of(script, node),
            message=node.doc or "",
            is_head=node.revision in heads,
            applied=node.revision in applied_ids,
        )
        for node in script.walk_revisions()
    ]


def drift(connection: Connection, schemas: Sequence[str] = ALL_SCHEMAS) -> list[Any]:
    """The differences between the models and the database in `schemas` (empty: no drift).

    Each entry is one of Alembic's autogenerate diff tuples, e.g. ("add_column", ...).
    """
    from alembic.autogenerate import compare_metadata

    context = _comparison_context(connection, schemas)
    return list(compare_metadata(context, Base.metadata))



def _comparison_context(connection: Connection, schemas: Sequence[str]) -> Any:
    """Autogenerate's view of our schemas on `connection` (the version table left out)."""
    from alembic.migration import MigrationContext

    allowed = set(schemas)

    def include_name(name: str | None, type_: str, parent_names: dict[str, str | None]) -> bool:
        return name in allowed if type_ == "schema" else True

    def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
        if type_ == "table":
            return obj.schema in allowed and not (obj.schema == CONSOLE_SCHEMA and name == "alembic_version")
        return True

    return MigrationContext.configure(
        connection,
        opts={
            "include_schemas": True,
            "include_name": include_name,
            "include_object": include_object,
            "compare_type": True,
            "compare_server_default": True,
            "target_metadata": Base.metadata,
        },
    )

def describe_diff(diff: Any) -> str:
    """One line for an autogenerate diff entry."""
    if isinstance(diff, list):  # column modifications come as a list of tuples
        return "; ".join(describe_diff(item) for item in diff)
    kind, *rest = diff
    names = []
    for item in rest:
        name = getattr(item, "name", None)
        fullname = getattr(item, "fullname", None)
        if fullname or name:
            names.append(str(fullname or name))
        elif isinstance(item, str):
            names.append(item)
    return f"{kind} {' '.join(names)}".strip()


def _run(engine: Engine, branch: str, action: Any, target: str) -> BranchOutcome:
    try:
        with engine.begin() as connection:
            action(alembic_config(connection))
    except Exception as error:  # noqa: BLE001  (any failure of a branch is reported, not raised)
        return BranchOutcome(branch=branch, target=target, error=error_summary(error))
    return BranchOutcome(branch=branch, target=target)


def _branch_name(target: str) -> str:
    name = target.split("@", 1)[0]
    return name if name in BRANCHES else "all"


def _as_tuple(value: str | Sequence[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)



# --- The migrations screen: what a run would cost, the run itself, its audit row. ---

_DROP_TABLE = re.compile(r'^\s*DROP\s+TABLE\s+(?:IF\s+EXISTS\s+)?("?[\w$]+"?)\.("?[\w$]+"?)', re.IGNORECASE | re.MULTILINE)
_DROP_COLUMN = re.compile(
    r'^\s*ALTER\s+TABLE\s+(?:ONLY\s+)?("?[\w$]+"?)\.("?[\w$]+"?)\s+DROP\s+COLUMN\s+(?:IF\s+EXISTS\s+)?("?[\w$]+"?)',
    re.IGNORECASE | re.MULTILINE,
)
_RUNNING = re.compile(r"^-- Running (upgrade|downgrade) (\S*) -> (\S*)", re.MULTILINE)
ROWS_LOST_TIMEOUT_MS = 10_000


def rows_lost(connection: Connection, sql: str) -> list[tuple[str, int]]:
    """The rows a downgrade's SQL would destroy: ("schema.table", rows) for each DROP TABLE,
    ("schema.table.column", non-null values) for each DROP COLUMN; only those with data.

    Exact counts (downgrades are rare and deliberate), each capped by a statement timeout.
    Tables that do not exist (yet) are skipped.
    """
    found: list[tuple[str, str, str | None]] = [
        (_unquote(schema), _unquote(table), None) for schema, table in _DROP_TABLE.findall(sql)
    ]
    found += [(_unquote(s), _unquote(t), _unquote(c)) for s, t, c in _DROP_COLUMN.findall(sql)]
    connection.execute(text(f"SET LOCAL statement_timeout = {ROWS_LOST_TIMEOUT_MS}"))
    lost: list[tuple[str, int]] = []
    for schema, table, column in found:
        qualified = f"{_quote(schema)}.{_quote(table)}"
        if connection.execute(text("SELECT to_regclass(:name)"), {"name": qualified}).scalar() is None:
            continue
        if column is None:
            count = connection.execute(text(f"SELECT count(*) FROM {qualified}")).scalar_one()
            name = f"{schema}.{table}"
        else:
            count = connection.execute(text(f"SELECT count({_quote(column)}) FROM {qualified}")).scalar_one()
            name = f"{schema}.{table}.{column}"
        if count:
            lost.append((name, int(count)))
    return lost


def only_steps(sql: str, revisions: Iterable[str]) -> str:
    """Offline SQL narrowed to the steps that move one of `revisions`.

    Offline mode cannot see which other branches a database has applied, so it shows the
    steps of shared ancestors too (an upgrade from base runs the console branch again;
    a downgrade to the base drops the audit log). This keeps BEGIN/COMMIT and the steps
    whose moving revision (the new one for an upgrade, the old one for a downgrade) is
    in `revisions`.
    """
    keep = set(revisions)
    out: list[str] = []
    keeping = True
    for line in sql.splitlines():
        match = _RUNNING.match(line)
        if match:
            direction, old, new = match.groups()
            keeping = (new if direction == "upgrade" else old) in keep
        elif line.strip().upper() == "COMMIT;":
            keeping = True
        if keeping:
            out.append(line)
    return "\n".join(out) + "\n"


def run_migration(database: Any, direction: str, target: str, *, log: Any,
                  reason: str | None = None) -> list[BranchOutcome]:
    """Upgrade or downgrade `database` to `target`, streaming Alembic's log lines to `log`.

    Checks the role first; reads the applied revisions before and after; writes one
    console.audit_log row (action "migrate-upgrade"/"migrate-downgrade", before and after
    {"revisions": [...]}) in its own transaction after the run. When the run removed the
    audit log itself (the console branch downgraded), there is nowhere to write it: `log`
    says so.

    Raises:
        PermissionError: the role may not migrate, or the connection is read-only.
        MigrationError: an unknown direction.
    """
    import logging
    import threading

    from data.audit import AuditEntry, write_audit

    settings = database.settings
    if not settings.role.can_migrate:
        raise PermissionError(f"only an admin can run migrations (role is {settings.role.value})")
    if settings.read_only:
        raise PermissionError("this connection is read-only: migrations cannot run")
    if direction not in ("upgrade", "downgrade"):
        raise MigrationError(f"direction must be upgrade or downgrade, not {direction!r}")

    with database.engine.connect() as connection:
        before = sorted(applied_revisions(connection))
    log(f"{direction} to {target}; applied before: {', '.join(before) or 'none'}")

    thread = threading.get_ident()

    class _Stream(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.thread == thread:
                try:
                    log(self.format(record))
                except Exception:  # noqa: BLE001  (a closed screen must not break the run)
                    pass

    logger = logging.getLogger("alembic")
    handler = _Stream(logging.INFO)
    handler.setFormatter(logging.Formatter("%(message)s"))
    old_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        run = upgrade if direction == "upgrade" else downgrade
        outcomes = run(database.engine, target)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
    for outcome in outcomes:
        if outcome.error:
            log(f"FAILED {outcome.branch} ({outcome.target}), rolled back: {outcome.error}")

    with database.engine.begin() as connection:
        after = sorted(applied_revisions(connection))
        if inspect(connection).has_table("audit_log", schema=CONSOLE_SCHEMA):
            write_audit(connection, settings, AuditEntry(
                f"migrate-{direction}", CONSOLE_SCHEMA, "alembic_version",
                before={"revisions": before}, after={"revisions": after}, reason=reason))
        else:
            log("the audit log does not exist (console branch not applied): this run is not recorded")
    log(f"applied after: {', '.join(after) or 'none'}")
    return outcomes


def _unquote(name: str) -> str:
    return name[1:-1].replace('""', '"') if name.startswith('"') else name


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def revision_dates() -> dict[str, str]:
    """Each revision's "Create Date" (from its file's docstring), as written there."""
    dates: dict[str, str] = {}
    for node in script_directory().walk_revisions():
        match = re.search(r"^Create Date:\s*(.+)$", node.longdoc or "", re.MULTILINE)
        if match:
            dates[node.revision] = match.group(1).strip()[:19]
    return dates


@dataclass(frozen=True)
class DriftItem:
    """One difference between the models and the database, with the SQL that would fix it."""

    schema: str
    description: str
    sql: str
    """The statements that bring the database in line with the models (Alembic rendered
    offline); the description again, as a comment, when an operation renders no SQL."""


def drift_of(database: Database, schemas: Sequence[str] = ALL_SCHEMAS) -> list[DriftItem]:
    """`drift_fixes` on a connection of its own."""
    with database.connect() as connection:
        return drift_fixes(connection, schemas)


def drift_fixes(connection: Connection, schemas: Sequence[str] = ALL_SCHEMAS) -> list[DriftItem]:
    """`drift`, one item per difference, grouped by schema, each with its fixing SQL."""
    from alembic.autogenerate import produce_migrations
    from alembic.migration import MigrationContext
    from alembic.operations import Operations, ops

    context = _comparison_context(connection, schemas)
    script = produce_migrations(context, Base.metadata)
    leaves: list[Any] = []
    for op in script.upgrade_ops.ops:
        leaves.extend(op.ops if isinstance(op, ops.ModifyTableOps) else [op])
    items: list[DriftItem] = []
    for op in leaves:
        try:
            description = describe_diff(op.to_diff_tuple())
        except Exception:  # noqa: BLE001  (an op without a diff tuple: name it by its class)
            description = type(op).__name__
        schema = getattr(op, "schema", None) or CONSOLE_SCHEMA
        buffer = io.StringIO()
        offline = MigrationContext.configure(
            dialect_name="postgresql", opts={"as_sql": True, "output_buffer": buffer, "literal_binds": True}
        )
        try:
            Operations(offline).invoke(op)
            sql = "\n".join(line for line in buffer.getvalue().splitlines() if line.strip())
        except Exception as error:  # noqa: BLE001  (some ops cannot be rendered offline)
            sql = f"-- {description} (no SQL rendered: {error_summary(error)})"
        items.append(DriftItem(schema=schema, description=description, sql=sql or f"-- {description}"))
    return sorted(items, key=lambda item: item.schema)

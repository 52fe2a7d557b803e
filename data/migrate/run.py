"""Upgrades and downgrades, the grants that follow them, and `run_migration`: the audited
run that the migrations screen and `console migrate` both go through."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, inspect

from data.base import CONSOLE_SCHEMA
from data.errors import error_summary
from data.migrate import BRANCHES, MigrationError
from data.migrate.history import alembic_config
from data.migrate.state import applied_revisions


@dataclass(frozen=True)
class BranchOutcome:
    """What happened to one branch during an upgrade or downgrade."""

    branch: str
    target: str
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def upgrade(engine: Engine, target: str = "heads") -> list[BranchOutcome]:
    """Upgrade to `target` ("heads", "gacha@head", a revision id...).

    "heads" upgrades each branch in its own transaction, so one that fails (its error is in
    the outcome) does not hold the others back. Any other target runs in one transaction.
    """
    from alembic import command  # the runtime half of Alembic: only paid for when migrating

    targets = (
        [(branch, f"{branch}@head") for branch in BRANCHES] if target == "heads" else [(_branch_name(target), target)]
    )
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


def run_migration(
    database: Any, direction: str, target: str, *, log: Any, reason: str | None = None
) -> list[BranchOutcome]:
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
            write_audit(
                connection,
                settings,
                AuditEntry(
                    f"migrate-{direction}",
                    CONSOLE_SCHEMA,
                    "alembic_version",
                    before={"revisions": before},
                    after={"revisions": after},
                    reason=reason,
                ),
            )
        else:
            log("the audit log does not exist (console branch not applied): this run is not recorded")
    log(f"applied after: {', '.join(after) or 'none'}")
    return outcomes


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

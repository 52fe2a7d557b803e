"""`console migrate upgrade|downgrade|history|current|check|sql`: the migrations on the command line.

Upgrades and downgrades go through the same service as the migrations screen
(`data.migration_plan` to resolve the target and count what a downgrade loses, then
`data.migrate.run.run_migration`, which checks the role and writes the audit row). A target
naming no known branch or revision is a usage error (exit 2) that lists the branches. A
downgrade that would drop rows prints them and runs only with `--yes`.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import asdict
from typing import TYPE_CHECKING

from console.cli_common import (
    EXIT_FAILED,
    EXIT_OK,
    CommandFailed,
    confirm_production,
    json_flag,
    print_result,
    write_flags,
)
from data.migrate import BRANCHES, MigrationTargetError, known_targets

if TYPE_CHECKING:
    from data.engine import Database


def add_commands(commands: argparse._SubParsersAction) -> None:
    mig = commands.add_parser("migrate", help="Alembic migrations, one branch per system")
    actions = mig.add_subparsers(dest="action", required=True, metavar="ACTION")
    up = actions.add_parser("upgrade", help="upgrade to a target (default heads; e.g. gacha@head, gacha@+1)")
    up.add_argument("target", nargs="?", default="heads")
    down = actions.add_parser(
        "downgrade", help="downgrade one system (e.g. stories@base, gacha@-1, a revision id; 'base' removes all)"
    )
    down.add_argument("target")
    down.add_argument(
        "--yes",
        action="store_true",
        help="run even though the downgrade drops rows (they are listed); confirms on production",
    )
    for writer in (up, down):
        write_flags(writer)
    actions.add_parser("history", help="every revision, with heads and what is applied")
    actions.add_parser("current", help="the migration state of each system")
    check = actions.add_parser("check", help="compare the models with the database (drift)")
    check.add_argument("schemas", nargs="*", help="limit to these schemas")
    sql = actions.add_parser("sql", help="print the SQL of an upgrade or downgrade without running it")
    sql.add_argument("direction", choices=["upgrade", "downgrade"])
    sql.add_argument("target")
    sql.add_argument("--from", dest="start", help="the revision to start from (downgrades default to heads)")
    for sub in actions.choices.values():
        json_flag(sub)
        sub.set_defaults(run=run)


def run(args: argparse.Namespace, database: Database) -> int:
    # Alembic and the migration modules load here, not when `console` imports the parser.
    from data.migrate.drift import describe_diff, drift
    from data.migrate.history import history
    from data.migrate.preview import offline_sql
    from data.migrate.state import schema_states

    action = args.action
    if action in ("upgrade", "downgrade"):
        return _move(args, database)
    if action == "sql":
        url = database.settings.url.render_as_string(hide_password=True)
        print(offline_sql(url, args.direction, args.target, args.start), end="")
        return EXIT_OK
    with database.connect() as connection:
        if action == "history":
            revisions = history(connection)
            text = "\n".join(
                f"{'*' if r.applied else ' '} {r.revision} ({r.branch}){' head' if r.is_head else ''}  {r.message}"
                for r in revisions
            )
            return print_result(args, [asdict(r) for r in revisions], text)
        if action == "current":
            states = schema_states(connection)
            text = "\n".join(f"{s.schema:<11} {s.state:<8} {s.current or '-'} (head {s.head})" for s in states)
            return print_result(args, [asdict(s) for s in states], text)
        schemas = args.schemas or list(BRANCHES)
        unknown = set(schemas) - set(BRANCHES)
        if unknown:
            raise MigrationTargetError(f"unknown schema(s): {', '.join(sorted(unknown))}; {known_targets()}")
        diffs = [describe_diff(diff) for diff in drift(connection, schemas)]
    print_result(args, {"drift": diffs}, "\n".join(diffs) if diffs else "no drift: the database matches the models")
    if diffs:
        raise CommandFailed(f"{len(diffs)} difference(s) between the models and the database")
    return EXIT_OK


def _move(args: argparse.Namespace, database: Database) -> int:
    from data import migration_plan
    from data.migrate.run import run_migration

    plan = migration_plan.plan(database, args.action, args.target)
    if plan.lost:
        lines = "\n".join(
            f"  {name}: {count:,} {'rows' if name.count('.') == 1 else 'values'}" for name, count in plan.lost
        )
        print(f"downgrading {args.target} drops data:\n{lines}", file=sys.stderr)
    # On production this asks for the reason and the confirmation, which then also stands
    # for the data listed just above; elsewhere the loss needs --yes.
    reason = confirm_production(args, database.settings, f"migrate {args.action} {args.target}")
    if plan.lost and not args.yes and not database.settings.production:
        print("console: nothing was done; run again with --yes to drop it", file=sys.stderr)
        return EXIT_FAILED
    # Alembic's step-by-step log is the screen's; here the outcome per branch is the answer.
    outcomes = run_migration(database, args.action, plan.target, log=lambda line: None, reason=reason)
    failed = [outcome for outcome in outcomes if not outcome.ok]
    lines = [f"{o.branch}: {'ok' if o.ok else 'FAILED: ' + (o.error or '')}" for o in outcomes]
    print_result(args, [asdict(o) for o in outcomes], "\n".join(lines))
    if failed:
        raise CommandFailed(f"{args.action} of {', '.join(o.branch for o in failed)} failed: {failed[0].error}")
    return EXIT_OK

"""The `console` command: opens the app, or runs one action of the data layer and exits.

Exit codes: 0 success, 1 the action failed (a migration error, drift found, a server that
would not start) or was refused (a deduction below zero, a used-up gift code, a role
without the support desk), 2 bad input (usage, a bad URL or profile, an unreachable
database, an unparsable amount, an unknown currency).
Errors are one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import threading
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import asdict
from pathlib import Path
from typing import Any, NoReturn, TextIO

from sqlalchemy.exc import DataError, SQLAlchemyError

from console.cli_common import (
    EXIT_BROKEN_PIPE,
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    CommandFailed,
    confirm_production,
    fail,
    json_flag,
    whole,
    print_result,
    progress,
    seconds,
    write_flags,
)
from console.config import Config, ConfigError, load_config
from console.connect import (
    ConnectError,
    Target,
    embedded_settings,
    open_database,
    prepare_embedded,
    released_on_signals,
    settings_for,
)
from console.embedded import EmbeddedServer, EmbeddedServerError, default_data_dir
from data import inputs, migrate
from data.migration_plan import MigrationTargetError
from data.engine import Database
from data.errors import one_line
from data.models.gacha import CURRENCIES
from data.roles import Role
from console import cli_build, cli_explain, cli_import, cli_migrate, cli_roles

# Subcommand families in modules of their own (see console.cli_common).
COMMAND_FAMILIES: tuple[Any, ...] = (cli_migrate, cli_build, cli_import, cli_explain, cli_roles)

# Imported before the UI is preloaded in a thread (see _with_database).
DRIVER_MODULES = (
    "sqlalchemy.dialects.postgresql.psycopg",
    "psycopg.types.json",
    "psycopg.types.range",
    "psycopg.types.multirange",
)


class OneLineParser(argparse.ArgumentParser):
    """argparse, with a usage error as one line and exit 2, like every other refusal
    (`console: error: grant: argument AMOUNT: ...`); `--help` still shows the usage.
    Sub-commands inherit it."""

    def error(self, message: str) -> NoReturn:
        program, _, command = self.prog.partition(" ")
        self.exit(EXIT_USAGE, f"{program}: error: {command + ': ' if command else ''}{message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="console", description="A console for the PostgreSQL databases of five applications.")
    parser.add_argument("--url", help="connect to this PostgreSQL URL (else DATABASE_URL, a profile, or the embedded server)")
    parser.add_argument("--profile", help="a named profile from the config file")
    parser.add_argument("--config", type=Path, help="the config file (default: the user's config directory)")
    parser.add_argument("--data-dir", type=Path, help="the embedded server's data directory (or CONSOLE_DATA_DIR)")
    parser.add_argument("--role", choices=[role.value for role in Role], help="lower the profile's role for this run")
    parser.add_argument("--read-only", action="store_true", help="open every transaction READ ONLY")
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    db = commands.add_parser("db", help="manage the embedded PostgreSQL server")
    db_actions = db.add_subparsers(dest="action", required=True, metavar="ACTION")
    db_actions.add_parser("start", help="start it (initialising on first use) and keep it running")
    stop = db_actions.add_parser("stop", help="stop it")
    stop.add_argument("--force", action="store_true", help="stop even while consoles are using it")
    db_actions.add_parser("status", help="is it running, where, and who uses it")
    db_actions.add_parser("url", help="print its connection URL")

    export = commands.add_parser("export", help="export a table's rows (filtered, sorted) or a query as CSV or JSON")
    export.add_argument("table", nargs="?", help="schema.table (or a view)")
    export.add_argument("--query", help="export this SELECT instead of a table")
    export.add_argument("--where", help="a WHERE clause, as SQL")
    export.add_argument("--filter", dest="filters", action="append", default=[], metavar='"COL OP VALUE"',
                        help="a filter such as 'id >= 10' or 'name contains ab' (repeatable; ANDed)")
    export.add_argument("--sort", metavar="COL[:desc]", help="sort by this column")
    export.add_argument("--format", choices=["csv", "json"], default="csv", help="csv (default) or json")
    export.add_argument("--output", type=Path, metavar="FILE", help="write here instead of stdout")
    export.add_argument("--force", action="store_true", help="replace --output if it exists (only once the export succeeds)")
    export.add_argument("--reveal-sensitive", action="store_true",
                        help="write sensitive columns as they are, not masked (admin; audited)")

    demo = commands.add_parser("demo", help="load the deterministic demo data")
    demo.add_argument("--scale", type=whole(1), default=1, help="1 loads in seconds; 200 gives a million collection rows")
    demo.add_argument("--replace", action="store_true", help="empty the five systems' tables first")
    _add_desk_commands(commands)

    stats = commands.add_parser("stats", help="a snapshot of the server's activity, the pool and table statistics")
    stats.add_argument("--top", type=whole(1), default=10, help="how many statements and tables (default 10)")
    stats.add_argument("--interval", type=seconds(0, 3600), default=1.0, metavar="SECONDS",
                       help="seconds between the two samples the rates come from (default 1; 0 takes one sample)")
    json_flag(stats)
    for family in COMMAND_FAMILIES:
        family.add_commands(commands)
    return parser


def _add_desk_commands(commands: argparse._SubParsersAction) -> None:
    """grant, giftcode and redeem: the gacha support desk. Values are parsed by
    _check_desk_args, so a bad one is a one-line error like every other."""
    currencies = ", ".join(CURRENCIES)
    grant = commands.add_parser(
        "grant", help="grant a player currency, or deduct it with a negative amount",
        description="Grant (AMOUNT > 0) or deduct (AMOUNT < 0, e.g. `console grant 7 -50 quartzs`) "
                    "a gacha player's currency, with a ledger row and an audit row.")
    grant.add_argument("user_id", metavar="USER_ID", help="the player's id (gacha.users.id)")
    grant.add_argument("amount", metavar="AMOUNT", help="a whole number; negative deducts")
    grant.add_argument("currency", metavar="CURRENCY", help=currencies)
    grant.add_argument("--reason", default="", help="why (required): goes into the ledger and the audit log")

    giftcode = commands.add_parser("giftcode", help="create, list, deactivate or activate gift codes")
    actions = giftcode.add_subparsers(dest="action", required=True, metavar="ACTION")
    create = actions.add_parser("create", help="create a gift code (unique regardless of case)")
    create.add_argument("code", metavar="CODE")
    create.add_argument("--reward", required=True, metavar="CURRENCY:VALUE", help=f"what it credits; CURRENCY is {currencies}")
    create.add_argument("--limit", default="-1", metavar="N", help="how many players may redeem it (default -1: unlimited)")
    create.add_argument("--expires", metavar="ISO", help="when it stops working, e.g. 2026-12-31T23:59:59+00:00 (UTC without an offset)")
    create.add_argument("--inactive", action="store_true", help="create it switched off")
    listing = actions.add_parser("list", help="every code with its redemption count")
    listing.add_argument("--active-only", action="store_true", help="leave deactivated codes out")
    for name, what in (("deactivate", "stop a code from being redeemed"), ("activate", "let a deactivated code be redeemed again")):
        actions.add_parser(name, help=what).add_argument("code", metavar="CODE")

    redeem = commands.add_parser("redeem", help="redeem a gift code for a player and credit its reward")
    redeem.add_argument("code", metavar="CODE")
    redeem.add_argument("user_id", metavar="USER_ID", help="the player's id (gacha.users.id)")
    for writer in (grant, redeem, create, *(actions.choices[name] for name in ("deactivate", "activate"))):
        write_flags(writer)


def main(argv: Sequence[str] | None = None) -> int:
    try:
        code = _main(argv)
        sys.stdout.flush()  # here, where a closed pipe can still be caught
        return code
    except BrokenPipeError:
        # The reader went away (`console migrate history | head -1`): stop quietly, as other
        # Unix tools do; what Python still wants to flush goes nowhere.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    bad_text = _not_utf8(args)
    if bad_text is not None:
        return fail(f"{bad_text} is not valid UTF-8 text", EXIT_USAGE)
    if args.command == "export" and (args.table is None) == (args.query is None):
        return fail("export needs exactly one of TABLE or --query", EXIT_USAGE)
    if args.command == "export" and args.query is not None and (args.where or args.filters or args.sort):
        return fail("--where, --filter and --sort go with a TABLE, not with --query", EXIT_USAGE)
    try:  # before any connection: bad input costs no server start
        if args.command in DESK_COMMANDS:
            _check_desk_args(args)
        if hasattr(args, "check"):
            args.check(args)
    except ValueError as error:  # inputs.BadInput among them
        return fail(str(error), EXIT_USAGE)
    try:
        config = load_config(args.config)
        if args.command == "db":
            return _db(args)
        return _with_database(args, config)
    except (ConfigError, ConnectError, MigrationTargetError) as error:
        return fail(str(error), EXIT_USAGE)
    except (EmbeddedServerError, CommandFailed, migrate.MigrationError) as error:
        return fail(str(error), EXIT_FAILED)
    except DataError as error:  # SQLSTATE class 22: the server refused a value as data
        return fail(one_line(error), EXIT_USAGE)
    except SQLAlchemyError as error:
        return fail(one_line(error), EXIT_FAILED)
    except KeyboardInterrupt:
        return fail("interrupted", 130)


def _not_utf8(args: argparse.Namespace) -> str | None:
    """The first argument that was not UTF-8 (Python keeps its bytes as lone surrogates,
    which no database driver can send), as the user would name it; None if all are."""
    for name, value in vars(args).items():
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str):
                try:
                    item.encode("utf-8")
                except UnicodeEncodeError:
                    return f"--{name.replace('_', '-')}" if name not in POSITIONALS else name.upper()
    return None


# Arguments named by their metavar in messages, not as options.
POSITIONALS = frozenset({"user_id", "amount", "currency", "code", "table", "target", "sql", "path", "schemas"})


def _with_database(args: argparse.Namespace, config: Config) -> int:
    target = Target(url=args.url, profile=args.profile, data_dir=args.data_dir,
                    role=Role(args.role) if args.role else None, read_only=args.read_only)
    settings = settings_for(target, config)
    if args.command is None:
        # Importing the UI takes about as long as starting the server: do both at once.
        # The driver's modules come first, here: the UI imports some of them while this
        # thread connects, and two threads importing one module can each see it half-built.
        for module in DRIVER_MODULES:
            importlib.import_module(module)
        preload = threading.Thread(target=importlib.import_module, args=("console.app",), daemon=True)
        preload.start()
    with ExitStack() as stack:
        note = None
        app_exit: list[Callable[[int], None]] = []
        if settings is None:
            server = EmbeddedServer(args.data_dir or default_data_dir())
            server.acquire()
            stack.enter_context(released_on_signals(server, on_signal=lambda signum: _signal_app(app_exit, signum)))
            first_run = prepare_embedded(server, load_demo=_load_demo, progress=progress(args))
            if first_run is not None:
                progress(args)(f"first start ready in {first_run.seconds:.1f} s ({first_run.demo_rows} demo rows)")
            settings = embedded_settings(server, target, config)
            note = f"embedded PostgreSQL in {server.data_dir}"
        database = stack.enter_context(open_database(settings, interactive=sys.stdin.isatty()))
        if args.command is None:
            return _run_app(database, config, note, app_exit)
        if args.command == "export":
            return _export(args, database)
        if args.command == "demo":
            rows = _load_demo(database, args.scale, replace=args.replace)
            return print_result(args, {"rows": rows}, f"loaded {rows} demo rows at scale {args.scale}")
        if args.command in DESK_COMMANDS:
            return _desk(args, database)
        if args.command == "stats":
            return _stats(args, database)
        if hasattr(args, "run"):
            return args.run(args, database)
    return EXIT_OK


def _stats(args: argparse.Namespace, database: Database) -> int:
    """`console stats`: two snapshots --interval apart (for the rates), printed."""
    import time

    from data import stats  # only this command needs it

    stats.monitor_pool(database)
    first = stats.snapshot(database, top=args.top)
    if args.interval > 0:
        time.sleep(args.interval)
        shot = stats.snapshot(database, previous=first, top=args.top)
    else:
        shot = first
    payload = {**asdict(shot), "by_state": shot.by_state(), "blocking": [asdict(node) for node in shot.blocking],
               "cache_hit_ratio": shot.database.cache_hit_ratio}
    return print_result(args, payload, _stats_text(shot, args.top))


def _stats_text(shot: Any, top: int = 10) -> str:
    """The snapshot as sections of plain text, 80 columns where it can."""
    db = shot.database

    def rate(value: float | None) -> str:
        return "-" if value is None else f"{value:.1f}/s"

    hit = "-" if db.cache_hit_ratio is None else f"{db.cache_hit_ratio:.2%}"
    pool = shot.pool
    lines = [
        f"database {db.name} (PostgreSQL {shot.server_version}): {db.backends} backends",
        f"  commits {db.commits:,} ({rate(db.commits_per_second)})  rollbacks {db.rollbacks:,} ({rate(db.rollbacks_per_second)})",
        f"  cache hit {hit}  temp files {db.temp_files:,} ({_bytes(db.temp_bytes)})  deadlocks {db.deadlocks:,}  conflicts {db.conflicts:,}",
        f"pool: size {pool.size}, {pool.checked_out} checked out, {pool.idle} idle, overflow {pool.overflow}/{pool.max_overflow}, "
        f"{pool.waiting} waiting, {pool.connections_created} created, {pool.waits} waits ({pool.wait_seconds:.3f} s)",
        "",
        "backends by state: " + (", ".join(f"{state} {count}" for state, count in sorted(shot.by_state().items())) or "none"),
    ]
    clients = [b for b in shot.backends if b.state is not None]
    if clients:
        lines.append(f"  {'PID':>7}  {'STATE':<21} {'SECONDS':>8}  {'WAIT':<22} {'APPLICATION':<16} {'CLIENT':<15} QUERY")
        for b in sorted(clients, key=lambda b: (b.state != "active", -(b.duration_seconds or 0))):
            wait = f"{b.wait_event_type}:{b.wait_event}" if b.wait_event_type else "-"
            seconds = "-" if b.duration_seconds is None else f"{b.duration_seconds:.1f}"
            lines.append(f"  {b.pid:>7}  {b.state:<21} {seconds:>8}  {wait[:22]:<22} {b.application_name[:16]:<16} "
                         f"{(b.client_addr or '-')[:15]:<15} {b.query_first_line[:60]}")
    lines += ["", "blocking chains:" if shot.blocking else "blocking chains: none"]

    def tree(node: Any, depth: int) -> None:
        b = node.backend
        what = f"{b.state or b.backend_type} {b.application_name or '-'}: {b.query_first_line[:60]}" if b else "(not in the snapshot)"
        lines.append(f"{'  ' * (depth + 1)}{'└─ ' if depth else ''}{node.pid} {what}")
        for child in node.blocked:
            tree(child, depth + 1)

    for root in shot.blocking:
        tree(root, 0)
    lines.append("")
    if shot.statements is None:
        lines.append(f"top statements: {shot.statements_missing}")
    else:
        lines.append(f"top statements by total time ({len(shot.statements)}):")
        lines.append(f"  {'TOTAL MS':>10} {'MEAN MS':>9} {'CALLS':>8} {'ROWS':>9}  QUERY")
        for st in shot.statements:
            first = " ".join(st.query.split())[:60]
            lines.append(f"  {st.total_ms:>10.1f} {st.mean_ms:>9.2f} {st.calls:>8,} {st.rows:>9,}  {first}")
    lines += ["", "largest tables:", f"  {'SIZE':>9} {'SEQ':>7} {'IDX':>9} {'INS':>9} {'UPD':>8} {'DEL':>8} {'DEAD':>7}  TABLE  (last vacuum / analyze)"]
    for t in shot.tables:
        vacuum = max(filter(None, (t.last_vacuum, t.last_autovacuum)), default=None)
        analyze = max(filter(None, (t.last_analyze, t.last_autoanalyze)), default=None)
        when = f"{vacuum:%Y-%m-%d %H:%M}" if vacuum else "never"
        when += f" / {analyze:%Y-%m-%d %H:%M}" if analyze else " / never"
        lines.append(f"  {_bytes(t.total_bytes):>9} {t.seq_scan:>7,} {t.idx_scan or 0:>9,} {t.inserted:>9,} {t.updated:>8,} "
                     f"{t.deleted:>8,} {t.dead_tuples:>7,}  {t.schema}.{t.name}  ({when})")
    lines += ["", f"unused indexes ({len(shot.unused_indexes)}, never scanned since the stats were reset):"]
    unused = sorted(shot.unused_indexes, key=lambda f: -f.bytes)
    lines += [f"  {f.schema}.{f.indexes[0]} on {f.table} ({_bytes(f.bytes)})" for f in unused[:top]]
    if len(unused) > top:
        lines.append(f"  ... and {len(unused) - top} more (--top, or --json for all)")
    lines += ["", f"duplicate indexes ({len(shot.duplicate_indexes)}):"]
    lines += [f"  {f.schema}.{f.table}: {', '.join(f.indexes)} ({_bytes(f.bytes)})" for f in shot.duplicate_indexes]
    lines.append(f"\n({shot.queries} queries, {shot.server_ms:.1f} ms on the server)")
    return "\n".join(lines)


def _bytes(count: int) -> str:
    size = float(count)
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if size < 1024 or unit == "TB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{count} B"


def _run_app(database: Database, config: Config, note: str | None, app_exit: list[Callable[[int], None]]) -> int:
    from console.app import ConsoleApp  # the UI is imported only when it is wanted

    app = ConsoleApp(database, note=note, keymap=dict(config.keys))
    app_exit.append(app.exit_on_signal)
    app.run()
    return app.return_code or EXIT_OK


def _signal_app(app_exit: list[Callable[[int], None]], signum: int) -> None:
    if not app_exit:
        raise SystemExit(128 + signum)
    app_exit[0](signum)


def _load_demo(database: Database, scale: int = 1, *, replace: bool = False) -> int:
    from data import demo  # loading the demo modules is only worth it when demo data is wanted

    try:
        return sum(demo.load_demo(database, scale=scale, replace=replace).values())
    except demo.DemoDataError as error:
        raise CommandFailed(str(error)) from None


def _db(args: argparse.Namespace) -> int:
    server = EmbeddedServer(args.data_dir or default_data_dir())
    if args.action == "url":
        url = server.libpq_url()
        return print_result(args, {"url": url}, url)
    if args.action == "status":
        status = server.status()
        state = "running" if status.running else ("stopped" if status.initialised else "not initialised")
        detail = f" (pid {status.pid}, started by {status.started_by}, {len(status.clients)} console(s))" if status.running else ""
        payload = {**asdict(status), "data_dir": str(status.data_dir)}
        return print_result(args, payload, f"{state}: {status.data_dir}{detail}")
    if args.action == "start":
        server.start()
        first_run = prepare_embedded(server, load_demo=_load_demo, progress=progress(args))
        if first_run is not None:
            progress(args)(f"initialised in {first_run.seconds:.1f} s")
        return print_result(args, {"running": True, "data_dir": str(server.data_dir)}, f"running: {server.data_dir}")
    stopped = server.stop(force=args.force)
    return print_result(args, {"stopped": stopped}, "stopped" if stopped else "was not running")


DESK_COMMANDS = ("grant", "giftcode", "redeem")




def _currency(value: str) -> str:
    if value not in CURRENCIES:
        raise ValueError(f"unknown currency {value!r}: expected one of {', '.join(CURRENCIES)}")
    return value


def _check_desk_args(args: argparse.Namespace) -> None:
    """Parse the desk commands' values in place (ints, currency, expiry).

    Raises:
        ValueError: one line naming the bad value.
    """
    if args.command in ("grant", "redeem"):
        args.user_id = inputs.whole_number(args.user_id, "USER_ID", low=1)
    if args.command == "grant":
        args.amount = inputs.whole_number(args.amount, "AMOUNT")
        args.currency = _currency(args.currency)
    if getattr(args, "code", None) is not None:
        args.code = inputs.gift_code_text(args.code)
    if getattr(args, "reason", None) is not None:
        args.reason = inputs.reason_text(args.reason)
    if args.command == "giftcode" and args.action == "create":
        currency, _, value = args.reward.partition(":")
        args.reward = (_currency(currency), inputs.whole_number(value, "the --reward VALUE", low=1))
        args.limit = inputs.usage_limit(inputs.whole_number(args.limit, "--limit", low=-1))
        if args.expires is not None:
            args.expires = inputs.moment(args.expires, "--expires")


def _desk(args: argparse.Namespace, database: Database) -> int:
    """The support desk's commands: each one call into data.support, refusals as one line."""
    from data.support import currency, giftcodes, players

    try:
        if args.command == "grant":
            verb = "a grant of" if args.amount > 0 else "a deduction of"
            reason = confirm_production(args, database.settings,
                                        f"{verb} {abs(args.amount):,} {args.currency}, player {args.user_id}")
            entry = currency.grant(database, args.user_id, args.currency, args.amount, reason or "")
            verb, way = ("granted", "to") if entry.delta > 0 else ("deducted", "from")
            return print_result(args, asdict(entry), f"{verb} {abs(entry.delta):,} {entry.currency} {way} player "
                          f"{entry.user_id}: balance {entry.balance_after:,} (ledger #{entry.id})")
        if args.command == "redeem":
            confirm_production(args, database.settings, f"redeeming {args.code!r} for player {args.user_id}")
            done = giftcodes.redeem(database, args.code, args.user_id)
            used = f"used {done.used} of {done.usage_limit}" if done.used is not None else "unlimited"
            return print_result(args, asdict(done), f"redeemed {done.code} for player {done.user_id}: +{done.reward_value:,} "
                          f"{done.reward_type}, balance {done.ledger.balance_after:,} ({used})")
        if args.action == "list":
            codes = giftcodes.list_codes(database, include_inactive=not args.active_only)
            return print_result(args, [_code_json(c) for c in codes], _codes_table(codes))
        reason = confirm_production(args, database.settings, f"gift code {args.action} {args.code!r}")
        if args.action == "create":
            reward_type, value = args.reward
            info = giftcodes.create_code(database, args.code, reward_type, value, usage_limit=args.limit,
                                         expires_at=args.expires, active=not args.inactive, reason=reason)
            return print_result(args, _code_json(info), f"created gift code {info.code}: {_code_line(info)}")
        change = giftcodes.deactivate_code if args.action == "deactivate" else giftcodes.activate_code
        info = change(database, args.code, reason)
        return print_result(args, _code_json(info), f"gift code {info.code} is {'active' if info.is_active else 'inactive'}: {_code_line(info)}")
    except (currency.InvalidGrant, giftcodes.InvalidGiftCode, inputs.BadInput) as error:
        return fail(str(error), EXIT_USAGE)
    except (currency.GrantRefused, giftcodes.GiftCodeRefused, players.PlayerNotFound, PermissionError) as error:
        return fail(str(error), EXIT_FAILED)


def _code_json(info: Any) -> dict[str, Any]:
    return {**asdict(info), "status": info.status}


def _code_line(info: Any) -> str:
    expires = f", expires {info.expires_at:%Y-%m-%d %H:%M %Z}" if info.expires_at else ""
    return f"{info.reward_value:,} {info.reward_type}, used {info.usage}{expires}, {info.status}"


def _codes_table(codes: list[Any]) -> str:
    if not codes:
        return "no gift codes"
    width = max(len(c.code) for c in codes)
    lines = [f"{'CODE':<{width}}  {'REWARD':<22}  {'USED':<16}  {'STATUS':<8}  EXPIRES"]
    for c in codes:
        reward = f"{c.reward_value:,} {c.reward_type}"
        expires = f"{c.expires_at:%Y-%m-%d %H:%M}" if c.expires_at else "-"
        lines.append(f"{c.code:<{width}}  {reward:<22}  {c.usage:<16}  {c.status:<8}  {expires}")
    return "\n".join(lines)


def _export(args: argparse.Namespace, database: Database) -> int:
    from data import browse, catalog, export, sensitive  # only this command needs them
    from data.output_file import OutputExists

    try:
        if args.query is not None:
            source = "the query"

            def run(out: TextIO, **options: Any) -> int:
                return export.export_query(database, args.query, out, args.format, **options)
        else:
            table = catalog.describe_table(database, catalog.RelationRef.parse(args.table))
            view = browse.View(
                table,
                sort=browse.parse_sort(args.sort) if args.sort else None,
                filters=tuple(browse.parse_filter(text) for text in args.filters),
                where=args.where,
            )
            browse.validate_view(database, view)  # before an output file is created
            source = str(table.ref)
            masked = sensitive.sensitive_columns(table, database.settings.sensitive_columns)
            if args.reveal_sensitive and masked:
                sensitive.record_reveal(database, table, None, sorted(masked))
                masked = frozenset()

            def run(out: TextIO, **options: Any) -> int:
                return export.export_view(database, view, out, args.format, masked=masked, **options)

        rows = _export_to(args, run)
    except export.BadQuery as error:  # the server refused the query, or a value it made (1/0)
        return fail(f"--query: {error}", EXIT_USAGE)
    except (ValueError, LookupError, PermissionError) as error:  # a bad name, table, filter, WHERE, query or role
        return fail(str(error), EXIT_USAGE)
    except BrokenPipeError:
        # `console export ... | head`: the reader has what it wanted. Python flushes stdout
        # again at exit, so point it somewhere that accepts the rest.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except OutputExists as error:
        return fail(str(error), EXIT_USAGE)
    except OSError as error:
        return fail(f"cannot write {error.filename or args.output}: {error.strerror or error}", EXIT_USAGE)
    if args.output is None:
        return EXIT_OK
    payload = {"rows": rows, "source": source, "output": str(args.output), "format": args.format}
    return print_result(args, payload, f"exported {rows} rows of {source} to {args.output}")


def _export_to(args: argparse.Namespace, run: Callable[..., int]) -> int:
    """Run the export into --output (see data.output_file: a file lands only whole, and
    replaces an existing one only with --force) or stdout, showing the count on stderr
    when that is a terminal."""
    from data.output_file import output_file  # only this command needs it

    show = sys.stderr.isatty()

    def progress(rows: int) -> None:
        print(f"\rconsole: exported {rows} rows", end="", file=sys.stderr, flush=True)

    options = {"progress": progress} if show else {}
    try:
        if args.output is None:
            return run(sys.stdout, **options)
        with output_file(args.output, replace=args.force) as out:
            return run(out, **options)
    finally:
        if show:
            print(file=sys.stderr)

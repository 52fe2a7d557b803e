"""The `console` command: opens the app, or runs one action of the data layer and exits.

Exit codes: 0 success, 1 the action failed (a migration error, drift found, a server that
would not start) or was refused (a deduction below zero, a used-up gift code, a role
without the support desk), 2 bad input (usage, a bad URL or profile, an unreachable
database, an unparsable amount, an unknown currency).
Errors are one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import os
import sys
import threading
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import asdict
from pathlib import Path
from typing import Any, NoReturn, TextIO

from console import cli_build, cli_desk, cli_explain, cli_import, cli_migrate, cli_roles, cli_stats
from console.cli_common import (
    EXIT_BROKEN_PIPE,
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    CommandFailed,
    fail,
    json_flag,
    print_result,
    progress,
    seconds,
    whole,
)
from console.config import Config, ConfigError, load_config
from console.connect import (
    ConnectError,
    Opened,
    Target,
    embedded_settings,
    open_checked,
    prepare_embedded,
    released_on_signals,
    settings_for,
)
from console.embedded import EmbeddedServer, EmbeddedServerError, default_data_dir
from data.engine import Database
from data.errors import is_bad_value, is_database_error, one_line
from data.migrate import MigrationError, MigrationTargetError
from data.roles import Role

# Subcommand families in modules of their own (see console.cli_common).
COMMAND_FAMILIES: tuple[Any, ...] = (cli_migrate, cli_build, cli_import, cli_explain, cli_roles)


class OneLineParser(argparse.ArgumentParser):
    """argparse, with a usage error as one line and exit 2, like every other refusal
    (`console: error: grant: argument AMOUNT: ...`); `--help` still shows the usage.
    Sub-commands inherit it."""

    def error(self, message: str) -> NoReturn:
        program, _, command = self.prog.partition(" ")
        self.exit(EXIT_USAGE, f"{program}: error: {command + ': ' if command else ''}{message}\n")


def build_parser(*, commands: bool = True) -> argparse.ArgumentParser:
    """The command line; without `commands`, its options alone (see parse_command_line)."""
    parser = OneLineParser(prog="console", description="A console for the PostgreSQL databases of five applications.")
    parser.add_argument(
        "--url", help="connect to this PostgreSQL URL (else DATABASE_URL, a profile, or the embedded server)"
    )
    parser.add_argument("--profile", help="a named profile from the config file")
    parser.add_argument("--config", type=Path, help="the config file (default: the user's config directory)")
    parser.add_argument("--data-dir", type=Path, help="the embedded server's data directory (or CONSOLE_DATA_DIR)")
    parser.add_argument("--role", choices=[role.value for role in Role], help="lower the profile's role for this run")
    parser.add_argument("--read-only", action="store_true", help="open every transaction READ ONLY")
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    if not commands:
        parser.set_defaults(command=None)
        return parser
    subcommands = parser.add_subparsers(dest="command", metavar="COMMAND")

    db = subcommands.add_parser("db", help="manage the embedded PostgreSQL server")
    db_actions = db.add_subparsers(dest="action", required=True, metavar="ACTION")
    db_actions.add_parser("start", help="start it (initialising on first use) and keep it running")
    stop = db_actions.add_parser("stop", help="stop it")
    stop.add_argument("--force", action="store_true", help="stop even while consoles are using it")
    db_actions.add_parser("status", help="is it running, where, and who uses it")
    db_actions.add_parser("url", help="print its connection URL")

    export = subcommands.add_parser("export", help="export a table's rows (filtered, sorted) or a query as CSV or JSON")
    export.add_argument("table", nargs="?", help="schema.table (or a view)")
    export.add_argument("--query", help="export this SELECT instead of a table")
    export.add_argument("--where", help="a WHERE clause, as SQL")
    export.add_argument(
        "--filter",
        dest="filters",
        action="append",
        default=[],
        metavar='"COL OP VALUE"',
        help="a filter such as 'id >= 10' or 'name contains ab' (repeatable; ANDed)",
    )
    export.add_argument("--sort", metavar="COL[:desc]", help="sort by this column")
    export.add_argument("--format", choices=["csv", "json"], default="csv", help="csv (default) or json")
    export.add_argument("--output", type=Path, metavar="FILE", help="write here instead of stdout")
    export.add_argument(
        "--force", action="store_true", help="replace --output if it exists (only once the export succeeds)"
    )
    export.add_argument(
        "--reveal-sensitive",
        action="store_true",
        help="write sensitive columns as they are, not masked (admin; audited)",
    )

    demo = subcommands.add_parser("demo", help="load the deterministic demo data")
    demo.add_argument(
        "--scale", type=whole(1), default=1, help="1 loads in seconds; 200 gives a million collection rows"
    )
    demo.add_argument("--replace", action="store_true", help="empty the five systems' tables first")
    cli_desk.add_commands(subcommands)

    stats = subcommands.add_parser("stats", help="a snapshot of the server's activity, the pool and table statistics")
    stats.add_argument("--top", type=whole(1), default=10, help="how many statements and tables (default 10)")
    stats.add_argument(
        "--interval",
        type=seconds(0, 3600),
        default=1.0,
        metavar="SECONDS",
        help="seconds between the two samples the rates come from (default 1; 0 takes one sample)",
    )
    json_flag(stats)
    for family in COMMAND_FAMILIES:
        family.add_commands(subcommands)
    return parser


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


def parse_command_line(argv: Sequence[str] | None) -> argparse.Namespace:
    """The arguments. `console` alone, or with options only, opens the UI: its start does
    not wait for the parsers of forty-odd commands; anything else is parsed in full."""
    words = list(sys.argv[1:] if argv is None else argv)
    if not {"-h", "--help"} & set(words):
        args, rest = build_parser(commands=False).parse_known_args(words)
        if not rest:
            return args
    return build_parser().parse_args(words)


def _main(argv: Sequence[str] | None) -> int:
    args = parse_command_line(argv)
    if args.command is not None:
        gc.enable()  # paused by console.launch for a start of the UI, which this is not
    bad_text = _not_utf8(args)
    if bad_text is not None:
        return fail(f"{bad_text} is not valid UTF-8 text", EXIT_USAGE)
    if args.command == "export" and (args.table is None) == (args.query is None):
        return fail("export needs exactly one of TABLE or --query", EXIT_USAGE)
    if args.command == "export" and args.query is not None and (args.where or args.filters or args.sort):
        return fail("--where, --filter and --sort go with a TABLE, not with --query", EXIT_USAGE)
    try:  # before any connection: bad input costs no server start
        if args.command in DESK_COMMANDS:
            cli_desk.check_args(args)
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
    except (EmbeddedServerError, CommandFailed, MigrationError) as error:
        return fail(str(error), EXIT_FAILED)
    except Exception as error:
        if not is_database_error(error):
            raise
        return fail(one_line(error), EXIT_USAGE if is_bad_value(error) else EXIT_FAILED)
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
    target = Target(
        url=args.url,
        profile=args.profile,
        data_dir=args.data_dir,
        role=Role(args.role) if args.role else None,
        read_only=args.read_only,
    )
    settings = settings_for(target, config)
    if args.command is None:
        # Importing the UI takes about as long as starting the server: do both at once.
        # The driver (psycopg, with its types) was imported with data.engine: the UI thread
        # imports none of what this one connects with, so neither sees a module half-built.
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
        opened = open_checked(settings, interactive=sys.stdin.isatty())
        database = stack.enter_context(opened.database)
        if args.command is None:
            return _run_app(opened, config, note, app_exit)
        if args.command == "export":
            return _export(args, database)
        if args.command == "demo":
            rows = _load_demo(database, args.scale, replace=args.replace)
            return print_result(args, {"rows": rows}, f"loaded {rows} demo rows at scale {args.scale}")
        if args.command in DESK_COMMANDS:
            return cli_desk.run(args, database)
        if args.command == "stats":
            return cli_stats.run(args, database)
        if hasattr(args, "run"):
            return args.run(args, database)
    return EXIT_OK


def _run_app(opened: Opened, config: Config, note: str | None, app_exit: list[Callable[[int], None]]) -> int:
    from console.app import ConsoleApp  # the UI is imported only when it is wanted

    # The connection's check read the home screen's data: the first paint has it.
    app = ConsoleApp(opened.database, note=note, keymap=dict(config.keys), first_overview=opened.overview)
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
        detail = (
            f" (pid {status.pid}, started by {status.started_by}, {len(status.clients)} console(s))"
            if status.running
            else ""
        )
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

"""What every `console` subcommand shares: exit codes, one-line errors, printing a result
as text or JSON, progress on stderr, and argument types.

A family of subcommands (explain, build, import) lives in its own module with
`add_commands(commands)`, which registers its parsers with `set_defaults(run=...)`;
`run(args, database) -> int` is then called with an open database. A family that checks
its arguments before connecting sets `check=...` too: `check(args)` raises ValueError.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Callable
from typing import Any

from data.inputs import INT4_MAX, BadInput, whole_number

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what a Unix tool killed by a closed pipe returns


class CommandFailed(RuntimeError):
    """An action ran and failed; its message is printed and the exit code is 1."""


def print_result(args: argparse.Namespace, payload: Any, text: str) -> int:
    print(json.dumps(payload, default=str) if args.json else text)
    return EXIT_OK


def progress(args: argparse.Namespace) -> Callable[[str], None]:
    def say(message: str) -> None:
        if not args.json:
            print(f"console: {message}", file=sys.stderr, flush=True)

    return say


def fail(message: str, code: int) -> int:
    print(f"console: error: {message}", file=sys.stderr)
    return code


def whole(low: int, high: int = INT4_MAX) -> Callable[[str], int]:
    """An argparse type: a whole number from `low` to `high`, by the rule of data.inputs
    (ASCII digits only: "１２" and "1_000" are refused, though int() reads them)."""

    def parse(value: str) -> int:
        try:
            return whole_number(value, "it", low=low, high=high)
        except BadInput as error:
            raise argparse.ArgumentTypeError(str(error).removeprefix("it ")) from None

    return parse


def seconds(low: float, high: float) -> Callable[[str], float]:
    """An argparse type: a number of seconds from `low` to `high` (no inf, nan or negative)."""

    def parse(value: str) -> float:
        try:
            number = float(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{value!r} is not a number of seconds") from None
        if not (math.isfinite(number) and low <= number <= high):
            raise argparse.ArgumentTypeError(f"must be from {low:g} to {high:g} seconds, not {value!r}")
        return number

    return parse


def json_flag(parser: argparse.ArgumentParser) -> None:
    """Accept --json after the subcommand too (`console stats --json`), not only before it."""
    parser.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="print JSON instead of text")


def write_flags(parser: argparse.ArgumentParser) -> None:
    """--reason and --yes for a command that writes: what a production profile asks for."""
    options = {action.dest for action in parser._actions}
    if "reason" not in options:
        parser.add_argument("--reason", default="", help="why: recorded in the audit log (required on production)")
    if "yes" not in options:
        parser.add_argument(
            "--yes",
            action="store_true",
            help="confirm without a prompt (required on production when no terminal is attached)",
        )


def confirm_production(args: argparse.Namespace, settings: Any, what: str) -> str | None:
    """Ask before a write on a production profile, the same way for every command.

    Off production: nothing to ask; the reason given (or None). On production: a reason
    is required (--reason, or asked at the terminal), and the database name must be typed
    at the terminal; with no terminal attached, --yes stands for the typing.

    Raises:
        CommandFailed: no reason, the name typed wrong, or no terminal and no --yes.
    """
    reason = (getattr(args, "reason", "") or "").strip() or None
    if not settings.production:
        return reason
    name = settings.url.database or "PRODUCTION"
    interactive = sys.stdin.isatty()
    if reason is None and interactive:
        reason = input(f"console: PRODUCTION database {name}: {what}. Reason (recorded in the audit log): ").strip()
    if not reason:
        raise CommandFailed(f"{what} on the PRODUCTION database {name} needs --reason: nothing was done")
    if interactive:
        typed = input(f"console: type the database name ({name}) to confirm: ").strip()
        if typed != name:
            raise CommandFailed(f"not confirmed (typed {typed!r}, not {name!r}): nothing was done")
    elif not getattr(args, "yes", False):
        raise CommandFailed(
            f"{what} on the PRODUCTION database {name}: with no terminal to confirm at, pass --yes: nothing was done"
        )
    return reason

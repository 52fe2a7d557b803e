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
import sys
from collections.abc import Callable
from typing import Any

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


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


def positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if number < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return number


def json_flag(parser: argparse.ArgumentParser) -> None:
    """Accept --json after the subcommand too (`console stats --json`), not only before it."""
    parser.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="print JSON instead of text")

"""`console explain`: EXPLAIN a statement (rolled back) or read a plan file, and print the
annotated tree, or with --json the analysis."""

from __future__ import annotations

import argparse
import sys
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from console.cli_common import EXIT_OK, EXIT_USAGE, CommandFailed, fail, json_flag, print_result, seconds
from data.explain import DEFAULT_TIMEOUT_MS

if TYPE_CHECKING:  # the rest of data.explain loads when the command runs
    from data.engine import Database
    from data.explain.runner import ExplainResult


def add_commands(commands: argparse._SubParsersAction) -> None:
    explain = commands.add_parser(
        "explain",
        help="EXPLAIN a statement (always rolled back) and print the annotated plan",
        description="EXPLAIN (ANALYZE, BUFFERS) a statement in a transaction that is rolled back, and print "
        "the plan tree with exclusive and inclusive times, rows against estimates, warnings and "
        "index advice. --plan reads a plan instead (JSON, or text as psql and auto_explain print it; "
        "- reads standard input).",
    )
    explain.add_argument("sql", nargs="?", metavar="SQL", help="the statement (one)")
    explain.add_argument("--plan", metavar="FILE", help="read this plan file instead of running a statement")
    explain.add_argument(
        "--no-analyze",
        dest="analyze",
        action="store_false",
        help="the planner's estimates only: the statement is not run",
    )
    explain.add_argument("--no-buffers", dest="buffers", action="store_false", help="leave out buffer counts")
    for option in ("verbose", "settings", "wal"):
        explain.add_argument(f"--{option}", action="store_true", help=f"EXPLAIN's {option.upper()} option")
    explain.add_argument(
        "--timeout",
        type=seconds(0.001, 86400),
        default=DEFAULT_TIMEOUT_MS / 1000,
        metavar="SECONDS",
        help=f"statement_timeout for the run (default {DEFAULT_TIMEOUT_MS // 1000})",
    )
    json_flag(explain)
    explain.set_defaults(run=run, check=check)


def check(args: argparse.Namespace) -> None:
    if (args.sql is None) == (args.plan is None):
        raise ValueError("explain needs exactly one of SQL or --plan FILE")


def run(args: argparse.Namespace, database: Database) -> int:
    from data.explain.advice import advise_indexes
    from data.explain.render import annotated_tree
    from data.explain.runner import ExplainError, StatementRefused, schema_lookup

    try:
        results = [_explain(args, database)] if args.sql is not None else _read(args.plan)
    except StatementRefused as error:  # bad input: exit 2, naming the argument
        return fail(f"SQL: {error}", EXIT_USAGE)
    except (ExplainError, ValueError) as error:
        raise CommandFailed(str(error)) from None
    schema_of = schema_lookup(database)
    payloads, texts = [], []
    for result in results:
        advice = advise_indexes(result.analysis, schema_of)
        payloads.append(analysis_json(result, [asdict(a) | {"sql": a.sql} for a in advice]))
        texts.append(annotated_tree(result.analysis, [f"{a.sql}\n  {a.why}" for a in advice]))
    print_result(args, payloads[0] if len(payloads) == 1 else payloads, "\n\n".join(texts))
    return EXIT_OK


def _explain(args: argparse.Namespace, database: Database) -> ExplainResult:
    from data.explain.runner import ExplainOptions, ExplainRun

    options = ExplainOptions(
        analyze=args.analyze,
        buffers=args.buffers,
        verbose=args.verbose,
        settings=args.settings,
        wal=args.wal,
        timeout_ms=int(args.timeout * 1000),
    )
    return ExplainRun(database).run(args.sql, options)


def _read(source: str) -> list[ExplainResult]:
    from data.explain.files import load_plans, plans_from_text

    if source == "-":
        return plans_from_text(sys.stdin.read(), label="standard input")
    return load_plans(Path(source).expanduser())


def analysis_json(result: ExplainResult, advice: list[dict[str, Any]]) -> dict[str, Any]:
    """The analysis as plain JSON values: the statement, options, totals, every node, advice."""
    analysis = result.analysis
    return {
        "sql": result.sql or None,
        "options": asdict(result.options) if result.options else None,
        "rolled_back": result.options is not None,
        "planning_ms": analysis.planning_ms,
        "execution_ms": analysis.execution_ms,
        "total_cost": analysis.total_cost,
        "analysed": analysis.analysed,
        "jit": asdict(analysis.jit) if analysis.jit else None,
        "triggers": [asdict(t) for t in analysis.triggers],
        "nodes": [asdict(node) for node in analysis.nodes],
        "advice": advice,
    }

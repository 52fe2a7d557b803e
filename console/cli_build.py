"""`console build list|show|export|import`: the build planner from the command line.

A build is named by its id or its name (case-insensitive). `show` prints the build, each
power's slots and enhanced values after ED, the set bonuses (the ones the rule of five
suppresses marked as such) and the totals; `--json` gives the same as one document.
`export` writes the build's JSON file (stdout by default); `import` checks a file against
every rule and saves it as a new build, or names the problem and saves nothing.

The planner's modules are imported by the functions that use them: `console` imports this
module for its parser alone, and the start-up has no use for the planner.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from console.cli_common import EXIT_FAILED, EXIT_OK, EXIT_USAGE, fail, json_flag, print_result

if TYPE_CHECKING:
    from data.engine import Database
    from data.planner.catalogue import Catalogue
    from data.planner.plan import BuildPlan


def add_commands(commands: argparse._SubParsersAction) -> None:
    build = commands.add_parser("build", help="list, show, export or import planned City of Heroes builds")
    actions = build.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = actions.add_parser("list", help="every saved build with archetype, powersets and level")
    show = actions.add_parser("show", help="a build: powers, slots, enhanced values, set bonuses and totals")
    show.add_argument("build", metavar="BUILD", help="the build's id or name")
    export = actions.add_parser("export", help="write a build as a JSON file")
    export.add_argument("build", metavar="BUILD", help="the build's id or name")
    export.add_argument("--output", type=Path, metavar="FILE", help="write here instead of stdout")
    export.add_argument("--force", action="store_true", help="replace FILE if it exists")
    imported = actions.add_parser("import", help="check a build's JSON file and save it as a new build")
    imported.add_argument("file", type=Path, metavar="FILE")
    imported.add_argument("--name", help="save it under this name instead of the file's")
    for parser in (listing, show, export, imported):
        json_flag(parser)
        parser.set_defaults(run=run)


def run(args: argparse.Namespace, database: Database) -> int:
    from data.planner import store
    from data.planner.exchange import BuildFileError
    from data.planner.plan import PlanError

    try:
        if args.action == "list":
            return _list(args, database)
        if args.action == "import":
            return _import(args, database)
        catalogue = store.load_catalogue(database)
        plan = store.load_build(database, _build_id(database, args.build))
        if args.action == "export":
            return _export(args, plan, catalogue)
        return _show(args, plan, catalogue)
    except (store.BuildNotFound, BuildFileError, PlanError) as error:
        return fail(str(error), EXIT_USAGE)
    except PermissionError as error:
        return fail(str(error), EXIT_FAILED)


def _build_id(database: Database, reference: str) -> int:
    """The id of the build named by id or by name.

    Raises:
        BuildNotFound: no build (or more than one) answers to it.
    """
    from data.planner import store

    if reference.isdigit():
        return int(reference)
    matches = [b for b in store.list_builds(database) if b.name.casefold() == reference.strip().casefold()]
    if len(matches) != 1:
        why = "no build is" if not matches else f"{len(matches)} builds are"
        raise store.BuildNotFound(f"{why} named {reference!r}" + (": give its id" if matches else ""))
    return matches[0].id


def _list(args: argparse.Namespace, database: Database) -> int:
    from data.planner import store

    builds = store.list_builds(database)
    payload = [
        {
            "id": b.id,
            "name": b.name,
            "archetype": b.archetype,
            "primary": b.primary,
            "secondary": b.secondary,
            "pools": list(b.pools),
            "epic": b.epic,
            "level": b.level,
            "powers": b.powers,
            "slots": b.slots,
            "updated_at": b.updated_at.isoformat(),
        }
        for b in builds
    ]
    width = max((len(b.name) for b in builds), default=4)
    lines = [f"{'id':>4}  {'name':<{width}}  {'level':>5}  archetype / primary / secondary"]
    lines += [
        f"{b.id:>4}  {b.name:<{width}}  {b.level:>5}  {b.archetype} / {b.primary} / {b.secondary}"
        + (f" · {', '.join(b.pools)}" if b.pools else "")
        + (f" · {b.epic}" if b.epic else "")
        for b in builds
    ]
    return print_result(args, payload, "\n".join(lines) if builds else "no saved builds")


def _show(args: argparse.Namespace, plan: BuildPlan, catalogue: Catalogue) -> int:
    from data.planner.plan import pick_label
    from data.planner.report import (
        attribute_values,
        headline,
        percent,
        power_values,
        powerset_name,
        total_lines,
        totals_document,
    )
    from data.planner.totals import build_totals

    totals = build_totals(plan, catalogue)
    if args.json:
        return print_result(args, totals_document(plan, catalogue, totals), "")
    lines = [headline(plan, catalogue)]
    pools = ", ".join(powerset_name(catalogue, p) for p in plan.pool_ids) or "none"
    lines.append(f"pools: {pools} · epic: {powerset_name(catalogue, plan.epic_id)}")
    if plan.notes:
        lines.append(plan.notes)
    by_pick = {values.pick: values for values in totals.powers}
    for picked in plan.powers:
        values = by_pick[picked.pick]
        lines.append(
            f"\n{pick_label(picked.pick)}: {values.power.display_name}"
            f" ({powerset_name(catalogue, values.power.powerset_id)}) · {power_values(values)}"
        )
        for index, slot in enumerate(picked.slots):
            enhancement = catalogue.enhancements.get(slot.enhancement_id) if slot.enhancement_id else None
            what = f"{enhancement.name} ({slot.enhancement_level})" if enhancement else "empty"
            lines.append(f"  slot {index + 1} @{slot.level}: {what}")
        if values.attributes:
            lines.append(f"  enhanced: {attribute_values(values)}")
    lines.append("\nSet bonuses:")
    for earned in totals.bonuses:
        mark = "  suppressed (rule of five)" if earned.suppressed else ""
        lines.append(
            f"  {catalogue.powers[earned.power_id].display_name}: {catalogue.sets[earned.set_id].display_name}"
            f" ({earned.bonus.pieces_required} of {earned.pieces}) {earned.bonus.display_text}{mark}"
        )
    if not totals.bonuses:
        lines.append("  none")
    lines.append("\nTotals:")
    lines += [f"  {line.label}: {percent(line.value)}" for line in total_lines(totals)] or ["  none"]
    return print_result(args, None, "\n".join(lines))


def _export(args: argparse.Namespace, plan: BuildPlan, catalogue: Catalogue) -> int:
    from data.output_file import OutputExists, output_file
    from data.planner.exchange import export_json

    text = export_json(plan, catalogue)
    if args.output is None:
        sys.stdout.write(text)
        return EXIT_OK
    try:
        with output_file(args.output, replace=args.force) as out:
            out.write(text)
    except OutputExists as error:
        return fail(str(error), EXIT_USAGE)
    except OSError as error:
        return fail(f"cannot write {args.output}: {error.strerror or error}", EXIT_FAILED)
    return print_result(args, {"id": plan.id, "file": str(args.output)}, f"exported {plan.name!r} to {args.output}")


def _import(args: argparse.Namespace, database: Database) -> int:
    from data.planner import store
    from data.planner.exchange import export_build, import_json

    try:
        text = args.file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        return fail(f"cannot read {args.file}: {getattr(error, 'strerror', None) or error}", EXIT_USAGE)
    catalogue = store.load_catalogue(database)
    plan = import_json(text, catalogue)
    if args.name is not None:
        plan = replace(plan, name=args.name)
    saved = store.save_build(database, plan, catalogue)
    payload = {"id": saved.id, "build": export_build(saved, catalogue)}
    return print_result(args, payload, f"imported {saved.name!r} as build {saved.id}")

"""The gacha support desk on the command line: `console grant`, `console giftcode` and
`console redeem`, each one call into data.support, refusals as one line."""

from __future__ import annotations

import argparse
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from console.cli_common import EXIT_FAILED, EXIT_USAGE, confirm_production, fail, print_result, write_flags
from data import inputs
from data.engine import Database
from data.errors import Refusal
from data.inputs import CURRENCIES

if TYPE_CHECKING:  # data.support is imported when a desk command runs
    from data.support.giftcodes import GiftCodeInfo


def add_commands(commands: argparse._SubParsersAction) -> None:
    """grant, giftcode and redeem: the gacha support desk. Values are parsed by
    check_args, so a bad one is a one-line error like every other."""
    currencies = ", ".join(CURRENCIES)
    grant = commands.add_parser(
        "grant",
        help="grant a player currency, or deduct it with a negative amount",
        description="Grant (AMOUNT > 0) or deduct (AMOUNT < 0, e.g. `console grant 7 -50 quartzs`) "
        "a gacha player's currency, with a ledger row and an audit row.",
    )
    grant.add_argument("user_id", metavar="USER_ID", help="the player's id (gacha.users.id)")
    grant.add_argument("amount", metavar="AMOUNT", help="a whole number; negative deducts")
    grant.add_argument("currency", metavar="CURRENCY", help=currencies)
    grant.add_argument("--reason", default="", help="why (required): goes into the ledger and the audit log")

    giftcode = commands.add_parser("giftcode", help="create, list, deactivate or activate gift codes")
    actions = giftcode.add_subparsers(dest="action", required=True, metavar="ACTION")
    create = actions.add_parser("create", help="create a gift code (unique regardless of case)")
    create.add_argument("code", metavar="CODE")
    create.add_argument(
        "--reward", required=True, metavar="CURRENCY:VALUE", help=f"what it credits; CURRENCY is {currencies}"
    )
    create.add_argument(
        "--limit", default="-1", metavar="N", help="how many players may redeem it (default -1: unlimited)"
    )
    create.add_argument(
        "--expires", metavar="ISO", help="when it stops working, e.g. 2026-12-31T23:59:59+00:00 (UTC without an offset)"
    )
    create.add_argument("--inactive", action="store_true", help="create it switched off")
    listing = actions.add_parser("list", help="every code with its redemption count")
    listing.add_argument("--active-only", action="store_true", help="leave deactivated codes out")
    for name, what in (
        ("deactivate", "stop a code from being redeemed"),
        ("activate", "let a deactivated code be redeemed again"),
    ):
        actions.add_parser(name, help=what).add_argument("code", metavar="CODE")

    for changes_codes in (create, *(actions.choices[name] for name in ("deactivate", "activate"))):
        changes_codes.add_argument("--reason", default="", help="why (required): recorded in the audit log")

    redeem = commands.add_parser("redeem", help="redeem a gift code for a player and credit its reward")
    redeem.add_argument("code", metavar="CODE")
    redeem.add_argument("user_id", metavar="USER_ID", help="the player's id (gacha.users.id)")
    for writer in (grant, redeem, create, *(actions.choices[name] for name in ("deactivate", "activate"))):
        write_flags(writer)


def _currency(value: str) -> str:
    if value not in CURRENCIES:
        raise ValueError(f"unknown currency {value!r}: expected one of {', '.join(CURRENCIES)}")
    return value


def check_args(args: argparse.Namespace) -> None:
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


def run(args: argparse.Namespace, database: Database) -> int:
    """The support desk's commands: each one call into data.support, refusals as one line."""
    from data.support import currency, giftcodes

    try:
        if args.command == "grant":
            verb = "a grant of" if args.amount > 0 else "a deduction of"
            reason = confirm_production(
                args, database.settings, f"{verb} {abs(args.amount):,} {args.currency}, player {args.user_id}"
            )
            entry = currency.grant(database, args.user_id, args.currency, args.amount, reason or "")
            verb, way = ("granted", "to") if entry.delta > 0 else ("deducted", "from")
            return print_result(
                args,
                asdict(entry),
                f"{verb} {abs(entry.delta):,} {entry.currency} {way} player "
                f"{entry.user_id}: balance {entry.balance_after:,} (ledger #{entry.id})",
            )
        if args.command == "redeem":
            confirm_production(args, database.settings, f"redeeming {args.code!r} for player {args.user_id}")
            done = giftcodes.redeem(database, args.code, args.user_id)
            used = f"used {done.used} of {done.usage_limit}" if done.used is not None else "unlimited"
            return print_result(
                args,
                asdict(done),
                f"redeemed {done.code} for player {done.user_id}: +{done.reward_value:,} "
                f"{done.reward_type}, balance {done.ledger.balance_after:,} ({used})",
            )
        if args.action == "list":
            codes = giftcodes.list_codes(database, include_inactive=not args.active_only)
            return print_result(args, [_code_json(c) for c in codes], codes_table(codes))
        reason = confirm_production(args, database.settings, f"gift code {args.action} {args.code!r}")
        if args.action == "create":
            reward_type, value = args.reward
            info = giftcodes.create_code(
                database,
                args.code,
                reward_type,
                value,
                usage_limit=args.limit,
                expires_at=args.expires,
                active=not args.inactive,
                reason=reason,
            )
            return print_result(args, _code_json(info), f"created gift code {info.code}: {_code_line(info)}")
        change = giftcodes.deactivate_code if args.action == "deactivate" else giftcodes.activate_code
        info = change(database, args.code, reason)
        return print_result(
            args,
            _code_json(info),
            f"gift code {info.code} is {'active' if info.is_active else 'inactive'}: {_code_line(info)}",
        )
    except Refusal as error:
        return fail(str(error), EXIT_USAGE if error.bad_input else EXIT_FAILED)
    except PermissionError as error:  # no desk for this role or profile
        return fail(str(error), EXIT_FAILED)


def _code_json(info: GiftCodeInfo) -> dict[str, Any]:
    return {**asdict(info), "status": info.status}


def _code_line(info: GiftCodeInfo) -> str:
    expires = f", expires {info.expires_at:%Y-%m-%d %H:%M %Z}" if info.expires_at else ""
    return f"{info.reward_value:,} {info.reward_type}, used {info.usage}{expires}, {info.status}"


def codes_table(codes: list[GiftCodeInfo]) -> str:
    if not codes:
        return "no gift codes"
    width = max(len(c.code) for c in codes)
    lines = [f"{'CODE':<{width}}  {'REWARD':<22}  {'USED':<16}  {'STATUS':<8}  EXPIRES"]
    for c in codes:
        reward = f"{c.reward_value:,} {c.reward_type}"
        expires = f"{c.expires_at:%Y-%m-%d %H:%M}" if c.expires_at else "-"
        lines.append(f"{c.code:<{width}}  {reward:<22}  {c.usage:<16}  {c.status:<8}  {expires}")
    return "\n".join(lines)

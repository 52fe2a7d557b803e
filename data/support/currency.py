"""Grant or deduct a player's currency: one transaction, one ledger row, one audit row.

The rule (DESIGN.md, Support desk): lock the player's row, check the balance stays at or
above zero, update it, append a gacha.currency_ledger row (delta, balance after, reason,
operator) and a console.audit_log row. The ledger is append-only and, per player and
currency, sums to the balance. All of it is one statement (`credit_step`): an UPDATE
guarded by the balance check takes the row lock, and its RETURNING feeds the two INSERTs.
Gift-code redemption runs the same step (`reward_step`, the currency and amount read from
the code in the same statement) inside its own statement and transaction.

A grant larger than the profile's `max_grant` (DEFAULT_MAX_GRANT when the profile sets
none) needs the admin role; deductions are not capped, they are bounded by the balance.
Every refusal is an exception whose one-line message names the rule it enforces.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import (
    BigInteger,
    Connection,
    Integer,
    Select,
    String,
    Text,
    bindparam,
    case,
    func,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import CTE

from data import inputs
from data.audit import actor_parameters, audit_cte
from data.engine import ConnectionSettings, Database
from data.errors import Refusal
from data.inputs import CURRENCIES, INT4_MAX
from data.models.gacha import SCHEMA
from data.roles import Role
from data.support.players import LEDGER, USERS, LedgerEntry, PlayerNotFound

__all__ = [
    "DEFAULT_MAX_GRANT",
    "BadAmount",
    "BalanceTooLarge",
    "CreditStep",
    "GrantLimitExceeded",
    "GrantRefused",
    "InsufficientBalance",
    "InvalidGrant",
    "LedgerEntry",
    "PlayerNotFound",
    "UnknownCurrency",
    "check_grant_limit",
    "credit",
    "credit_parameters",
    "credit_step",
    "deduct",
    "grant",
    "grant_limit",
    "reward_step",
]

DEFAULT_MAX_GRANT = 10_000
"""The support role's grant limit when the profile sets no max_grant: amounts are bounded."""


class GrantRefused(Refusal, ValueError):
    """A grant or deduction was refused; the message is one line naming the rule."""

    title = "Grant refused"


class InvalidGrant(GrantRefused):
    """The request itself is malformed (bad input): nothing was attempted."""

    title = "Invalid grant"
    bad_input = True


class BadAmount(InvalidGrant):
    title = "Bad amount"
    field = "amount"


class UnknownCurrency(InvalidGrant):
    title = "Unknown currency"
    field = "currency"

    def __init__(self, currency: str) -> None:
        super().__init__(f"unknown currency {currency!r}: expected one of {', '.join(CURRENCIES)}")
        self.currency = currency


class InsufficientBalance(GrantRefused):
    """The deduction would take the balance below zero."""

    title = "Insufficient balance"
    field = "amount"

    def __init__(self, user_id: int, currency: str, balance: int, delta: int) -> None:
        super().__init__(
            f"player {user_id} has {balance:,} {currency}: deducting {-delta:,} would leave "
            f"{balance + delta:,}, and a balance cannot go below zero"
        )
        self.user_id, self.currency, self.balance, self.delta = user_id, currency, balance, delta


class BalanceTooLarge(GrantRefused):
    """The grant would take the balance past what the column holds."""

    title = "Balance too large"
    field = "amount"


class GrantLimitExceeded(Refusal, PermissionError):
    """A grant over the profile's limit, asked for by a role other than admin."""

    title = "Over the grant limit"
    field = "amount"


def grant_limit(settings: ConnectionSettings) -> int | None:
    """The largest grant this connection's role may make; None means no limit (admin)."""
    if settings.role is Role.ADMIN:
        return None
    return settings.max_grant if settings.max_grant is not None else DEFAULT_MAX_GRANT


def check_grant_limit(settings: ConnectionSettings, currency: str, amount: int, what: str = "a grant of") -> None:
    """Refuse `amount` of `currency` when it is over the role's grant limit.

    Raises:
        GrantLimitExceeded: over the limit and the role is not admin.
    """
    limit = grant_limit(settings)
    if limit is not None and amount > limit:
        raise GrantLimitExceeded(
            f"{what} {amount:,} {currency} is over this profile's limit of {limit:,} "
            f"(max_grant): it needs the admin role"
        )


def check_request(currency: str, amount: int, reason: str) -> str:
    """Validate a grant's currency, amount and reason; returns the reason stripped.

    Raises:
        UnknownCurrency, BadAmount, inputs.ReasonRequired.
    """
    if currency not in CURRENCIES:
        raise UnknownCurrency(currency)
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise BadAmount(f"the amount must be a whole number, not {amount!r}")
    if amount == 0:
        raise BadAmount("the amount must not be zero: a grant adds, a deduction removes")
    if abs(amount) > INT4_MAX:
        raise BadAmount(f"the amount must be at most {INT4_MAX:,} either way")
    return inputs.required_reason(reason, "for every grant and deduction")


def grant(database: Database, user_id: int, currency: str, amount: int, reason: str) -> LedgerEntry:
    """Add `amount` (negative: remove) of `currency` to a player, with a mandatory reason.

    One statement, its own transaction (`Database.run_desk_statement`: one round trip, so
    the player's row is locked for the server's work alone): the balance, the ledger row
    and the audit row (action "grant", or "deduct" for a negative amount) commit together
    or not at all. Only a refusal costs a second look, under the lock (`credit`).

    Returns:
        The ledger row written (its balance_after is the new balance).

    Raises:
        UnknownCurrency, BadAmount, inputs.ReasonRequired, inputs.BadInput: bad input.
        PermissionError: a read-only profile or a role without the desk.
        GrantLimitExceeded: a grant over the profile's max_grant by a non-admin.
        PlayerNotFound: no player with this id.
        InsufficientBalance: a deduction that would leave the balance below zero.
        BalanceTooLarge: a grant the balance column cannot hold.
    """
    inputs.row_id(user_id, "the player id")
    parameters = credit_parameters(database.settings, user_id, currency, amount, reason)
    settings = database.check_desk()
    check_grant_limit(settings, currency, amount)
    written = database.run_desk_statement(_write_statement(currency), parameters)
    if written is None:
        # The guard refused on the statement's snapshot (or there is no such player): under
        # the lock, the latest balance says which rule, or the grant goes through now.
        with database.connect_for_desk_action() as connection:
            return credit(connection, settings, user_id, currency, amount, reason)
    return _ledger_entry(written, settings, user_id, currency, parameters)


def deduct(database: Database, user_id: int, currency: str, amount: int, reason: str) -> LedgerEntry:
    """Remove `amount` (a positive number) of `currency` from a player: `grant` of -amount.

    Raises:
        BadAmount: amount is not positive; otherwise as `grant`.
    """
    if isinstance(amount, int) and not isinstance(amount, bool) and amount <= 0:
        raise BadAmount(f"a deduction is the positive amount to remove, not {amount:,}")
    return grant(database, user_id, currency, -amount, reason)


def credit(
    connection: Connection,
    settings: ConnectionSettings,
    user_id: int,
    currency: str,
    amount: int,
    reason: str,
    *,
    action: str | None = None,
) -> LedgerEntry:
    """The grant step inside a transaction the caller opened for a desk action.

    One statement locks the player's row, checks the new balance, updates it and writes
    the ledger row and the audit row: an UPDATE guarded by the balance check takes the
    row lock itself, and its RETURNING feeds the two INSERTs. Only a refusal costs a
    second look, under the lock, to say which rule refused. It does not check the grant
    limit: `grant` does, and a gift code's reward was checked when the code was created.

    Args:
        connection: in a read-write transaction (`Database.connect_for_desk_action()`).
        settings: whose operator and role go into the rows.
        action: the audit row's action; "grant" or "deduct" by the sign when None.

    Raises:
        As `grant`, except PermissionError and GrantLimitExceeded.
    """
    parameters = credit_parameters(settings, user_id, currency, amount, reason, action=action)
    statement = _write_statement(currency)
    written = connection.execute(statement, parameters).one_or_none()
    if written is None:
        column = USERS.c[currency]
        # The guard saw the balance of the statement's snapshot; under the lock, see the
        # latest one (a grant committed meanwhile may have made a deduction possible).
        balance = connection.execute(select(column).where(USERS.c.id == user_id).with_for_update()).scalar_one_or_none()
        if balance is None:
            raise PlayerNotFound(user_id)
        check_balance(user_id, currency, balance, amount)
        written = connection.execute(statement, parameters).one()  # we hold the lock now
    return _ledger_entry(written, settings, user_id, currency, parameters)


def _ledger_entry(
    written: Any, settings: ConnectionSettings, user_id: int, currency: str, parameters: dict[str, Any]
) -> LedgerEntry:
    """The ledger row `_write_statement` returned (id, balance_after, created_at), whole."""
    return LedgerEntry(
        written.id,
        user_id,
        currency,
        parameters["delta"],
        written.balance_after,
        parameters["reason"],
        settings.operator,
        written.created_at,
    )


def check_balance(user_id: int, currency: str, balance: int, amount: int) -> None:
    """The balance rule: `balance` + `amount` stays within 0..INT4_MAX.

    Raises:
        InsufficientBalance, BalanceTooLarge.
    """
    if balance + amount < 0:
        raise InsufficientBalance(user_id, currency, balance, amount)
    if balance + amount > INT4_MAX:
        raise BalanceTooLarge(
            f"player {user_id} has {balance:,} {currency}: adding {amount:,} would pass the largest balance, "
            f"{INT4_MAX:,}"
        )


def credit_parameters(
    settings: ConnectionSettings, user_id: int, currency: str, amount: int, reason: str, *, action: str | None = None
) -> dict[str, Any]:
    """The bind parameters of `credit_step`'s SQL, the request checked.

    Raises:
        UnknownCurrency, BadAmount, inputs.ReasonRequired.
    """
    return {
        "user_id": user_id,
        "delta": amount,
        "reason": check_request(currency, amount, reason),
        **actor_parameters(settings),
        "action": action or ("grant" if amount > 0 else "deduct"),
        "schema_name": settings.real_schema(SCHEMA),
    }


@dataclass(frozen=True)
class CreditStep:
    """The credit as SQL: `logged` returns the ledger row (id, balance_after, created_at);
    `audited` must be added to the statement (add_cte) so that it runs."""

    logged: CTE
    audited: CTE


@cache
def credit_step(currency: str) -> CreditStep:
    """UPDATE the balance if the result stays within 0..INT4_MAX, INSERT the ledger row and
    the audit row from what the UPDATE returned; nothing at all if the guard refuses.

    The amount, reason and player are bind parameters (`credit_parameters`). Cached per
    currency so that SQLAlchemy's compiled cache serves every later call.
    """
    column = USERS.c[currency]
    delta = bindparam("delta", type_=Integer())
    return _credit_ctes(
        literal(currency, String()),
        delta,
        bindparam("reason", type_=Text()),
        player=bindparam("user_id", type_=Integer()),
        balance=column,
        values={column: column + delta},
    )


def reward_step(reward: CTE) -> CreditStep:
    """The credit of a reward read in the same statement: `reward` (a CTE of at most one
    row) gives user_id (the player's id), reward_type, reward_value and the reason; the
    ledger and audit rows name the player by the bind parameter user_id. With no row in
    `reward`, nothing is written."""
    kind, amount = reward.c.reward_type, reward.c.reward_value
    balance = case({currency: USERS.c[currency] for currency in CURRENCIES}, value=kind)
    values = {
        USERS.c[currency]: USERS.c[currency] + case((kind == currency, amount), else_=0) for currency in CURRENCIES
    }
    return _credit_ctes(kind, amount, reward.c.reason, player=reward.c.user_id, balance=balance, values=values)


def _credit_ctes(
    currency: ColumnElement[str],
    delta: ColumnElement[int],
    reason: ColumnElement[str],
    *,
    player: ColumnElement[int],
    balance: ColumnElement[int],
    values: dict[Any, Any],
) -> CreditStep:
    """The guarded UPDATE (it takes the player's row lock; in RETURNING, `balance` is the
    new balance) feeding the ledger INSERT and the audit INSERT."""
    guard = [USERS.c.id == player, balance.cast(BigInteger) + delta >= 0, balance.cast(BigInteger) + delta <= INT4_MAX]
    moved = (
        update(USERS)
        .where(*guard)
        .values(values)
        .returning(
            USERS.c.id,
            balance.label("balance"),
            currency.label("currency"),
            delta.label("delta"),
            reason.label("reason"),
        )
        .cte("moved")
    )
    logged = (
        insert(LEDGER)
        .from_select(
            ["user_id", "currency", "delta", "balance_after", "reason", "operator"],
            select(
                moved.c.id,
                moved.c.currency,
                moved.c.delta,
                moved.c.balance,
                moved.c.reason,
                bindparam("operator", type_=String()),
            ),
        )
        .returning(LEDGER.c.id, LEDGER.c.balance_after, LEDGER.c.created_at)
        .cte("logged")
    )
    audited = audit_cte(
        "credit_audited",
        moved,
        action=bindparam("action", type_=String()),
        schema=bindparam("schema_name", type_=String()),
        table="users",
        key=func.jsonb_build_object("id", moved.c.id),
        before=func.jsonb_build_object(moved.c.currency, moved.c.balance - moved.c.delta),
        after=func.jsonb_build_object(moved.c.currency, moved.c.balance),
        reason=moved.c.reason,
    )
    return CreditStep(logged, audited)


@cache
def _write_statement(currency: str) -> Select[*tuple[Any, ...]]:
    """The credit alone: one round trip, no row if the guard refused. (Data-modifying CTEs
    all run even when the outer SELECT reads only one of them.)"""
    step = credit_step(currency)
    return select(step.logged.c.id, step.logged.c.balance_after, step.logged.c.created_at).add_cte(step.audited)

"""Gift codes: create, list, (de)activate, and redeem one for a player.

A code is unique whatever its case ("SPRING" and "spring" are one code): the unique index
on lower(code) is the guarantee, the lookup before an insert only makes the usual refusal
cheaper. Every lookup by a typed code is by lower(code), served by that index.

Redemption is one statement, safe under concurrent redemptions, whose cost does not grow
with the redemptions already made. It reads the code, the player and whether that player
has redeemed it without a lock: a refusal (unknown, inactive, expired, used up, already
redeemed) is answered from that read and never waits behind the code's lock. Otherwise the
same statement locks the code's row, and PostgreSQL tests active, expiry and the limit
again on the row's latest version once the lock is granted (READ COMMITTED re-reads a
locked row), so redemptions of one code run one after another and the limit is exact. The
limit is tested against the code's used_count, which triggers on the redemptions table
keep (migrations e5c4f6a7b808, e5c4f6a7b809) and a CHECK keeps within the limit. The statement then
credits the reward through the grant path (`currency.reward_step`: the guarded balance
update, the ledger row and the audit row) and, only if it was credited, inserts the
redemption and its audit row; a redemption the primary key refuses fails the statement,
credit included. It is its own transaction, its COMMIT sent with it
(`Database.run_desk_statement`): one round trip; on a session of our own (no pooler) it is a
prepared statement, planned once per session.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any, cast

from sqlalchemy import (
    Connection,
    Integer,
    Row,
    Select,
    String,
    Table,
    bindparam,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import CTE

from data import inputs
from data.audit import AuditEntry, actor_parameters, audit_cte, write_audit
from data.engine import ConnectionSettings, Database
from data.errors import Refusal
from data.inputs import CURRENCIES, INT4_MAX
from data.models.gacha import SCHEMA, GiftCode, GiftCodeRedemption
from data.support.currency import check_balance, check_grant_limit, reward_step
from data.support.players import USERS, LedgerEntry, PlayerNotFound

CODES = cast(Table, GiftCode.__table__)
_EXPIRED = func.coalesce(CODES.c.expires_at <= func.now(), False).label("expired")
REDEMPTIONS = cast(Table, GiftCodeRedemption.__table__)
UNIQUE_VIOLATION = "23505"
_ATTEMPTS = 3
"""A redemption refused under the lock for a reason a fresh read no longer shows is tried again."""


class GiftCodeRefused(Refusal, ValueError):
    """A gift-code action was refused; the message is one line naming the rule."""

    title = "Gift code refused"


class InvalidGiftCode(GiftCodeRefused):
    """The request itself is malformed (bad input): nothing was attempted."""

    title = "Invalid gift code"
    bad_input = True


class CodeExists(GiftCodeRefused):
    title = "Gift code exists"
    field = "code"


class CodeNotFound(GiftCodeRefused):
    title = "No such gift code"


class CodeInactive(GiftCodeRefused):
    title = "Gift code inactive"


class CodeExpired(GiftCodeRefused):
    title = "Gift code expired"


class CodeUsedUp(GiftCodeRefused):
    title = "Gift code used up"


class AlreadyRedeemed(GiftCodeRefused):
    title = "Already redeemed"


@dataclass(frozen=True)
class GiftCodeInfo:
    """A gift code and how often it has been redeemed."""

    code: str
    reward_type: str
    reward_value: int
    is_active: bool
    usage_limit: int | None
    """-1 or None: unlimited."""
    expires_at: datetime | None
    created_at: datetime
    redemptions: int
    expired: bool
    """Expired by the server's clock when it was read."""

    @property
    def unlimited(self) -> bool:
        return self.usage_limit is None or self.usage_limit < 0

    @property
    def status(self) -> str:
        """ "active", or why a player could not redeem it: "inactive", "expired", "used up"."""
        if not self.is_active:
            return "inactive"
        if self.expired:
            return "expired"
        if not self.unlimited and self.redemptions >= cast(int, self.usage_limit):
            return "used up"
        return "active"

    @property
    def usage(self) -> str:
        """ "3 of 10", or "3 (unlimited)"."""
        return f"{self.redemptions} (unlimited)" if self.unlimited else f"{self.redemptions} of {self.usage_limit}"


@dataclass(frozen=True)
class Redemption:
    """A successful redemption: the code, the player, and the ledger row of the reward."""

    code: str
    user_id: int
    discord_id: str
    reward_type: str
    reward_value: int
    redeemed_at: datetime
    used: int | None
    """Redemptions of the code including this one; None for an unlimited code (not counted)."""
    usage_limit: int | None
    ledger: LedgerEntry


def create_code(
    database: Database,
    code: str,
    reward_type: str,
    reward_value: int,
    *,
    usage_limit: int | None = -1,
    expires_at: datetime | None = None,
    active: bool = True,
    reason: str,
) -> GiftCodeInfo:
    """Create a gift code, audited (action "giftcode-create", with `reason`).

    Args:
        code: kept as typed, without surrounding spaces; unique whatever its case.
        reward_type: one of CURRENCIES; reward_value: the positive amount it credits.
        usage_limit: how many players may redeem it; -1 or None for any number.
        expires_at: when it stops working (a naive time is taken as UTC); None: never.

    Raises:
        InvalidGiftCode: blank code, unknown currency, bad value, limit or expiry.
        inputs.ReasonRequired: a blank reason.
        CodeExists: a code with this name in any case exists (also when one was created
            concurrently: the unique index refuses the second).
        PermissionError: no desk for this role or profile.
        GrantLimitExceeded: the reward is over the profile's max_grant and the role is
            not admin (a code is a grant to each player who redeems it).
    """
    if not (code or "").strip():
        raise InvalidGiftCode("a gift code cannot be blank")
    code = inputs.gift_code_text(code)
    reason = inputs.required_reason(reason, "to create a gift code")
    if reward_type not in CURRENCIES:
        raise InvalidGiftCode(f"unknown reward type {reward_type!r}: expected one of {', '.join(CURRENCIES)}")
    if isinstance(reward_value, bool) or not isinstance(reward_value, int) or not 0 < reward_value <= INT4_MAX:
        raise InvalidGiftCode(f"the reward value must be a whole number from 1 to {INT4_MAX:,}, not {reward_value!r}")
    if usage_limit is not None:
        inputs.usage_limit(usage_limit)
    if expires_at is not None and expires_at.tzinfo is None:
        expires_at = expires_at.replace(tzinfo=UTC)
    settings = database.settings
    with database.connect_for_desk_action() as connection:
        check_grant_limit(settings, reward_type, reward_value, what="a gift code worth")
        existing, now = connection.execute(
            select(select(CODES.c.code).where(_matches(code)).scalar_subquery(), func.now())
        ).one()
        if existing is not None:
            raise CodeExists(f"gift code {code!r} already exists as {existing!r}: codes are unique regardless of case")
        if expires_at is not None and expires_at <= now:
            raise InvalidGiftCode(f"the expiry {expires_at.isoformat()} is already past")
        values = {
            "code": code,
            "reward_type": reward_type,
            "reward_value": reward_value,
            "is_active": active,
            "usage_limit": usage_limit,
            "expires_at": expires_at,
        }
        try:
            connection.execute(insert(CODES).values(values))
        except IntegrityError as error:
            # Another desk created the same code (in some case) since the lookup above.
            if getattr(error.orig, "sqlstate", None) == UNIQUE_VIOLATION:
                raise CodeExists(f"gift code {code!r} already exists: codes are unique regardless of case") from None
            raise
        _audit(
            connection,
            database,
            "giftcode-create",
            code,
            None,
            {**values, "expires_at": expires_at.isoformat() if expires_at else None},
            reason,
        )
        return _info(connection, code)


def deactivate_code(database: Database, code: str, reason: str) -> GiftCodeInfo:
    """Stop a code from being redeemed (is_active false), audited; found whatever its case.

    Raises:
        CodeNotFound: no such code. inputs.ReasonRequired: a blank reason.
        PermissionError: no desk for this role or profile.
    """
    return _set_active(database, code, False, reason)


def activate_code(database: Database, code: str, reason: str) -> GiftCodeInfo:
    """Let a deactivated code be redeemed again, audited; found whatever its case.

    Raises:
        CodeNotFound: no such code. inputs.ReasonRequired: a blank reason.
        PermissionError: no desk for this role or profile.
    """
    return _set_active(database, code, True, reason)


def list_codes(database: Database, *, include_inactive: bool = True) -> list[GiftCodeInfo]:
    """Every gift code with its redemption count, in one query: active first, newest first."""
    query = _info_query()
    if not include_inactive:
        query = query.where(CODES.c.is_active)
    with database.connect() as connection:
        rows = connection.execute(query.order_by(CODES.c.is_active.desc(), CODES.c.created_at.desc(), CODES.c.code))
        return [GiftCodeInfo(*row) for row in rows]


def code_info(database: Database, code: str) -> GiftCodeInfo:
    """One code, found whatever its case, with its redemption count.

    Raises:
        CodeNotFound: no such code.
    """
    with database.connect() as connection:
        return _info(connection, code.strip())


def redeem(database: Database, code: str, user_id: int) -> Redemption:
    """Redeem a gift code for a player and credit its reward, all in one transaction.

    Checks, in order: the code exists (whatever its case), is active, has not expired (by
    the server's clock), the player exists and has not redeemed it, and the code has been
    redeemed fewer times than its usage limit. Then credits the reward through the grant
    path (`currency.reward_step`: the balance rule, ledger and audit rows, action "redeem",
    reason "Gift code CODE") and writes the redemption with its audit row, all in one
    statement (`redemption_statement`).

    Raises:
        CodeNotFound, CodeInactive, CodeExpired, AlreadyRedeemed, CodeUsedUp: refused,
            nothing written.
        PlayerNotFound: no player with this id.
        PermissionError: no desk for this role or profile.
        BalanceTooLarge: the reward does not fit in the player's balance.
    """
    settings = database.settings
    parameters = redemption_parameters(settings, code, user_id)
    typed = parameters["typed"]
    for _ in range(_ATTEMPTS):
        try:
            done = database.run_desk_statement(redemption_statement(), parameters)
        except IntegrityError as error:
            # The primary key: a redemption committed after our read (by the bot, say);
            # the statement, its credit included, was rolled back.
            if getattr(error.orig, "sqlstate", None) != UNIQUE_VIOLATION:
                raise
            raise AlreadyRedeemed(f"player {user_id} has already redeemed gift code {typed!r}") from None
        if done is None:
            raise CodeNotFound(f"no gift code {typed!r}")
        if done.locked_used is None:
            # Refused by the read without a lock, or by the locked row's latest version (a
            # deactivation, or the last use taken, while we waited): a fresh read says which.
            _raise_refusal(done, user_id)
            with database.connect() as connection:
                now = connection.execute(_state_query(), parameters).one_or_none()
            if now is None:
                raise CodeNotFound(f"no gift code {typed!r}")
            _raise_refusal(now, user_id)
            continue  # the code changed back meanwhile: try again
        if done.ledger_id is None:
            # The credit's guard refused, so nothing was written: the grant path's rule
            # (a balance that would overflow) on the latest balance says why.
            with database.connect() as connection:
                balance = connection.execute(
                    select(USERS.c[done.reward_type]).where(USERS.c.id == user_id)
                ).scalar_one_or_none()
            if balance is None:
                raise PlayerNotFound(user_id)
            check_balance(user_id, done.reward_type, balance, done.reward_value)
            continue  # it fits now: try again
        reason = f"Gift code {done.code}"
        entry = LedgerEntry(
            done.ledger_id,
            user_id,
            done.reward_type,
            done.reward_value,
            done.balance_after,
            reason,
            settings.operator,
            done.created_at,
        )
        limited = _limited(done.usage_limit)
        return Redemption(
            done.code,
            user_id,
            done.discord_id,
            done.reward_type,
            done.reward_value,
            done.redeemed_at,
            done.locked_used + 1 if limited else None,
            done.usage_limit,
            entry,
        )
    raise GiftCodeRefused(f"gift code {typed!r} kept changing while it was being redeemed: try again")


def redemption_parameters(settings: ConnectionSettings, code: str, user_id: int) -> dict[str, Any]:
    """The bind parameters of `redemption_statement` for `code` and player `user_id`.

    Raises:
        inputs.BadInput: a code or an id that cannot be one.
    """
    typed = inputs.gift_code_text(code)
    inputs.row_id(user_id, "the player id")
    return {
        "typed": typed,
        "user_id": user_id,
        "action": "redeem",
        "schema_name": settings.real_schema(SCHEMA),
        **actor_parameters(settings),
    }


def _limited(usage_limit: int | None) -> bool:
    return usage_limit is not None and usage_limit >= 0


def _raise_refusal(state: Row[*tuple[Any, ...]], user_id: int) -> None:
    """Raise why `state` (a row of `_state_query`) refuses the redemption, if it does."""
    name = state.code
    if not state.is_active:
        raise CodeInactive(f"gift code {name!r} is not active")
    if state.expired:
        raise CodeExpired(f"gift code {name!r} has expired")
    if state.discord_id is None:
        raise PlayerNotFound(user_id)
    if state.redeemed:
        raise AlreadyRedeemed(f"player {user_id} has already redeemed gift code {name!r}")
    if _limited(state.usage_limit) and state.used_count >= state.usage_limit:
        raise CodeUsedUp(f"gift code {name!r} is used up: used {state.used_count} of {state.usage_limit}")


def _matches(code: object) -> ColumnElement[bool]:
    """The code typed (a string or a bind parameter) whatever its case: served by the
    unique index on lower(code)."""
    return func.lower(CODES.c.code) == func.lower(code)


def _info_query() -> Select[*tuple[Any, ...]]:
    return select(
        CODES.c.code,
        CODES.c.reward_type,
        CODES.c.reward_value,
        CODES.c.is_active,
        CODES.c.usage_limit,
        CODES.c.expires_at,
        CODES.c.created_at,
        CODES.c.used_count,
        _EXPIRED,
    )


def _info(connection: Connection, code: str) -> GiftCodeInfo:
    row = connection.execute(_info_query().where(_matches(code))).one_or_none()
    if row is None:
        raise CodeNotFound(f"no gift code {code!r}")
    return GiftCodeInfo(*row)


def _set_active(database: Database, code: str, active: bool, reason: str) -> GiftCodeInfo:
    typed = inputs.gift_code_text(code)
    reason = inputs.required_reason(reason, f"to {'activate' if active else 'deactivate'} a gift code")
    with database.connect_for_desk_action() as connection:
        row = connection.execute(
            select(CODES.c.code, CODES.c.is_active).where(_matches(typed)).with_for_update()
        ).one_or_none()
        if row is None:
            raise CodeNotFound(f"no gift code {typed!r}")
        if row.is_active != active:  # already so: nothing written, nothing to audit
            connection.execute(update(CODES).where(CODES.c.code == row.code).values(is_active=active))
            action = "giftcode-activate" if active else "giftcode-deactivate"
            _audit(connection, database, action, row.code, {"is_active": row.is_active}, {"is_active": active}, reason)
        return _info(connection, row.code)


def _audit(
    connection: Connection,
    database: Database,
    action: str,
    code: str,
    before: dict[str, object] | None,
    after: dict[str, object] | None,
    reason: str | None = None,
) -> None:
    settings = database.settings
    write_audit(
        connection,
        settings,
        AuditEntry(
            action,
            settings.real_schema(SCHEMA),
            "gift_codes",
            key={"code": code},
            before=before,
            after=after,
            reason=reason,
        ),
    )


def _live(codes: Table | CTE) -> list[ColumnElement[bool]]:
    """The code can be redeemed: active, not expired, below its limit."""
    limit = codes.c.usage_limit
    return [
        codes.c.is_active,
        ~func.coalesce(codes.c.expires_at <= func.now(), False),
        or_(limit.is_(None), limit < 0, codes.c.used_count < limit),
    ]


@cache
def _state_query() -> Select[*tuple[Any, ...]]:
    """The code (by lower(code)) as it stands, with the player's Discord id (NULL: no such
    player) and whether that player has redeemed it: no lock taken."""
    discord_id = select(USERS.c.discord_id).where(USERS.c.id == bindparam("user_id")).scalar_subquery()
    redeemed = exists().where(REDEMPTIONS.c.user_id == discord_id, REDEMPTIONS.c.code == CODES.c.code)
    return select(
        CODES.c.code,
        CODES.c.is_active,
        CODES.c.expires_at,
        _EXPIRED,
        CODES.c.usage_limit,
        CODES.c.used_count,
        CODES.c.reward_type,
        CODES.c.reward_value,
        discord_id.label("discord_id"),
        redeemed.label("redeemed"),
    ).where(_matches(bindparam("typed")))


@cache
def redemption_statement() -> Select[*tuple[Any, ...]]:
    """The whole redemption in one statement, its own transaction (Database.run_desk_statement).

    `state` reads without a lock; only when it allows the redemption does `locked` lock the
    code's row (LockRows locks the join's output alone), and PostgreSQL re-tests `_live` on
    the row's latest version after any wait. Then the credit (`currency.reward_step`,
    guarded by the balance rule), and only if it was made, the redemption and its audit
    row. A redemption the primary key refuses fails the statement, so the credit made
    before it is rolled back with it.

    Returns the state's columns, locked_used (NULL: refused), redeemed_at and the ledger
    row (NULL: the credit's guard refused, nothing was written).
    """
    state = _state_query().cte("state")
    locked = (
        select(
            CODES.c.code,
            CODES.c.used_count,
            CODES.c.reward_type,
            CODES.c.reward_value,
            state.c.discord_id,
            bindparam("user_id", type_=Integer()).label("user_id"),
            func.concat("Gift code ", CODES.c.code).label("reason"),
        )
        .select_from(state.join(CODES, CODES.c.code == state.c.code))
        .where(state.c.discord_id.is_not(None), ~state.c.redeemed, *_live(state), *_live(CODES))
        .with_for_update(of=CODES)
        .cte("locked")
    )
    step = reward_step(locked)
    logged = step.logged
    redeemed = (
        insert(REDEMPTIONS)
        .from_select(
            ["user_id", "code", "redeemed_at"],
            # The seed's TIMESTAMP columns hold UTC, as the bot and the demo data write them.
            select(locked.c.discord_id, locked.c.code, func.timezone("UTC", func.now())).select_from(
                locked.join(logged, true())
            ),
        )
        .returning(REDEMPTIONS.c.redeemed_at)
        .cte("redeemed")
    )
    audited = audit_cte(
        "redemption_audited",
        locked.join(redeemed, true()),
        action=literal("redeem", String()),
        schema=bindparam("schema_name", type_=String()),
        table="gift_code_redemptions",
        key=func.jsonb_build_object("user_id", locked.c.discord_id, "code", locked.c.code),
        after=func.jsonb_build_object(
            "player", locked.c.user_id, "reward_type", locked.c.reward_type, "reward_value", locked.c.reward_value
        ),
    )
    return (
        select(
            *state.c,
            locked.c.used_count.label("locked_used"),
            redeemed.c.redeemed_at,
            logged.c.id.label("ledger_id"),
            logged.c.balance_after,
            logged.c.created_at,
        )
        .select_from(state.outerjoin(locked, true()).outerjoin(logged, true()).outerjoin(redeemed, true()))
        .add_cte(audited, step.audited)
    )

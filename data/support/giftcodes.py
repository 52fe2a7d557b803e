"""Gift codes: create, list, (de)activate, and redeem one for a player.

A code is unique whatever its case ("SPRING" and "spring" are one code): the unique index
on lower(code) is the guarantee, the lookup before an insert only makes the usual refusal
cheaper. Every lookup by a typed code is by lower(code), served by that index.

Redemption is one transaction of two statements, safe under concurrent redemptions. The
first locks the code's row, so redemptions of one code run one after another. The second
counts the code's redemptions in a snapshot taken after the lock was granted (PostgreSQL's
default READ COMMITTED), so it sees every redemption committed before: the usage limit is
never exceeded. The same statement inserts the redemption and credits the reward through
the grant path (`currency.credit_step`: the guarded balance update, the ledger row and the
audit row), so the lock is held for one round trip and the commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from functools import cache
from typing import cast

from sqlalchemy import (
    Connection,
    Integer,
    Row,
    Select,
    String,
    Table,
    Text,
    bindparam,
    exists,
    func,
    insert,
    literal,
    literal_column,
    null,
    select,
    true,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.elements import ColumnElement

from data import inputs
from data.engine import Database
from data.inputs import INT4_MAX
from data.models.gacha import CURRENCIES, SCHEMA, GiftCode, GiftCodeRedemption
from data.support.currency import AUDIT, check_grant_limit, credit, credit_parameters, credit_step
from data.support.players import USERS, LedgerEntry, PlayerNotFound

CODES = cast(Table, GiftCode.__table__)
_EXPIRED = func.coalesce(CODES.c.expires_at <= func.now(), False).label("expired")
REDEMPTIONS = cast(Table, GiftCodeRedemption.__table__)
UNIQUE_VIOLATION = "23505"


class GiftCodeRefused(ValueError):
    """A gift-code action was refused; the message is one line naming the rule."""

    title = "Gift code refused"


class InvalidGiftCode(GiftCodeRefused):
    """The request itself is malformed (bad input): nothing was attempted."""

    title = "Invalid gift code"


class CodeExists(GiftCodeRefused):
    title = "Gift code exists"


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
        """"active", or why a player could not redeem it: "inactive", "expired", "used up"."""
        if not self.is_active:
            return "inactive"
        if self.expired:
            return "expired"
        if not self.unlimited and self.redemptions >= cast(int, self.usage_limit):
            return "used up"
        return "active"

    @property
    def usage(self) -> str:
        """"3 of 10", or "3 (unlimited)"."""
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
    reason: str | None = None,
) -> GiftCodeInfo:
    """Create a gift code, audited (action "giftcode-create", with `reason` when given).

    Args:
        code: kept as typed, without surrounding spaces; unique whatever its case.
        reward_type: one of CURRENCIES; reward_value: the positive amount it credits.
        usage_limit: how many players may redeem it; -1 or None for any number.
        expires_at: when it stops working (a naive time is taken as UTC); None: never.

    Raises:
        InvalidGiftCode: blank code, unknown currency, bad value, limit or expiry.
        CodeExists: a code with this name in any case exists (also when one was created
            concurrently: the unique index refuses the second).
        PermissionError: no desk for this role or profile.
        GrantLimitExceeded: the reward is over the profile's max_grant and the role is
            not admin (a code is a grant to each player who redeems it).
    """
    if not (code or "").strip():
        raise InvalidGiftCode("a gift code cannot be blank")
    code = inputs.gift_code_text(code)
    reason = inputs.reason_text(reason) or None
    if reward_type not in CURRENCIES:
        raise InvalidGiftCode(f"unknown reward type {reward_type!r}: expected one of {', '.join(CURRENCIES)}")
    if isinstance(reward_value, bool) or not isinstance(reward_value, int) or not 0 < reward_value <= INT4_MAX:
        raise InvalidGiftCode(f"the reward value must be a whole number from 1 to {INT4_MAX:,}, not {reward_value!r}")
    if usage_limit is not None:
        inputs.usage_limit(usage_limit)
    if expires_at is not None and expires_at.tzinfo is None:
        expires_at = expires_at.replace(tzinfo=timezone.utc)
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
        values = {"code": code, "reward_type": reward_type, "reward_value": reward_value,
                  "is_active": active, "usage_limit": usage_limit, "expires_at": expires_at}
        try:
            connection.execute(insert(CODES).values(values))
        except IntegrityError as error:
            # Another desk created the same code (in some case) since the lookup above.
            if getattr(error.orig, "sqlstate", None) == UNIQUE_VIOLATION:
                raise CodeExists(f"gift code {code!r} already exists: codes are unique regardless of case") from None
            raise
        _audit(connection, database, "giftcode-create", code, None,
               {**values, "expires_at": expires_at.isoformat() if expires_at else None}, reason)
        return _info(connection, code)


def deactivate_code(database: Database, code: str, reason: str | None = None) -> GiftCodeInfo:
    """Stop a code from being redeemed (is_active false), audited; found whatever its case.

    Raises:
        CodeNotFound: no such code. PermissionError: no desk for this role or profile.
    """
    return _set_active(database, code, False, reason)


def activate_code(database: Database, code: str, reason: str | None = None) -> GiftCodeInfo:
    """Let a deactivated code be redeemed again, audited; found whatever its case.

    Raises:
        CodeNotFound: no such code. PermissionError: no desk for this role or profile.
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
    redeemed fewer times than its usage limit. Then writes the redemption with its audit
    row and credits the reward through the grant path (`currency.credit_step`, or
    `currency.credit` when its guard refused: ledger and audit rows, action "redeem",
    reason "Gift code CODE").

    Raises:
        CodeNotFound, CodeInactive, CodeExpired, AlreadyRedeemed, CodeUsedUp: refused,
            nothing written.
        PlayerNotFound: no player with this id.
        PermissionError: no desk for this role or profile.
        BalanceTooLarge: the reward does not fit in the player's balance.
    """
    typed = inputs.gift_code_text(code)
    inputs.row_id(user_id, "the player id")
    settings = database.settings
    with database.connect_for_desk_action() as connection:
        # Lock the code's row: redemptions of one code run one after another, so the count
        # in the next statement (a snapshot taken after the lock) is exact, and a
        # deactivation waits for the redemptions under way.
        locked = connection.execute(_lock_statement(), {"typed": typed, "user_id": user_id}).one_or_none()
        if locked is None:
            raise CodeNotFound(f"no gift code {typed!r}")
        name = locked.code
        _check_live(locked, name)
        if locked.discord_id is None:
            raise PlayerNotFound(user_id)
        # From the snapshot before the lock: it may miss a redemption committed while we
        # waited, which the primary key then refuses below.
        if locked.redeemed:
            raise AlreadyRedeemed(f"player {user_id} has already redeemed gift code {name!r}")
        limited = _limited(locked.usage_limit)
        reward = credit_parameters(settings, user_id, locked.reward_type, locked.reward_value,
                                   f"Gift code {name}", action="redeem")
        done = connection.execute(_redeem_statement(limited, locked.reward_type), {
            # Names no column of gacha.users has: SQLAlchemy would take them for SET values.
            **reward, "redeemer": locked.discord_id, "gift_code": name,
            "cap": locked.usage_limit if limited else 0,
            "key": {"user_id": locked.discord_id, "code": name},
            "after": {"player": user_id, "reward_type": locked.reward_type, "reward_value": locked.reward_value},
        }).one()
        if done.redeemed_at is None:
            if limited and done.used >= locked.usage_limit:
                raise CodeUsedUp(f"gift code {name!r} is used up: used {done.used} of {locked.usage_limit}")
            # The primary key: a redemption written without our lock (by the bot, say).
            raise AlreadyRedeemed(f"player {user_id} has already redeemed gift code {name!r}")
        if done.ledger_id is None:
            # The credit's guard refused (a balance that would overflow) or lost a race:
            # the grant path alone says which rule, or credits once it holds the row.
            entry = credit(connection, settings, user_id, locked.reward_type, locked.reward_value,
                           reward["reason"], action="redeem")
        else:
            entry = LedgerEntry(done.ledger_id, user_id, locked.reward_type, locked.reward_value,
                                done.balance_after, reward["reason"], settings.operator, done.created_at)
    return Redemption(name, user_id, locked.discord_id, locked.reward_type, locked.reward_value,
                      done.redeemed_at, done.used + 1 if limited else None, locked.usage_limit, entry)


def _limited(usage_limit: int | None) -> bool:
    return usage_limit is not None and usage_limit >= 0


def _check_live(row: Row, name: str) -> None:
    if not row.is_active:
        raise CodeInactive(f"gift code {name!r} is not active")
    if row.expired:
        raise CodeExpired(f"gift code {name!r} has expired")


def _matches(code: object) -> ColumnElement[bool]:
    """The code typed (a string or a bind parameter) whatever its case: served by the
    unique index on lower(code)."""
    return func.lower(CODES.c.code) == func.lower(code)


def _info_query() -> Select:
    return (
        select(CODES.c.code, CODES.c.reward_type, CODES.c.reward_value, CODES.c.is_active,
               CODES.c.usage_limit, CODES.c.expires_at, CODES.c.created_at,
               func.count(REDEMPTIONS.c.code), _EXPIRED)
        .select_from(CODES.outerjoin(REDEMPTIONS, REDEMPTIONS.c.code == CODES.c.code))
        .group_by(CODES.c.code)  # the primary key: the other columns depend on it
    )


def _info(connection: Connection, code: str) -> GiftCodeInfo:
    row = connection.execute(_info_query().where(_matches(code))).one_or_none()
    if row is None:
        raise CodeNotFound(f"no gift code {code!r}")
    return GiftCodeInfo(*row)


def _set_active(database: Database, code: str, active: bool, reason: str | None) -> GiftCodeInfo:
    typed = inputs.gift_code_text(code)
    reason = inputs.reason_text(reason) or None
    with database.connect_for_desk_action() as connection:
        row = connection.execute(
            select(CODES.c.code, CODES.c.is_active).where(_matches(typed)).with_for_update()
        ).one_or_none()
        if row is None:
            raise CodeNotFound(f"no gift code {typed!r}")
        if row.is_active != active:  # already so: nothing written, nothing to audit
            connection.execute(update(CODES).where(CODES.c.code == row.code).values(is_active=active))
            action = "giftcode-activate" if active else "giftcode-deactivate"
            _audit(connection, database, action, row.code, {"is_active": row.is_active}, {"is_active": active},
                   reason)
        return _info(connection, row.code)


def _audit(connection: Connection, database: Database, action: str, code: str,
           before: dict[str, object] | None, after: dict[str, object] | None, reason: str | None = None) -> None:
    settings = database.settings
    connection.execute(insert(AUDIT).values(
        operator=settings.operator, role=settings.role.value, action=action,
        schema_name=settings.schema_map.get(SCHEMA, SCHEMA), table_name="gift_codes",
        primary_key={"code": code}, before=before, after=after, reason=reason,
    ))


@cache
def _lock_statement() -> Select:
    """Lock the code (by lower(code)) and read it, with the player's Discord id (NULL: no
    such player) and whether that player has redeemed it."""
    discord_id = select(USERS.c.discord_id).where(USERS.c.id == bindparam("user_id")).scalar_subquery()
    redeemed = exists().where(REDEMPTIONS.c.user_id == discord_id, REDEMPTIONS.c.code == CODES.c.code)
    return (select(CODES.c.code, CODES.c.is_active, _EXPIRED, CODES.c.usage_limit, CODES.c.reward_type,
                   CODES.c.reward_value, discord_id.label("discord_id"), redeemed.label("redeemed"))
            .where(_matches(bindparam("typed"))).with_for_update(of=CODES))


@cache
def _redeem_statement(limited: bool, reward_type: str) -> Select:
    """One statement for the whole redemption once the code is locked: count (limited codes
    only, no further than the limit), insert the redemption if below it (nothing on a key
    conflict), its audit row, and the credit (`currency.credit_step`) gated on the insert.
    Returns used, redeemed_at (NULL: nothing inserted) and the ledger row (NULL: no credit)."""
    if limited:
        counted = (select(literal_column("1")).select_from(REDEMPTIONS)
                   .where(REDEMPTIONS.c.code == bindparam("gift_code")).limit(bindparam("cap")).subquery())
        used = select(func.count().label("n")).select_from(counted).cte("used")
        below = used.c.n < bindparam("cap", type_=Integer())
    else:
        used = select(null().label("n")).cte("used")
        below = true()
    redeemed = (
        pg_insert(REDEMPTIONS).from_select(
            ["user_id", "code", "redeemed_at"],
            # The seed's TIMESTAMP columns hold UTC, as the bot and the demo data write them.
            select(bindparam("redeemer", type_=String()), bindparam("gift_code", type_=Text()),
                   func.timezone("UTC", func.now())).select_from(used).where(below),
        )
        .on_conflict_do_nothing()
        .returning(REDEMPTIONS.c.redeemed_at)
        .cte("redeemed")
    )
    audited = insert(AUDIT).from_select(
        ["operator", "role", "action", "schema_name", "table_name", "primary_key", "after"],
        select(bindparam("operator", type_=String()), bindparam("role", type_=String()),
               literal("redeem", String()), bindparam("schema_name", type_=String()),
               literal("gift_code_redemptions", String()), bindparam("key", type_=JSONB),
               bindparam("after", type_=JSONB)).select_from(redeemed),
    ).cte("redemption_audited")
    step = credit_step(reward_type, gate=redeemed)
    logged = step.logged
    return (
        select(used.c.n.label("used"), redeemed.c.redeemed_at, logged.c.id.label("ledger_id"),
               logged.c.balance_after, logged.c.created_at)
        .select_from(used.outerjoin(redeemed, true()).outerjoin(logged, true()))
        .add_cte(audited, step.audited)
    )

"""Who the console is logged in as, and whether that login fits the role the profile asks
for (DESIGN.md, Roles): PostgreSQL enforces the login's privileges, not the console's role,
so a developer or support profile on a login that can do more would be a role in name only.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from data.engine import ConnectionSettings, fetch_rows
from data.errors import Refusal
from data.roles import Role

if TYPE_CHECKING:
    from sqlalchemy import Connection

LOGIN = """
SELECT session_user AS name,
       r.rolsuper AS superuser,
       ARRAY(SELECT g.rolname FROM pg_roles g
              WHERE g.rolname = ANY ($1) AND pg_has_role(session_user, g.oid, 'MEMBER')) AS groups
  FROM pg_roles r WHERE r.rolname = session_user
"""


class LoginTooPowerful(Refusal, PermissionError):
    """The profile's role is lower than what its login can do; the message says what to do."""

    title = "Login too powerful"


@dataclass(frozen=True)
class Login:
    name: str
    superuser: bool
    role: Role | None
    """The highest console role the login can act as (a superuser: admin); None when it
    belongs to no console group role."""

    def describe(self, role: Role) -> str:
        """The home screen's Role line: the role, and what the server itself enforces."""
        if self.superuser:
            return f"{role.value} (login {self.name} is a superuser)" if role is not Role.ADMIN else "admin (superuser)"
        if self.role is not None and self.role.rank > role.rank:
            return f"{role.value} (the server enforces only the login's own role: {self.role.value})"
        return role.value


def highest_role(superuser: bool, groups: Collection[str]) -> Role | None:
    if superuser:
        return Role.ADMIN
    return next((role for role in sorted(Role, key=lambda r: -r.rank) if role.group in groups), None)


def read_login(connection: Connection) -> Login:
    [row] = fetch_rows(connection, LOGIN, LOGIN_PARAMETERS)
    return login_of(row)


LOGIN_PARAMETERS = ([role.group for role in Role],)
"""LOGIN's parameters: the console's group roles."""


def login_of(row: Any) -> Login:
    """The Login a row of LOGIN describes."""
    return Login(row.name, row.superuser, highest_role(row.superuser, row.groups))


def check_login(settings: ConnectionSettings, login: Login) -> None:
    """Refuse a developer or support profile whose login can do more than its role.

    A role lowered at run time (`--role`) from a profile whose own role the login fits is
    allowed: the login cannot be switched on a server the console does not own, so the
    console offers less and keeps READ ONLY, and the home screen says what the server
    enforces.

    Raises:
        LoginTooPowerful: one line naming the login, what it can do, and `console roles sql`.
    """
    asked = settings.profile_role or settings.role
    if asked is Role.ADMIN:
        return
    if login.superuser or (login.role is not None and login.role.rank > asked.rank):
        can = "is a superuser" if login.superuser or login.role is None else f"can act as {login.role.group}"
        raise LoginTooPowerful(
            f"the {asked.value} profile logs in as {login.name}, which {can}: PostgreSQL would not enforce the "
            f"{asked.value} role; give the profile a login in {asked.group} only (see `console roles sql`)"
        )

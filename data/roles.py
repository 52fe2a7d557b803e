"""The three roles and what each may do (DESIGN.md, Roles)."""

from __future__ import annotations

from enum import Enum

SUPPORT_SCHEMAS: frozenset[str] = frozenset({"gacha", "accounts", "metaserver"})


class Role(str, Enum):
    """A console role. The profile sets it; at run time it can only be lowered."""

    ADMIN = "admin"
    DEVELOPER = "developer"
    SUPPORT = "support"

    @property
    def rank(self) -> int:
        return {Role.ADMIN: 3, Role.DEVELOPER: 2, Role.SUPPORT: 1}[self]

    @property
    def can_write_tables(self) -> bool:
        """Raw cell edits, inserts and deletes in the table grid."""
        return self is Role.ADMIN

    @property
    def can_migrate(self) -> bool:
        return self is Role.ADMIN

    @property
    def can_import(self) -> bool:
        return self is Role.ADMIN

    @property
    def can_use_support_desk(self) -> bool:
        return self in (Role.ADMIN, Role.SUPPORT)

    @property
    def can_cancel_backends(self) -> bool:
        return self is Role.ADMIN

    @property
    def group(self) -> str:
        """The PostgreSQL group role that holds this role's privileges (data/grants.py)."""
        return f"console_{self.value}"

    @property
    def login(self) -> str:
        """The embedded server's login for this role (a DBA names their own elsewhere)."""
        return f"console_{self.value}_login"

    def readable_schemas(self) -> frozenset[str] | None:
        """The schemas whose tables this role may read; None means every schema."""
        return SUPPORT_SCHEMAS if self is Role.SUPPORT else None

    def lowered_to(self, other: Role) -> Role:
        """The role after asking to switch to `other`: a role can be lowered, never raised.

        Raises:
            PermissionError: `other` is above this role.
        """
        if other.rank > self.rank:
            raise PermissionError(f"role {self.value} cannot be raised to {other.value}")
        return other

"""The models of every system, one module each. Importing this package imports none of them:
a screen or command imports the module of the system it works on, and the start-up stays
light. What needs every table at once (Alembic's autogenerate, the drift check, the demo
loader) calls `registered_metadata()`."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import MetaData


def registered_metadata() -> MetaData:
    """Base.metadata with every model's table registered on it."""
    from data.models import accounts, audit, gacha, heroes, metaserver, stories  # noqa: F401
    from data.models.base import Base

    return Base.metadata

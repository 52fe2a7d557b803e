"""Every model, imported so that Base.metadata (and so Alembic autogenerate) sees them all."""

from data.models import accounts, audit, gacha, heroes, metaserver, stories

__all__ = ["accounts", "audit", "gacha", "heroes", "metaserver", "stories"]

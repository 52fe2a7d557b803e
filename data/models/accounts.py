"""accounts: HypertroQ's users (seed 001), UUID keys with timestamp and soft-delete mixins."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, DateTime, Index, String, Uuid, func, text
from sqlalchemy.orm import Mapped, mapped_column

from data.models.base import Base

SCHEMA = "accounts"


class AccountUser(Base):
    """An application user; never deleted outright, only flagged (is_deleted, deleted_at)."""

    __tablename__ = "users"
    __table_args__ = (
        # The seed's mixins keep the flag and the timestamp separately; this keeps them in step.
        CheckConstraint("is_deleted = (deleted_at IS NOT NULL)", name="soft_delete"),
        CheckConstraint("updated_at >= created_at", name="updated_after_created"),
        Index("ix_users_email", "email", unique=True),
        # Redundant with the primary key, but the seed's initial migration creates it.
        Index("ix_users_id", "id"),
        {"schema": SCHEMA, "comment": "HypertroQ users: UUID keys, soft delete"},
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, server_default=text("gen_random_uuid()"))
    email: Mapped[str] = mapped_column(String(255), nullable=False)
    hashed_password: Mapped[str] = mapped_column(String(255), nullable=False)
    full_name: Mapped[str | None] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("true"))
    is_superuser: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("false"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())
    is_deleted: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("false"))
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

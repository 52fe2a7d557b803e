"""console.audit_log: one row for every write made through the console."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, DateTime, Identity, Index, String, Text, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from data.base import CONSOLE_SCHEMA
from data.inputs import REASON_MAX
from data.models.base import Base


class AuditLog(Base):
    """Who changed what, when, and why; written in the same transaction as the change."""

    __tablename__ = "audit_log"
    __table_args__ = (
        CheckConstraint("role IN ('admin', 'developer', 'support')", name="role"),
        CheckConstraint(f"char_length(reason) <= {REASON_MAX}", name="reason_length"),
        Index(None, "schema_name", "table_name", "created_at"),
        Index(None, "operator", "created_at"),
        # No RETURNING of the new id: the support role writes audit rows but may not read
        # them (data/grants.py), and RETURNING would need that.
        {"schema": CONSOLE_SCHEMA, "comment": "Every write made through the console", "implicit_returning": False},
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    operator: Mapped[str] = mapped_column(String(255), nullable=False)
    role: Mapped[str] = mapped_column(String(20), nullable=False)
    action: Mapped[str] = mapped_column(String(50), nullable=False)
    schema_name: Mapped[str] = mapped_column(String(63), nullable=False)
    table_name: Mapped[str] = mapped_column(String(63), nullable=False)
    primary_key: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now(), index=True
    )

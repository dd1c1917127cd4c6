"""A claim of hours served outside the library, and its decision (on the same row)."""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.common.db import sql_in
from app.common.time import utcnow
from app.extensions import db

CLAIM_STATUSES = ("pending", "approved", "rejected")
ORGANISER_MAX = 120
DESCRIPTION_MAX = 1000
LINK_MAX = 500
REASON_MAX = 500


class OutsideClaim(db.Model):
    """Service done elsewhere (organiser, day, minutes) with evidence (a file, a link or
    both). A coordinator approves it (`approved_minutes` = claimed), changes it (other
    `approved_minutes`, a reason required) or rejects it (a reason required); a decision is
    taken once, by a conditional update on `status`."""

    __tablename__ = "outside_claims"
    audit_type: ClassVar[str] = "outside_claim"
    __table_args__ = (
        sa.CheckConstraint(sql_in("status", CLAIM_STATUSES), name="status"),
        sa.CheckConstraint("claimed_minutes > 0", name="claimed_positive"),
        sa.CheckConstraint(
            "approved_minutes IS NULL OR approved_minutes > 0", name="approved_positive"
        ),
        sa.Index("ix_outside_claims_user_day", "user_id", "served_on"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    organiser: Mapped[str] = mapped_column(sa.String(ORGANISER_MAX))
    served_on: Mapped[date] = mapped_column(sa.Date)  # the local calendar day
    claimed_minutes: Mapped[int] = mapped_column(sa.Integer)
    description: Mapped[str] = mapped_column(sa.Text, default="")
    evidence_link: Mapped[str] = mapped_column(sa.String(LINK_MAX), default="")
    evidence_file: Mapped[str | None] = mapped_column(sa.String(64))  # random stored name
    evidence_name: Mapped[str] = mapped_column(sa.String(200), default="")
    evidence_type: Mapped[str] = mapped_column(sa.String(40), default="")
    evidence_size: Mapped[int] = mapped_column(sa.Integer, default=0)
    status: Mapped[str] = mapped_column(sa.String(16), default="pending", index=True)
    approved_minutes: Mapped[int | None] = mapped_column(sa.Integer)
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    user = relationship("User", foreign_keys=[user_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])

    @property
    def changed(self) -> bool:
        """Approved with other hours than claimed (the volunteer sees both, and why)."""
        return self.status == "approved" and self.approved_minutes != self.claimed_minutes

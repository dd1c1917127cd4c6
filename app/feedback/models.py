"""Feedback after service: one request per verified attendance, answered at most once, and
the tick-boxes a task's coordinators ask about."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.common.time import utcnow
from app.extensions import db

RATING_MIN = 1
RATING_MAX = 5
COMMENT_MAX = 1000
TICK_MAX = 60  # characters of one tick-box's label
TICKS_MAX = 8  # tick-boxes per task


class FeedbackRequest(db.Model):
    """The volunteer's request to rate one verified shift; the answer fills the same row
    (answered_at, rating, comment, ticks), so "answered once" is one conditional update."""

    __tablename__ = "feedback_requests"
    __table_args__ = (
        sa.UniqueConstraint("attendance_id", name="uq_feedback_requests_attendance"),
        sa.CheckConstraint(
            f"rating IS NULL OR (rating >= {RATING_MIN} AND rating <= {RATING_MAX})",
            name="rating_range",
        ),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    attendance_id: Mapped[int] = mapped_column(sa.ForeignKey("attendances.id"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    shift_id: Mapped[int] = mapped_column(sa.ForeignKey("shifts.id"), index=True)
    task_id: Mapped[int] = mapped_column(sa.ForeignKey("tasks.id"), index=True)
    asked_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(sa.DateTime, index=True)
    rating: Mapped[int | None] = mapped_column(sa.Integer)
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    # The labels of the tick-boxes ticked, as they read when answered.
    ticks: Mapped[list[str]] = mapped_column(sa.JSON, default=list)

    shift = relationship("Shift")
    task = relationship("Task")


class FeedbackTicks(db.Model):
    """The tick-boxes a task's coordinators chose ("well briefed", "enough to do")."""

    __tablename__ = "feedback_ticks"
    __table_args__ = (
        sa.UniqueConstraint("task_id", name="uq_feedback_ticks_task"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(sa.ForeignKey("tasks.id"))
    labels: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)

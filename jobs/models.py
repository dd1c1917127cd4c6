"""A record of every job run, and the database locks that keep runs from overlapping."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.common.time import utcnow
from app.extensions import db

STATUSES = ("running", "succeeded", "failed", "skipped")
TRIGGERS = ("scheduler", "manual", "cli")


class JobRun(db.Model):
    """One execution of a job, written when it starts and completed when it ends."""

    __tablename__ = "job_runs"
    __table_args__ = (
        sa.CheckConstraint(
            "status IN ('running', 'succeeded', 'failed', 'skipped')", name="status"
        ),
        # "trigger" is a keyword in SQL: quoted, for PostgreSQL and SQLite alike.
        sa.CheckConstraint("\"trigger\" IN ('scheduler', 'manual', 'cli')", name="trigger"),
        db.Index("ix_job_runs_job_started", "job_id", "started_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[str] = mapped_column(sa.String(100))
    started_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    status: Mapped[str] = mapped_column(sa.String(16), default="running")
    counts: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    error: Mapped[str | None] = mapped_column(sa.Text)
    trigger: Mapped[str] = mapped_column(sa.String(16))
    started_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    host: Mapped[str | None] = mapped_column(sa.String(255))
    pid: Mapped[int | None] = mapped_column(sa.Integer)

    started_by = relationship("User")

    @property
    def duration_seconds(self) -> float | None:
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()

    @property
    def error_summary(self) -> str:
        """The last line of the error: usually the exception and its message."""
        lines = [line for line in (self.error or "").splitlines() if line.strip()]
        return lines[-1] if lines else ""

    def __repr__(self) -> str:
        return f"<JobRun {self.job_id} {self.status}>"


class JobLock(db.Model):
    """A named lease. `owner` is NULL when free; a lease past `expires_at` may be taken."""

    __tablename__ = "job_locks"

    name: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    owner: Mapped[str | None] = mapped_column(sa.String(255))
    acquired_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    expires_at: Mapped[datetime | None] = mapped_column(sa.DateTime)

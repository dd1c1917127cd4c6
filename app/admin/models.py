"""Pulls from the campus data hub (数据中台): the sources an admin configured, and every
pull's outcome."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.common.db import sql_in
from app.common.time import utcnow
from app.extensions import db

SOURCE_KINDS = ("roster", "library_use")
PULL_STATUSES = ("applied", "unchanged", "failed")


class DataHubSource(db.Model):
    """An HTTP API of the data hub answering JSON records, pulled daily at `hour` (local),
    with `mapping` from our fields to the hub's field names."""

    __tablename__ = "datahub_sources"
    audit_type: ClassVar[str] = "datahub_source"
    __table_args__ = (
        sa.CheckConstraint(sql_in("kind", SOURCE_KINDS), name="kind"),
        sa.CheckConstraint("hour >= 0 AND hour <= 23", name="hour"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(16))
    url: Mapped[str] = mapped_column(sa.String(500))
    # Sent as "Authorization: Bearer …"; kept to be sent, shown only masked.
    token: Mapped[str] = mapped_column(sa.String(500), default="")
    mapping: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    hour: Mapped[int] = mapped_column(sa.Integer, default=3)
    enabled: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    # The next pull: the next day at `hour`, or sooner to retry after a failure.
    next_pull_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    failures: Mapped[int] = mapped_column(sa.Integer, default=0)  # in a row, since the last success
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))


class DataHubPull(db.Model):
    __tablename__ = "datahub_pulls"
    __table_args__ = (sa.CheckConstraint(sql_in("status", PULL_STATUSES), name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(
        sa.ForeignKey("datahub_sources.id", ondelete="CASCADE"), index=True
    )
    started_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    status: Mapped[str] = mapped_column(sa.String(16))
    records: Mapped[int] = mapped_column(sa.Integer, default=0)
    counts: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    # The first rejected rows with why: [{"line": 3, "reason": "…"}].
    rejected: Mapped[list] = mapped_column(sa.JSON, default=list)
    error: Mapped[str] = mapped_column(sa.Text, default="")
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))  # None: the job

    source: Mapped[DataHubSource] = relationship()


IMPORT_KINDS = ("roster",)
IMPORT_STATES = ("queued", "running", "succeeded", "failed")


class ImportRun(db.Model):
    """A large import confirmed by an admin and run by the `admin.run_imports` job: its
    state and progress, which the admin's page shows while it runs."""

    __tablename__ = "import_runs"
    __table_args__ = (
        sa.CheckConstraint(sql_in("kind", IMPORT_KINDS), name="kind"),
        sa.CheckConstraint(sql_in("state", IMPORT_STATES), name="state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(16), default="roster")
    state: Mapped[str] = mapped_column(sa.String(16), default="queued", index=True)
    filename: Mapped[str] = mapped_column(sa.String(255), default="")
    token: Mapped[str] = mapped_column(sa.String(64))  # the kept upload
    # The new people's password hash (never the password); emptied when the run ends.
    password_hash: Mapped[str | None] = mapped_column(sa.String(256))
    rows_total: Mapped[int] = mapped_column(sa.Integer, default=0)
    rows_done: Mapped[int] = mapped_column(sa.Integer, default=0)
    counts: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    error: Mapped[str] = mapped_column(sa.Text, default="")
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(sa.DateTime)

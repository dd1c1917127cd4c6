"""In-app notifications, each person's email choices, and the email outbox."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.common.time import utcnow
from app.extensions import db

OUTBOX_STATUSES = ("pending", "sending", "sent", "failed")


class Notification(db.Model):
    """One message to one person, stored as rendered in their language."""

    __tablename__ = "notifications"
    __table_args__ = (
        sa.Index("ix_notifications_user_created", "user_id", "created_at"),
        sa.Index("ix_notifications_user_read", "user_id", "read_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(64))
    title: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text, default="")
    link: Mapped[str | None] = mapped_column(sa.String(500))
    # A feature's idempotency key ("shift:12:reminder:34"): the same key never notifies twice.
    dedupe_key: Mapped[str | None] = mapped_column(sa.String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(sa.DateTime)

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class NotificationPreference(db.Model):
    """Whether a person wants a kind of notification by email (and by WeChat); no row means
    the kind's defaults."""

    __tablename__ = "notification_preferences"
    __table_args__ = (sa.UniqueConstraint("user_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(64))
    email: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    # By WeChat template message; None: on for a person whose WeChat is bound.
    wechat: Mapped[bool | None] = mapped_column(sa.Boolean)


class OutboxEmail(db.Model):
    """An email waiting for the outbox job; sent at most once.

    pending -> sending (claimed by one drain) -> sent; a failure goes back to pending with
    a later `next_attempt_at`, or to failed after the last attempt.
    """

    __tablename__ = "outbox_emails"
    __table_args__ = (
        sa.CheckConstraint("status IN ('pending', 'sending', 'sent', 'failed')", name="status"),
        sa.Index("ix_outbox_emails_status_created", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("notifications.id", ondelete="SET NULL"), index=True
    )
    to_address: Mapped[str] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(16), default="pending")
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(sa.String(500))
    dedupe_key: Mapped[str | None] = mapped_column(sa.String(200), unique=True)
    claimed_by: Mapped[str | None] = mapped_column(sa.String(64))
    claimed_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    next_attempt_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(sa.DateTime)

    notification: Mapped[Notification | None] = relationship()

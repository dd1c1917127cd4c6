"""An announcement and its frozen recipients.

An announcement is `scheduled` until the job claims it (`sending`), freezes its audience
into recipient rows and delivers them a chunk at a time; then it is `sent`. Withdrawing
hides it from its recipients. One recipient row per (announcement, person): a person is
told once, whatever two job runs do at the same time.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.common.db import sql_in
from app.common.time import utcnow
from app.extensions import db

AUDIENCES = ("team", "task", "shift", "campaign", "college", "segment", "everyone")
SIGNUP_CHOICES = ("confirmed", "waitlisted", "both")
STATUSES = ("scheduled", "sending", "sent", "withdrawn")
TITLE_LENGTH = 120
BODY_LENGTH = 10_000


class Announcement(db.Model):
    __tablename__ = "announcements"
    audit_type: ClassVar[str] = "announcement"
    __table_args__ = (
        sa.CheckConstraint(sql_in("audience", AUDIENCES), name="audience"),
        sa.CheckConstraint(sql_in("signups", SIGNUP_CHOICES), name="signups"),
        sa.CheckConstraint(sql_in("status", STATUSES), name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    # The team whose coordinators may see and manage it; None for an admin's to everyone.
    team_id: Mapped[int | None] = mapped_column(sa.ForeignKey("teams.id"), index=True)
    audience: Mapped[str] = mapped_column(sa.String(16))
    # The team, task, shift or college the audience names (None for everyone).
    target_id: Mapped[int | None] = mapped_column(sa.Integer)
    signups: Mapped[str] = mapped_column(sa.String(16), default="confirmed")
    # Which of a campaign's applicants (an application status) or which engagement segment.
    among: Mapped[str | None] = mapped_column(sa.String(16))
    title: Mapped[str] = mapped_column(sa.String(TITLE_LENGTH))
    body: Mapped[str] = mapped_column(sa.Text)
    pinned: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    status: Mapped[str] = mapped_column(sa.String(16), default="scheduled", index=True)
    send_at: Mapped[datetime] = mapped_column(sa.DateTime, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    # When the writer asked for the one reminder to the unread (the job sends it).
    remind_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)
    # When its title or body was last changed after it went out (earlier texts are versions).
    edited_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    # The optional attachment (a PDF or an image), stored as UPLOAD_DIR/announcements/<file>;
    # the name is the one the writer's device gave it, for display only.
    attachment_file: Mapped[str | None] = mapped_column(sa.String(64))
    attachment_name: Mapped[str | None] = mapped_column(sa.String(200))
    attachment_type: Mapped[str | None] = mapped_column(sa.String(64))
    attachment_size: Mapped[int | None] = mapped_column(sa.Integer)
    # The one-time token of the form that wrote it: a form posted twice writes it once.
    form_token: Mapped[str | None] = mapped_column(sa.String(64), unique=True)

    author = relationship("User")


class AnnouncementRecipient(db.Model):
    __tablename__ = "announcement_recipients"
    __table_args__ = (sa.UniqueConstraint("announcement_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    announcement_id: Mapped[int] = mapped_column(sa.ForeignKey("announcements.id"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    delivered_at: Mapped[datetime | None] = mapped_column(sa.DateTime, index=True)
    read_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(sa.DateTime)

    announcement: Mapped[Announcement] = relationship()
    user = relationship("User")


class AnnouncementVersion(db.Model):
    """An earlier text of an announcement that was edited after it went out: the title and
    body it had until `editor` changed them at `edited_at`."""

    __tablename__ = "announcement_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    announcement_id: Mapped[int] = mapped_column(sa.ForeignKey("announcements.id"), index=True)
    editor_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    edited_at: Mapped[datetime] = mapped_column(sa.DateTime)
    title: Mapped[str] = mapped_column(sa.String(TITLE_LENGTH))
    body: Mapped[str] = mapped_column(sa.Text)

    announcement: Mapped[Announcement] = relationship()
    editor = relationship("User")

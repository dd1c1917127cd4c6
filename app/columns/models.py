"""Content columns (用户参与的服务专栏): columns with editors, contributions and their review
history, uploaded media files, links to resources, likes and daily views.

A contribution goes draft → submitted → (changes_requested ↔ submitted) → approved →
published, or rejected with a reason; a published one may be unpublished by an editor.
Media files live outside `static/` under random names; the row keeps what the content
check found (kind, MIME type, size, checksum).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.common.db import sql_in
from app.common.time import utcnow
from app.extensions import db

COLUMN_KINDS = ("audio", "video", "article", "ideas")
CONTRIBUTION_STATUSES = (
    "draft",
    "submitted",
    "changes_requested",
    "approved",
    "published",
    "rejected",
    "unpublished",
)
MEDIA_KINDS = ("audio", "video", "image")
EVENT_ACTIONS = (
    "created",
    "submitted",
    "changes_requested",
    "approved",
    "scheduled",
    "published",
    "rejected",
    "unpublished",
    "featured",
    "unfeatured",
)


class ContentColumn(db.Model):
    __tablename__ = "content_columns"
    audit_type: ClassVar[str] = "content_column"
    __table_args__ = (
        sa.CheckConstraint(sql_in("kind", COLUMN_KINDS), name="kind"),
        sa.CheckConstraint("max_media_mb > 0", name="max_media_mb"),
        sa.CheckConstraint("credit_minutes >= 0", name="credit_minutes"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)  # in URLs: /columns/audio
    name: Mapped[str] = mapped_column(sa.String(100), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(16), default="article")
    description: Mapped[str] = mapped_column(sa.Text, default="")  # Markdown
    guidelines: Mapped[str] = mapped_column(sa.Text, default="")  # Markdown, shown to authors
    accepts_audio: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    accepts_video: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    accepts_links: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    max_media_mb: Mapped[int] = mapped_column(sa.Integer, default=20)
    # Second Classroom: the module a published contribution counts under (None = config
    # CREDIT_CONTRIBUTION_CATEGORY) and the service time it is worth.
    credit_category: Mapped[str | None] = mapped_column(sa.String(32))
    credit_minutes: Mapped[int] = mapped_column(sa.Integer, default=120)
    position: Mapped[int] = mapped_column(sa.Integer, default=0)
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)

    editors: Mapped[list[ColumnEditor]] = relationship(
        back_populates="column", cascade="all, delete-orphan"
    )


class ColumnEditor(db.Model):
    __tablename__ = "column_editors"
    __table_args__ = (sa.UniqueConstraint("column_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    column_id: Mapped[int] = mapped_column(sa.ForeignKey("content_columns.id"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    added_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)

    column: Mapped[ContentColumn] = relationship(back_populates="editors")
    user: Mapped[User] = relationship()


class MediaFile(db.Model):
    """An uploaded file, stored as UPLOAD_DIR/media/<storage_name>."""

    __tablename__ = "media_files"
    __table_args__ = (sa.CheckConstraint(sql_in("kind", MEDIA_KINDS), name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(16))
    mime_type: Mapped[str] = mapped_column(sa.String(64))
    size: Mapped[int] = mapped_column(sa.Integer)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    storage_name: Mapped[str] = mapped_column(sa.String(64), unique=True)
    original_name: Mapped[str] = mapped_column(sa.String(200), default="")
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)


class Contribution(db.Model):
    __tablename__ = "contributions"
    audit_type: ClassVar[str] = "contribution"
    __table_args__ = (sa.CheckConstraint(sql_in("status", CONTRIBUTION_STATUSES), name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    column_id: Mapped[int] = mapped_column(sa.ForeignKey("content_columns.id"), index=True)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(120))
    body: Mapped[str] = mapped_column(sa.Text, default="")  # Markdown
    status: Mapped[str] = mapped_column(sa.String(24), default="draft", index=True)
    cover_id: Mapped[int | None] = mapped_column(sa.ForeignKey("media_files.id"))
    media_id: Mapped[int | None] = mapped_column(sa.ForeignKey("media_files.id"))
    # Shown as the author's name, or masked (张*三) when they prefer.
    show_full_name: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    featured: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    publish_at: Mapped[datetime | None] = mapped_column(sa.DateTime, index=True)  # scheduled
    published_at: Mapped[datetime | None] = mapped_column(sa.DateTime, index=True)
    submitted_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    reviewed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    # The last word to the author: what to change, why it was rejected or unpublished.
    review_note: Mapped[str | None] = mapped_column(sa.Text)
    like_count: Mapped[int] = mapped_column(sa.Integer, default=0)
    view_count: Mapped[int] = mapped_column(sa.Integer, default=0)
    # Readers' comments: shown ones counted here; editors may close a post to new comments.
    comment_count: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    comments_closed: Mapped[bool] = mapped_column(
        sa.Boolean, default=False, server_default=sa.false()
    )
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)

    column: Mapped[ContentColumn] = relationship()
    author: Mapped[User] = relationship(foreign_keys=[author_id])
    cover: Mapped[MediaFile | None] = relationship(foreign_keys=[cover_id])
    media: Mapped[MediaFile | None] = relationship(foreign_keys=[media_id])
    links: Mapped[list[ContributionLink]] = relationship(
        back_populates="contribution",
        cascade="all, delete-orphan",
        order_by="ContributionLink.position",
    )
    events: Mapped[list[ContributionEvent]] = relationship(
        back_populates="contribution", order_by="ContributionEvent.id"
    )


class ContributionLink(db.Model):
    """A resource a contribution recommends: title, address, call number (索书号)."""

    __tablename__ = "contribution_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    contribution_id: Mapped[int] = mapped_column(sa.ForeignKey("contributions.id"), index=True)
    position: Mapped[int] = mapped_column(sa.Integer, default=0)
    title: Mapped[str] = mapped_column(sa.String(200))
    url: Mapped[str] = mapped_column(sa.String(500), default="")
    call_number: Mapped[str] = mapped_column(sa.String(64), default="")

    contribution: Mapped[Contribution] = relationship(back_populates="links")


class ContributionEvent(db.Model):
    """One step of a contribution's review history, with the comment that went with it."""

    __tablename__ = "contribution_events"
    __table_args__ = (sa.CheckConstraint(sql_in("action", EVENT_ACTIONS), name="action"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contribution_id: Mapped[int] = mapped_column(sa.ForeignKey("contributions.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))  # None: a job
    action: Mapped[str] = mapped_column(sa.String(24))
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)

    contribution: Mapped[Contribution] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()


class ContributionLike(db.Model):
    __tablename__ = "contribution_likes"
    __table_args__ = (sa.UniqueConstraint("contribution_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contribution_id: Mapped[int] = mapped_column(sa.ForeignKey("contributions.id"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)


class ContributionView(db.Model):
    """A logged-in person opened a contribution on a (local) day: counted once a day."""

    __tablename__ = "contribution_views"
    __table_args__ = (sa.UniqueConstraint("contribution_id", "user_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contribution_id: Mapped[int] = mapped_column(sa.ForeignKey("contributions.id"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    day: Mapped[date] = mapped_column(sa.Date)


class ContributionComment(db.Model):
    """A reader's comment on a published contribution (Markdown, shown sanitised). An editor
    may hide it with a reason: it stays, for the author's data export and the audit log."""

    __tablename__ = "contribution_comments"
    audit_type: ClassVar[str] = "contribution_comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    contribution_id: Mapped[int] = mapped_column(sa.ForeignKey("contributions.id"), index=True)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow, index=True)
    hidden_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    hidden_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    hidden_reason: Mapped[str | None] = mapped_column(sa.Text)

    contribution: Mapped[Contribution] = relationship()
    author: Mapped[User] = relationship(foreign_keys=[author_id])

"""WeChat bindings, the Official Account's shared credentials, the template each notification
kind is sent with, and the outbox of template messages."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.common.db import sql_in
from app.common.time import utcnow
from app.extensions import db
from app.notifications.models import OUTBOX_STATUSES, Notification


class WeChatBinding(db.Model):
    """A person's WeChat (its openid under the library's Official Account): one each way."""

    __tablename__ = "wechat_bindings"
    audit_type: ClassVar[str] = "wechat_binding"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    openid: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)

    user: Mapped[User] = relationship()


class WeChatCredential(db.Model):
    """A credential WeChat hands out for a while (the access token, the JS-SDK ticket),
    kept here so every process shares one instead of each fetching its own."""

    __tablename__ = "wechat_credentials"

    name: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    value: Mapped[str] = mapped_column(sa.String(512))
    expires_at: Mapped[datetime] = mapped_column(sa.DateTime)
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)


class WeChatTemplate(db.Model):
    """Which of the Official Account's templates a notification kind goes out with, and what
    fills each of the template's fields."""

    __tablename__ = "wechat_templates"
    audit_type: ClassVar[str] = "wechat_template"
    audit_key: ClassVar[str] = "kind"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(64), unique=True)
    template_id: Mapped[str] = mapped_column(sa.String(64))
    # Template field name -> what fills it ("title", "body", "time" …).
    fields: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )


class OutboxWeChat(db.Model):
    """A template message waiting for the outbox job; sent at most once (`client_msg_id` is
    also WeChat's own de-duplication id). Statuses as the email outbox's."""

    __tablename__ = "outbox_wechat"
    __table_args__ = (
        sa.CheckConstraint(sql_in("status", OUTBOX_STATUSES), name="status"),
        sa.Index("ix_outbox_wechat_status_created", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("notifications.id", ondelete="SET NULL"), index=True
    )
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(64))
    openid: Mapped[str] = mapped_column(sa.String(64))
    template_id: Mapped[str] = mapped_column(sa.String(64))
    url: Mapped[str | None] = mapped_column(sa.String(500))
    data: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    client_msg_id: Mapped[str] = mapped_column(sa.String(64), unique=True)
    status: Mapped[str] = mapped_column(sa.String(16), default="pending")
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0)
    # WeChat's errcode of the last refusal (43004: the person does not follow the account).
    last_error_code: Mapped[int | None] = mapped_column(sa.Integer)
    last_error: Mapped[str | None] = mapped_column(sa.String(500))
    claimed_by: Mapped[str | None] = mapped_column(sa.String(64))
    claimed_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    next_attempt_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    msgid: Mapped[int | None] = mapped_column(sa.BigInteger)

    notification: Mapped[Notification | None] = relationship()
    user: Mapped[User] = relationship()

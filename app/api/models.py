"""Personal access tokens, campus systems' application tokens and webhooks of the JSON API."""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.common.db import sql_in
from app.common.time import utcnow
from app.extensions import db
from app.notifications.models import OUTBOX_STATUSES


class ApiToken(db.Model):
    """A token a person made on their profile page. Only the SHA-256 of the secret is kept;
    the secret itself is shown once, when the token is made."""

    __tablename__ = "api_tokens"
    audit_type: ClassVar[str] = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    # The first characters of the secret ("gc_" and five more), so a person can tell tokens apart.
    token_prefix: Mapped[str] = mapped_column(sa.String(16))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    # Space-separated scope names, e.g. "profile:read credits:read".
    scopes: Mapped[str] = mapped_column(sa.String(500))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(sa.DateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(sa.DateTime)

    user: Mapped[User] = relationship()

    @property
    def scope_list(self) -> list[str]:
        return self.scopes.split()

    def status(self, now: datetime) -> str:
        """ "revoked", "expired" or "active"."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at <= now:
            return "expired"
        return "active"

    def __repr__(self) -> str:
        return f"<ApiToken {self.token_prefix}… of user {self.user_id}>"


class ApiSystem(db.Model):
    """A campus system (第二课堂系统, 数据中台) an admin registered: it calls the API with its
    own application token, as itself and not as a person. As for personal tokens only the
    SHA-256 of the secret is kept; rotating replaces it, so the old secret stops at once."""

    __tablename__ = "api_systems"
    __table_args__ = {"sqlite_autoincrement": True}
    audit_type: ClassVar[str] = "api_system"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100), unique=True)
    token_prefix: Mapped[str] = mapped_column(sa.String(16))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    scopes: Mapped[str] = mapped_column(sa.String(500))
    # IPs and CIDR networks, one per line; empty: any address.
    allowed_addresses: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)
    rotated_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(sa.DateTime)

    @property
    def scope_list(self) -> list[str]:
        return self.scopes.split()

    @property
    def address_list(self) -> list[str]:
        return self.allowed_addresses.split()

    def __repr__(self) -> str:
        return f"<ApiSystem {self.name}>"


class ApiSystemCalls(db.Model):
    """How many calls a system made on one (UTC) day: one row per system and day, counted
    up with an upsert rather than a row per call."""

    __tablename__ = "api_system_calls"

    system_id: Mapped[int] = mapped_column(
        sa.ForeignKey("api_systems.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    calls: Mapped[int] = mapped_column(sa.Integer, default=0)


class WebhookSubscription(db.Model):
    """A system's subscription to events, delivered to `url` as signed JSON POSTs. The
    secret signs the deliveries, so it is kept encrypted, not hashed (a hash could not
    sign; `webhooks.signing_secret` reads it); it is shown to the admin once."""

    __tablename__ = "webhook_subscriptions"
    __table_args__ = {"sqlite_autoincrement": True}
    audit_type: ClassVar[str] = "webhook_subscription"

    id: Mapped[int] = mapped_column(primary_key=True)
    system_id: Mapped[int] = mapped_column(
        sa.ForeignKey("api_systems.id", ondelete="CASCADE"), index=True
    )
    url: Mapped[str] = mapped_column(sa.String(500))
    # Space-separated event names, e.g. "attendance.verified hours.changed".
    events: Mapped[str] = mapped_column(sa.String(500))
    # Fernet token of the secret (`webhooks.seal`).
    encrypted_secret: Mapped[str] = mapped_column("secret_encrypted", sa.String(500))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)
    stopped_at: Mapped[datetime | None] = mapped_column(sa.DateTime)

    system: Mapped[ApiSystem] = relationship()

    @property
    def event_list(self) -> list[str]:
        return self.events.split()


class WebhookDelivery(db.Model):
    """One event for one subscription, written in the event's transaction and sent by the
    outbox job (`app.api.webhook_jobs`); statuses and claim columns as the email outbox's,
    so its steps (claim, mark sent, retry with backoff) are shared."""

    __tablename__ = "outbox_webhooks"
    __table_args__ = (
        sa.CheckConstraint(sql_in("status", OUTBOX_STATUSES), name="status"),
        sa.UniqueConstraint("subscription_id", "event_id"),
        sa.Index("ix_outbox_webhooks_status_created", "status", "created_at"),
        {"sqlite_autoincrement": True},
    )
    audit_type: ClassVar[str] = "webhook_delivery"

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(
        sa.ForeignKey("webhook_subscriptions.id", ondelete="CASCADE"), index=True
    )
    event: Mapped[str] = mapped_column(sa.String(64))
    # The same for every subscription the event goes to; receivers drop repeats by it.
    event_id: Mapped[str] = mapped_column(sa.String(36))
    payload: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    status: Mapped[str] = mapped_column(sa.String(16), default="pending")
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0)
    last_status: Mapped[int | None] = mapped_column(sa.Integer)
    last_answer: Mapped[str | None] = mapped_column(sa.String(500))
    last_error: Mapped[str | None] = mapped_column(sa.String(500))
    claimed_by: Mapped[str | None] = mapped_column(sa.String(64))
    claimed_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    next_attempt_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(sa.DateTime)

    subscription: Mapped[WebhookSubscription] = relationship()


class HubSummaryState(db.Model):
    """What the campus data hub was last told of a person: the SHA-256 of their volunteer
    summary (without its time) and when it last changed. `hub_jobs.publish_summaries`
    compares each summary with it, so a person's change is published once per run at most;
    the hub's pull (`since=`) reads `changed_at`."""

    __tablename__ = "hub_summary_states"
    __table_args__ = (
        sa.Index("ix_hub_summary_states_changed_at", "changed_at"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    digest: Mapped[str] = mapped_column(sa.String(64))
    changed_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)


class ApiIdempotencyKey(db.Model):
    """A write sent with an `Idempotency-Key` header, and what it answered: the same key
    and body again (a client retrying after a lost answer) get this answer, not a second
    write. `caller` is "token:<id>" or "system:<id>", so keys are per token or system. The
    row is written in the write's own transaction: a write that fails leaves none."""

    __tablename__ = "api_idempotency_keys"
    __table_args__ = (
        sa.UniqueConstraint("caller", "key", name="uq_api_idempotency_keys_caller_key"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    caller: Mapped[str] = mapped_column(sa.String(40))
    key: Mapped[str] = mapped_column(sa.String(100))
    # SHA-256 of the method, the path and the body, in hex.
    request_hash: Mapped[str] = mapped_column(sa.String(64))
    status: Mapped[int | None] = mapped_column(sa.Integer)
    body: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(sa.DateTime, index=True)

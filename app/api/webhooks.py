"""Webhooks: an admin subscribes a registered system to events (`hooks.EVENT_NAMES`); each
event is written to the webhook outbox in the event's own transaction, one row per
subscription, and `webhook_jobs.send_webhooks` delivers it as a signed JSON POST.

Signature: `X-Gongchuang-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">` with
the subscription's secret, `X-Gongchuang-Timestamp` in Unix seconds (receivers refuse
anything older than five minutes, so a recorded request cannot be replayed later).

A webhook address must name a public host: private, loopback, link-local and other
reserved addresses are refused when subscribing and again, after resolving the name, before
every delivery (`WEBHOOK_ALLOW_PRIVATE` allows them, for the tests' local receiver only).
The signing secrets are kept encrypted (Fernet): with `WEBHOOK_SECRET_KEY` when set (a
Fernet key or a long passphrase, as `IDENTITY_ENCRYPTION_KEY`), else with a key derived
from `SECRET_KEY` by HKDF-SHA256 (no salt, info "gongchuang/webhook-secrets/1"). Changing
that key makes the stored secrets unreadable: their deliveries fail ("secret_unreadable")
until the admin subscribes again. A database dump alone does not sign anything.

Services only flush; the caller commits.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import secrets
import socket
import uuid
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from app import hooks
from app.accounts.models import User
from app.api.models import WebhookDelivery, WebhookSubscription
from app.api.systems import get_system
from app.audit import services as audit
from app.common.db import get_or_not_found
from app.common.time import utcnow
from app.errors import Conflict, InvalidInput, NotFound
from app.extensions import db
from app.natrecord.crypto import fernet_for

URL_MAX_LENGTH = 500
SECRET_PREFIX = "whsec_"
KDF_INFO = b"gongchuang/webhook-secrets/1"
DELIVERIES_SHOWN = 50
EVENT_LABELS = {
    "attendance.verified": _l("Attendance verified"),
    "hours.changed": _l("Verified hours changed"),
    "credit_batch.approved": _l("Credit batch approved"),
    "contribution.published": _l("Contribution published"),
    "application.decided": _l("Application decided"),
    "person.anonymised": _l("Person anonymised"),
    "summary.changed": _l("Student's volunteer summary changed (campus data hub)"),
}


class UnsafeAddress(Exception):
    """The webhook's host is not a public address, or cannot be resolved."""


# Secrets at rest ------------------------------------------------------------------------------


def _fernet() -> Fernet:
    key = current_app.config.get("WEBHOOK_SECRET_KEY")
    if key:
        return fernet_for(key)
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=KDF_INFO).derive(
        current_app.config["SECRET_KEY"].encode()
    )
    return fernet_for(derived)


def seal(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode("ascii")


def signing_secret(subscription: WebhookSubscription) -> str | None:
    """The subscription's secret in the clear, or None when the key has changed."""
    try:
        return _fernet().decrypt(subscription.encrypted_secret.encode("ascii")).decode()
    except (InvalidToken, ValueError):
        return None


# Addresses ------------------------------------------------------------------------------------


def resolve_public(host: str) -> list[str]:
    """The host's addresses, when every one is public; else UnsafeAddress. With
    WEBHOOK_ALLOW_PRIVATE (tests only) private ones pass too."""
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        raise UnsafeAddress("unresolvable") from None
    addresses = [info[4][0] for info in infos]
    if not addresses:
        raise UnsafeAddress("unresolvable")
    if current_app.config.get("WEBHOOK_ALLOW_PRIVATE"):
        return addresses
    for address in addresses:
        if not is_public(address):
            raise UnsafeAddress(f"not public: {address}")
    return addresses


def is_public(address: str) -> bool:
    """Whether an IP address is on the public internet (an IPv4 address written as IPv6,
    ::ffff:10.0.0.1, is judged as the IPv4 address it is)."""
    ip = ipaddress.ip_address(address.split("%")[0])
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def check_url(url: str | None) -> str:
    """The webhook address, an http(s) URL of a public host; InvalidInput on the form's
    `url` field otherwise."""
    url = (url or "").strip()
    if not url:
        raise InvalidInput(_("Please give the address to deliver to."), field="url")
    if len(url) > URL_MAX_LENGTH:
        raise InvalidInput(
            _("The address can be at most %(n)d characters long.", n=URL_MAX_LENGTH), field="url"
        )
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018  (raises ValueError on a bad port)
    except ValueError:
        host = None
    if parts.scheme not in ("http", "https") or not host or parts.username or parts.password:
        raise InvalidInput(_("Give an http:// or https:// address."), field="url")
    try:
        resolve_public(host)
    except UnsafeAddress:
        raise InvalidInput(
            _("This address is not reachable from the internet; internal addresses are refused."),
            field="url",
        ) from None
    return url


# Subscriptions --------------------------------------------------------------------------------


def subscribe(
    actor: User,
    system_id: int,
    *,
    url: str,
    events: list[str] | tuple[str, ...],
    now: datetime | None = None,
) -> tuple[WebhookSubscription, str]:
    """Subscribe the system to `events` at `url`; the signing secret is returned this once."""
    now = now or utcnow()
    system = get_system(system_id)
    if system.revoked_at is not None:
        raise Conflict(_("This system's token has been revoked."))
    chosen = [event for event in hooks.EVENT_NAMES if event in set(events or ())]
    if not chosen or len(chosen) != len(set(events)):
        raise InvalidInput(_("Choose at least one event."), field="events")
    url = check_url(url)
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    subscription = WebhookSubscription(
        system_id=system.id,
        url=url,
        events=" ".join(chosen),
        encrypted_secret=seal(secret),
        created_at=now,
    )
    db.session.add(subscription)
    db.session.flush()
    audit.record(
        "api.webhook_subscribed",
        subscription,
        actor=actor,
        after={"system_id": system.id, "url": url, "events": chosen},
        now=now,
    )
    return subscription, secret


def get_subscription(subscription_id: int) -> WebhookSubscription:
    return get_or_not_found(WebhookSubscription, subscription_id, _("No such webhook."))


def subscriptions_of(system_id: int) -> list[WebhookSubscription]:
    return list(
        db.session.scalars(
            select(WebhookSubscription)
            .where(WebhookSubscription.system_id == system_id)
            .order_by(WebhookSubscription.id)
        )
    )


def stop(actor: User, subscription_id: int, *, now: datetime | None = None) -> WebhookSubscription:
    """Stop a subscription: no new events are queued for it; stopping twice changes nothing."""
    subscription = get_subscription(subscription_id)
    if subscription.stopped_at is None:
        now = now or utcnow()
        subscription.stopped_at = now
        audit.record(
            "api.webhook_stopped",
            subscription,
            actor=actor,
            before={"stopped_at": None},
            after={"stopped_at": now.isoformat(timespec="seconds")},
            now=now,
        )
    return subscription


def deliveries_of(subscription: WebhookSubscription) -> list[WebhookDelivery]:
    return list(
        db.session.scalars(
            select(WebhookDelivery)
            .where(WebhookDelivery.subscription_id == subscription.id)
            .order_by(WebhookDelivery.id.desc())
            .limit(DELIVERIES_SHOWN)
        )
    )


def send_again(
    actor: User, subscription_id: int, delivery_id: int, *, now: datetime | None = None
) -> WebhookDelivery:
    """Queue a failed (or delivered) event again for this subscription, attempts afresh.
    Conflict while it is waiting or being sent: it goes out anyway."""
    now = now or utcnow()
    delivery = db.session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.subscription_id != subscription_id:
        raise NotFound(_("No such delivery."))
    queued = db.session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == delivery_id, WebhookDelivery.status.in_(("sent", "failed")))
        .values(status="pending", attempts=0, next_attempt_at=None, claimed_by=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    if queued != 1:
        raise Conflict(_("This event is already waiting to be sent."))
    audit.record(
        "api.webhook_resent",
        delivery,
        actor=actor,
        before={"status": delivery.status, "attempts": delivery.attempts},
        after={"status": "pending"},
        now=now,
    )
    db.session.expire(delivery)
    return delivery


# Events into the outbox ------------------------------------------------------------------------


def queue_event(event: str, data: dict[str, Any], now: datetime) -> int:
    """An `EVENTS` provider: one outbox row per live subscription to `event`, written in the
    event's transaction; returns how many."""
    subscriptions = db.session.scalars(
        select(WebhookSubscription).where(
            WebhookSubscription.stopped_at.is_(None),
            WebhookSubscription.events.contains(event),
        )
    )
    event_id = str(uuid.uuid4())
    payload = {
        "id": event_id,
        "event": event,
        "occurred_at": now.isoformat(timespec="seconds") + "Z",
        "data": data,
    }
    count = 0
    for subscription in subscriptions:
        if event not in subscription.event_list or subscription.system.revoked_at is not None:
            continue
        db.session.add(
            WebhookDelivery(
                subscription_id=subscription.id,
                event=event,
                event_id=event_id,
                payload=payload,
                status="pending",
                attempts=0,
                created_at=now,
            )
        )
        count += 1
    if count:
        db.session.flush()
    return count


# Signing ---------------------------------------------------------------------------------------


def body_of(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """`sha256=` and the hex HMAC-SHA256 of "<timestamp>.<body>" under `secret`."""
    message = str(timestamp).encode("ascii") + b"." + body
    return "sha256=" + hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def connect_hooks() -> None:
    hooks.EVENTS.connect(queue_event)

"""The webhook outbox job: deliver queued events, each at most once per subscription.

The email outbox's steps are shared (`app.notifications.services`): each delivery is claimed
with one conditional UPDATE in its own short transaction, so of two senders running at once
only one sends it, and recorded right after the receiver answered. A failure (no answer, a
non-2xx status, an address that now resolves to an internal network) is retried later with
exponential backoff until OUTBOX_MAX_ATTEMPTS; the last status and answer stay on the
subscription's page. The receiver's name is resolved once per delivery and every address
checked; the request then connects to the first checked address only (`http.fetch`'s
`connect_to`), so a name re-pointed at an internal address in between reaches nothing.
Registered as "app.api.webhook_jobs:send_webhooks".
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from flask import current_app

from app.api import webhooks
from app.api.models import WebhookDelivery, WebhookSubscription
from app.common import http
from app.extensions import db
from app.notifications import services as outbox
from app.notifications.jobs import due_batches

ANSWER_LENGTH = 500
MAX_ANSWER_BYTES = 64 * 1024
USER_AGENT = "Gongchuang-Webhooks/1"


@dataclass(frozen=True)
class ClaimedDelivery:
    """What sending one claimed delivery needs, read while the claim was made."""

    id: int
    subscription_id: int
    event: str
    event_id: str
    payload: dict[str, Any]
    attempts: int


def send_webhooks(*, now: datetime) -> dict[str, int]:
    """Deliver every due queued event; counts for the job's run record."""
    counts = {"sent": 0, "retrying": 0, "failed": 0}
    counts["failed"] += outbox.give_up_stale_claims(now=now, outbox=WebhookDelivery)
    db.session.commit()
    token = uuid.uuid4().hex
    for batch in due_batches(now=now, outbox=WebhookDelivery):
        for delivery_id in batch:
            claimed = outbox.claim(
                delivery_id, ClaimedDelivery, token=token, now=now, outbox=WebhookDelivery
            )
            db.session.commit()
            if claimed is None:
                continue  # another sender has it
            status = _deliver(claimed, token=token, now=now)
            db.session.commit()
            counts["retrying" if status == "pending" else status] += 1
    return counts


def headers_for(claimed: ClaimedDelivery, secret: str, body: bytes) -> dict[str, str]:
    timestamp = int(time.time())  # the receiver compares it with its own clock
    return {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        "X-Gongchuang-Event": claimed.event,
        "X-Gongchuang-Delivery": claimed.event_id,
        "X-Gongchuang-Timestamp": str(timestamp),
        "X-Gongchuang-Signature": webhooks.signature(secret, timestamp, body),
    }


def _deliver(claimed: ClaimedDelivery, *, token: str, now: datetime) -> str:
    """POST one event and record the answer; returns the delivery's new status."""
    subscription = db.session.get(WebhookSubscription, claimed.subscription_id)
    secret = webhooks.signing_secret(subscription)
    if secret is None:
        return _failed(claimed, "secret_unreadable", None, b"", token=token, now=now)
    body = webhooks.body_of(claimed.payload)
    try:
        # Resolved once: the request goes to exactly the address judged public here.
        [address, *_others] = webhooks.resolve_public(urlsplit(subscription.url).hostname or "")
        answer = http.fetch(
            "POST",
            subscription.url,
            data=body,
            headers=headers_for(claimed, secret, body),
            timeout=current_app.config["WEBHOOK_TIMEOUT"],
            max_bytes=MAX_ANSWER_BYTES,
            allow_redirects=False,
            connect_to=address,
        )
    except webhooks.UnsafeAddress as error:
        return _failed(claimed, f"refused: {error}", None, b"", token=token, now=now)
    except http.FetchFailed as error:
        return _failed(claimed, error.reason, error.status, error.body, token=token, now=now)
    outbox.mark_sent(
        claimed,
        token=token,
        now=now,
        outbox=WebhookDelivery,
        last_status=answer.status,
        last_answer=_text(answer.body),
    )
    return "sent"


def _text(body: bytes) -> str:
    return body[:ANSWER_LENGTH].decode("utf-8", "replace")[:ANSWER_LENGTH]


def _failed(
    claimed: ClaimedDelivery,
    reason: str,
    status: int | None,
    body: bytes,
    *,
    token: str,
    now: datetime,
) -> str:
    current_app.logger.warning("Webhook delivery %s failed: %s %s", claimed.id, reason, status)
    return outbox.record_failure(
        claimed,
        f"{reason} {status or ''}".strip(),
        token=token,
        permanent=False,
        max_attempts=current_app.config["OUTBOX_MAX_ATTEMPTS"],
        now=now,
        outbox=WebhookDelivery,
        last_status=status,
        last_answer=_text(body) or None,
    )

"""The WeChat outbox job: send pending template messages, each at most once.

As the email outbox (app/notifications/jobs.py): each message is claimed in its own short
transaction (two drains never send the same one) and recorded right after WeChat answered.
WeChat's `client_msg_id` is the second guard: a message sent again anyway is dropped by
WeChat. Network trouble and WeChat's busy answers are retried later with backoff; a refusal
for good (the person unfollowed, the template is gone) is recorded with WeChat's code.
Registered as "app.wechat.jobs:send_messages".
"""

from __future__ import annotations

import uuid
from datetime import datetime

import requests
from flask import current_app
from wechatpy.exceptions import WeChatClientException

from app.extensions import db
from app.notifications import services as outbox
from app.notifications.jobs import due_batches
from app.wechat import client
from app.wechat.models import OutboxWeChat
from app.wechat.outbox import ClaimedMessage, claim_message

# WeChat's answers meaning "try again later": system busy, API call limit reached.
BUSY = frozenset({-1, 45009, 45011})


def send_messages(*, now: datetime) -> dict[str, int]:
    """Send every due pending message; counts for the job's run record. Without the
    Official Account's settings nothing is touched: {"sent": 0, "skipped": <pending>}."""
    if not client.enabled():
        skipped = outbox.pending_count(OutboxWeChat)
        db.session.rollback()
        return {"sent": 0, "skipped": skipped}
    counts = {"sent": 0, "retrying": 0, "failed": 0}
    counts["failed"] += outbox.give_up_stale_claims(now=now, outbox=OutboxWeChat)
    db.session.commit()
    token = uuid.uuid4().hex
    account = client.OfficialAccount(now=now)
    for batch in due_batches(now=now, outbox=OutboxWeChat):
        if not _send_batch(account, batch, token=token, now=now, counts=counts):
            break
    return counts


def _send_batch(
    account: client.OfficialAccount,
    batch: list[int],
    *,
    token: str,
    now: datetime,
    counts: dict[str, int],
) -> bool:
    """Send one batch; False when WeChat cannot be reached, to stop the run."""
    for message_id in batch:
        claimed = claim_message(message_id, token=token, now=now)
        db.session.commit()
        if claimed is None:
            continue  # another drain has it
        status, reachable = _send_one(account, claimed, token=token, now=now)
        db.session.commit()
        counts["retrying" if status == "pending" else status] += 1
        if not reachable:
            return False
    return True


def _send_one(
    account: client.OfficialAccount, claimed: ClaimedMessage, *, token: str, now: datetime
) -> tuple[str, bool]:
    """Send and record one message: its new status, and whether WeChat could be reached."""
    try:
        answer = account.send_template(
            claimed.openid,
            claimed.template_id,
            claimed.data,
            url=claimed.url,
            client_msg_id=claimed.client_msg_id,
        )
    except (requests.RequestException, client.TokenUnavailable) as error:
        return _failed(claimed, None, f"{type(error).__name__}: {error}", token, now), False
    except WeChatClientException as error:
        code = error.errcode
        reachable = code is not None  # None: an HTTP error status, no answer from WeChat
        reason = f"{code}: {error.errmsg}" if reachable else f"HTTP error: {error}"
        return _failed(claimed, code, reason, token, now), reachable
    outbox.mark_sent(claimed, token=token, now=now, outbox=OutboxWeChat, msgid=answer.get("msgid"))
    return "sent", True


def _failed(
    claimed: ClaimedMessage, code: int | None, reason: str, token: str, now: datetime
) -> str:
    current_app.logger.warning("WeChat message %s not sent: %s", claimed.id, reason)
    return outbox.record_failure(
        claimed,
        reason,
        token=token,
        permanent=code is not None and code not in BUSY | client.TOKEN_REFUSED,
        max_attempts=current_app.config["OUTBOX_MAX_ATTEMPTS"],
        now=now,
        outbox=OutboxWeChat,
        last_error_code=code,
    )

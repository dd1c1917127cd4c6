"""Template messages: queued with the notification they carry, filled to fit WeChat's field
limits, and the outbox's steps that are WeChat's own (the drain is `jobs.send_messages`).

Services only flush; the caller commits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from flask_babel import force_locale
from sqlalchemy import insert, select

from app import hooks
from app.common.db import in_chunks
from app.common.time import to_local
from app.common.urls import external_path
from app.extensions import db
from app.notifications import kinds
from app.notifications.batches import wechat_refused
from app.notifications.models import Notification, NotificationPreference
from app.notifications.services import claim
from app.wechat import client
from app.wechat.models import OutboxWeChat, WeChatBinding, WeChatTemplate

if TYPE_CHECKING:
    from app.accounts.models import User

# What may fill a template field.
SOURCES = ("title", "body", "time", "kind", "name")
# Longest value per field type, the type being the field name without its number
# ("thing3" is a thing). WeChat refuses longer values; the old style fields (first,
# keyword1, remark) take about 200 characters.
FIELD_LIMITS = {
    "thing": 20,
    "character_string": 32,
    "number": 32,
    "letter": 32,
    "symbol": 5,
    "amount": 10,
    "phrase": 5,
    "name": 10,
    "phone_number": 17,
    "car_number": 8,
    "const": 20,
    "time": 20,
    "date": 20,
}
DEFAULT_LIMIT = 200
TIME_FORMAT = "%Y-%m-%d %H:%M"


def field_limit(field_name: str) -> int:
    return FIELD_LIMITS.get(re.sub(r"\d+$", "", field_name), DEFAULT_LIMIT)


def shorten(text: str, limit: int) -> str:
    """`text` on one line, cut to `limit` characters with "…" when longer."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def fill(fields: dict[str, str], values: dict[str, str]) -> dict[str, dict[str, str]]:
    """The template's `data`: each field's source value, shortened to the field's limit."""
    return {
        name: {"value": shorten(values.get(source, ""), field_limit(name))}
        for name, source in fields.items()
    }


def source_values(notification: Notification, user: User, kind: kinds.Kind) -> dict[str, str]:
    with force_locale(user.locale):
        label = str(kind.label)
    return {
        "title": notification.title,
        "body": notification.body,
        "time": to_local(notification.created_at).strftime(TIME_FORMAT),
        "kind": label,
        "name": user.display_name,
    }


def wants_wechat(user_id: int, kind: kinds.Kind) -> bool:
    """The person's WeChat choice for this kind; no choice means yes."""
    choice = db.session.scalar(
        select(NotificationPreference.wechat).where(
            NotificationPreference.user_id == user_id, NotificationPreference.kind == kind.id
        )
    )
    return choice is not False


def binding_of(user_id: int) -> WeChatBinding | None:
    return db.session.scalar(select(WeChatBinding).where(WeChatBinding.user_id == user_id))


def active_template(kind_id: str) -> WeChatTemplate | None:
    return db.session.scalar(
        select(WeChatTemplate).where(WeChatTemplate.kind == kind_id, WeChatTemplate.active)
    )


def queue_messages(added: list[tuple[Notification, User]], kind: kinds.Kind, now: datetime) -> int:
    """The template messages of new notifications of one kind, in their transaction (the
    `notified` hook): only when WeChat is on, the kind has an active template, the person is
    active, their WeChat is bound and they have not turned WeChat off for this kind. A few
    set-based reads and one executemany, however many people; returns how many were queued."""
    if not client.enabled():
        return 0
    template = active_template(kind.id)
    people = {user.id for _, user in added if user.active}
    if template is None or not people:
        return 0
    bindings = {
        binding.user_id: binding
        for (binding,) in in_chunks(WeChatBinding.user_id, people, WeChatBinding)
    }
    refused = wechat_refused(kind, bindings)
    rows = [
        message_row(
            bindings[user.id],
            template,
            source_values(notification, user, kind),
            url=external_path(notification.link),
            client_msg_id=f"gc-{notification.id}",
            notification_id=notification.id,
            now=now,
        )
        for notification, user in added
        if user.id in bindings and user.id not in refused
    ]
    if rows:
        db.session.flush()
        db.session.execute(insert(OutboxWeChat.__table__), rows)
    return len(rows)


def message_row(
    binding: WeChatBinding,
    template: WeChatTemplate,
    values: dict[str, str],
    *,
    url: str | None,
    client_msg_id: str,
    now: datetime,
    notification_id: int | None = None,
) -> dict[str, Any]:
    """The columns of a pending template message to `binding`'s WeChat, its fields filled
    from `values`."""
    return {
        "notification_id": notification_id,
        "user_id": binding.user_id,
        "kind": template.kind,
        "openid": binding.openid,
        "template_id": template.template_id,
        "url": url,
        "data": fill(template.fields, values),
        "client_msg_id": client_msg_id,
        "status": "pending",
        "attempts": 0,
        "created_at": now,
    }


def add_message(
    binding: WeChatBinding, template: WeChatTemplate, values: dict[str, str], **details: Any
) -> OutboxWeChat:
    """A pending template message to `binding`'s WeChat, its fields filled from `values`;
    `details` (url, client_msg_id, now, notification_id) as `message_row`'s."""
    message = OutboxWeChat(**message_row(binding, template, values, **details))
    db.session.add(message)
    db.session.flush()
    return message


# The outbox's steps (called by jobs.send_messages) ---------------------------------------


@dataclass(frozen=True)
class ClaimedMessage:
    """What the job needs to send one claimed message, read while the claim was made."""

    id: int
    openid: str
    template_id: str
    url: str | None
    data: dict[str, Any]
    client_msg_id: str
    attempts: int


def claim_message(message_id: int, *, token: str, now: datetime) -> ClaimedMessage | None:
    return claim(message_id, ClaimedMessage, token=token, now=now, outbox=OutboxWeChat)


def connect_hooks() -> None:
    hooks.NOTIFIED.connect(queue_messages)

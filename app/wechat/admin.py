"""What admins do with the Official Account's messages: map notification kinds to the
account's templates, see what went out and what failed, and send themselves a test."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.accounts.models import User
from app.audit import services as audit
from app.common.time import from_local_date, local_today, to_local
from app.errors import InvalidInput
from app.extensions import db
from app.notifications import kinds
from app.wechat.models import OutboxWeChat, WeChatBinding, WeChatTemplate
from app.wechat.outbox import SOURCES, TIME_FORMAT, add_message, binding_of

# WeChat's template ids: letters, digits, "-" and "_" (43 characters in practice).
TEMPLATE_ID = re.compile(r"^[A-Za-z0-9_-]{10,64}$")
# A template field's key: letters and "_", then digits ("thing1", "keyword2", "first").
FIELD_NAME = re.compile(r"^[a-z_]{1,30}[0-9]{0,3}$")
SOURCE_LABELS = {
    "title": _l("The notification's title"),
    "body": _l("The notification's text"),
    "time": _l("When it was sent (local time)"),
    "kind": _l("The kind of notification"),
    "name": _l("The person's name"),
}
FAILURES_SHOWN = 50


def templates_by_kind() -> dict[str, WeChatTemplate]:
    return {row.kind: row for row in db.session.scalars(select(WeChatTemplate))}


def fields_text(fields: dict[str, str]) -> str:
    """A template's fields as the settings form edits them: "thing1 = title" lines."""
    return "\n".join(f"{name} = {source}" for name, source in fields.items())


def parse_fields(text: str) -> dict[str, str]:
    """ "field = source" lines as the template's field map; bad lines are refused by name."""
    fields: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        name, _sep, source = (part.strip() for part in line.partition("="))
        if not FIELD_NAME.match(name):
            message = _("“%(name)s” is not a template field name.", name=name)
            raise InvalidInput(message, field="fields")
        if source not in SOURCES:
            raise InvalidInput(
                _(
                    "“%(source)s” cannot fill a field; use one of: %(known)s.",
                    source=source,
                    known=", ".join(SOURCES),
                ),
                field="fields",
            )
        fields[name] = source
    if not fields:
        raise InvalidInput(_("Name at least one field of the template."), field="fields")
    return fields


def save_template(
    kind_id: str, template_id: str, fields: str, *, active: bool, actor: User, now: datetime
) -> WeChatTemplate:
    """Send `kind_id` with the account's template `template_id`; audited."""
    kind = kinds.KINDS.get(kind_id)
    if kind is None:
        raise InvalidInput(_("Unknown kind of notification."))
    template_id = (template_id or "").strip()
    if not TEMPLATE_ID.match(template_id):
        raise InvalidInput(
            _("A template id is 10 to 64 letters, digits, “-” or “_”, as WeChat shows it."),
            field="template_id",
        )
    mapped = parse_fields(fields or "")
    row = db.session.scalar(select(WeChatTemplate).where(WeChatTemplate.kind == kind.id))
    before = _audited(row) if row is not None else {}
    if row is None:
        row = WeChatTemplate(kind=kind.id)
        db.session.add(row)
    row.template_id, row.fields, row.active = template_id, mapped, active
    row.updated_at, row.updated_by_id = now, actor.id
    audit.record_change(
        "wechat.template_changed", row, actor=actor, before=before, after=_audited(row), now=now
    )
    return row


def _audited(row: WeChatTemplate) -> dict:
    return {"template_id": row.template_id, "fields": dict(row.fields), "active": row.active}


@dataclass(frozen=True)
class Status:
    bound: int
    sent_today: dict[str, int]  # kind -> messages sent today
    pending: int
    failures: list[OutboxWeChat]


def status(*, now: datetime) -> Status:
    """The admin's overview: bound people, today's messages by kind, recent failures."""
    start = from_local_date(local_today(now))
    sent = db.session.execute(
        select(OutboxWeChat.kind, func.count(OutboxWeChat.id))
        .where(
            OutboxWeChat.status == "sent",
            OutboxWeChat.sent_at >= start,
            OutboxWeChat.sent_at < start + timedelta(days=1),
        )
        .group_by(OutboxWeChat.kind)
    )
    failures = db.session.scalars(
        select(OutboxWeChat)
        .options(selectinload(OutboxWeChat.user))
        .where(OutboxWeChat.status == "failed")
        .order_by(OutboxWeChat.created_at.desc(), OutboxWeChat.id.desc())
        .limit(FAILURES_SHOWN)
    )
    return Status(
        bound=db.session.scalar(select(func.count(WeChatBinding.id))),
        sent_today=dict(sent.all()),
        pending=db.session.scalar(
            select(func.count(OutboxWeChat.id)).where(OutboxWeChat.status == "pending")
        ),
        failures=list(failures),
    )


def queue_test_message(admin: User, kind_id: str, *, now: datetime) -> OutboxWeChat:
    """A test message to the admin's own WeChat with the template of `kind_id`, through the
    outbox like every other message."""
    binding = binding_of(admin.id)
    if binding is None:
        raise InvalidInput(_("Bind your own WeChat first (on your profile, from inside WeChat)."))
    template = db.session.scalar(select(WeChatTemplate).where(WeChatTemplate.kind == kind_id))
    if template is None:
        raise InvalidInput(_("Set up a template for this kind first."))
    values = {
        "title": _("Test message from Gongchuang"),
        "body": _("If you can read this, WeChat messages work."),
        "time": to_local(now).strftime(TIME_FORMAT),
        "kind": str(kinds.get(kind_id).label),
        "name": admin.display_name,
    }
    return add_message(
        binding,
        template,
        values,
        url=None,
        client_msg_id=f"gc-test-{uuid.uuid4().hex[:20]}",
        now=now,
    )

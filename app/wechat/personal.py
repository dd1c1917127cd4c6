"""A person's WeChat in their personal data export (the binding and the template messages
sent to it), and forgetting both on anonymisation."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete

from app.accounts import personal_data
from app.accounts.models import User
from app.accounts.personal_data import Rows
from app.common.rows import fields_of
from app.extensions import db
from app.wechat.models import OutboxWeChat, WeChatBinding, WeChatTemplate


def forget_person(user: User) -> None:
    for model in (OutboxWeChat, WeChatBinding):
        db.session.execute(delete(model).where(model.user_id == user.id))
    db.session.flush()


def connect_hooks() -> None:
    """This feature's sections of the personal data export, and what anonymising forgets."""
    personal_data.register_rows(
        "wechat",
        _l("WeChat"),
        {
            "wechat_binding": Rows(
                WeChatBinding.user_id, lambda row: fields_of(row, "openid", "created_at")
            ),
            "wechat_messages": Rows(
                OutboxWeChat.user_id,
                lambda row: fields_of(row, "kind", "status", "created_at", "sent_at"),
            ),
            "wechat_templates_changed": Rows(
                WeChatTemplate.updated_by_id,
                lambda row: fields_of(row, "kind", "template_id", "updated_at"),
                staff=True,
            ),
        },
        audited={"wechat_binding": WeChatBinding.user_id},
        labels={
            "wechat_binding": _l("My WeChat"),
            "openid": _l("WeChat ID under the library's Official Account"),
            "wechat_messages": _l("Messages sent to my WeChat"),
            "wechat_templates_changed": _l("WeChat templates I set up"),
            "template_id": _l("Template"),
        },
        forget=forget_person,
    )

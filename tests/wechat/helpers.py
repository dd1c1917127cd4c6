"""Bound people and templates for WeChat tests."""

from __future__ import annotations

from app.extensions import db as _db
from app.wechat.models import WeChatBinding, WeChatTemplate
from tests import factories

REMINDER_FIELDS = {"thing1": "title", "time2": "time", "thing3": "body"}


def bound_person(wechat, openid: str, *, name: str = "张三"):
    """A person whose WeChat (`openid`, following the account) is bound."""
    person = factories.person(name=name)
    _db.session.add(WeChatBinding(user_id=person.id, openid=openid))
    wechat.followers.add(openid)
    _db.session.flush()
    return person


def template(wechat, kind: str, template_id: str = "TPL_REMINDER_0123456789", fields=None):
    """An active template for `kind`, known to the fake Official Account."""
    wechat.templates.add(template_id)
    row = WeChatTemplate(
        kind=kind, template_id=template_id, fields=dict(fields or REMINDER_FIELDS), active=True
    )
    _db.session.add(row)
    _db.session.flush()
    return row

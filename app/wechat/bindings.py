"""Binding a person to their WeChat (the openid under the library's Official Account): one
WeChat per person and one person per WeChat; binding and unbinding are audited.

Services only flush; the caller commits once.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.accounts.models import User
from app.audit import services as audit
from app.common.db import add_once
from app.common.time import utcnow
from app.errors import Conflict
from app.extensions import db
from app.wechat.models import WeChatBinding

TAKEN = _l(
    "This WeChat is already bound to another account. Log in to that account and unbind it "
    "on its profile first."
)
ALREADY_BOUND = _l(
    "Your account is already bound to another WeChat. Unbind it on your profile first."
)


def binding_of(user_id: int) -> WeChatBinding | None:
    return db.session.scalar(select(WeChatBinding).where(WeChatBinding.user_id == user_id))


def binding_for(openid: str) -> WeChatBinding | None:
    return db.session.scalar(select(WeChatBinding).where(WeChatBinding.openid == openid))


def person_for(openid: str) -> User | None:
    """The active person this WeChat is bound to, if any."""
    binding = binding_for(openid)
    if binding is None or not binding.user.is_active:
        return None
    return binding.user


def bind(user: User, openid: str, *, now: datetime | None = None) -> WeChatBinding:
    """Bind `openid` to `user`; binding the same pair again changes nothing. Raises
    Conflict, having written nothing, when either side is bound to someone else already
    (also when a concurrent request bound it first)."""
    existing = binding_of(user.id)
    if existing is not None and existing.openid == openid:
        return existing
    _refuse_if_taken(user, openid, existing)
    binding = WeChatBinding(user_id=user.id, openid=openid, created_at=now or utcnow())

    def found() -> WeChatBinding | None:
        return binding_for(openid) or binding_of(user.id)

    concurrent = add_once(binding, existing=found)
    if concurrent is not None:
        if concurrent.user_id == user.id and concurrent.openid == openid:
            return concurrent
        _refuse_if_taken(user, openid, concurrent)
    audit.record("wechat.bound", binding, actor=user, after={"user_id": user.id}, now=now)
    return binding


def _refuse_if_taken(user: User, openid: str, other: WeChatBinding | None) -> None:
    if binding_for(openid) is not None:
        raise Conflict(TAKEN)
    if other is not None:
        raise Conflict(ALREADY_BOUND)


def unbind(user: User, *, now: datetime | None = None) -> bool:
    """Remove the person's binding; False when there was none."""
    binding = binding_of(user.id)
    if binding is None:
        return False
    audit.record("wechat.unbound", binding, actor=user, before={"user_id": user.id}, now=now)
    db.session.delete(binding)
    db.session.flush()
    return True

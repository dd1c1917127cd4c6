"""Binding a person to their WeChat: one each way, audited, and safe against two at once."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.accounts.models import User
from app.audit.models import AuditEntry
from app.errors import Conflict
from app.extensions import db
from app.wechat import bindings
from app.wechat.models import WeChatBinding
from tests import factories
from tests.helpers import race


def _actions() -> list[str]:
    return list(
        db.session.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.action.like("wechat.%"))
            .order_by(AuditEntry.id)
        )
    )


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(WeChatBinding))


def test_bind_then_find_the_person_by_openid(student):
    bindings.bind(student, "o_abc")
    assert bindings.person_for("o_abc") == student
    assert bindings.binding_of(student.id).openid == "o_abc"
    assert bindings.person_for("o_other") is None
    assert _actions() == ["wechat.bound"]


def test_binding_the_same_pair_again_changes_nothing(student):
    bindings.bind(student, "o_abc")
    bindings.bind(student, "o_abc")
    assert _count() == 1
    assert _actions() == ["wechat.bound"]


def test_a_wechat_bound_to_someone_else_is_refused_and_nothing_written(student, english_messages):
    other = factories.person(name="李四")
    bindings.bind(other, "o_abc")
    with pytest.raises(Conflict) as refused:
        bindings.bind(student, "o_abc")
    assert "another account" in str(refused.value.message)
    assert bindings.binding_of(student.id) is None
    assert _actions() == ["wechat.bound"]


def test_a_person_binds_one_wechat_only(student):
    bindings.bind(student, "o_abc")
    with pytest.raises(Conflict):
        bindings.bind(student, "o_second")
    assert bindings.binding_of(student.id).openid == "o_abc"
    assert bindings.person_for("o_second") is None


def test_unbind_and_rebind_are_audited(student):
    bindings.bind(student, "o_abc")
    assert bindings.unbind(student) is True
    assert bindings.person_for("o_abc") is None
    assert bindings.unbind(student) is False
    bindings.bind(student, "o_new")
    assert _actions() == ["wechat.bound", "wechat.unbound", "wechat.bound"]


def test_a_deactivated_person_is_not_found_by_their_wechat(student):
    bindings.bind(student, "o_abc")
    student.active = False
    assert bindings.person_for("o_abc") is None


def test_two_people_binding_one_wechat_at_once_one_wins(app, db):
    ids = [factories.person(name=f"人{n}").id for n in range(2)]
    db.session.commit()

    def bind(user_id: int) -> None:
        bindings.bind(db.session.get(User, user_id), "o_contested")

    outcomes = race(app, bind, ids)
    assert sorted(outcomes) == ["conflict", "ok"]
    db.session.expire_all()
    assert _count() == 1
    assert _actions() == ["wechat.bound"]


def test_one_person_binding_two_wechats_at_once_keeps_one(app, db, student):
    user_id = student.id
    db.session.commit()

    def bind(openid: str) -> None:
        bindings.bind(db.session.get(User, user_id), openid)

    outcomes = race(app, bind, ["o_one", "o_two"])
    assert sorted(outcomes) == ["conflict", "ok"]
    db.session.expire_all()
    assert _count() == 1

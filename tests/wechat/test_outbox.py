"""Notifications go out as template messages: queued with the notification, sent once by
the drain, retried on busy answers and network trouble, given up on refusals for good."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from app.extensions import db as _db
from app.notifications import services
from app.notifications.models import NotificationPreference
from app.wechat.client import ACCESS_TOKEN
from app.wechat.jobs import send_messages
from app.wechat.models import OutboxWeChat, WeChatCredential
from app.wechat.outbox import fill
from tests import factories
from tests.helpers import race
from tests.wechat.helpers import bound_person, template

NOW = datetime(2026, 3, 2, 1, 0)
KIND = "system.announcement"


@pytest.fixture
def site(app, monkeypatch):
    monkeypatch.setitem(app.config, "APP_BASE_URL", "https://gc.example.edu.cn")


def announce(person, subject: str = "周五馆员培训", message: str = "请准时到场。"):
    services.notify(
        person,
        KIND,
        context={"subject": subject, "message": message, "sender": "管理员"},
        link="/shifts/12",
        now=NOW,
    )


def messages() -> list[OutboxWeChat]:
    _db.session.expire_all()
    return list(_db.session.scalars(select(OutboxWeChat).order_by(OutboxWeChat.id)))


def test_a_notification_reaches_a_bound_persons_wechat_once(db, wechat, site):
    person = bound_person(wechat, "o_zhang")
    template(wechat, KIND)
    announce(person)
    db.session.commit()

    assert send_messages(now=NOW)["sent"] == 1
    assert send_messages(now=NOW + timedelta(minutes=1))["sent"] == 0
    (received,) = wechat.messages_to("o_zhang")
    assert received["url"] == "https://gc.example.edu.cn/shifts/12"
    assert received["data"]["thing1"]["value"] == "周五馆员培训"
    assert received["data"]["time2"]["value"] == "2026-03-02 09:00"  # Asia/Shanghai
    assert received["client_msg_id"] == f"gc-{messages()[0].notification_id}"
    assert messages()[0].status == "sent"


def test_long_values_are_shortened_to_the_fields_limits():
    data = fill({"thing1": "title", "keyword1": "body"}, {"title": "图" * 30, "body": "书" * 30})
    assert data["thing1"]["value"] == "图" * 19 + "…"
    assert data["keyword1"]["value"] == "书" * 30


def test_nothing_is_queued_without_a_binding_template_or_with_wechat_turned_off(db, wechat, site):
    unbound = factories.person()
    turned_off = bound_person(wechat, "o_off")
    db.session.add(
        NotificationPreference(user_id=turned_off.id, kind=KIND, email=False, wechat=False)
    )
    announce(unbound)
    announce(turned_off)
    assert messages() == []  # and with no template at all, nobody is queued
    template(wechat, KIND)
    announce(unbound)
    announce(turned_off)
    assert messages() == []


def test_without_wechat_settings_nothing_is_queued_or_sent(db, site):
    person = factories.person()
    announce(person)
    db.session.commit()
    assert messages() == []
    assert send_messages(now=NOW) == {"sent": 0, "skipped": 0}


def test_busy_answers_are_retried_later_and_refusals_recorded_for_good(db, wechat, site):
    busy = bound_person(wechat, "o_busy", name="甲")
    gone = bound_person(wechat, "o_gone", name="乙")
    wechat.followers.discard("o_gone")  # unfollowed the account
    template(wechat, KIND)
    announce(busy)
    announce(gone)
    db.session.commit()
    wechat.fail_next = [-1]

    counts = send_messages(now=NOW)
    assert counts == {"sent": 0, "retrying": 1, "failed": 1}
    first, second = messages()
    assert (first.status, first.last_error_code, first.attempts) == ("pending", -1, 1)
    assert first.next_attempt_at > NOW
    assert (second.status, second.last_error_code) == ("failed", 43004)
    assert "require subscribe" in second.last_error

    assert send_messages(now=NOW)["sent"] == 0  # not yet due
    assert send_messages(now=first.next_attempt_at)["sent"] == 1
    assert [m["touser"] for m in wechat.inbox] == ["o_busy"]


def test_wechat_out_of_reach_leaves_messages_pending(db, wechat, site, app, monkeypatch):
    person = bound_person(wechat, "o_zhang")
    template(wechat, KIND)
    announce(person)
    db.session.commit()
    monkeypatch.setitem(app.config, "WECHAT_API_BASE", "http://127.0.0.1:9")

    assert send_messages(now=NOW) == {"sent": 0, "retrying": 1, "failed": 0}
    assert messages()[0].status == "pending"


def test_two_drains_and_an_expired_token_send_each_message_once(app, db, wechat, site):
    people = [bound_person(wechat, f"o_p{n}", name=f"人{n}") for n in range(8)]
    template(wechat, KIND)
    for person in people:
        announce(person)
    db.session.add(
        WeChatCredential(name=ACCESS_TOKEN, value="stale", expires_at=NOW - timedelta(hours=1))
    )
    db.session.commit()

    sent: list[int] = []
    outcomes = race(app, lambda _n: sent.append(send_messages(now=NOW)["sent"]), [1, 2])
    assert outcomes == ["ok", "ok"]
    assert sum(sent) == 8  # each message sent by one drain (WeChat's dedupe is the 2nd guard)
    assert sorted(m["touser"] for m in wechat.inbox) == sorted(f"o_p{n}" for n in range(8))
    assert wechat.token_fetches == 1
    assert {m.status for m in messages()} == {"sent"}

"""notify_many: a batch tells everyone exactly what `notify` one by one would (in-app, email
and WeChat outbox alike), honouring each person's choices and the dedupe keys."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import delete, select

from app.extensions import db as _db
from app.notifications import services
from app.notifications.batches import notify_many
from app.notifications.models import Notification, NotificationPreference, OutboxEmail
from app.notifications.services import Notice
from app.wechat.models import OutboxWeChat
from tests import factories
from tests.wechat.helpers import bound_person, template

NOW = datetime(2026, 3, 2, 1, 0)
KIND = "system.announcement"  # not emailed unless chosen
EMAILED = "account.password_reset"  # emailed unless refused


@pytest.fixture
def site(app, monkeypatch):
    monkeypatch.setitem(app.config, "APP_BASE_URL", "https://gc.example.edu.cn")


def snapshot() -> dict[str, set[tuple]]:
    """Every notification, email and WeChat message, by person, without ids."""
    _db.session.expire_all()
    people = dict(_db.session.execute(select(Notification.id, Notification.user_id)).all())
    notes = {
        (row.user_id, row.kind, row.title, row.body, row.link, row.dedupe_key)
        for row in _db.session.scalars(select(Notification))
    }
    emails = {
        (people[row.notification_id], row.to_address, row.subject, row.body, row.dedupe_key)
        for row in _db.session.scalars(select(OutboxEmail))
    }
    wechat = {
        (row.user_id, row.kind, row.openid, row.template_id, row.url, str(row.data), row.status)
        for row in _db.session.scalars(select(OutboxWeChat))
        if row.client_msg_id == f"gc-{row.notification_id}"
        and people[row.notification_id] == row.user_id
    }
    return {"notifications": notes, "emails": emails, "wechat": wechat}


def forget_all() -> None:
    for model in (OutboxWeChat, OutboxEmail, Notification):
        _db.session.execute(delete(model))


def crowd(wechat):
    """People whose choices differ: defaults, email refused or chosen, WeChat bound or
    turned off, no address, deactivated."""
    plain = factories.person(name="李四")
    no_address = factories.person(name="王五", email="")
    refused = factories.person(name="赵六")
    chose = factories.person(name="Alice")
    chose.locale = "en"
    bound = bound_person(wechat, "o_bound", name="张三")
    wechat_off = bound_person(wechat, "o_off", name="钱七")
    gone = factories.person(name="孙八")
    gone.active = False
    _db.session.add_all(
        [
            NotificationPreference(user_id=refused.id, kind=EMAILED, email=False),
            NotificationPreference(user_id=chose.id, kind=KIND, email=True),
            NotificationPreference(user_id=wechat_off.id, kind=KIND, email=True, wechat=False),
            NotificationPreference(user_id=wechat_off.id, kind=EMAILED, email=True, wechat=False),
        ]
    )
    _db.session.flush()
    return [plain, no_address, refused, chose, bound, wechat_off, gone]


def notices(people, kind: str) -> list[Notice]:
    return [
        Notice(
            person,
            context={"subject": f"培训 {person.id}", "message": "请准时到场。", "sender": "管理员"},
            link=f"/shifts/{person.id}",
            dedupe_key=f"test.batch:{kind}:{person.id}",
        )
        for person in people
    ]


@pytest.mark.parametrize("kind", [KIND, EMAILED])
def test_a_batch_writes_what_notify_one_by_one_writes(db, mail_on, wechat, site, kind):
    people = crowd(wechat)
    template(wechat, kind)
    for notice in notices(people, kind):
        services.notify(
            notice.user,
            kind,
            context=notice.context,
            link=notice.link,
            now=NOW,
            dedupe_key=notice.dedupe_key,
        )
    one_by_one = snapshot()
    forget_all()

    assert notify_many(kind, notices(people, kind), now=NOW) == len(people)
    batch = snapshot()

    assert batch == one_by_one
    assert len(batch["notifications"]) == len(people)
    emailed = {row[0] for row in batch["emails"]}
    wechatted = {row[0] for row in batch["wechat"]}
    plain, _no_address, _refused, chose, bound, wechat_off, _gone = people
    if kind == KIND:
        assert emailed == {chose.id, wechat_off.id}
    else:
        assert emailed == {plain.id, chose.id, bound.id, wechat_off.id}
    assert wechatted == {bound.id}


def test_used_dedupe_keys_add_nothing_and_a_key_twice_in_a_batch_counts_once(db, mail_on):
    first, second = factories.person(), factories.person()
    services.notify(first, EMAILED, now=NOW, dedupe_key="test.batch:1")
    batch = [
        Notice(first, dedupe_key="test.batch:1"),
        Notice(second, dedupe_key="test.batch:2"),
        Notice(second, dedupe_key="test.batch:2"),
        Notice(second),
    ]

    assert notify_many(EMAILED, batch, now=NOW) == 2
    assert notify_many(EMAILED, batch[:3], now=NOW) == 0
    rows = snapshot()
    assert sorted(row[0] for row in rows["notifications"]) == sorted(
        [first.id, second.id, second.id]
    )
    assert len(rows["emails"]) == 3


def test_without_mail_or_wechat_settings_a_batch_is_in_the_app_only(db, site):
    people = [factories.person(), factories.person()]
    template_less = notices(people, EMAILED)

    assert notify_many(EMAILED, template_less, now=NOW) == 2
    rows = snapshot()
    assert len(rows["notifications"]) == 2
    assert rows["emails"] == set() and rows["wechat"] == set()


def test_a_key_used_meanwhile_stands_and_the_rest_still_go_out(db, mail_on, monkeypatch):
    first, second = factories.person(), factories.person()
    services.notify(first, EMAILED, now=NOW, dedupe_key="test.batch:race")
    # As if a concurrent caller wrote the key between the batch's check and its insert.
    monkeypatch.setattr("app.notifications.batches._fresh", lambda batch: list(batch))

    added = notify_many(
        EMAILED,
        [Notice(first, dedupe_key="test.batch:race"), Notice(second, dedupe_key="test.batch:b")],
        now=NOW,
    )

    assert added == 1
    assert sorted(row[0] for row in snapshot()["notifications"]) == sorted([first.id, second.id])


def test_a_batch_refuses_a_link_off_the_site(db):
    person = factories.person()
    with pytest.raises(services.InvalidInput):
        notify_many(KIND, [Notice(person, link="https://evil.example.com/")], now=NOW)
    assert snapshot()["notifications"] == set()

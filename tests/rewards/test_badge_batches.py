"""A first run over many people, chunked and notified in batches, awards exactly whom each
person's own evaluation qualifies and notifies them exactly as one `notify` per award did."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete, select
from sqlalchemy.orm import joinedload

from app.extensions import db as _db
from app.notifications.models import Notification, NotificationPreference, OutboxEmail
from app.rewards import badge_awarding, badge_rules
from app.rewards import jobs as rewards_jobs
from app.rewards.models import BadgeAward
from app.wechat.models import OutboxWeChat
from tests.rewards import badge_data, rewards_data
from tests.rewards.badge_data import NOW, OCTOBER_MONDAY
from tests.wechat.helpers import bound_person, template

PEOPLE = 16


@pytest.fixture
def crowd(db, app, wechat, monkeypatch):
    """People with 0..15 weekly shifts of 150 minutes (hours, shifts and streak badges at
    several thresholds), in both languages, with and without email, one bound to WeChat;
    four people per short write."""
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "APP_BASE_URL", "https://gc.example.edu.cn")
    monkeypatch.setitem(app.config, "JOB_WRITE_CHUNK", 16)
    badge_data.seed()
    place = rewards_data.place()
    template(wechat, "badges.awarded", fields={"thing1": "title", "thing2": "body"})
    people = [badge_data.person(f"志愿者{k}") for k in range(PEOPLE - 1)]
    people.append(bound_person(wechat, "o_badges", name="张三"))
    for k, who in enumerate(people):
        if k % 3 == 1:
            who.locale = "en"
        if k % 4 == 2:
            _db.session.add(
                NotificationPreference(user_id=who.id, kind="badges.awarded", email=False)
            )
        for week in range(k):
            badge_data.served(place, who, 150, start=OCTOBER_MONDAY - timedelta(weeks=week))
    _db.session.commit()
    return people


def qualifying_one_by_one(people) -> set[tuple[int, int]]:
    """(badge, person) of each lifetime badge each person's own evaluation qualifies for."""
    found = set()
    for badge in badge_rules.active_badges(badge_rules.RULES):
        for who in people:
            values = badge_rules.RULES[badge.criterion].values(badge, [who.id])
            if values and values.get(who.id, 0) >= badge.threshold:
                found.add((badge.id, who.id))
    return found


def told() -> dict[str, set[tuple]]:
    _db.session.expire_all()
    owner = dict(_db.session.execute(select(Notification.id, Notification.user_id)).all())
    return {
        "in-app": {
            (n.user_id, n.kind, n.title, n.body, n.link, n.dedupe_key)
            for n in _db.session.scalars(select(Notification))
        },
        "email": {
            (owner[e.notification_id], e.to_address, e.subject, e.body, e.dedupe_key)
            for e in _db.session.scalars(select(OutboxEmail))
        },
        "wechat": {
            (w.user_id, w.openid, w.url, str(w.data), w.client_msg_id == f"gc-{w.notification_id}")
            for w in _db.session.scalars(select(OutboxWeChat))
        },
    }


def test_a_first_run_awards_and_notifies_as_one_by_one(crowd):
    counts = rewards_jobs.evaluate_badges(now=NOW)

    _db.session.expire_all()
    awards = list(
        _db.session.scalars(
            select(BadgeAward).options(joinedload(BadgeAward.user), joinedload(BadgeAward.badge))
        )
    )
    assert {(a.badge_id, a.user_id) for a in awards} == qualifying_one_by_one(crowd)
    assert len(awards) > 2 * badge_awarding.chunk_size()  # several short writes
    assert sum(counts.values()) == 0  # the backfill gave them all; nothing left to add
    batched = told()
    assert len(batched["in-app"]) == len(awards)
    assert 0 < len(batched["email"]) < len(awards)
    assert len(batched["wechat"]) == sum(a.user_id == crowd[-1].id for a in awards) > 0

    for model in (OutboxWeChat, OutboxEmail, Notification):
        _db.session.execute(delete(model))
    for award in awards:
        badge_awarding._notify_awarded(award, now=NOW, dedupe_key=f"badges.awarded:{award.id}")
    assert told() == batched

"""Deciding a claim with real threads on the real database: two coordinators deciding at
the same moment leave one decision and tell the volunteer once."""

from __future__ import annotations

from sqlalchemy import func, select

from app.accounts.models import User
from app.extensions import db as _db
from app.notifications.models import Notification
from app.outside import services
from app.outside.models import OutsideClaim
from tests.checkin import checkin_data
from tests.helpers import race
from tests.outside import outside_data


def test_two_decisions_at_once_keep_one(app, db):
    world = outside_data.world(people=1)
    second = checkin_data.coordinator(world.team, name="C老师")
    claim = outside_data.claim(world.people[0])
    ids = (claim.id, world.boss.id, second.id)
    db.session.commit()

    def decide(choice: tuple[int, str]) -> None:
        actor_id, decision = choice
        actor = _db.session.get(User, actor_id)
        found = _db.session.get(OutsideClaim, ids[0])
        services.decide(found, decision, actor=actor, reason="证明不全")

    outcomes = race(app, decide, [(ids[1], "approve"), (ids[2], "reject")])
    assert sorted(outcomes) == ["conflict", "ok"]
    _db.session.expire_all()
    kept = _db.session.get(OutsideClaim, ids[0])
    assert kept.status == ("approved" if outcomes[0] == "ok" else "rejected")
    told = select(func.count(Notification.id)).where(Notification.kind == "outside.decided")
    assert _db.session.scalar(told) == 1

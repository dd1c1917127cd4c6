"""A form posted twice (a double click, a resent request, two posts at once) writes one
announcement, and one commendation with one notification and one award: the forms carry a
one-time token stored under a unique column."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from app.announcements.models import Announcement
from app.extensions import db as _db
from app.notifications.models import Notification
from app.recruitment.models import MemberNote
from app.rewards import defaults, points
from app.rewards.models import PointRule
from tests.announcements import announcement_data as data
from tests.helpers import page, race
from tests.recruitment import recruiting


def _count(column) -> int:
    _db.session.expire_all()
    return _db.session.scalar(select(func.count(column)))


def _token(html: str) -> str:
    return re.search(r'name="once" type="hidden" value="([^"]+)"', html).group(1)


def test_an_announcement_form_posted_twice_writes_one(client, login, db):
    where = data.place()
    db.session.commit()
    login(where.coordinator)
    token = _token(page(client.get("/announcements/new")))
    form = {
        "audience": "shift",
        "target_id": str(where.shift.id),
        "signups": "confirmed",
        "title": "明天值班请提前到",
        "body": "请提前十分钟到。",
        "once": token,
    }
    first = client.post("/announcements/new", data=form)
    second = client.post("/announcements/new", data=form)
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert _count(Announcement.id) == 1
    # A fresh form is a new announcement.
    form["once"] = _token(page(client.get("/announcements/new")))
    assert form["once"] != token
    client.post("/announcements/new", data=form)
    assert _count(Announcement.id) == 2


def test_two_posts_of_one_announcement_form_at_once_write_one(app, db):
    where = data.place()
    db.session.commit()
    coordinator_id, shift_id = where.coordinator.id, where.shift.id

    def post(_) -> None:
        from app.accounts.models import User
        from app.announcements import services
        from app.announcements.services import Draft

        coordinator = _db.session.get(User, coordinator_id)
        draft = Draft(
            audience="shift", target_id=shift_id, title="通知", body="内容", form_token="t-1"
        )
        services.write(coordinator, draft)

    assert race(app, post, [1, 2]) == ["ok", "ok"]
    assert _count(Announcement.id) == 1


def test_a_commendation_form_posted_twice_commends_and_awards_once(client, login, db):
    people = recruiting.team_with_member()
    defaults.seed_defaults()
    rule = _db.session.scalar(select(PointRule).where(PointRule.code == points.COMMENDATION))
    rule.points = 8
    db.session.commit()
    url = f"/teams/{people['team'].id}/members/{people['volunteer'].id}"
    login(people["coordinator"])
    token = _token(page(client.get(url)))
    form = {
        "kind": "commendation",
        "body": "帮读者找到了绝版书",
        "award_points": "y",
        "once": token,
    }
    for _ in range(2):
        assert client.post(f"{url}/notes", data=form).status_code == 302
    assert _count(MemberNote.id) == 1
    told = select(func.count(Notification.id)).where(
        Notification.user_id == people["volunteer"].id, Notification.kind == "recruitment.commended"
    )
    assert _db.session.scalar(told) == 1
    assert points.balance(people["volunteer"].id) == 8


def test_two_commendations_posted_at_once_from_one_form_make_one(app, db):
    people = recruiting.team_with_member()
    db.session.commit()
    team_id, volunteer_id = people["team"].id, people["volunteer"].id
    coordinator_id = people["coordinator"].id

    def post(_) -> None:
        from app.accounts.models import User
        from app.recruitment import member_notes
        from app.recruitment.models import Team

        member_notes.add(
            _db.session.get(Team, team_id),
            _db.session.get(User, volunteer_id),
            kind="commendation",
            body="认真负责",
            actor=_db.session.get(User, coordinator_id),
            form_token="t-2",
        )

    assert race(app, post, [1, 2]) == ["ok", "ok"]
    assert _count(MemberNote.id) == 1

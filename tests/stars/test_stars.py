"""Service star levels: thresholds (configured small here) met by library plus approved
outside hours, recorded and told once per level even with two evaluations at once, a level
that follows the current hours, and the public list with masked names."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.checkin import attendance_verification
from app.extensions import db as _db
from app.notifications.models import Notification
from app.outside import services as outside
from app.stars import services
from app.stars.models import StarLevelReached
from tests.feedback import feedback_data
from tests.helpers import race

NOW = datetime(2026, 11, 20, 4, 0)


@pytest.fixture(autouse=True)
def small_thresholds(app):
    app.config["STAR_LEVEL_HOURS"] = (2, 4, 6, 8, 10)
    yield
    app.config["STAR_LEVEL_HOURS"] = services.DEFAULT_THRESHOLDS


def _served(people: int = 1):
    """Each person has 2 verified library hours (one star here)."""
    return feedback_data.verified(people=people, start=NOW - timedelta(hours=4))


def _outside(person, boss, hours: str, day: date = date(2026, 11, 19)):
    claim = outside.claim(
        person,
        outside.ClaimFields("望江社区", day, hours, evidence_link="https://example.org/p"),
        now=NOW,
    )
    return outside.decide(claim, "approve", actor=boss, now=NOW)


def _told(user_id: int) -> list[int]:
    rows = _db.session.scalars(
        select(Notification).where(
            Notification.user_id == user_id, Notification.kind == "stars.reached"
        )
    )
    return sorted(row.id for row in rows)


def test_defaults_are_the_common_rule(app):
    assert services.DEFAULT_THRESHOLDS == (100, 300, 600, 1000, 1500)


def test_library_and_outside_hours_together_reach_levels(db):
    world, _records = _served()
    person = world.people[0]
    assert services.stars_of(person.id).level == 1
    _outside(person, world.boss, "3")  # 2 + 3 = 5 h: two stars
    stars = services.stars_of(person.id)
    assert (stars.level, stars.library_minutes, stars.outside_minutes) == (2, 120, 180)
    assert stars.next_hours == 6 and stars.missing_hours == 1
    assert services.evaluate(now=NOW) == 2
    levels = _db.session.scalars(select(StarLevelReached.level).order_by(StarLevelReached.level))
    assert list(levels) == [1, 2]
    assert len(_told(person.id)) == 2
    assert services.evaluate(now=NOW + timedelta(hours=1)) == 0
    assert len(_told(person.id)) == 2


def test_a_level_follows_the_current_hours_and_is_not_told_again(db):
    world, records = _served()
    person = world.people[0]
    _outside(person, world.boss, "2.5")  # 4.5 h: two stars
    services.evaluate(now=NOW)
    attendance_verification.unverify(records[0], actor=world.boss, reason="记错了", now=NOW)
    assert services.stars_of(person.id).level == 1  # 2.5 h left
    assert [star.level for star in services.new_stars(now=NOW)] == [1]
    attendance_verification.verify(records[0], actor=world.boss, now=NOW)
    services.evaluate(now=NOW + timedelta(days=1))
    assert services.stars_of(person.id).level == 2
    assert len(_told(person.id)) == 2  # reaching two stars again is not news


def test_the_public_list_masks_names_and_leaves_hidden_people_out(db, client):
    world, _records = _served(people=2)
    world.people[1].hide_from_boards = True
    services.evaluate(now=NOW)
    shown = services.new_stars(now=NOW + timedelta(days=1))
    assert [star.name for star in shown] == ["志*1"]
    assert services.new_stars(now=NOW + timedelta(days=91)) == []
    _db.session.commit()
    page = client.get("/stars/new").get_data(as_text=True)
    assert 'data-testid="new-stars"' in page or 'data-testid="no-new-stars"' in page
    assert world.people[0].name not in page


def test_two_evaluations_at_once_record_and_tell_each_level_once(app, db):
    _served(people=3)
    _db.session.commit()
    counts: list[int] = []

    def run(_n: int) -> None:
        counts.append(services.evaluate(now=NOW))

    assert race(app, run, [1, 2]) == ["ok", "ok"]
    assert sum(counts) == 3
    _db.session.expire_all()
    assert _db.session.scalar(select(func.count(StarLevelReached.id))) == 3
    told = select(func.count(Notification.id)).where(Notification.kind == "stars.reached")
    assert _db.session.scalar(told) == 3


def test_the_level_shows_on_my_hours_achievements_profile_and_report(db, client, login):
    world, _records = _served()
    _outside(world.people[0], world.boss, "3")  # 5 h: two stars here
    _db.session.commit()
    login(world.people[0])
    for address in ("/hours", "/achievements", "/profile"):
        assert 'data-testid="star-level" data-level="2"' in client.get(address).get_data(
            as_text=True
        ), address
    report = client.get("/me/report/2026").get_data(as_text=True)
    assert 'data-testid="report-stars" data-level="2"' in report


def test_a_service_certificate_states_the_star_level(app, db):
    from app.checkin import certificates
    from app.common.time import local_today

    world, _records = feedback_data.verified(people=1)
    today = local_today()
    with app.test_request_context():
        period = certificates.period_from(None, today - timedelta(days=30), today)
        certificate, _pdf = certificates.issue_certificate(world.people[0], period)
    assert certificate.content["star_level"] == 1


def test_a_star_level_certificate_is_verified_like_a_service_certificate(db, client, login):
    world, _records = _served()
    _outside(world.people[0], world.boss, "3")
    _db.session.commit()
    login(world.people[0])
    issued = client.post("/stars/certificate")
    assert issued.status_code == 302 and issued.headers["Location"].endswith(".pdf")
    pdf = client.get(issued.headers["Location"])
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF-")
    from app.checkin.models import Certificate

    certificate = _db.session.scalar(select(Certificate))
    assert (certificate.content["kind"], certificate.content["star_level"]) == ("star_level", 2)
    assert certificate.total_minutes == 300
    shown = client.get(f"/certificates/verify/{certificate.number}")
    text = shown.get_data(as_text=True)
    assert shown.status_code == 200 and 'data-testid="certificate-hours">5<' in text
    assert 'data-testid="certificate-stars" data-level="2"' in text


def test_no_star_level_certificate_below_one_star(db, client, login):
    world, _records = _served()
    _db.session.commit()
    from flask import current_app

    current_app.config["STAR_LEVEL_HOURS"] = (3, 4, 6, 8, 10)
    login(world.people[0])
    answer = client.post("/stars/certificate")
    assert answer.status_code == 302 and answer.headers["Location"].endswith("#stars")
    from app.checkin.models import Certificate

    assert _db.session.scalar(select(func.count(Certificate.id))) == 0

"""Badges of a star volunteer level (judged by the stars service: library plus approved
outside hours, thresholds configured small here) and of books borrowed: offered on the new
badge form with the star thresholds named, backfilled by the job, given at the next
evaluation to whoever reaches the level later, and taken back with the hours."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.accounts.models import User
from app.checkin.models import Attendance
from app.extensions import db as _db
from app.outside import services as outside
from app.rewards import badge_awarding, badge_creation
from app.stars import services as stars
from tests.feedback import feedback_data
from tests.helpers import page
from tests.rewards import badge_data, rewards_data
from tests.rewards.badge_data import NOW, OCTOBER_MONDAY
from tests.rewards.test_badge_creation import badge_count, badge_named, new_badge


@pytest.fixture(autouse=True)
def small_thresholds(app):
    app.config["STAR_LEVEL_HOURS"] = (2, 4, 6, 8, 10)
    yield
    app.config["STAR_LEVEL_HOURS"] = stars.DEFAULT_THRESHOLDS


@pytest.fixture
def volunteers(db):
    """三星 with 7 verified hours (level 3), 刚好 with exactly 6 (level 3), 二星 with 4
    (level 2), 新人 with 1 (no star)."""
    place = rewards_data.place()
    people = {}
    for name, hours in (("三星", 7), ("刚好", 6), ("二星", 4), ("新人", 1)):
        people[name] = badge_data.person(name)
        badge_data.served(place, people[name], hours * 60, start=OCTOBER_MONDAY)
    _db.session.commit()
    return place, people


def three_stars(**changes) -> dict:
    fields = {
        "criterion": "star_level",
        "name_zh": "三星志愿者",
        "name_en": "Three-star volunteer",
        "threshold": "3",
    }
    return new_badge(**{**fields, **changes})


def test_a_three_star_badge_goes_to_those_at_level_three_and_later_to_who_reaches_it(
    client, login, admin, volunteers
):
    place, people = volunteers
    login(admin)

    response = client.post("/admin/badges/new", data=three_stars())

    assert response.status_code == 302
    badge = badge_named("Three-star volunteer")
    assert (badge.criterion, badge.threshold) == ("star_level", 3)
    assert badge_creation.backfill_pending(now=NOW) == {"backfilled": 1, "awarded": 2}
    _db.session.commit()
    assert badge_data.holders(badge) == {people["三星"].id, people["刚好"].id}

    later = NOW + timedelta(days=3)
    badge_data.served(place, people["二星"], 120, start=later - timedelta(hours=5))
    _db.session.commit()
    assert stars.stars_of(people["二星"].id).level == 3

    assert badge_awarding.evaluate_all(now=later)["awarded"] == 1
    _db.session.commit()
    assert badge_data.holders(badge) == {people["三星"].id, people["刚好"].id, people["二星"].id}
    assert badge_awarding.evaluate_all(now=later + timedelta(hours=1))["awarded"] == 0


def test_a_revocable_star_badge_follows_hours_taken_back(client, login, admin, volunteers):
    _place, people = volunteers
    login(admin)
    client.post("/admin/badges/new", data=three_stars(revocable="y"))
    badge = badge_named("Three-star volunteer")
    badge_creation.backfill_pending(now=NOW)
    _db.session.commit()

    rewards_data.unverify(_verified_of(people["刚好"]))
    _db.session.commit()
    assert stars.stars_of(people["刚好"].id).level == 0

    assert badge_awarding.evaluate_all(now=NOW + timedelta(hours=1))["revoked"] == 1
    _db.session.commit()
    assert badge_data.holders(badge) == {people["三星"].id}


def _verified_of(who: User) -> Attendance:
    query = select(Attendance).where(
        Attendance.user_id == who.id, Attendance.verified_at.is_not(None)
    )
    return _db.session.scalars(query).one()


def test_a_star_level_beyond_five_is_refused_and_five_is_taken(client, login, admin, volunteers):
    login(admin)
    before = badge_count()

    refused = page(client.post("/admin/badges/new", data=three_stars(threshold="6")))

    assert re.search(r'class="form-control is-invalid"[^>]*id="threshold"', refused)
    assert 'class="form-select is-invalid"' not in refused  # the kind itself is fine
    assert badge_count() == before
    five = client.post("/admin/badges/new", data=three_stars(threshold="5"))
    assert five.status_code == 302 and badge_named("Three-star volunteer").threshold == 5


def test_the_form_offers_star_levels_and_books_and_names_the_star_hours(client, login, admin):
    login(admin)

    text = page(client.get("/admin/badges/new"))

    assert 'value="star_level"' in text and 'value="books_borrowed"' in text
    assert 'data-testid="star-level-hours"' in text
    for level, hours in enumerate((2, 4, 6, 8, 10), start=1):
        assert f'data-level="{level}" data-hours="{hours}"' in text


def test_a_books_borrowed_badge_counts_loans_of_every_month(client, login, admin, volunteers):
    _place, people = volunteers
    badge_data.reading(people["三星"], "2026-09", loans=6)
    badge_data.reading(people["三星"], "2026-10", loans=4)  # 10 over two months
    badge_data.reading(people["二星"], "2026-10", loans=9, visits=30)
    _db.session.commit()
    login(admin)

    response = client.post(
        "/admin/badges/new",
        data=new_badge(
            criterion="books_borrowed", name_zh="借书十本", name_en="Ten books", threshold="10"
        ),
    )

    assert response.status_code == 302
    badge = badge_named("Ten books")
    assert badge_creation.backfill_pending(now=NOW)["awarded"] == 1
    _db.session.commit()
    assert badge_data.holders(badge) == {people["三星"].id}


def test_approved_outside_hours_count_toward_a_star_badge(client, login, admin, db):
    world, _records = feedback_data.verified(people=1, start=NOW - timedelta(hours=4))
    person = world.people[0]  # 2 library hours: one star
    claim = outside.claim(
        person,
        outside.ClaimFields("望江社区", date(2026, 11, 1), "4", evidence_link="https://e.org/p"),
        now=NOW,
    )
    _db.session.commit()
    login(admin)
    client.post("/admin/badges/new", data=three_stars())
    badge = badge_named("Three-star volunteer")
    assert badge_creation.backfill_pending(now=NOW)["awarded"] == 0  # the claim is pending

    outside.decide(claim, "approve", actor=world.boss, now=NOW)  # 2 + 4 = 6 h: three stars
    _db.session.commit()

    assert badge_awarding.evaluate_all(now=NOW + timedelta(hours=1))["awarded"] == 1
    _db.session.commit()
    assert badge_data.holders(badge) == {person.id}

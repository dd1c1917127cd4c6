"""The achievements page: balance, level and progress, hours, history with links."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.rewards import defaults, points
from app.rewards.models import Badge, BadgeAward
from app.shifts.models import ShiftSignup
from tests.helpers import page
from tests.rewards import rewards_data as data

NOW = data.START + timedelta(days=1)


def shown(html: str, name: str) -> str:
    match = re.search(rf'data-testid="{re.escape(name)}"[^>]*>([^<]*)<', html)
    assert match, name
    return match.group(1).strip()


@pytest.fixture
def volunteer(db):
    """A member with 2.5 h verified (25 points), a training (20) and a no-show (-10): 35."""
    defaults.seed_defaults()
    place = data.place()
    person = data.member(place, name="王五")
    data.worked(place, person, minutes=150)
    data.trained(place, person)
    data.no_show(data.shift(place, start=data.START + timedelta(days=2)), person)
    points.award_pending(now=NOW)
    db.session.commit()
    return person


def test_the_page_shows_balance_level_hours_and_history(client, login, in_english, volunteer):
    login(volunteer)
    html = page(client.get("/achievements"))
    assert shown(html, "balance") == "35"
    assert shown(html, "level") == "Sprout"
    assert shown(html, "hours") == "2.5"
    assert "65 points to Seedling" in html
    assert 'value="35" max="100"' in html
    assert "Verified service hours" in html and "Training completed" in html and "No-show" in html
    assert html.count('data-testid="entry-') == 3
    assert "/hours" in html and "/reliability/me" in html


def test_the_level_name_follows_the_language(client, login, volunteer):
    login(volunteer)
    assert shown(page(client.get("/achievements")), "level") == "新芽"


def test_reversed_entries_are_marked(client, login, in_english, volunteer, admin, db):
    entry = points.db.session.scalar(
        points.history_query(volunteer.id).where(points.PointEntry.kind == "training_completed")
    )
    points.reverse_by_admin(entry, reason="培训未完成", actor=admin)
    db.session.commit()
    login(volunteer)
    html = page(client.get("/achievements"))
    assert f'data-testid="reversed-{entry.id}"' in html
    assert "培训未完成" in html
    assert shown(html, "balance") == "15"


def test_the_history_is_paginated(client, login, app, db):
    person = data.person()
    for n in range(app.config["PAGE_SIZE"] + 3):
        points.award(
            person.id, 1, kind="adjustment", key=f"test:{n}", occurred_at=NOW + timedelta(minutes=n)
        )
    db.session.commit()
    login(person)
    first = page(client.get("/achievements"))
    second = page(client.get("/achievements?page=2"))
    assert first.count('data-testid="entry-') == app.config["PAGE_SIZE"]
    assert second.count('data-testid="entry-') == 3
    assert client.get("/achievements?page=x").status_code == 200


def test_someone_without_points_sees_an_empty_page(client, login, student):
    login(student)
    response = client.get("/achievements")
    assert response.status_code == 200
    assert shown(page(response), "balance") == "0"
    assert 'data-testid="no-history"' in page(response)


def test_people_see_only_their_own_points(client, login, volunteer, student):
    login(student)
    html = page(client.get("/achievements"))
    assert shown(html, "balance") == "0"
    assert "总服务台值班" not in html


def test_badges_earned_and_next_are_shown(client, login, in_english, volunteer, db):
    shift_badge = db.session.scalar(select(Badge).where(Badge.code == "shifts_5"))
    db.session.add(BadgeAward(badge=shift_badge, user_id=volunteer.id, public_id="a" * 32))
    db.session.commit()
    login(volunteer)
    html = page(client.get("/achievements"))
    assert 'data-testid="badge-shifts_5"' in html
    assert "/badges/" + "a" * 32 in html
    assert 'data-testid="next-shifts_5"' not in html
    assert 'data-testid="next-hours_10"' in html
    assert "2.5 / 10" in html


def test_an_excused_no_show_reads_as_excused(client, login, in_english, volunteer, db):
    signup = db.session.scalar(select(ShiftSignup).where(ShiftSignup.user_id == volunteer.id))
    data.excuse(signup)
    points.award_pending(now=NOW + timedelta(hours=1))
    db.session.commit()
    login(volunteer)
    html = page(client.get("/achievements"))
    assert "No-show excused" in html
    assert shown(html, "balance") == "45"


def test_a_badge_reached_but_not_yet_awarded_is_said_to_come_not_counted_past_done(
    client, login, db
):
    defaults.seed_defaults()
    place = data.place()
    person = data.member(place, name="赵六")
    data.worked(place, person, minutes=720)  # 12 h: past the 10-hour badge, before tonight's job
    db.session.commit()
    login(person)

    for url in ("/achievements", "/badges/mine"):
        html = page(client.get(url))
        assert 'data-testid="reached-hours_10"' in html, url
        assert not re.search(r"\b12(\.0)? / 10\b", html), url

"""The volunteer's shift pages, through HTTP."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from icalendar import Calendar

from app.shifts import signups
from app.shifts.models import ShiftSignup
from tests.helpers import page, text_download
from tests.shifts import signup_data as data


@pytest.fixture
def setting(db):
    team = data.team()
    task = data.task(team, title="总服务台值班", location="一楼")
    shift = data.shift(task, capacity=1)
    person = data.member(team, name="王五")
    db.session.commit()
    return team, shift, person


def test_a_member_sees_an_open_shift_and_signs_up_in_one_tap(client, english_login, db, setting):
    _team, shift, person = setting
    english_login(person)
    listing = page(client.get("/shifts/"))
    assert "总服务台值班" in listing and "Sign up" in listing
    response = client.post(f"/shifts/{shift.id}/signup", data={"back": "index"})
    assert response.status_code == 302
    listing = page(client.get("/shifts/"))
    assert "Confirmed" in listing and "1 of 1" in listing
    db.session.expire_all()
    assert db.session.get(type(shift), shift.id).confirmed_count == 1


def test_a_full_shift_offers_the_waitlist_with_the_number_ahead(client, english_login, db, setting):
    team, shift, person = setting
    for _ in range(2):
        signups.sign_up(shift, data.member(team))
    db.session.commit()
    english_login(person)
    assert "Join waitlist (1 ahead)" in page(client.get("/shifts/"))
    response = client.post(f"/shifts/{shift.id}/signup", follow_redirects=True)
    assert "number 2 on the waitlist" in page(response)
    assert "place 2" in page(client.get("/shifts/"))


def test_cancel_button_and_the_deadline(client, english_login, db, setting):
    team, shift, person = setting
    late_shift = data.shift(data.task(team, title="闭馆巡查"), starts_in=timedelta(hours=3))
    early = signups.sign_up(shift, person)
    late = signups.sign_up(late_shift, person)
    db.session.commit()
    english_login(person)
    mine = page(client.get("/shifts/mine"))
    assert "闭馆巡查" in mine and "ask a coordinator" in mine
    response = client.post(f"/shifts/signups/{late.id}/cancel", follow_redirects=True)
    assert "ask a coordinator" in page(response)
    client.post(f"/shifts/signups/{early.id}/cancel")
    db.session.expire_all()
    assert db.session.get(ShiftSignup, early.id).status == "cancelled"
    assert db.session.get(ShiftSignup, late.id).status == "confirmed"


def test_nobody_cancels_someone_elses_signup(client, english_login, db, setting):
    team, shift, person = setting
    signup = signups.sign_up(shift, data.member(team))
    db.session.commit()
    english_login(person)
    assert client.post(f"/shifts/signups/{signup.id}/cancel").status_code == 404
    db.session.expire_all()
    assert db.session.get(ShiftSignup, signup.id).status == "confirmed"


def test_a_non_member_is_told_why_and_cannot_sign_up(client, english_login, db, setting):
    _team, shift, _person = setting
    outsider = data.member(data.team())
    db.session.commit()
    english_login(outsider)
    assert "总服务台值班" not in page(client.get("/shifts/"))
    response = client.post(f"/shifts/{shift.id}/signup", follow_redirects=True)
    assert "Only active members" in page(response)
    assert client.post("/shifts/99999/signup").status_code == 404


def test_my_shifts_shows_a_month_calendar(client, english_login, db, setting):
    _team, shift, person = setting
    signups.sign_up(shift, person)
    db.session.commit()
    english_login(person)
    month = (shift.starts_at + timedelta(hours=8)).strftime("%Y-%m")
    mine = page(client.get(f"/shifts/mine?month={month}"))
    assert mine.count('data-testid="calendar-entry"') == 1
    assert client.get("/shifts/mine?month=bad").status_code == 200


def test_filters_accept_bad_input_without_error(client, english_login, setting):
    english_login(setting[2])
    assert client.get("/shifts/?week=notadate&task=x&location=nowhere").status_code == 200


def test_calendar_feed_address_is_shown_once_and_can_be_revoked(client, english_login, db, setting):
    _team, shift, person = setting
    signups.sign_up(shift, person)
    db.session.commit()
    english_login(person)
    created = page(client.post("/shifts/calendar", data={"do": "create"}))
    url = re.search(r'value="(http[^"]+\.ics)"', created).group(1)
    path = url.split("localhost", 1)[1]
    assert url not in page(client.get("/shifts/calendar"))
    client.post("/logout")
    feed = client.get(path)
    assert "BEGIN:VCALENDAR" in text_download(feed, "text/calendar; charset=utf-8")
    assert len(list(Calendar.from_ical(feed.data).walk("VEVENT"))) == 1
    english_login(person)
    client.post("/shifts/calendar", data={"do": "revoke"})
    assert client.get(path).status_code == 404
    assert client.get("/shifts/feed/unknown.ics").status_code == 404


def test_nav_has_a_shifts_link(client, english_login, setting):
    english_login(setting[2])
    assert 'data-testid="nav-shifts"' in page(client.get("/shifts/mine"))


def test_my_shifts_lists_a_running_shift_under_in_progress_not_coming_up(client, login, db):
    team = data.team()
    task = data.task(team)
    person = data.member(team)
    running = data.shift(task, starts_in=timedelta(days=2))
    coming = data.shift(task, starts_in=timedelta(days=3))
    held = [signups.sign_up(shift, person) for shift in (running, coming)]
    running.starts_at -= timedelta(days=2, hours=1)  # started an hour ago, ends in two hours
    running.ends_at -= timedelta(days=2, hours=1)
    db.session.commit()
    login(person)
    mine = page(client.get("/shifts/mine"))
    assert 'data-testid="group-running"' in mine
    assert f'data-testid="running-{held[0].id}"' in mine
    assert f'data-testid="upcoming-{held[0].id}"' not in mine
    assert f'data-testid="upcoming-{held[1].id}"' in mine
    assert mine.index('data-testid="group-running"') < mine.index('data-testid="group-upcoming"')

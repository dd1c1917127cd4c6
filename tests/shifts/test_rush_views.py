"""The rush's pages through HTTP: the coordinator sets the opening and the limits; the
volunteer's list shows the countdown and the server refuses an early tap."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.common.time import to_local, utcnow
from app.shifts.models import Shift, ShiftSignup
from tests.helpers import page
from tests.recruitment import recruiting
from tests.shifts import signup_data as data


def _world(db):
    team = data.team()
    task = data.task(team)
    shifts = [data.shift(task, starts_in=timedelta(days=d)) for d in (3, 4)]
    boss = recruiting.coordinator(team)
    volunteer = data.member(team)
    db.session.commit()
    return task, shifts, boss, volunteer


def test_the_coordinator_sets_the_opening_and_the_volunteer_sees_a_countdown(client, login, db):
    task, shifts, boss, volunteer = _world(db)
    login(boss)
    assert 'data-testid="opening-form"' in page(client.get(f"/tasks/{task.id}/opening"))
    opens = to_local(utcnow() + timedelta(days=1))
    response = client.post(
        f"/tasks/{task.id}/opening",
        data={"opens_day": opens.date().isoformat(), "opens_time": opens.strftime("%H:%M")},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert all(db.session.get(Shift, s.id).signup_opens_at is not None for s in shifts)
    task_page = page(client.get(f"/tasks/{task.id}"))
    assert all(f'data-testid="opens-{s.id}"' in task_page for s in shifts)

    client.post("/logout")
    login(volunteer)
    listing = page(client.get("/shifts/"))
    assert listing.count('data-testid="countdown"') == 2
    assert "data-server-now" in listing and "signup-countdown.js" in listing
    assert 'data-testid="no-shifts"' not in listing  # not "none of these can be signed up for"
    response = client.post(f"/shifts/{shifts[0].id}/signup", data={"back": "index"})
    assert response.status_code == 302
    assert db.session.scalar(select(ShiftSignup).where(ShiftSignup.user_id == volunteer.id)) is None


def test_half_an_opening_or_a_bad_limit_is_shown_on_the_form(client, login, db):
    task, _shifts, boss, _volunteer = _world(db)
    login(boss)
    response = client.post(f"/tasks/{task.id}/opening", data={"opens_day": "2030-01-01"})
    assert response.status_code == 400 and "is-invalid" in page(response)
    response = client.post(f"/tasks/{task.id}/limits", data={"max_per_week": "0"})
    assert response.status_code == 400 and "is-invalid" in page(response)
    response = client.post(f"/tasks/{task.id}/limits", data={"max_per_week": "abc"})
    assert response.status_code == 400


def test_the_coordinator_sets_limits_and_the_task_page_shows_them(client, login, db):
    task, _shifts, boss, _volunteer = _world(db)
    login(boss)
    response = client.post(
        f"/tasks/{task.id}/limits",
        data={"max_per_week": "2", "max_future": "3", "draw_minutes": "10"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    changed = db.session.get(type(task), task.id)
    assert (changed.max_per_week, changed.max_per_month, changed.max_future) == (2, None, 3)
    assert changed.draw_minutes == 10
    assert 'data-testid="limit-rules"' in page(client.get(f"/tasks/{task.id}"))


def test_forged_sign_ups_for_a_closed_cancelled_or_past_shift_are_refused_and_write_nothing(
    client, login, db
):
    from app.shifts.models import ShiftDrawEntry

    team = data.team()
    drawn_task = data.task(team, draw_minutes=10)
    not_open = data.shift(drawn_task)
    not_open.signup_opens_at = utcnow() + timedelta(seconds=90)
    cancelled = data.shift(data.task(team))
    cancelled.status = "cancelled"
    past = data.shift(data.task(team), starts_in=timedelta(days=-1))
    running = data.shift(data.task(team), starts_in=timedelta(hours=-1))
    volunteer = data.member(team)
    db.session.commit()
    login(volunteer)
    for shift in (not_open, cancelled, past, running):
        response = client.post(f"/shifts/{shift.id}/signup", data={"back": "index"})
        assert response.status_code == 302
        assert 'class="alert alert-danger' in page(client.get(response.location))
    assert db.session.scalars(select(ShiftSignup)).all() == []
    assert db.session.scalars(select(ShiftDrawEntry)).all() == []

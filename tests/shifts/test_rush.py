"""Sign-up opening at a set time and limits per person (app/shifts/rush.py)."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from sqlalchemy import select

from app.common.time import local_today, utc_of_local, utcnow
from app.errors import InvalidInput
from app.shifts import rush, signups
from app.shifts.eligibility import shift_eligibility
from tests import factories
from tests.shifts import signup_data as data


def _opening_later(minutes: int = 30):
    team = data.team()
    task = data.task(team)
    shift = data.shift(task, capacity=2)
    now = utcnow().replace(microsecond=0)
    shift.signup_opens_at = now + timedelta(minutes=minutes)
    return team, task, shift, now


def test_a_sign_up_before_the_opening_is_refused_with_the_countdown(db):
    team, _task, shift, now = _opening_later(30)
    person = data.member(team)
    with pytest.raises(InvalidInput) as refused:
        signups.sign_up(shift, person, now=now + timedelta(seconds=1))
    assert "0:29:59" in refused.value.message
    assert shift_eligibility(shift, person, now=now).codes == ["not_open"]
    assert shift.confirmed_count == 0


def test_a_sign_up_at_the_opening_moment_gets_a_place(db):
    team, _task, shift, _now = _opening_later(30)
    person = data.member(team)
    signup = signups.sign_up(shift, person, now=shift.signup_opens_at)
    assert signup.status == "confirmed"


def test_countdown_reads_days_hours_minutes_seconds():
    now = utcnow()
    assert rush.countdown(now + timedelta(days=1, hours=2, minutes=3, seconds=4), now) == (
        "1d 2:03:04"
    )
    assert rush.countdown(now - timedelta(seconds=5), now) == "0:00:00"


def test_a_coordinator_sets_the_opening_for_a_batch_of_coming_shifts(db):
    team = data.team()
    task = data.task(team)
    now = utcnow().replace(microsecond=0)
    soon = data.shift(task, starts_in=timedelta(hours=5), now=now)
    later = [data.shift(task, starts_in=timedelta(days=d), now=now) for d in (3, 4)]
    other = data.shift(data.task(team), starts_in=timedelta(days=3), now=now)
    coordinator = factories.person(roles=["coordinator"])
    opens = now + timedelta(days=1)
    count = rush.set_opening(task, rush.OpeningChoice(opens_at=opens), actor=coordinator, now=now)
    # The shift starting before the opening stays open; another task's shift is untouched.
    assert count == 2
    assert [s.signup_opens_at for s in later] == [opens, opens]
    assert soon.signup_opens_at is None and other.signup_opens_at is None


def test_an_opening_after_every_shift_is_refused(db):
    team = data.team()
    task = data.task(team)
    now = utcnow()
    data.shift(task, starts_in=timedelta(hours=5), now=now)
    with pytest.raises(InvalidInput) as refused:
        rush.set_opening(
            task,
            rush.OpeningChoice(opens_at=now + timedelta(days=1)),
            actor=factories.person(roles=["coordinator"]),
            now=now,
        )
    assert refused.value.field == "opens_at"


def _limited(**limits):
    team = data.team()
    task = data.task(team, **limits)
    return team, task


def test_the_weekly_limit_refuses_naming_it_and_counts_the_waitlist(db):
    team, task = _limited(max_per_week=2)
    person = data.member(team)
    now = utcnow()
    # Three shifts on consecutive days of one local week (starting next Monday).
    days_to_monday = 7 - now.weekday() + 7
    shifts = [
        data.shift(task, starts_in=timedelta(days=days_to_monday + d), capacity=1, now=now)
        for d in range(3)
    ]
    signups.sign_up(shifts[0], data.member(team), now=now)  # fills the first: waitlisted
    assert signups.sign_up(shifts[0], person, now=now).status == "waitlisted"
    signups.sign_up(shifts[1], person, now=now)
    with pytest.raises(InvalidInput) as refused:
        signups.sign_up(shifts[2], person, now=now)
    assert refused.value.field == "limit_week"


def test_the_future_limit_and_a_cancelled_place_frees_it(db):
    team, task = _limited(max_future=1)
    person = data.member(team)
    now = utcnow()
    first = data.shift(task, starts_in=timedelta(days=2), now=now)
    second = data.shift(task, starts_in=timedelta(days=40), now=now)
    signup = signups.sign_up(first, person, now=now)
    with pytest.raises(InvalidInput) as refused:
        signups.sign_up(second, person, now=now)
    assert refused.value.field == "limit_future"
    signups.cancel(signup, actor=person, now=now)
    assert signups.sign_up(second, person, now=now).status == "confirmed"


def _on_day(task, day):
    """A shift of the task at 10:00 local time on `day`."""
    shift = data.shift(task)
    shift.starts_at = utc_of_local(day, time(10))
    shift.ends_at = shift.starts_at + timedelta(hours=3)
    return shift


def test_the_monthly_limit_counts_only_this_tasks_shifts_in_that_month(db):
    team, task = _limited(max_per_month=1)
    other_task = data.task(team)
    person = data.member(team)
    now = utcnow()
    month = (local_today(now).replace(day=1) + timedelta(days=70)).replace(day=1)
    first = _on_day(task, month + timedelta(days=9))
    elsewhere = _on_day(other_task, month + timedelta(days=10))
    next_month = _on_day(task, (month + timedelta(days=32)).replace(day=1))
    signups.sign_up(first, person, now=now)
    signups.sign_up(elsewhere, person, now=now)
    assert signups.sign_up(next_month, person, now=now).status == "confirmed"
    with pytest.raises(InvalidInput) as refused:
        signups.sign_up(_on_day(task, month + timedelta(days=20)), person, now=now)
    assert refused.value.field == "limit_month"


def test_lowering_a_limit_keeps_the_places_people_hold(db):
    team, task = _limited()
    person = data.member(team)
    now = utcnow()
    held = [
        signups.sign_up(data.shift(task, starts_in=timedelta(days=d), now=now), person, now=now)
        for d in (2, 3)
    ]
    coordinator = factories.person(roles=["coordinator"])
    rush.set_limits(task, {"max_future": 1, "max_per_week": None}, actor=coordinator, now=now)
    assert [s.status for s in held] == ["confirmed", "confirmed"]
    with pytest.raises(InvalidInput):
        signups.sign_up(data.shift(task, starts_in=timedelta(days=4), now=now), person, now=now)
    with pytest.raises(InvalidInput) as refused:
        rush.set_limits(task, {"max_future": 0}, actor=coordinator, now=now)
    assert refused.value.field == "max_future"


def test_a_tap_one_second_before_the_opening_is_refused_with_the_countdown_draw_or_not(db):
    from app.shifts import draws
    from app.shifts.models import ShiftDrawEntry

    team, task, shift, _now = _opening_later(30)
    person = data.member(team)
    for draw_minutes in (None, 10):
        task.draw_minutes = draw_minutes
        with pytest.raises(InvalidInput) as refused:
            draws.request_place(shift, person, now=shift.signup_opens_at - timedelta(seconds=1))
        assert "0:00:01" in refused.value.message
    assert db.session.scalars(select(ShiftDrawEntry)).all() == []
    assert shift.confirmed_count == 0
    assert draws.request_place(shift, person, now=shift.signup_opens_at).status == "entered"

"""Fair when oversubscribed: requests in the draw window are drawn by lottery with a
recorded seed (app/shifts/draws.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.common.time import utcnow
from app.errors import Conflict, InvalidInput
from app.notifications.models import Notification
from app.recruitment.review import lottery_order
from app.shifts import draws, signups
from app.shifts.models import ShiftDrawEntry, ShiftSignup
from tests.shifts import signup_data as data

WINDOW = 10


def _drawn_shift(capacity: int = 2, people: int = 5):
    team = data.team()
    task = data.task(team, draw_minutes=WINDOW)
    shift = data.shift(task, capacity=capacity)
    opens = utcnow().replace(microsecond=0) + timedelta(hours=1)
    shift.signup_opens_at = opens
    return team, shift, opens, [data.member(team) for _ in range(people)]


def test_requests_in_the_window_are_entries_and_the_draw_follows_the_seed(db):
    _team, shift, opens, people = _drawn_shift()
    entries = [
        draws.request_place(shift, person, now=opens + timedelta(minutes=i))
        for i, person in enumerate(people)
    ]
    assert all(isinstance(e, ShiftDrawEntry) and e.status == "entered" for e in entries)
    assert shift.confirmed_count == 0
    closes = opens + timedelta(minutes=WINDOW)
    drawn = draws.draw_if_due(shift, now=closes, seed="s33d")
    order = lottery_order("s33d", [e.id for e in entries])
    by_id = {e.id: e for e in entries}
    assert [s.user_id for s in drawn] == [by_id[i].user_id for i in order]
    assert [s.status for s in drawn] == ["confirmed"] * 2 + ["waitlisted"] * 3
    assert [signups.waitlist_position(s) for s in drawn[2:]] == [1, 2, 3]
    assert [by_id[i].rank for i in order] == [1, 2, 3, 4, 5]
    assert shift.draw_seed == "s33d" and shift.confirmed_count == 2
    # Everyone is told their result.
    told = db.session.scalars(
        select(Notification.user_id).where(Notification.kind == "shifts.draw_result")
    ).all()
    assert sorted(told) == sorted(p.id for p in people)
    # Drawn once: a second call does nothing.
    assert draws.draw_if_due(shift, now=closes + timedelta(minutes=1)) is None


def test_the_first_request_after_the_window_draws_then_joins_after_the_entries(db):
    team, shift, opens, people = _drawn_shift(capacity=1, people=3)
    for person in people:
        draws.request_place(shift, person, now=opens)
    late = data.member(team)
    signup = draws.request_place(shift, late, now=opens + timedelta(minutes=WINDOW, seconds=1))
    assert shift.drawn_at is not None
    assert signup.status == "waitlisted" and signups.waitlist_position(signup) == 3


def test_a_withdrawn_entry_is_not_drawn_and_after_the_draw_cannot_be_withdrawn(db):
    _team, shift, opens, people = _drawn_shift(capacity=1, people=2)
    first, second = (draws.request_place(shift, p, now=opens) for p in people)
    draws.cancel_entry(first, actor=people[0], now=opens + timedelta(minutes=1))
    drawn = draws.draw_if_due(shift, now=opens + timedelta(minutes=WINDOW))
    assert [s.user_id for s in drawn] == [people[1].id]
    assert first.status == "cancelled"
    with pytest.raises(Conflict):
        draws.cancel_entry(second, actor=people[1], now=opens + timedelta(minutes=WINDOW))


def test_a_second_entry_and_a_sign_up_bypassing_the_draw_in_the_window_are_refused(db):
    _team, shift, opens, people = _drawn_shift()
    draws.request_place(shift, people[0], now=opens)
    with pytest.raises(Conflict):
        draws.request_place(shift, people[0], now=opens + timedelta(seconds=5))
    # `signups.sign_up` alone (no draw) leaves the window to the draw.
    with pytest.raises(InvalidInput):
        signups.sign_up(shift, people[1], now=opens)


def test_a_cancellation_after_the_draw_promotes_the_drawn_waitlist(db):
    _team, shift, opens, people = _drawn_shift(capacity=1, people=3)
    for person in people:
        draws.request_place(shift, person, now=opens)
    drawn = draws.draw_if_due(shift, now=opens + timedelta(minutes=WINDOW), seed="x")
    signups.cancel(drawn[0], actor=drawn[0].user, now=opens + timedelta(minutes=WINDOW + 1))
    assert drawn[1].status == "confirmed" and drawn[2].status == "waitlisted"


def test_the_job_draws_due_shifts_only(app, db):
    from app.shifts import jobs

    _team, shift, opens, people = _drawn_shift(capacity=1, people=2)
    for person in people:
        draws.request_place(shift, person, now=opens)
    db.session.commit()
    assert jobs.draw_due(now=opens + timedelta(minutes=WINDOW - 1)) == {"drawn": 0}
    assert jobs.draw_due(now=opens + timedelta(minutes=WINDOW)) == {"drawn": 1}
    assert jobs.draw_due(now=opens + timedelta(minutes=WINDOW + 1)) == {"drawn": 0}
    rows = db.session.scalars(select(ShiftSignup).where(ShiftSignup.shift_id == shift.id)).all()
    assert sorted(s.status for s in rows) == ["confirmed", "waitlisted"]


def test_an_entry_drawn_over_the_persons_limit_gets_no_place(db):
    team = data.team()
    task = data.task(team, draw_minutes=WINDOW, max_future=1)
    opens = utcnow().replace(microsecond=0) + timedelta(hours=1)
    shifts = [data.shift(task, starts_in=timedelta(days=d), capacity=1) for d in (2, 3)]
    person = data.member(team)
    for shift in shifts:
        shift.signup_opens_at = opens
        draws.request_place(shift, person, now=opens)  # entries are not places yet
    closes = opens + timedelta(minutes=WINDOW)
    assert [s.status for s in draws.draw_if_due(shifts[0], now=closes)] == ["confirmed"]
    assert draws.draw_if_due(shifts[1], now=closes) == [None]
    assert shifts[1].confirmed_count == 0


def test_a_shift_cancelled_in_its_draw_window_tells_its_entrants_and_is_never_drawn(db, admin):
    from app.shifts import jobs, shift_edits

    _team, shift, opens, people = _drawn_shift(capacity=1, people=3)
    entries = [draws.request_place(shift, person, now=opens) for person in people[:2]]
    draws.cancel_entry(entries[1], actor=people[1], now=opens + timedelta(minutes=1))
    shift_edits.cancel_shift(shift, reason="闭馆", actor=admin, now=opens + timedelta(minutes=2))
    told = db.session.scalars(
        select(Notification.user_id).where(Notification.kind == "shifts.cancelled")
    ).all()
    assert told == [people[0].id]  # the waiting entrant, not the one who had withdrawn
    assert [entry.status for entry in entries] == ["cancelled", "cancelled"]
    db.session.commit()
    closes = opens + timedelta(minutes=WINDOW)
    assert draws.draw_if_due(shift, now=closes) is None
    assert jobs.draw_due(now=closes) == {"drawn": 0}
    # A forged request after the window neither draws nor takes a place.
    with pytest.raises(InvalidInput):
        draws.request_place(shift, people[2], now=closes + timedelta(minutes=1))
    assert shift.drawn_at is None
    assert (
        db.session.scalars(select(ShiftSignup).where(ShiftSignup.shift_id == shift.id)).all() == []
    )

"""A shift never holds more confirmed people than its capacity when many sign up at the
same moment, and the waitlist keeps arrival order (the suite's SQLite file, or
PostgreSQL when TEST_DATABASE_URL names one)."""

from __future__ import annotations

from sqlalchemy import select

from app.accounts import services as accounts
from app.extensions import db as _db
from app.shifts import signups
from app.shifts.models import Shift, ShiftSignup
from tests.helpers import race
from tests.shifts import signup_data as data

PEOPLE = 50
CAPACITY = 10


def signups_of(shift_id: int) -> list[ShiftSignup]:
    _db.session.expire_all()
    return list(
        _db.session.scalars(
            select(ShiftSignup).where(ShiftSignup.shift_id == shift_id).order_by(ShiftSignup.ticket)
        )
    )


def test_fifty_people_signing_up_at_once_fill_exactly_the_capacity(app, db):
    team = data.team()
    shift = data.shift(data.task(team), capacity=CAPACITY)
    people = [data.member(team).id for _ in range(PEOPLE)]
    shift_id = shift.id
    db.session.commit()

    def sign_up(user_id: int) -> None:
        signups.sign_up(signups.get_shift(shift_id), accounts.get_person(user_id))

    outcomes = race(app, sign_up, people)
    assert outcomes == ["ok"] * PEOPLE, outcomes

    entries = signups_of(shift_id)
    assert [s.ticket for s in entries] == list(range(1, PEOPLE + 1))
    # Places went to the first ten arrivals; the rest wait in arrival order.
    assert [s.status for s in entries] == ["confirmed"] * CAPACITY + ["waitlisted"] * (
        PEOPLE - CAPACITY
    )
    assert _db.session.get(Shift, shift_id).confirmed_count == CAPACITY
    waiting = [s for s in entries if s.status == "waitlisted"]
    assert [signups.waitlist_position(s) for s in waiting] == list(range(1, PEOPLE - CAPACITY + 1))

    # Three confirmed people cancel at once: the three first in line get their places.
    leaving = [s.id for s in entries[:3]]
    first_waiting = [s.id for s in waiting[:3]]

    def cancel(signup_id: int) -> None:
        signup = signups.get_signup(signup_id)
        signups.cancel(signup, actor=signup.user)

    assert race(app, cancel, leaving) == ["ok"] * 3
    entries = {s.id: s for s in signups_of(shift_id)}
    assert [entries[i].status for i in leaving] == ["cancelled"] * 3
    assert [entries[i].status for i in first_waiting] == ["confirmed"] * 3
    confirmed = [s for s in entries.values() if s.status == "confirmed"]
    assert len(confirmed) == CAPACITY
    assert _db.session.get(Shift, shift_id).confirmed_count == CAPACITY


def test_a_double_tap_on_sign_up_keeps_one_signup(app, db):
    team = data.team()
    shift = data.shift(data.task(team), capacity=CAPACITY)
    person_id, shift_id = data.member(team).id, shift.id
    db.session.commit()

    def sign_up(_argument) -> None:
        signups.sign_up(signups.get_shift(shift_id), accounts.get_person(person_id))

    assert sorted(race(app, sign_up, [1, 2])) == ["conflict", "ok"]
    assert len(signups_of(shift_id)) == 1
    assert _db.session.get(Shift, shift_id).confirmed_count == 1

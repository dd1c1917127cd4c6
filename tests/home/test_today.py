"""A volunteer's home is their day: the shift running now with check-in, the next shifts
with what they involve, and what waits for them; in a fixed number of queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event

from app.common.time import utcnow
from app.feedback import services as feedback
from app.home import today
from app.shifts import handovers, signups
from tests import factories
from tests.checkin import attendance_data, checkin_data
from tests.home import home_data


@pytest.fixture(autouse=True)
def request_context(app):
    with app.test_request_context():
        yield


def test_a_shift_starting_in_ten_minutes_is_running_with_check_in_open(db):
    person, _task, (shift,) = home_data.volunteer_with_shifts(timedelta(minutes=10))

    day = today.today_of(person)

    assert day.running is not None and day.running.shift.id == shift.id
    assert not day.running.checked_in
    assert day.upcoming == []  # the running shift is not listed again


def test_once_checked_in_the_running_shift_says_so(db):
    person, _task, (shift,) = home_data.volunteer_with_shifts(-timedelta(minutes=30))
    attendance_data.record(shift, person, checked_in_at=utcnow() - timedelta(minutes=25))

    running = today.today_of(person).running

    assert running.checked_in and running.attendance.checked_in_at is not None


def test_a_shift_whose_check_in_has_not_opened_is_only_a_next_shift(db):
    person, _task, (later, tomorrow) = home_data.volunteer_with_shifts(
        timedelta(hours=3), timedelta(days=1)
    )

    day = today.today_of(person)

    assert day.running is None
    assert [s.shift_id for s in day.upcoming] == [later.id, tomorrow.id]


def test_the_next_shifts_are_the_three_soonest_and_not_the_cancelled_ones(db):
    person, _task, shifts = home_data.volunteer_with_shifts(
        *(timedelta(days=n) for n in (4, 1, 3, 2, 5))
    )
    by_day = sorted(shifts, key=lambda s: s.starts_at)
    signups.cancel(home_data.signup_of(by_day[0], person), actor=person)

    upcoming = today.today_of(person).upcoming

    assert [s.shift_id for s in upcoming] == [s.id for s in by_day[1:4]]


def test_a_place_offered_from_the_waitlist_waits_for_an_answer(db):
    person, _task, (shift,) = home_data.volunteer_with_shifts(timedelta(days=2))
    signup = home_data.signup_of(shift, person)
    signup.status, signup.offer_expires_at = "offered", utcnow() + timedelta(hours=3)

    needs = today.today_of(person).needs

    assert [(n.kind, n.signup.id) for n in needs] == [("offer", signup.id)]
    signup.offer_expires_at = utcnow() - timedelta(minutes=1)
    assert today.today_of(person).needs == []  # ran out: nothing left to answer


def test_feedback_to_give_is_there_until_given(db):
    from tests.feedback import feedback_data

    world, (record,) = feedback_data.verified(people=1)
    feedback.ask_recent()
    person = world.people[0]

    (need,) = today.today_of(person).needs
    assert need.kind == "feedback" and need.url.endswith(f"/feedback/{record.id}")

    feedback.answer(person, record.id, rating=5, comment="", ticks=[])
    assert today.today_of(person).needs == []


def test_a_volunteer_with_nothing_has_an_empty_day(db):
    person = factories.person(roles=["volunteer"])

    day = today.today_of(person)

    assert day.empty


def test_people_who_are_not_volunteers_get_no_day(db):
    reader = factories.person(roles=[])

    assert today.for_home(reader)["today"] is None


def _queries(work) -> int:
    from app.extensions import db as _db

    statements = []

    def count(*_args):
        statements.append(1)

    event.listen(_db.engine, "before_cursor_execute", count)
    try:
        work()
    finally:
        event.remove(_db.engine, "before_cursor_execute", count)
    return len(statements)


def test_the_day_takes_as_many_queries_for_twelve_shifts_as_for_two(db):
    few, _t, _s = home_data.volunteer_with_shifts(
        timedelta(minutes=10), timedelta(days=1), name="少"
    )
    many, _t, _s = home_data.volunteer_with_shifts(
        timedelta(minutes=10), *(timedelta(days=n, hours=n) for n in range(1, 12)), name="多"
    )
    db.session.commit()
    people = {"few": few.id, "many": many.id}
    user_type = type(few)
    db.session.expunge_all()

    def day_of(person_id: int):
        def work():
            today.for_home(db.session.get(user_type, person_id))
            db.session.expunge_all()

        return work

    assert _queries(day_of(people["many"])) == _queries(day_of(people["few"]))
    assert _queries(day_of(people["many"])) <= 12


def test_after_checking_out_the_running_shift_says_so(db):
    # Until check-out closes, the shift stays on home, saying when they left.
    person, _task, (shift,) = home_data.volunteer_with_shifts(-timedelta(minutes=90))
    attendance_data.record(shift, person, checked_out_at=utcnow())

    running = today.today_of(person).running

    assert running.checked_out and not running.checked_in


def test_own_offered_places_and_places_to_take_read_together_as_on_their_own_pages(db):
    person, task, (mine,) = home_data.volunteer_with_shifts(timedelta(days=2))
    team = task.team
    other = checkin_data.member(team, name="韩梅梅")
    theirs = checkin_data.shift(task, starts_in=timedelta(days=3), capacity=3)
    checkin_data.signed_up(theirs, other)
    handovers.offer_place(home_data.signup_of(mine, person), actor=person)
    handovers.offer_place(home_data.signup_of(theirs, other), actor=other)
    db.session.flush()

    for who in (person, other):
        own, available = handovers.offers_and_available(who)
        assert own == handovers.offers_of(who)
        assert available == handovers.available_handovers(who)
    own, available = handovers.offers_and_available(person)
    assert [h.shift_id for h in own] == [mine.id]
    assert [h.shift_id for h in available] == [theirs.id]
    kinds = [(need.kind, need.url) for need in today.today_of(person).needs]
    assert kinds == [("handover", "/shifts/handovers/")] * 2

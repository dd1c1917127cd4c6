"""The rush holds: many volunteers signing up the moment a shift opens, one person signing
up for many shifts at once under a limit, and a draw made once by racing runs (the suite's
SQLite file, or PostgreSQL when TEST_DATABASE_URL names one)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.accounts import services as accounts
from app.common.time import utcnow
from app.extensions import db as _db
from app.recruitment.review import lottery_order
from app.shifts import draws, jobs, signups
from app.shifts.models import Shift, ShiftDrawEntry, ShiftSignup
from tests.helpers import race
from tests.shifts import signup_data as data

PEOPLE = 60
CAPACITY = 12
EARLY = 5


def test_sixty_volunteers_at_the_opening_moment_fill_exactly_the_capacity_in_order(app, db):
    team = data.team()
    shift = data.shift(data.task(team), capacity=CAPACITY)
    opens_at = utcnow().replace(microsecond=0) + timedelta(hours=1)
    shift.signup_opens_at = opens_at
    people = [data.member(team).id for _ in range(PEOPLE)]
    shift_id = shift.id
    db.session.commit()
    answers: dict[int, tuple[str, int]] = {}

    def sign_up(argument: tuple[int, int]) -> None:
        user_id, offset = argument
        signup = signups.sign_up(
            signups.get_shift(shift_id),
            accounts.get_person(user_id),
            now=opens_at + timedelta(seconds=offset),
        )
        answers[user_id] = (signup.status, signups.waitlist_position(signup))

    # The first few tap a second early: refused, with the countdown; the rest on time.
    arguments = [(uid, -1 if i < EARLY else i % 3) for i, uid in enumerate(people)]
    outcomes = race(app, sign_up, arguments)
    assert all(o.startswith("NotEligible") and "0:00:01" in o for o in outcomes[:EARLY])
    assert outcomes[EARLY:] == ["ok"] * (PEOPLE - EARLY), outcomes

    _db.session.expire_all()
    rows = list(
        _db.session.scalars(
            select(ShiftSignup).where(ShiftSignup.shift_id == shift_id).order_by(ShiftSignup.ticket)
        )
    )
    assert len(rows) == PEOPLE - EARLY
    assert [s.ticket for s in rows] == list(range(1, PEOPLE - EARLY + 1))
    assert [s.status for s in rows] == ["confirmed"] * CAPACITY + ["waitlisted"] * (
        PEOPLE - EARLY - CAPACITY
    )
    assert _db.session.get(Shift, shift_id).confirmed_count == CAPACITY
    # What each person was told is what the database holds: status and waitlist place.
    told = {
        s.user_id: (
            s.status,
            max(0, rows.index(s) - CAPACITY + 1) if s.status == "waitlisted" else 0,
        )
        for s in rows
    }
    assert answers == told


def test_one_person_signing_up_for_many_shifts_at_once_stays_within_the_limit(app, db):
    team = data.team()
    task = data.task(team, max_future=2)
    person_id = data.member(team).id
    shift_ids = [data.shift(task, starts_in=timedelta(days=d)).id for d in range(2, 8)]
    db.session.commit()

    def sign_up(shift_id: int) -> None:
        signups.sign_up(signups.get_shift(shift_id), accounts.get_person(person_id))

    outcomes = race(app, sign_up, shift_ids)
    assert outcomes.count("ok") == 2, outcomes
    assert all(o.startswith("LimitReached") for o in outcomes if o != "ok")
    _db.session.expire_all()
    held = _db.session.scalars(select(ShiftSignup).where(ShiftSignup.user_id == person_id)).all()
    assert len(held) == 2


def test_entries_at_once_are_each_drawn_exactly_once_by_two_job_runs_at_once(app, db):
    team = data.team()
    shift = data.shift(data.task(team, draw_minutes=5), capacity=CAPACITY)
    opens_at = utcnow().replace(microsecond=0) + timedelta(hours=1)
    shift.signup_opens_at = opens_at
    people = [data.member(team).id for _ in range(40)]
    shift_id = shift.id
    db.session.commit()

    def enter(user_id: int) -> None:
        draws.request_place(signups.get_shift(shift_id), accounts.get_person(user_id), now=opens_at)

    assert race(app, enter, people) == ["ok"] * 40
    closes = opens_at + timedelta(minutes=5)
    results: list[dict] = []
    late = data.member(team).id
    db.session.commit()

    def run(which: str) -> None:
        if which == "late":  # a request right after the window, racing the job
            draws.request_place(signups.get_shift(shift_id), accounts.get_person(late), now=closes)
        else:
            results.append(jobs.draw_due(now=closes))

    assert race(app, run, ["job", "job", "late"]) == ["ok"] * 3
    _db.session.expire_all()
    drawn_shift = _db.session.get(Shift, shift_id)
    entries = _db.session.scalars(
        select(ShiftDrawEntry).where(ShiftDrawEntry.shift_id == shift_id)
    ).all()
    assert sorted(e.rank for e in entries) == list(range(1, 41))  # each drawn once
    assert {e.status for e in entries} == {"drawn"}
    rows = list(
        _db.session.scalars(
            select(ShiftSignup).where(ShiftSignup.shift_id == shift_id).order_by(ShiftSignup.ticket)
        )
    )
    assert len(rows) == 41 and drawn_shift.confirmed_count == CAPACITY
    # Tickets follow the drawn order (reproducible from the recorded seed); the late request last.
    order = lottery_order(drawn_shift.draw_seed, [e.id for e in entries])
    user_of = {e.id: e.user_id for e in entries}
    assert [s.user_id for s in rows] == [user_of[i] for i in order] + [late]
    assert [s.status for s in rows] == ["confirmed"] * CAPACITY + ["waitlisted"] * (41 - CAPACITY)

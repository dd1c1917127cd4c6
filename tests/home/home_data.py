"""Home page test data: a volunteer of a team with shifts at given times."""

from __future__ import annotations

from datetime import timedelta

from app.extensions import db
from app.shifts.models import ShiftSignup
from tests.checkin import checkin_data


def volunteer_with_shifts(*starts: timedelta, name: str = "林晓", **task_fields):
    """A team member confirmed on one shift starting at each of `starts` from now (a
    negative start: already begun). Returns (person, task, shifts)."""
    team = checkin_data.team()
    person = checkin_data.member(team, name=name)
    task = checkin_data.task(team, **task_fields)
    shifts = []
    for start in starts:
        shift = checkin_data.shift(task, starts_in=start, hours=2)
        checkin_data.signed_up(shift, person)
        shifts.append(shift)
    db.session.flush()
    return person, task, shifts


def signup_of(shift, person) -> ShiftSignup:
    return db.session.scalar(
        db.select(ShiftSignup).where(
            ShiftSignup.shift_id == shift.id, ShiftSignup.user_id == person.id
        )
    )

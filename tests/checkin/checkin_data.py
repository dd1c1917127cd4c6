"""Building check-in test data: a team with members, tasks, shifts and confirmed sign-ups."""

from __future__ import annotations

from datetime import datetime, timedelta

from app.shifts import signups
from app.shifts.models import Shift, ShiftSignup, Task
from tests.recruitment import recruiting
from tests.shifts import signup_data

team = signup_data.team
member = signup_data.member


def coordinator(for_team, *, name: str = "陈老师"):
    return recruiting.coordinator(for_team, name=name)


def task(for_team, **fields) -> Task:
    return signup_data.task(for_team, **fields)


def shift(
    for_task: Task,
    *,
    starts_in: timedelta = timedelta(days=2),
    hours: float = 3,
    capacity: int = 2,
    now: datetime | None = None,
) -> Shift:
    return signup_data.shift(for_task, starts_in=starts_in, hours=hours, capacity=capacity, now=now)


def signed_up(for_shift: Shift, person, *, now: datetime | None = None) -> ShiftSignup:
    """The person's sign-up, made through the sign-up engine a day before the shift starts
    (confirmed while the shift has room, else waitlisted)."""
    return signups.sign_up(for_shift, person, now=now or for_shift.starts_at - timedelta(days=1))

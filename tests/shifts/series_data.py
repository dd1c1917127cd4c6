"""A weekly series with its shifts, as raw rows (see signup_data for why raw)."""

from __future__ import annotations

from datetime import timedelta

from app.extensions import db
from app.shifts.models import Shift, ShiftSeries, Task
from tests.shifts import signup_data as data


def series(for_task: Task, *, weeks: int = 3, capacity: int = 2) -> tuple[ShiftSeries, list[Shift]]:
    """A series of `weeks` shifts a week apart, the first two days from now."""
    first = data.shift(for_task, capacity=capacity)
    pattern = ShiftSeries(
        task_id=for_task.id,
        weekdays=[first.starts_at.weekday()],
        start_time=first.starts_at.time(),
        end_time=first.ends_at.time(),
        first_date=first.starts_at.date(),
        last_date=(first.starts_at + timedelta(weeks=weeks - 1)).date(),
        capacity=capacity,
    )
    db.session.add(pattern)
    db.session.flush()
    shifts = [first] + [
        data.shift(for_task, capacity=capacity, starts_in=timedelta(days=2, weeks=week))
        for week in range(1, weeks)
    ]
    for shift in shifts:
        shift.series_id = pattern.id
    db.session.flush()
    return pattern, shifts

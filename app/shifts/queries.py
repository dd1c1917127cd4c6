"""Read queries more than one part of the shifts feature starts from."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload

from app.shifts.models import Shift, ShiftSignup, Task


def signups_of(user_id: int) -> Select[tuple[ShiftSignup]]:
    """The person's sign-ups, joined to their shifts (filter and order by `Shift`), each
    loaded with its shift and task."""
    return (
        select(ShiftSignup)
        .join(Shift, Shift.id == ShiftSignup.shift_id)
        .where(ShiftSignup.user_id == user_id)
        .options(joinedload(ShiftSignup.shift).joinedload(Shift.task))
    )


def coming_shifts(team_ids: list[int], now: datetime) -> Select[tuple[Shift]]:
    """Scheduled shifts of active tasks of these teams not started at `now`, soonest first,
    each loaded with its task (filter further by `Task`)."""
    return coming_shift_columns((Shift,), team_ids, now).options(joinedload(Shift.task))


def coming_shift_columns(columns, team_ids: list[int], now: datetime) -> Select:
    """`coming_shifts` reading only these columns of `Shift` and `Task` (no objects: a
    list page of forty shifts reads them in half the time)."""
    return (
        select(*columns)
        .join(Task, Task.id == Shift.task_id)
        .where(
            Task.team_id.in_(team_ids),
            Task.active.is_(True),
            Shift.status == "scheduled",
            Shift.starts_at > now,
        )
        .order_by(Shift.starts_at, Shift.id)
    )

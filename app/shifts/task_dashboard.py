"""Coordinator reads: a task's shifts, waitlist counts, a shift's roster and the two-week
dashboard of how full the coordinator's shifts are.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from app import hooks
from app.common.time import utcnow
from app.extensions import db
from app.shifts.models import Shift, ShiftSignup, Task
from app.shifts.signups import ACTIVE_STATUSES
from app.shifts.tasks import tasks_for

DASHBOARD_DAYS = 14


def shifts_of_task(
    task: Task, *, upcoming: bool = True, now: datetime | None = None, limit: int = 200
) -> list[Shift]:
    """A task's shifts: coming ones (not yet ended) by start, or past ones latest first."""
    now = now or utcnow()
    query = select(Shift).where(Shift.task_id == task.id)
    if upcoming:
        query = query.where(Shift.ends_at > now).order_by(Shift.starts_at)
    else:
        query = query.where(Shift.ends_at <= now).order_by(Shift.starts_at.desc())
    return list(db.session.scalars(query.limit(limit)))


def waitlist_counts(shift_ids: Iterable[int]) -> dict[int, int]:
    ids = list(shift_ids)
    counts = dict.fromkeys(ids, 0)
    if not ids:
        return counts
    query = (
        select(ShiftSignup.shift_id, func.count())
        .where(ShiftSignup.shift_id.in_(ids), ShiftSignup.status.in_(("waitlisted", "offered")))
        .group_by(ShiftSignup.shift_id)
    )
    for shift_id, count in db.session.execute(query):
        counts[shift_id] = count
    return counts


@dataclass(frozen=True)
class Roster:
    confirmed: list[ShiftSignup]
    waitlist: list[ShiftSignup]


def roster(shift: Shift) -> Roster:
    """Who holds a place (in arrival order) and who waits for one (first come first)."""
    signups = list(
        db.session.scalars(
            select(ShiftSignup)
            .where(ShiftSignup.shift_id == shift.id, ShiftSignup.status.in_(ACTIVE_STATUSES))
            .order_by(ShiftSignup.ticket)
        )
    )
    return Roster(
        confirmed=[s for s in signups if s.status == "confirmed"],
        waitlist=[s for s in signups if s.status != "confirmed"],
    )


@dataclass(frozen=True)
class ShiftFill:
    shift: Shift
    confirmed: int
    capacity: int
    waitlisted: int

    @property
    def open_places(self) -> int:
        return max(self.capacity - self.confirmed, 0)

    @property
    def full(self) -> bool:
        return self.confirmed >= self.capacity


@dataclass(frozen=True)
class TaskFill:
    task: Task
    shifts: int
    places: int
    confirmed: int
    no_show_rate: float | None  # None until no-shows are recorded

    @property
    def fill_rate(self) -> float:
        return self.confirmed / self.places if self.places else 0.0


@dataclass(frozen=True)
class Dashboard:
    shifts: list[ShiftFill]  # unfilled first, then by start
    tasks: list[TaskFill]
    since: datetime
    until: datetime


def no_show_rates(task_ids: list[int]) -> dict[int, float]:
    rates: dict[int, float] = {}
    for provider in hooks.NO_SHOW_RATES.providers:
        rates.update(provider(task_ids) or {})
    return rates


def dashboard(user, *, now: datetime | None = None, days: int = DASHBOARD_DAYS) -> Dashboard:
    """The coming `days` of scheduled shifts of the tasks `user` runs."""
    now = now or utcnow()
    until = now + timedelta(days=days)
    tasks = tasks_for(user)
    task_ids = [task.id for task in tasks]
    shifts = (
        list(
            db.session.scalars(
                select(Shift)
                .where(
                    Shift.task_id.in_(task_ids),
                    Shift.status == "scheduled",
                    Shift.ends_at > now,
                    Shift.starts_at < until,
                )
                .order_by(Shift.starts_at)
            )
        )
        if task_ids
        else []
    )
    waiting = waitlist_counts(shift.id for shift in shifts)
    fills = [
        ShiftFill(
            shift=shift,
            confirmed=shift.confirmed_count,
            capacity=shift.capacity,
            waitlisted=waiting[shift.id],
        )
        for shift in shifts
    ]
    fills.sort(key=lambda fill: (fill.full, fill.shift.starts_at))
    rates = no_show_rates(task_ids)
    by_task: dict[int, list[ShiftFill]] = {}
    for fill in fills:
        by_task.setdefault(fill.shift.task_id, []).append(fill)
    task_rows = [
        TaskFill(
            task=task,
            shifts=len(by_task[task.id]),
            places=sum(fill.capacity for fill in by_task[task.id]),
            confirmed=sum(fill.confirmed for fill in by_task[task.id]),
            no_show_rate=rates.get(task.id),
        )
        for task in tasks
        if task.id in by_task
    ]
    return Dashboard(shifts=fills, tasks=task_rows, since=now, until=until)

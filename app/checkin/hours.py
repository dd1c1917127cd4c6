"""Hours: what a stay on a shift is credited, and the verified totals other features read.

Credited scan minutes: from the later of check-in and the scheduled start (early arrivals
count from the start) to the check-out, capped at the scheduled length plus the task's
tolerance, rounded to the nearest multiple of the task's step (halves round up). Added
minutes (by a coordinator, with evidence) are kept apart and capped so that a record never
exceeds the scheduled length plus tolerance in total.

Points, Second Classroom credits and certificates read verified hours only, through
`verified_minutes_by_user` and `verified_attendances`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Select, case, func, select

from app.checkin import presence
from app.checkin.models import Attendance
from app.extensions import db
from app.shifts.models import Shift, Task


def scheduled_minutes(shift: Shift) -> int:
    return int((shift.ends_at - shift.starts_at).total_seconds() // 60)


def cap_minutes(shift: Shift) -> int:
    """The most a record on this shift can be credited, scans and additions together."""
    return scheduled_minutes(shift) + max(0, shift.task.hours_tolerance_minutes or 0)


def round_to_step(minutes: int, step: int) -> int:
    if step <= 1:
        return minutes
    return ((minutes + step // 2) // step) * step


def credited_minutes(shift: Shift, checked_in_at: datetime, checked_out_at: datetime) -> int:
    start = max(checked_in_at, shift.starts_at)
    stayed = int(max(0, (checked_out_at - start).total_seconds()) // 60)
    capped = min(stayed, cap_minutes(shift))
    return min(round_to_step(capped, shift.task.hours_rounding_minutes or 1), cap_minutes(shift))


def max_added_minutes(attendance: Attendance) -> int:
    """How many minutes a coordinator may add to this record with evidence."""
    return max(0, cap_minutes(attendance.shift) - (attendance.scan_minutes or 0))


def _verified(since: datetime | None, until: datetime | None):
    query = (
        select(Attendance)
        .join(Shift, Shift.id == Attendance.shift_id)
        .where(Attendance.verified_at.is_not(None), Attendance.status != "undone")
    )
    if since is not None:
        query = query.where(Shift.starts_at >= since)
    if until is not None:
        query = query.where(Shift.starts_at < until)
    return query


def attendance_query(user_id: int):
    """A person's records (not undone ones), joined to their shifts, unordered: the API
    pages them by the shift's start."""
    return (
        select(Attendance)
        .join(Shift, Shift.id == Attendance.shift_id)
        .where(Attendance.user_id == user_id, Attendance.status != "undone")
    )


def verified_attendances(
    user_id: int, *, since: datetime | None = None, until: datetime | None = None
) -> list[Attendance]:
    """A person's verified records of shifts starting in [since, until), oldest first."""
    return list(
        db.session.scalars(
            _verified(since, until).where(Attendance.user_id == user_id).order_by(Shift.starts_at)
        )
    )


def verified_minutes_of(user_id):
    """One person's verified minutes as `verified_minutes_by_user` counts them, as a scalar
    subquery to read with other figures in one query (`user_id` may be a bound parameter)."""
    return (
        select(_verified_total())
        .join(Shift, Shift.id == Attendance.shift_id)
        .where(
            Attendance.user_id == user_id,
            Attendance.verified_at.is_not(None),
            Attendance.status != "undone",
        )
        .scalar_subquery()
    )


def _verified_total():
    return func.coalesce(func.sum(func.coalesce(Attendance.scan_minutes, 0)), 0) + func.coalesce(
        func.sum(Attendance.added_minutes), 0
    )


def verified_minutes_by_user(
    user_ids: Iterable[int] | None = None,
    *,
    team_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> dict[int, int]:
    """Verified minutes (scans plus additions) per person, optionally for one team's tasks."""
    total = _verified_total()
    query = (
        select(Attendance.user_id, total)
        .join(Shift, Shift.id == Attendance.shift_id)
        .where(Attendance.verified_at.is_not(None), Attendance.status != "undone")
        .group_by(Attendance.user_id)
    )
    if user_ids is not None:
        ids = list(user_ids)
        if not ids:
            return {}
        query = query.where(Attendance.user_id.in_(ids))
    if team_id is not None:
        query = query.join(Task, Task.id == Shift.task_id).where(Task.team_id == team_id)
    if since is not None:
        query = query.where(Shift.starts_at >= since)
    if until is not None:
        query = query.where(Shift.starts_at < until)
    return {user_id: int(minutes) for user_id, minutes in db.session.execute(query)}


def verified_totals(
    since: datetime | None = None, until: datetime | None = None
) -> dict[int, tuple[int, datetime]]:
    """Per person: verified minutes of shifts starting in [since, until), and the start of
    their last shift that credited any minutes (for leaderboard ties). One grouped query
    over everyone; people whose records credit no minutes are left out."""
    minutes = func.coalesce(Attendance.scan_minutes, 0) + func.coalesce(Attendance.added_minutes, 0)
    last_credited = func.max(case((minutes > 0, Shift.starts_at)))
    query = (
        select(Attendance.user_id, func.sum(minutes), last_credited)
        .join(Shift, Shift.id == Attendance.shift_id)
        .where(Attendance.verified_at.is_not(None), Attendance.status != "undone")
        .group_by(Attendance.user_id)
    )
    if since is not None:
        query = query.where(Shift.starts_at >= since)
    if until is not None:
        query = query.where(Shift.starts_at < until)
    return {
        user_id: (int(total), last)
        for user_id, total, last in db.session.execute(query)
        if total and last is not None
    }


def service_activity(team_ids: Iterable[int] | None = None) -> Select:
    """Every shift a person was present on (`presence.present`: a stay not undone, or a
    completed training without scans), as engagement activity: (user_id, at = the shift's
    start, amount = credited hours so far, verified or not), optionally only on the tasks
    of some teams."""
    rows = presence.present().subquery()
    minutes = func.coalesce(Attendance.scan_minutes, 0) + func.coalesce(Attendance.added_minutes, 0)
    query = select(
        rows.c.user_id.label("user_id"),
        rows.c.starts_at.label("at"),
        (func.coalesce(minutes, 0) / 60.0).label("amount"),
    ).outerjoin(
        Attendance,
        (Attendance.shift_id == rows.c.shift_id)
        & (Attendance.user_id == rows.c.user_id)
        & (Attendance.status != "undone"),
    )
    if team_ids is not None:
        query = (
            query.join(Shift, Shift.id == rows.c.shift_id)
            .join(Task, Task.id == Shift.task_id)
            .where(Task.team_id.in_(list(team_ids)))
        )
    return query


def verified_service(since: datetime, until: datetime) -> Select:
    """Verified stays on shifts starting in [since, until), one row each: (user_id, at = the
    shift's start, minutes = scans plus additions), for annual reports and group portraits
    to filter and group in one query."""
    minutes = func.coalesce(Attendance.scan_minutes, 0) + func.coalesce(Attendance.added_minutes, 0)
    return (
        select(
            Attendance.user_id.label("user_id"),
            Shift.starts_at.label("at"),
            minutes.label("minutes"),
        )
        .join(Shift, Shift.id == Attendance.shift_id)
        .where(
            Attendance.verified_at.is_not(None),
            Attendance.status != "undone",
            Shift.starts_at >= since,
            Shift.starts_at < until,
        )
    )

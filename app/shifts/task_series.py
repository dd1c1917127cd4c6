"""Weekly shift series: the dates a series covers, creating one, and changing a shift
together with the later shifts of its series.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask_babel import gettext as _
from sqlalchemy import update

from app.audit import services as audit
from app.common.time import local_day, utc_of_local, utcnow
from app.errors import Conflict, InvalidInput
from app.extensions import db
from app.recruitment.access import require_team_manager
from app.shifts.models import Shift, ShiftSeries, Task
from app.shifts.shift_edits import (
    after_change,
    check_room,
    clean_note,
    require_scheduled,
    shift_snapshot,
    this_and_later_in_series,
)
from app.shifts.tasks import check_capacity

MAX_SERIES_DAYS = 200
MAX_SERIES_SHIFTS = 500


@dataclass
class SeriesFields:
    weekdays: list[int]
    start: time
    end: time
    first_date: date
    last_date: date
    capacity: int | None = None
    skipped_dates: list[date] = field(default_factory=list)
    note: str = ""


def parse_skipped_dates(text: str | None) -> list[date]:
    """One YYYY-MM-DD date per line (blank lines ignored); else InvalidInput naming the
    line."""
    days: set[date] = set()
    for number, line in enumerate((text or "").splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        try:
            days.add(date.fromisoformat(line))
        except ValueError:
            raise InvalidInput(
                _(
                    "Line %(n)d is not a date like 2026-10-01: “%(text)s”.",
                    n=number,
                    text=line[:20],
                ),
                field="skipped_dates",
            ) from None
    return sorted(days)


def series_dates(fields: SeriesFields) -> list[date]:
    """The days a weekly series falls on, without the skipped ones; checks the pattern."""
    weekdays = sorted(set(fields.weekdays or []))
    if not weekdays:
        raise InvalidInput(_("Please choose at least one weekday."), field="weekdays")
    if any(day not in range(7) for day in weekdays):
        raise InvalidInput(_("Unknown weekday."), field="weekdays")
    if fields.first_date is None or fields.last_date is None:
        raise InvalidInput(_("Please give the first and the last date."), field="first_date")
    if fields.last_date < fields.first_date:
        raise InvalidInput(_("The last date must not be before the first date."), field="last_date")
    if (fields.last_date - fields.first_date).days > MAX_SERIES_DAYS:
        raise InvalidInput(
            _("A series can span at most %(n)d days.", n=MAX_SERIES_DAYS), field="last_date"
        )
    skipped = set(fields.skipped_dates or [])
    days = []
    day = fields.first_date
    while day <= fields.last_date:
        if day.weekday() in weekdays and day not in skipped:
            days.append(day)
        day += timedelta(days=1)
    if not days:
        raise InvalidInput(
            _("No day between the first and the last date matches the chosen weekdays."),
            field="weekdays",
        )
    if len(days) > MAX_SERIES_SHIFTS:
        raise InvalidInput(
            _(
                "This series would create %(m)d shifts; at most %(n)d are allowed at once.",
                m=len(days),
                n=MAX_SERIES_SHIFTS,
            ),
            field="weekdays",
        )
    return days


def create_series(
    task: Task, fields: SeriesFields, *, actor, now: datetime | None = None
) -> tuple[ShiftSeries, list[Shift]]:
    """A weekly pattern and the shifts it generates; nothing is written on bad input."""
    require_team_manager(actor, task.team_id)
    if fields.start is None or fields.end is None:
        raise InvalidInput(_("Please give the start and end time."), field="start")
    if fields.end <= fields.start:
        raise InvalidInput(_("The end time must be after the start time."), field="end")
    capacity = check_capacity(task.default_capacity if fields.capacity is None else fields.capacity)
    note = clean_note(fields.note)
    days = series_dates(fields)
    now = now or utcnow()
    series = ShiftSeries(
        task_id=task.id,
        weekdays=sorted(set(fields.weekdays)),
        start_time=fields.start,
        end_time=fields.end,
        first_date=fields.first_date,
        last_date=fields.last_date,
        skipped_dates=[day.isoformat() for day in sorted(set(fields.skipped_dates or []))],
        capacity=capacity,
        created_at=now,
    )
    db.session.add(series)
    db.session.flush()
    shifts = [
        Shift(
            task_id=task.id,
            series_id=series.id,
            starts_at=utc_of_local(day, fields.start),
            ends_at=utc_of_local(day, fields.end),
            capacity=capacity,
            confirmed_count=0,
            ticket_counter=0,
            status="scheduled",
            note=note,
            created_at=now,
        )
        for day in days
    ]
    db.session.add_all(shifts)
    audit.record(
        "shifts.series_created",
        series,
        actor=actor,
        after={
            "task_id": task.id,
            "weekdays": series.weekdays,
            "start": fields.start.strftime("%H:%M"),
            "end": fields.end.strftime("%H:%M"),
            "first_date": fields.first_date.isoformat(),
            "last_date": fields.last_date.isoformat(),
            "skipped_dates": series.skipped_dates,
            "capacity": capacity,
            "shifts": len(shifts),
        },
        now=now,
    )
    return series, shifts


@dataclass
class SeriesChange:
    """New local times, capacity and note for a shift and the later ones of its series."""

    start: time
    end: time
    capacity: int
    note: str = ""


def rest_of_series(shift: Shift, *, now: datetime | None = None) -> list[Shift]:
    """This shift and the later scheduled shifts of its series that have not ended."""
    now = now or utcnow()
    return this_and_later_in_series(shift, Shift.ends_at > now)


def update_rest_of_series(
    shift: Shift, change: SeriesChange, *, actor, now: datetime | None = None
) -> list[Shift]:
    """Apply new times, capacity and note to this shift and the later ones of its series,
    each on its own day. The capacity may not go below the people confirmed for any of
    them (checked again by each conditional UPDATE, as in `update_shift`); nothing is
    changed on bad input. Returns the changed shifts."""
    require_team_manager(actor, shift.task.team_id)
    require_scheduled(shift)
    now = now or utcnow()
    if shift.series_id is None:
        raise InvalidInput(_("This shift is not part of a weekly series."))
    if shift.ends_at <= now:
        raise Conflict(_("This shift is over and can no longer be changed."))
    if change.start is None or change.end is None:
        raise InvalidInput(_("Please give the start and end time."), field="start")
    if change.end <= change.start:
        raise InvalidInput(_("The end time must be after the start time."), field="end")
    capacity = check_capacity(change.capacity)
    note = clean_note(change.note)
    shifts = rest_of_series(shift, now=now)
    for each in shifts:
        check_room(each, capacity, each.confirmed_count)
    db.session.flush()
    for each in shifts:
        before = shift_snapshot(each)
        day = local_day(each.starts_at)
        result = db.session.execute(
            update(Shift)
            .where(Shift.id == each.id, Shift.confirmed_count <= capacity)
            .values(
                starts_at=utc_of_local(day, change.start),
                ends_at=utc_of_local(day, change.end),
                capacity=capacity,
                note=note,
            )
            .execution_options(synchronize_session=False)
        )
        db.session.refresh(each)
        if result.rowcount != 1:
            check_room(each, capacity, each.confirmed_count)
        after_change(each, before, action="shifts.series_updated", actor=actor, now=now)
    return shifts

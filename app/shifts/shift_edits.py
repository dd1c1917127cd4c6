"""Single shifts of a task: creating, moving or resizing and cancelling them, and telling
their people about a new time or a cancellation.

Times: a coordinator types local dates and times (the configured zone, Asia/Shanghai by
default); they are converted with zoneinfo and stored as naive UTC.
"""

from __future__ import annotations

from datetime import date, datetime, time

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, select, update

from app.audit import services as audit
from app.common.rows import fields_of
from app.common.text import clean_line
from app.common.time import to_local, utc_of_local, utcnow
from app.errors import Conflict, InvalidInput
from app.extensions import db
from app.notifications import services as notifications
from app.notifications.kinds import SHIFT_CANCELLED, SHIFT_TIME_CHANGED
from app.recruitment.access import require_team_manager
from app.shifts import draws, signups
from app.shifts.models import Shift, ShiftSignup, Task
from app.shifts.signups import ACTIVE_STATUSES
from app.shifts.tasks import check_capacity

NOTE_MAX = 500
REASON_MAX = 500


def shift_span(day: date, start: time, end: time) -> tuple[datetime, datetime]:
    if start is None or end is None or day is None:
        raise InvalidInput(_("Please give the date, start and end time."), field="starts")
    if end <= start:
        raise InvalidInput(_("The end time must be after the start time."), field="ends")
    return utc_of_local(day, start), utc_of_local(day, end)


def format_span(shift: Shift) -> str:
    """ "2026-03-02 14:00–17:00" in local time."""
    start, end = to_local(shift.starts_at), to_local(shift.ends_at)
    return f"{start:%Y-%m-%d} {start:%H:%M}–{end:%H:%M}"


def shift_snapshot(shift: Shift) -> dict:
    return {
        "starts_at": shift.starts_at.isoformat(),
        "ends_at": shift.ends_at.isoformat(),
        **fields_of(shift, "capacity", "status", "note"),
    }


def clean_note(note: str | None) -> str:
    return clean_line(
        note,
        field="note",
        limit=NOTE_MAX,
        too_long=_l("The note can be at most %(n)d characters long.", n=NOTE_MAX),
    )


def create_shift(
    task: Task,
    *,
    day: date,
    start: time,
    end: time,
    capacity: int | None = None,
    note: str = "",
    actor,
    now: datetime | None = None,
) -> Shift:
    """One shift on a local day from `start` to `end` (local wall-clock times)."""
    require_team_manager(actor, task.team_id)
    starts_at, ends_at = shift_span(day, start, end)
    capacity = check_capacity(task.default_capacity if capacity is None else capacity)
    shift = Shift(
        task_id=task.id,
        starts_at=starts_at,
        ends_at=ends_at,
        capacity=capacity,
        confirmed_count=0,
        ticket_counter=0,
        status="scheduled",
        note=clean_note(note),
        created_at=now or utcnow(),
    )
    db.session.add(shift)
    audit.record(
        "shifts.shift_created",
        shift,
        actor=actor,
        after={**shift_snapshot(shift), "task_id": task.id},
        now=now,
    )
    return shift


def require_scheduled(shift: Shift) -> None:
    if shift.status == "cancelled":
        raise Conflict(_("This shift has been cancelled."))


def update_shift(
    shift: Shift,
    *,
    day: date,
    start: time,
    end: time,
    capacity: int,
    note: str = "",
    actor,
    now: datetime | None = None,
) -> Shift:
    """Move or resize one shift. The capacity cannot go below the people already
    confirmed; the check and the change are one conditional UPDATE, so a sign-up arriving
    at the same moment cannot slip past it."""
    require_team_manager(actor, shift.task.team_id)
    require_scheduled(shift)
    starts_at, ends_at = shift_span(day, start, end)
    capacity = check_capacity(capacity)
    note = clean_note(note)
    before = shift_snapshot(shift)
    db.session.flush()
    result = db.session.execute(
        update(Shift)
        .where(Shift.id == shift.id, Shift.confirmed_count <= capacity)
        .values(starts_at=starts_at, ends_at=ends_at, capacity=capacity, note=note)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(shift)
    if result.rowcount != 1:
        raise InvalidInput(
            _(
                "%(n)d people are already confirmed, so the capacity cannot be lower.",
                n=shift.confirmed_count,
            ),
            field="capacity",
        )
    after_change(shift, before, action="shifts.shift_updated", actor=actor, now=now)
    return shift


def after_change(shift: Shift, before: dict, *, action: str, actor, now: datetime | None) -> None:
    """Audit a changed shift, tell its people about a new time, fill freed places."""
    audit.record_change(
        action, shift, actor=actor, before=before, after=shift_snapshot(shift), now=now
    )
    if (before["starts_at"], before["ends_at"]) != (
        shift.starts_at.isoformat(),
        shift.ends_at.isoformat(),
    ):
        _notify_time_change(shift, before=before, now=now)
    if shift.capacity > int(before["capacity"]):
        _fill_freed_places(shift, actor=actor, now=now)


def _active_signups(shift: Shift) -> list[ShiftSignup]:
    return list(
        db.session.scalars(
            select(ShiftSignup)
            .where(ShiftSignup.shift_id == shift.id, ShiftSignup.status.in_(ACTIVE_STATUSES))
            .order_by(ShiftSignup.ticket)
        )
    )


def _notify_time_change(shift: Shift, *, before: dict, now: datetime | None) -> None:
    """Everyone holding or waiting for a place hears the old and the new time."""
    old_start = to_local(datetime.fromisoformat(before["starts_at"]))
    old_end = to_local(datetime.fromisoformat(before["ends_at"]))
    old_span = f"{old_start:%Y-%m-%d} {old_start:%H:%M}–{old_end:%H:%M}"
    for signup in _active_signups(shift):
        notifications.notify(
            signup.user,
            SHIFT_TIME_CHANGED.id,
            context={
                "task_title": shift.task.title,
                "location": shift.task.location,
                "before": old_span,
                "when": format_span(shift),
            },
            link=signups.MY_LINK,
            now=now,
        )


def check_room(shift: Shift, capacity: int, confirmed: int) -> None:
    if confirmed > capacity:
        raise InvalidInput(
            _(
                "%(n)d people are already confirmed for the shift on %(when)s, so the "
                "capacity cannot be lower.",
                n=confirmed,
                when=format_span(shift),
            ),
            field="capacity",
        )


def _fill_freed_places(shift: Shift, *, actor, now: datetime | None) -> None:
    """A larger capacity frees places: the sign-up services promote from the waitlist."""
    signups.promote_waitlist(shift, now=now)


def this_and_later_in_series(shift: Shift, *conditions: ColumnElement[bool]) -> list[Shift]:
    """This shift and the later scheduled shifts of its series that meet `conditions`, by
    start; a shift of no series alone."""
    if shift.series_id is None:
        return [shift]
    return list(
        db.session.scalars(
            select(Shift)
            .where(
                Shift.series_id == shift.series_id,
                Shift.status == "scheduled",
                Shift.starts_at >= shift.starts_at,
                *conditions,
            )
            .order_by(Shift.starts_at)
        )
    )


def cancel_shift(
    shift: Shift,
    *,
    reason: str,
    rest_of_series: bool = False,
    actor,
    now: datetime | None = None,
) -> list[Shift]:
    """Cancel one shift, or it and every later scheduled shift of its series. Everyone
    confirmed, waitlisted or offered a place is notified. Returns the cancelled shifts."""
    require_team_manager(actor, shift.task.team_id)
    require_scheduled(shift)
    reason = clean_line(
        reason,
        field="reason",
        limit=REASON_MAX,
        missing=_l("Please say why the shift is cancelled."),
        too_long=_l("The reason can be at most %(n)d characters long.", n=REASON_MAX),
    )
    now = now or utcnow()
    if shift.ends_at <= now:
        raise Conflict(_("This shift is over and can no longer be cancelled."))
    shifts = this_and_later_in_series(shift) if rest_of_series else [shift]
    for each in shifts:
        each.status = "cancelled"
        each.cancel_reason = reason
    db.session.flush()
    task = shift.task
    for each in shifts:
        # Entries waiting for the shift's draw are withdrawn (never drawn) and told too.
        people = _active_signups(each) + draws.withdraw_all(each, now=now)
        for signup in people:
            notifications.notify(
                signup.user,
                SHIFT_CANCELLED.id,
                context={
                    "task_title": task.title,
                    "location": task.location,
                    "when": format_span(each),
                    "reason": reason,
                },
                now=now,
                dedupe_key=f"shifts.cancelled:{each.id}:{signup.user_id}",
            )
        audit.record(
            "shifts.shift_cancelled",
            each,
            actor=actor,
            before={"status": "scheduled"},
            after={
                "status": "cancelled",
                "reason": reason,
                "rest_of_series": bool(rest_of_series),
                "notified": len(people),
            },
            now=now,
        )
    return shifts

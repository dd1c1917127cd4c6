"""When check-in and check-out are open for a shift, who is late, what the kiosk counts, and
the job that closes forgotten check-outs once check-out has closed. Services only flush.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from app.audit import services as audit
from app.checkin import hours
from app.checkin.models import Attendance
from app.common.db import update_if
from app.common.time import utcnow
from app.extensions import db
from app.shifts.models import Shift

# Check-out stays open this long after the scheduled end; the job closes what is left.
CHECKOUT_GRACE = timedelta(hours=2)


# Reading the state ---------------------------------------------------------------------------


def attendance_of(shift_id: int, user_id: int) -> Attendance | None:
    return db.session.scalar(
        select(Attendance).where(Attendance.shift_id == shift_id, Attendance.user_id == user_id)
    )


def opens_at(shift: Shift) -> datetime:
    return shift.starts_at - timedelta(minutes=max(0, shift.task.checkin_opens_minutes or 0))


def checkout_closes_at(shift: Shift) -> datetime:
    return shift.ends_at + CHECKOUT_GRACE


def is_late(shift: Shift, checked_in_at: datetime) -> bool:
    return checked_in_at > shift.starts_at + timedelta(
        minutes=max(0, shift.task.late_after_minutes or 0)
    )


@dataclass(frozen=True)
class KioskCounts:
    checked_in: int  # here now
    checked_out: int
    expected: int  # confirmed places, walk-ins included


def kiosk_counts(shift: Shift) -> KioskCounts:
    rows = dict(
        db.session.execute(
            select(Attendance.status, func.count(Attendance.id))
            .where(Attendance.shift_id == shift.id)
            .group_by(Attendance.status)
        ).all()
    )
    db.session.refresh(shift, ["confirmed_count"])
    return KioskCounts(
        checked_in=rows.get("in", 0), checked_out=rows.get("out", 0), expected=shift.confirmed_count
    )


# Checking out --------------------------------------------------------------------------------


def check_out(record: Attendance, shift: Shift, at: datetime, **values) -> int | None:
    """Check the person out at `at` with the minutes their scans earn (and `values`), in one
    conditional UPDATE: only if they are still checked in, so a concurrent check-out is not
    done twice. The credited minutes, or None when they were no longer checked in."""
    minutes = hours.credited_minutes(shift, record.checked_in_at, at)
    closed = update_if(
        record,
        Attendance.status == "in",
        status="out",
        checked_out_at=at,
        scan_minutes=minutes,
        **values,
    )
    return minutes if closed else None


# The job -------------------------------------------------------------------------------------


def close_forgotten_checkouts(*, now: datetime | None = None) -> int:
    """Check out, at the scheduled end, everyone still in once check-out has closed
    (`CHECKOUT_GRACE` after the end), crediting the minutes up to the end and flagging the
    record `auto_closed` for review. Returns how many were closed; running again closes
    none."""
    now = now or utcnow()
    forgotten = db.session.scalars(
        select(Attendance)
        .join(Shift, Shift.id == Attendance.shift_id)
        .where(Attendance.status == "in", Shift.ends_at <= now - CHECKOUT_GRACE)
        .order_by(Attendance.id)
    ).all()
    closed = 0
    for record in forgotten:
        shift = record.shift
        minutes = check_out(record, shift, shift.ends_at, auto_closed=True)
        if minutes is not None:
            closed += 1
            audit.record(
                "checkin.auto_closed",
                record,
                actor=None,
                after={"checked_out_at": shift.ends_at.isoformat(), "scan_minutes": minutes},
                now=now,
            )
    return closed

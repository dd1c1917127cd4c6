"""Verifying attendance: one record, withdrawing a verification, and every on-time record of
a shift at once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, select, update

from app import hooks
from app.accounts.models import User
from app.audit import services as audit
from app.checkin.attendance import (
    REASON_MAX,
    clean_text,
    clear_verification,
    hours_facts,
    on_time,
)
from app.checkin.models import Attendance
from app.common.db import count_and_first_columns
from app.common.time import to_local, utcnow
from app.errors import Conflict, InvalidInput
from app.extensions import db
from app.recruitment.access import ASK, in_managed_teams, require_team_manager
from app.shifts.models import Shift, Task

# Verifying -----------------------------------------------------------------------------------


def _check_verifiable(attendance: Attendance) -> None:
    if attendance.status != "out":
        raise InvalidInput(_("Only checked-out records can be verified."))


def _claim(attendance_ids: list[int], *, actor, now: datetime) -> list[int]:
    """Verify those of these records nobody has verified yet; returns the ids this call
    verified. Conditional updates: of two coordinators pressing at once, the second one's
    update waits for the first one's commit and then finds the record verified, so the
    first one's time and name stand (no read-then-write)."""
    claimed = []
    for attendance_id in attendance_ids:
        changed = db.session.execute(
            update(Attendance)
            .where(Attendance.id == attendance_id, Attendance.verified_at.is_(None))
            .values(verified_at=now, verified_by_id=actor.id)
            .execution_options(synchronize_session=False)
        ).rowcount
        if changed == 1:
            claimed.append(attendance_id)
    return claimed


def _already_verified(attendance: Attendance) -> Conflict:
    verifier = db.session.get(User, attendance.verified_by_id or 0)
    name = verifier.name if verifier else "—"
    when = f"{to_local(attendance.verified_at):%Y-%m-%d %H:%M}"
    return Conflict(
        _("This record was already verified by %(name)s at %(time)s.", name=name, time=when)
    )


def verify(attendance: Attendance, *, actor, now: datetime | None = None) -> Attendance:
    """Verify one record (a late or auto-closed one after review). Conflict, naming who
    verified it and when, when it already was."""
    require_team_manager(actor, attendance.shift.task.team_id)
    now = now or utcnow()
    _check_verifiable(attendance)
    claimed = _claim([attendance.id], actor=actor, now=now)
    db.session.refresh(attendance)
    if not claimed:
        raise _already_verified(attendance)
    audit.record(
        "checkin.attendance_verified",
        attendance,
        actor=actor,
        after={"minutes": attendance.total_minutes},
        now=now,
    )
    publish_verified(attendance, now=now)
    return attendance


def publish_verified(attendance: Attendance, *, now: datetime) -> None:
    """The events of a record just verified: it counts towards the person's hours now."""
    data = {
        "attendance_id": attendance.id,
        "shift_id": attendance.shift_id,
        "person_id": attendance.user_id,
        "minutes": attendance.total_minutes,
    }
    hooks.publish("attendance.verified", data, now=now)
    hours = hours_facts(attendance, counted=True, reason="verified")
    hooks.publish("hours.changed", hours, now=now)


def unverify(
    attendance: Attendance, *, actor, reason: str, now: datetime | None = None
) -> Attendance:
    require_team_manager(actor, attendance.shift.task.team_id)
    now = now or utcnow()
    reason = clean_text(
        reason, limit=REASON_MAX, field="reason", missing=_("Please give a reason.")
    )
    if attendance.verified_at is None:
        raise InvalidInput(_("This record is not verified."))
    clear_verification(attendance, reason="unverified", now=now)
    audit.record(
        "checkin.attendance_unverified",
        attendance,
        actor=actor,
        before={"verified": True},
        after={"verified": False},
        note=reason,
        now=now,
    )
    return attendance


def verify_on_time(shift: Shift, *, actor, now: datetime | None = None) -> int:
    """Verify every record of the shift that is checked out, not late, not closed by the
    job, not corrected and not yet verified; the others wait for a look one by one.
    Returns how many this call verified: 0 when a concurrent press got there first."""
    require_team_manager(actor, shift.task.team_id)
    now = now or utcnow()
    records = [
        record
        for record in db.session.scalars(
            select(Attendance)
            .where(Attendance.shift_id == shift.id, Attendance.verified_at.is_(None))
            .order_by(Attendance.id)
        )
        if on_time(record)
    ]
    claimed = _claim([record.id for record in records], actor=actor, now=now)
    for record in records:
        db.session.expire(record, ["verified_at", "verified_by_id"])
        if record.id in claimed:
            publish_verified(record, now=now)
    if claimed:
        audit.record(
            "checkin.shift_verified",
            shift,
            actor=actor,
            after={"attendance_ids": claimed, "count": len(claimed)},
            now=now,
        )
    return len(claimed)


# Waiting -------------------------------------------------------------------------------------


def waiting_verification_columns(actor, team_ids: Any = ASK) -> tuple[Any, Any] | None:
    """(checked-out records nobody has verified yet in the teams `actor` runs, the id of the
    earliest shift holding one) as two scalar subqueries the coordinator's home selects with
    its other counts; None when `actor` runs no team."""
    query = _unverified(actor, team_ids)
    return None if query is None else count_and_first_columns(query, Shift.starts_at, Shift.id)


def _unverified(actor, team_ids: Any) -> Select | None:
    return in_managed_teams(
        select(Attendance.shift_id)
        .join(Shift, Shift.id == Attendance.shift_id)
        .join(Task, Task.id == Shift.task_id)
        .where(Attendance.status == "out", Attendance.verified_at.is_(None)),
        Task.team_id,
        actor,
        team_ids,
    )

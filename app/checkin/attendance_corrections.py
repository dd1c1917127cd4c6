"""Changing attendance records: corrections with a reason, hours added with evidence, and
undoing a wrong check-in.

Every change needs the actor to run the shift's team and is audited; a change to a record
clears its verification, so only what a coordinator saw last counts. Services flush; the
caller commits once.

Hours added for a confirmed person who never scanned create a record of their own: method
"manual", status "out", no scan minutes (`scan_minutes` 0) and the shift's start as the
check-in time (the column needs one), with no check-out time, so the sheet shows "no scans"
and the hours are all in `added_minutes` with their evidence.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from app.accounts.models import User
from app.audit import services as audit
from app.checkin import hours
from app.checkin.attendance import (
    REASON_MAX,
    can_undo,
    clean_text,
    clear_verification,
    confirmed_signup,
    find_attendance,
    snapshot,
    undo_limit,
)
from app.checkin.models import ATTENDANCE_STATUSES, Attendance
from app.checkin.scanlog import log_scan
from app.checkin.windows import is_late
from app.common.time import to_local, utcnow
from app.errors import Conflict, InvalidInput
from app.extensions import db
from app.recruitment.access import require_team_manager
from app.shifts.models import Shift

EVIDENCE_MAX = 1000

# Corrected times must lie between this long before the start and after the end.
CORRECTION_MARGIN = timedelta(hours=3)

# Changing a record ---------------------------------------------------------------------------


def check_times(
    shift: Shift, checked_in_at: datetime, checked_out_at: datetime | None, now: datetime
) -> None:
    earliest, latest = shift.starts_at - CORRECTION_MARGIN, shift.ends_at + CORRECTION_MARGIN
    if not earliest <= checked_in_at <= latest:
        raise InvalidInput(
            _("The check-in time must be near the shift (3 hours before to 3 hours after)."),
            field="checked_in_at",
        )
    if checked_in_at > now:
        raise InvalidInput(_("The check-in time cannot be in the future."), field="checked_in_at")
    if checked_out_at is None:
        return
    if checked_out_at <= checked_in_at:
        raise InvalidInput(
            _("The check-out time must be after the check-in time."), field="checked_out_at"
        )
    if checked_out_at > latest:
        raise InvalidInput(
            _("The check-out time must be at most 3 hours after the shift's end."),
            field="checked_out_at",
        )
    if checked_out_at > now:
        raise InvalidInput(_("The check-out time cannot be in the future."), field="checked_out_at")


def correct_attendance(
    attendance: Attendance,
    *,
    actor,
    reason: str,
    checked_in_at: datetime | None = None,
    checked_out_at: datetime | None = None,
    status: str | None = None,
    now: datetime | None = None,
) -> Attendance:
    """A coordinator fixes a record's times or status, with a reason. Scan minutes are
    recomputed from the times; added minutes shrink if they no longer fit under the cap."""
    shift = attendance.shift
    require_team_manager(actor, shift.task.team_id)
    now = now or utcnow()
    reason = clean_text(
        reason, limit=REASON_MAX, field="reason", missing=_("Please give a reason.")
    )
    status = status or attendance.status
    if status not in ATTENDANCE_STATUSES:
        raise InvalidInput(_("Choose a valid status."), field="status")
    new_in = checked_in_at or attendance.checked_in_at
    new_out = checked_out_at or attendance.checked_out_at
    if status == "in":
        new_out = None
    if status == "out" and new_out is None:
        raise InvalidInput(
            _("A checked-out record needs a check-out time."), field="checked_out_at"
        )
    check_times(shift, new_in, new_out, now)
    before, before_in = snapshot(attendance), attendance.checked_in_at
    attendance.status = status
    attendance.checked_in_at = new_in
    attendance.checked_out_at = new_out
    if status == "out" and (checked_out_at is not None or attendance.check_out_method is None):
        attendance.check_out_method = "manual"
    if new_in != before_in:
        attendance.late = is_late(shift, new_in)
    attendance.scan_minutes = hours.credited_minutes(shift, new_in, new_out) if new_out else None
    attendance.added_minutes = min(attendance.added_minutes, hours.max_added_minutes(attendance))
    if snapshot(attendance) == before:
        raise InvalidInput(_("The record already says this: nothing was changed."))
    attendance.corrected = True
    clear_verification(attendance)
    record_edit(
        "checkin.attendance_corrected", attendance, before, actor=actor, note=reason, now=now
    )
    return attendance


def record_edit(
    action: str,
    attendance: Attendance,
    before: dict,
    *,
    actor,
    now: datetime,
    note: str | None = None,
    **facts,
) -> None:
    """Audit the fields of the record that differ from `before` (its snapshot ahead of the
    change), with `facts` added to what it says after."""
    changed_before, changed_after = audit.changed_fields(before, snapshot(attendance))
    audit.record(
        action,
        attendance,
        actor=actor,
        before=changed_before,
        after={**changed_after, **facts},
        note=note,
        now=now,
    )


def add_minutes(
    attendance: Attendance,
    minutes: int,
    evidence: str,
    *,
    actor,
    now: datetime | None = None,
) -> Attendance:
    """A coordinator adds minutes with evidence; scans and additions together stay under
    the shift's cap."""
    shift = attendance.shift
    require_team_manager(actor, shift.task.team_id)
    now = now or utcnow()
    evidence = clean_text(
        evidence,
        limit=EVIDENCE_MAX,
        field="evidence",
        missing=_("Please say what shows the time was served."),
    )
    if attendance.status == "undone":
        raise InvalidInput(_("This check-in was undone: correct its status first."))
    if minutes is None or int(minutes) <= 0:
        raise InvalidInput(_("Add at least one minute."), field="minutes")
    room = hours.max_added_minutes(attendance) - attendance.added_minutes
    if int(minutes) > room:
        raise InvalidInput(
            _(
                "At most %(n)d more minutes can be added: scans and additions together may "
                "not exceed the shift's length plus its tolerance.",
                n=max(room, 0),
            ),
            field="minutes",
        )
    before = snapshot(attendance)
    attendance.added_minutes += int(minutes)
    line = f"{to_local(now):%Y-%m-%d} +{int(minutes)}: {evidence}"
    attendance.added_evidence = "\n".join(filter(None, [attendance.added_evidence, line]))
    clear_verification(attendance)
    record_edit(
        "checkin.minutes_added",
        attendance,
        before,
        actor=actor,
        note=evidence,
        now=now,
        minutes=int(minutes),
    )
    return attendance


def add_minutes_for(
    shift: Shift,
    person: User,
    minutes: int,
    evidence: str,
    *,
    actor,
    now: datetime | None = None,
) -> Attendance:
    """Add minutes to the person's record on the shift, creating a record without scans
    for a confirmed person who never checked in (see the module's docstring)."""
    require_team_manager(actor, shift.task.team_id)
    now = now or utcnow()
    attendance = find_attendance(shift, person.id)
    if attendance is None:
        attendance = _record_without_scans(shift, person, now=now)
    return add_minutes(attendance, minutes, evidence, actor=actor, now=now)


def _record_without_scans(shift: Shift, person: User, *, now: datetime) -> Attendance:
    signup = confirmed_signup(shift, person.id)
    if signup is None:
        raise InvalidInput(_("Hours can only be added for people confirmed for this shift."))
    if shift.status == "cancelled":
        raise InvalidInput(_("The shift is cancelled."))
    if shift.starts_at > now:
        raise InvalidInput(_("Hours can be added once the shift has started."))
    attendance = Attendance(
        shift_id=shift.id,
        user_id=person.id,
        signup_id=signup.id,
        status="out",
        checked_in_at=shift.starts_at,
        check_in_method="manual",
        scan_minutes=0,
        added_minutes=0,
        added_evidence="",
        created_at=now,
    )
    try:
        with db.session.begin_nested():
            db.session.add(attendance)
    except IntegrityError:
        raise Conflict(_("This person has just checked in. Please reload the page.")) from None
    attendance.shift = shift
    return attendance


def undo_check_in(attendance: Attendance, *, actor, now: datetime | None = None) -> Attendance:
    """Take back a wrong check-in within the undo time (CHECKIN_UNDO_MINUTES); the record
    then counts as no check-in, and a later scan reuses it."""
    require_team_manager(actor, attendance.shift.task.team_id)
    now = now or utcnow()
    if attendance.status == "undone":
        raise InvalidInput(_("This check-in has already been undone."))
    if not can_undo(attendance, now=now):
        raise InvalidInput(
            _(
                "A check-in can only be undone within %(n)d minutes. Correct the record "
                "instead, with a reason.",
                n=int(undo_limit().total_seconds() // 60),
            )
        )
    before = snapshot(attendance)
    attendance.status = "undone"
    clear_verification(attendance)
    log_scan(
        method="manual",
        action="undo",
        outcome="ok",
        shift_id=attendance.shift_id,
        user_id=attendance.user_id,
        actor_id=actor.id,
        attendance_id=attendance.id,
        now=now,
    )
    record_edit("checkin.check_in_undone", attendance, before, actor=actor, now=now)
    return attendance

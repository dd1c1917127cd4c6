"""The coordinator's side of attendance: the live sheet of a shift, corrections with a
reason, hours added with evidence, undoing a wrong check-in, and verifying hours.

Every change needs the actor to run the shift's team and is audited; a change to a record
clears its verification, so only what a coordinator saw last counts. Services flush; the
caller commits once.

Hours added for a confirmed person who never scanned create a record of their own: method
"manual", status "out", no scan minutes (`scan_minutes` 0) and the shift's start as the
check-in time (the column needs one), with no check-out time, so the sheet shows "no scans"
and the hours are all in `added_minutes` with their evidence.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from app.accounts.models import User
from app.audit import services as audit
from app.checkin import hours
from app.checkin.models import ATTENDANCE_STATUSES, Attendance, ScanLog
from app.checkin.scanlog import log_scan
from app.checkin.services import is_late
from app.common.tables import write_table
from app.common.time import to_local, utcnow
from app.errors import Conflict, InvalidInput, NotFound
from app.extensions import db
from app.recruitment.access import can_manage_team, require_team_manager
from app.shifts.models import Shift, ShiftSignup

REASON_MAX = 500
EVIDENCE_MAX = 1000
REFUSED_SHOWN = 100
# Corrected times must lie between this long before the start and after the end.
CORRECTION_MARGIN = timedelta(hours=3)

STATUS_LABELS = {
    "in": _l("Checked in"),
    "out": _l("Checked out"),
    "undone": _l("Check-in undone"),
}
METHOD_LABELS = {
    "kiosk": _l("Kiosk"),
    "personal": _l("Personal code"),
    "manual": _l("By hand"),
}
ACTION_LABELS = {
    "check_in": _l("Check-in"),
    "check_out": _l("Check-out"),
    "undo": _l("Undo"),
}
REASON_LABELS = {
    "expired": _l("The code had expired"),
    "forged": _l("The code was not genuine"),
    "malformed": _l("Not a check-in code"),
    "wrong_shift": _l("A code for another shift"),
    "not_signed_up": _l("Not signed up for this shift"),
    "outside_window": _l("Outside the check-in window"),
    "cancelled": _l("The shift is cancelled"),
    "not_checked_in": _l("Check-out without a check-in"),
    "already_in": _l("Already checked in"),
    "already_out": _l("Already checked out"),
    "not_eligible": _l("Not eligible for this task"),
    "full": _l("The shift is full"),
    "late": _l("Late"),
    "walk_in": _l("Walk-in"),
}

audit.describe_actions(
    {
        "checkin.attendance_corrected": _l("Attendance corrected"),
        "checkin.minutes_added": _l("Service hours added with evidence"),
        "checkin.check_in_undone": _l("Check-in undone"),
        "checkin.attendance_verified": _l("Attendance verified"),
        "checkin.attendance_unverified": _l("Attendance verification withdrawn"),
        "checkin.shift_verified": _l("On-time attendance of a shift verified"),
        "checkin.sheet_exported": _l("Attendance sheet exported"),
    }
)


def reason_label(reason: str | None) -> str:
    if not reason:
        return ""
    return str(REASON_LABELS.get(reason, reason))


# Loading what a coordinator may see ----------------------------------------------------------


def managed_shift(shift_id: int, user) -> Shift:
    """The shift when `user` runs its team; NotFound otherwise, so others learn nothing."""
    shift = db.session.get(Shift, shift_id)
    if shift is None or not can_manage_team(user, shift.task.team_id):
        raise NotFound(_("This shift does not exist."))
    return shift


def managed_attendance(attendance_id: int, user) -> Attendance:
    attendance = db.session.get(Attendance, attendance_id)
    if attendance is None or not can_manage_team(user, attendance.shift.task.team_id):
        raise NotFound(_("This attendance record does not exist."))
    return attendance


def person_on_sheet(shift: Shift, user_id: int) -> User:
    """A person the coordinator can act on for this shift: confirmed for it or with a
    record on it."""
    person = db.session.get(User, user_id)
    if person is None or (
        _confirmed_signup(shift, user_id) is None and find_attendance(shift, user_id) is None
    ):
        raise NotFound(_("This person is not on this shift."))
    return person


def find_attendance(shift: Shift, user_id: int) -> Attendance | None:
    return db.session.scalar(
        select(Attendance).where(Attendance.shift_id == shift.id, Attendance.user_id == user_id)
    )


def _confirmed_signup(shift: Shift, user_id: int) -> ShiftSignup | None:
    return db.session.scalar(
        select(ShiftSignup).where(
            ShiftSignup.shift_id == shift.id,
            ShiftSignup.user_id == user_id,
            ShiftSignup.status == "confirmed",
        )
    )


# The sheet -----------------------------------------------------------------------------------


@dataclass
class SheetRow:
    person: User
    signup: ShiftSignup | None  # None for a walk-in or someone whose sign-up was cancelled
    attendance: Attendance | None
    can_undo: bool
    can_add_minutes: int  # minutes that may still be added

    @property
    def status(self) -> str:
        """The record's status, or "absent" without a record."""
        return self.attendance.status if self.attendance is not None else "absent"


@dataclass
class RefusedScan:
    at: datetime
    person: User | None
    reason: str
    reason_label: str
    method: str
    action: str


@dataclass
class SheetCounts:
    expected: int  # confirmed sign-ups
    checked_in: int  # in now
    checked_out: int
    late: int
    auto_closed: int
    verified: int
    walk_ins: int
    absent: int  # confirmed without a standing record
    refused: int

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


@dataclass
class ShiftSheet:
    shift: Shift
    rows: list[SheetRow]  # the confirmed people, in arrival order of their sign-ups
    others: list[SheetRow]  # walk-ins and records without a confirmed sign-up
    counts: SheetCounts
    refused: list[RefusedScan]
    version: int  # the newest scan's id: changes whenever anyone scans

    @property
    def on_time_to_verify(self) -> int:
        return sum(1 for row in [*self.rows, *self.others] if _on_time(row.attendance))


def _on_time(attendance: Attendance | None) -> bool:
    return (
        attendance is not None
        and attendance.status == "out"
        and not attendance.late
        and not attendance.auto_closed
        and not attendance.corrected
        and attendance.verified_at is None
    )


def _undo_limit() -> timedelta:
    return timedelta(minutes=int(current_app.config.get("CHECKIN_UNDO_MINUTES", 15)))


def can_undo(attendance: Attendance, *, now: datetime) -> bool:
    return attendance.status != "undone" and now - attendance.checked_in_at <= _undo_limit()


def _row(person, signup, attendance, *, now: datetime) -> SheetRow:
    return SheetRow(
        person=person,
        signup=signup,
        attendance=attendance,
        can_undo=attendance is not None and can_undo(attendance, now=now),
        can_add_minutes=(
            hours.max_added_minutes(attendance) - attendance.added_minutes
            if attendance is not None
            else hours.cap_minutes(signup.shift)
        ),
    )


def _refused_scans(shift: Shift) -> list[RefusedScan]:
    entries = db.session.execute(
        select(ScanLog, User)
        .outerjoin(User, User.id == ScanLog.user_id)
        .where(ScanLog.shift_id == shift.id, ScanLog.outcome == "refused")
        .order_by(ScanLog.at.desc(), ScanLog.id.desc())
        .limit(REFUSED_SHOWN)
    )
    return [
        RefusedScan(
            at=entry.at,
            person=person,
            reason=entry.reason or "",
            reason_label=reason_label(entry.reason),
            method=entry.method,
            action=entry.action,
        )
        for entry, person in entries
    ]


def _scan_stats(shift: Shift) -> tuple[int, int]:
    """(refused scans, newest scan id) of the shift."""
    refused, newest = db.session.execute(
        select(
            func.count(ScanLog.id).filter(ScanLog.outcome == "refused"),
            func.coalesce(func.max(ScanLog.id), 0),
        ).where(ScanLog.shift_id == shift.id)
    ).one()
    return int(refused), int(newest)


def _counts(rows: list[SheetRow], others: list[SheetRow], refused: int) -> SheetCounts:
    records = [row.attendance for row in [*rows, *others] if row.attendance is not None]
    standing = [record for record in records if record.status != "undone"]
    return SheetCounts(
        expected=len(rows),
        checked_in=sum(1 for record in standing if record.status == "in"),
        checked_out=sum(1 for record in standing if record.status == "out"),
        late=sum(1 for record in standing if record.late),
        auto_closed=sum(1 for record in standing if record.auto_closed),
        verified=sum(1 for record in standing if record.verified_at is not None),
        walk_ins=sum(1 for record in standing if record.walk_in),
        absent=sum(1 for row in rows if row.status in ("absent", "undone")),
        refused=refused,
    )


def shift_sheet(shift: Shift, *, actor, now: datetime | None = None) -> ShiftSheet:
    """Everyone confirmed with their record (or none), the walk-ins, the counts and the
    refused scans of the shift, newest first."""
    require_team_manager(actor, shift.task.team_id)
    now = now or utcnow()
    signups = list(
        db.session.scalars(
            select(ShiftSignup)
            .where(ShiftSignup.shift_id == shift.id, ShiftSignup.status == "confirmed")
            .order_by(ShiftSignup.ticket)
        )
    )
    records = {
        record.user_id: record
        for record in db.session.scalars(select(Attendance).where(Attendance.shift_id == shift.id))
    }
    rows = [
        _row(signup.user, signup, records.pop(signup.user_id, None), now=now) for signup in signups
    ]
    others = [
        _row(record.user, None, record, now=now)
        for record in sorted(records.values(), key=lambda record: record.checked_in_at)
    ]
    refused_count, newest = _scan_stats(shift)
    return ShiftSheet(
        shift=shift,
        rows=rows,
        others=others,
        counts=_counts(rows, others, refused_count),
        refused=_refused_scans(shift),
        version=newest,
    )


def sheet_summary(shift: Shift, *, actor, now: datetime | None = None) -> dict:
    """The counts for the page's live refresh, and a version that changes with each scan."""
    sheet = shift_sheet(shift, actor=actor, now=now)
    return {"counts": sheet.counts.as_dict(), "version": sheet.version}


# Changing a record ---------------------------------------------------------------------------


def _snapshot(attendance: Attendance) -> dict:
    def stamp(value: datetime | None) -> str | None:
        return value.isoformat(timespec="minutes") if value else None

    return {
        "status": attendance.status,
        "checked_in_at": stamp(attendance.checked_in_at),
        "checked_out_at": stamp(attendance.checked_out_at),
        "late": attendance.late,
        "scan_minutes": attendance.scan_minutes,
        "added_minutes": attendance.added_minutes,
        "verified": attendance.verified_at is not None,
    }


def _changed(before: dict, after: dict) -> tuple[dict, dict]:
    keys = [key for key in after if before.get(key) != after[key]]
    return {key: before.get(key) for key in keys}, {key: after[key] for key in keys}


def _clean_text(text: str | None, *, limit: int, field: str, missing: str) -> str:
    cleaned = " ".join((text or "").split())
    if not cleaned:
        raise InvalidInput(missing, field=field)
    if len(cleaned) > limit:
        raise InvalidInput(_("Please keep it under %(n)d characters.", n=limit), field=field)
    return cleaned


def _clear_verification(attendance: Attendance) -> None:
    attendance.verified_at = None
    attendance.verified_by_id = None


def _check_times(
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
    reason = _clean_text(
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
    _check_times(shift, new_in, new_out, now)
    before, before_in = _snapshot(attendance), attendance.checked_in_at
    attendance.status = status
    attendance.checked_in_at = new_in
    attendance.checked_out_at = new_out
    if status == "out" and (checked_out_at is not None or attendance.check_out_method is None):
        attendance.check_out_method = "manual"
    if new_in != before_in:
        attendance.late = is_late(shift, new_in)
    attendance.scan_minutes = hours.credited_minutes(shift, new_in, new_out) if new_out else None
    attendance.added_minutes = min(attendance.added_minutes, hours.max_added_minutes(attendance))
    changed_before, changed_after = _changed(before, _snapshot(attendance))
    if not changed_after:
        raise InvalidInput(_("The record already says this: nothing was changed."))
    attendance.corrected = True
    _clear_verification(attendance)
    changed_before, changed_after = _changed(before, _snapshot(attendance))
    db.session.flush()
    audit.record(
        "checkin.attendance_corrected",
        actor=actor,
        object_type="attendance",
        object_id=attendance.id,
        before=changed_before,
        after=changed_after,
        note=reason,
        now=now,
    )
    return attendance


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
    evidence = _clean_text(
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
    before = _snapshot(attendance)
    attendance.added_minutes += int(minutes)
    line = f"{to_local(now):%Y-%m-%d} +{int(minutes)}: {evidence}"
    attendance.added_evidence = "\n".join(filter(None, [attendance.added_evidence, line]))
    _clear_verification(attendance)
    db.session.flush()
    changed_before, changed_after = _changed(before, _snapshot(attendance))
    audit.record(
        "checkin.minutes_added",
        actor=actor,
        object_type="attendance",
        object_id=attendance.id,
        before=changed_before,
        after={**changed_after, "minutes": int(minutes)},
        note=evidence,
        now=now,
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
    signup = _confirmed_signup(shift, person.id)
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
                n=int(_undo_limit().total_seconds() // 60),
            )
        )
    before = _snapshot(attendance)
    attendance.status = "undone"
    _clear_verification(attendance)
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
    db.session.flush()
    changed_before, changed_after = _changed(before, _snapshot(attendance))
    audit.record(
        "checkin.check_in_undone",
        actor=actor,
        object_type="attendance",
        object_id=attendance.id,
        before=changed_before,
        after=changed_after,
        now=now,
    )
    return attendance


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
        actor=actor,
        object_type="attendance",
        object_id=attendance.id,
        after={"minutes": attendance.total_minutes},
        now=now,
    )
    return attendance


def unverify(
    attendance: Attendance, *, actor, reason: str, now: datetime | None = None
) -> Attendance:
    require_team_manager(actor, attendance.shift.task.team_id)
    now = now or utcnow()
    reason = _clean_text(
        reason, limit=REASON_MAX, field="reason", missing=_("Please give a reason.")
    )
    if attendance.verified_at is None:
        raise InvalidInput(_("This record is not verified."))
    _clear_verification(attendance)
    db.session.flush()
    audit.record(
        "checkin.attendance_unverified",
        actor=actor,
        object_type="attendance",
        object_id=attendance.id,
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
        if _on_time(record)
    ]
    claimed = _claim([record.id for record in records], actor=actor, now=now)
    for record in records:
        db.session.expire(record, ["verified_at", "verified_by_id"])
    if claimed:
        audit.record(
            "checkin.shift_verified",
            actor=actor,
            object_type="shift",
            object_id=shift.id,
            after={"attendance_ids": claimed, "count": len(claimed)},
            now=now,
        )
    return len(claimed)


# Export --------------------------------------------------------------------------------------


def _time(value: datetime | None) -> str:
    return f"{to_local(value):%Y-%m-%d %H:%M}" if value else ""


def export_sheet(shift: Shift, *, actor, now: datetime | None = None) -> tuple[bytes, str]:
    """The sheet as CSV (UTF-8 with a BOM, formula cells neutralised): (bytes, filename).
    Exporting people's data is audited."""
    now = now or utcnow()
    sheet = shift_sheet(shift, actor=actor, now=now)
    header = [
        _("Student/staff number"),
        _("Name"),
        _("Status"),
        _("Checked in"),
        _("Checked out"),
        _("Late"),
        _("Closed automatically"),
        _("Corrected"),
        _("Scan minutes"),
        _("Added minutes"),
        _("Verified"),
    ]
    body = []
    for row in [*sheet.rows, *sheet.others]:
        record = row.attendance
        status = str(STATUS_LABELS.get(row.status, _("Not checked in")))
        flags = [record.late, record.auto_closed, record.corrected] if record else [False] * 3
        body.append(
            [
                row.person.student_number,
                row.person.name,
                status,
                _time(record.checked_in_at) if record else "",
                _time(record.checked_out_at) if record else "",
                *(_("yes") if flag else "" for flag in flags),
                record.scan_minutes if record and record.scan_minutes is not None else "",
                record.added_minutes if record else "",
                _time(record.verified_at) if record else "",
            ]
        )
    audit.record(
        "checkin.sheet_exported",
        actor=actor,
        object_type="shift",
        object_id=shift.id,
        after={"rows": len(sheet.rows) + len(sheet.others)},
        now=now,
    )
    filename = f"shift-{shift.id}-attendance-{to_local(shift.starts_at):%Y%m%d}.csv"
    return write_table(header, body), filename


# Hours on the team roster --------------------------------------------------------------------


def verified_team_hours(team_id: int, user_ids: list[int]) -> dict[int, float]:
    """Verified hours per member served on the team's shifts (the roster's provider)."""
    minutes = hours.verified_minutes_by_user(user_ids, team_id=team_id)
    return {user_id: round(total / 60, 2) for user_id, total in minutes.items()}


def extract_code(text: str | None) -> str:
    """The code in what a scanner read: the bare code, or the last part of a URL."""
    value = (text or "").strip()
    if "/" in value:
        value = value.split("?", 1)[0].split("#", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    return value[:200]

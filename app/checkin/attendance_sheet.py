"""The live attendance sheet of a shift, its summary and its CSV export."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func, select

from app.accounts.models import User
from app.audit import services as audit
from app.checkin import hours
from app.checkin.attendance import (
    STATUS_LABELS,
    can_undo,
    on_time,
    reason_label,
)
from app.checkin.models import Attendance, ScanLog
from app.common.tables import write_table
from app.common.time import to_local, utcnow
from app.extensions import db
from app.recruitment.access import require_team_manager
from app.shifts.models import Shift, ShiftSignup

REFUSED_SHOWN = 100

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
        return sum(1 for row in [*self.rows, *self.others] if on_time(row.attendance))


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
        shift,
        actor=actor,
        after={"rows": len(sheet.rows) + len(sheet.others)},
        now=now,
    )
    filename = f"shift-{shift.id}-attendance-{to_local(shift.starts_at):%Y%m%d}.csv"
    return write_table(header, body), filename

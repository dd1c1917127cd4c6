"""Entering a paper sign-in sheet after the event, in one save: a line per person (the
confirmed sign-ups, people with a record, walk-ins by student number) with present ticked
and the times written on the sheet (HH:MM, local, on the shift's day).

All or nothing: any bad line (a time off the shift, check-out before check-in, an unknown
student number) refuses the whole save with a message per line. A record from scans is only
replaced when the coordinator chose to for that line. Saving the same sheet again changes
nothing, so a double submit writes each record and its audit entry once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.accounts.models import User
from app.checkin import hours
from app.checkin.attendance import clear_verification, confirmed_signup, snapshot
from app.checkin.attendance_corrections import check_times, record_edit
from app.checkin.models import Attendance
from app.checkin.windows import is_late
from app.common.time import local_day, utc_of_local, utcnow
from app.errors import Conflict, InvalidInput
from app.extensions import db
from app.recruitment.access import require_team_manager
from app.shifts.models import Shift, ShiftSignup

# A written time this long before the start is read on the day after the start.
NEXT_DAY_AFTER = timedelta(hours=12)
CLOCK = re.compile(r"^([01]?\d|2[0-3])[:：]([0-5]\d)$")


@dataclass
class PaperLine:
    """One line of the sheet as typed: a person by id, or a walk-in by student number."""

    key: str
    user_id: int | None = None
    student_number: str = ""
    present: bool = False
    checked_in: str = ""
    checked_out: str = ""
    replace: bool = False  # replace a record from scans with the paper's times


@dataclass
class PaperRow:
    """A person listed on the entry page, with their record if any."""

    key: str
    person: User
    signup: ShiftSignup | None
    record: Attendance | None

    @property
    def scanned(self) -> bool:
        """A standing record that did not come from paper: replacing it needs a choice."""
        record = self.record
        return record is not None and record.status != "undone" and not record.from_paper


class PaperSheetInvalid(InvalidInput):
    """Lines that need fixing, by line key; nothing was saved."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(_("Some lines need fixing: nothing was saved."))
        self.errors = errors


@dataclass
class _Entry:
    line: PaperLine
    person: User
    checked_in_at: datetime
    checked_out_at: datetime | None
    record: Attendance | None = field(default=None)


def paper_rows(shift: Shift, *, actor) -> list[PaperRow]:
    """The confirmed people in arrival order, then everyone else with a record."""
    require_team_manager(actor, shift.task.team_id)
    records = {
        record.user_id: record
        for record in db.session.scalars(select(Attendance).where(Attendance.shift_id == shift.id))
    }
    signups = db.session.scalars(
        select(ShiftSignup)
        .where(ShiftSignup.shift_id == shift.id, ShiftSignup.status == "confirmed")
        .order_by(ShiftSignup.ticket)
    )
    rows = [PaperRow(f"p{s.user_id}", s.user, s, records.pop(s.user_id, None)) for s in signups]
    rows += [PaperRow(f"p{r.user_id}", r.user, None, r) for r in records.values()]
    return rows


def _clock(shift: Shift, text: str, field_name: str) -> datetime | None:
    text = (text or "").strip()
    if not text:
        return None
    match = CLOCK.match(text)
    if match is None:
        raise InvalidInput(_("Type a time as HH:MM, e.g. 09:30."), field=field_name)
    moment = utc_of_local(
        local_day(shift.starts_at), time(int(match.group(1)), int(match.group(2)))
    )
    # A shift past midnight: its small hours belong to the next day.
    return moment + timedelta(days=1) if moment < shift.starts_at - NEXT_DAY_AFTER else moment


def _person(shift: Shift, line: PaperLine, listed: dict[int, PaperRow]) -> User:
    if line.user_id is not None:
        if line.user_id not in listed:
            raise InvalidInput(_("This person is not on this shift."))
        return listed[line.user_id].person
    number = (line.student_number or "").strip()
    person = (
        db.session.scalar(select(User).where(User.student_number == number)) if number else None
    )
    if person is None:
        raise InvalidInput(_("No one has this student/staff number."), field="number")
    return person


def _entry(shift: Shift, line: PaperLine, listed: dict[int, PaperRow], now: datetime) -> _Entry:
    person = _person(shift, line, listed)
    checked_in_at = _clock(shift, line.checked_in, "in")
    checked_out_at = _clock(shift, line.checked_out, "out")
    if checked_in_at is None:
        raise InvalidInput(_("Type the check-in time written on the sheet."), field="in")
    check_times(shift, checked_in_at, checked_out_at, now)
    row = listed.get(person.id)
    if row is not None and row.scanned and not line.replace:
        raise InvalidInput(
            _("This person already has a scanned record: choose to replace it or untick."),
            field="replace",
        )
    return _Entry(line, person, checked_in_at, checked_out_at, row.record if row else None)


def _checked(shift: Shift, lines: list[PaperLine], *, actor, now: datetime) -> list[_Entry]:
    listed = {row.person.id: row for row in paper_rows(shift, actor=actor)}
    errors: dict[str, str] = {}
    entries: list[_Entry] = []
    seen: set[int] = set()
    for line in lines:
        if not line.present:
            continue
        try:
            entry = _entry(shift, line, listed, now)
        except InvalidInput as error:
            errors[line.key] = str(error.message)
            continue
        if entry.person.id in seen:
            errors[line.key] = _("This person is on the sheet twice.")
            continue
        seen.add(entry.person.id)
        entries.append(entry)
    if errors:
        raise PaperSheetInvalid(errors)
    return entries


def _write(shift: Shift, entry: _Entry, *, actor, now: datetime) -> bool:
    """Create or update the record from the paper line; False when it already says this."""
    record = entry.record
    if record is None:
        signup = confirmed_signup(shift, entry.person.id)
        record = Attendance(
            shift=shift,
            user_id=entry.person.id,
            signup_id=signup.id if signup else None,
            walk_in=signup is None,
            added_minutes=0,
            added_evidence="",
            created_at=now,
        )
        try:
            with db.session.begin_nested():
                db.session.add(record)
                _fill(shift, record, entry)
        except IntegrityError:
            raise Conflict(_("This person has just checked in. Please reload the page.")) from None
        before: dict = {}
    else:
        before = snapshot(record)
        was_scanned = not record.from_paper and record.status != "undone"
        _fill(shift, record, entry)
        if snapshot(record) == before and record.from_paper:
            return False
        record.corrected = record.corrected or was_scanned
    record.from_paper = True
    clear_verification(record)
    record_edit("checkin.paper_entered", record, before, actor=actor, now=now, from_paper=True)
    return True


def _fill(shift: Shift, record: Attendance, entry: _Entry) -> None:
    out = entry.checked_out_at
    record.status = "out" if out else "in"
    record.checked_in_at = entry.checked_in_at
    record.checked_out_at = out
    record.check_in_method = "manual"
    record.check_out_method = "manual" if out else None
    record.late = is_late(shift, entry.checked_in_at)
    record.auto_closed = False
    record.scan_minutes = hours.credited_minutes(shift, entry.checked_in_at, out) if out else None
    record.added_minutes = min(record.added_minutes or 0, hours.max_added_minutes(record))
    record.from_paper = True


def enter_paper_sheet(
    shift: Shift, lines: list[PaperLine], *, actor, now: datetime | None = None
) -> int:
    """Save the paper sheet: the number of records created or changed. Raises
    PaperSheetInvalid (nothing written) when any ticked line is wrong."""
    require_team_manager(actor, shift.task.team_id)
    now = now or utcnow()
    if shift.status == "cancelled":
        raise InvalidInput(_("The shift is cancelled."))
    entries = _checked(shift, lines, actor=actor, now=now)
    return sum(1 for entry in entries if _write(shift, entry, actor=actor, now=now))

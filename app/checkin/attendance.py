"""Attendance, the shared pieces of the coordinator's side: labels for statuses, methods,
actions and refused scans; loading the shift, record or person a coordinator may act on;
reading a scanned code; verified hours for the team roster.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app import hooks
from app.accounts.models import User
from app.checkin import hours
from app.checkin.models import Attendance
from app.common.text import clean_line
from app.common.time import utcnow
from app.errors import NotFound
from app.extensions import db
from app.recruitment.access import can_manage_team
from app.shifts.models import Shift, ShiftSignup

REASON_MAX = 500

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
        confirmed_signup(shift, user_id) is None and find_attendance(shift, user_id) is None
    ):
        raise NotFound(_("This person is not on this shift."))
    return person


def find_attendance(shift: Shift, user_id: int) -> Attendance | None:
    return db.session.scalar(
        select(Attendance).where(Attendance.shift_id == shift.id, Attendance.user_id == user_id)
    )


def confirmed_signup(shift: Shift, user_id: int) -> ShiftSignup | None:
    return db.session.scalar(
        select(ShiftSignup).where(
            ShiftSignup.shift_id == shift.id,
            ShiftSignup.user_id == user_id,
            ShiftSignup.status == "confirmed",
        )
    )


# Shared by the sheet, corrections and verification ------------------------------------------


def on_time(attendance: Attendance | None) -> bool:
    return (
        attendance is not None
        and attendance.status == "out"
        and not attendance.late
        and not attendance.auto_closed
        and not attendance.corrected
        # A phone check-in away from the task's place, or without a position, waits for a look.
        and attendance.place_check not in ("outside", "no_position")
        and attendance.verified_at is None
    )


def undo_limit() -> timedelta:
    return timedelta(minutes=int(current_app.config.get("CHECKIN_UNDO_MINUTES", 15)))


def can_undo(attendance: Attendance, *, now: datetime) -> bool:
    return attendance.status != "undone" and now - attendance.checked_in_at <= undo_limit()


def snapshot(attendance: Attendance) -> dict:
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


def clean_text(text: str | None, *, limit: int, field: str, missing: str) -> str:
    return clean_line(
        text,
        field=field,
        limit=limit,
        missing=missing,
        too_long=_l("Please keep it under %(n)d characters.", n=limit),
    )


def hours_facts(attendance: Attendance, *, counted: bool, reason: str) -> dict:
    """The `hours.changed` event's data: the record's minutes now and whether they count
    towards the person's verified hours (receivers re-read totals rather than add up)."""
    return {
        "attendance_id": attendance.id,
        "shift_id": attendance.shift_id,
        "person_id": attendance.user_id,
        "minutes": attendance.total_minutes,
        "counted": counted,
        "reason": reason,
    }


def clear_verification(
    attendance: Attendance, *, reason: str = "corrected", now: datetime | None = None
) -> None:
    """The record waits for verification again (after a correction, an undo, a paper entry
    or a withdrawn verification): hours that counted no longer do until then."""
    if attendance.verified_at is not None:
        facts = hours_facts(attendance, counted=False, reason=reason)
        hooks.publish("hours.changed", facts, now=now or utcnow())
    attendance.verified_at = None
    attendance.verified_by_id = None


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

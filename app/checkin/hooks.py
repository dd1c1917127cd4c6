"""What the check-in feature provides to other features (wired by `app.wiring.wire_hooks`)."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l

from app import hooks
from app.checkin.attendance import verified_team_hours
from app.checkin.attendance_verification import waiting_verification_columns
from app.checkin.presence import attended
from app.shifts.reliability import no_show_rates


def records_to_verify(desk: hooks.DeskOf, now: datetime) -> list[hooks.Counted]:
    """Checked-out records waiting for a coordinator's verification; the link opens the
    attendance sheet of the earliest shift holding one."""
    columns = waiting_verification_columns(desk.actor, desk.team_ids)
    return [] if columns is None else [hooks.Counted(columns, _to_verify)]


def _to_verify(values: tuple) -> list[hooks.Waiting]:
    count, shift_id = values
    if not count:
        return []
    label = _l("Attendance to verify")
    endpoint, link = "attendance.shift_sheet", {"shift_id": shift_id}
    return [hooks.Waiting("verifications", label, count, endpoint, link)]


def connect_hooks() -> None:
    """Attendance for no-show marking and the dashboard's no-show rates (these need
    attendance data), verified hours for the team roster, and the records to verify on
    the coordinator's home."""
    hooks.ATTENDANCE.connect(attended)
    hooks.NO_SHOW_RATES.connect(no_show_rates)
    hooks.TEAM_HOURS.connect(verified_team_hours)
    hooks.WAITING.connect(records_to_verify)

"""What the check-in feature provides to other features (wired by `app.wiring.wire_hooks`)."""

from __future__ import annotations

from app import hooks
from app.checkin.attendance import verified_team_hours
from app.checkin.presence import attended
from app.shifts.reliability import no_show_rates


def connect_hooks() -> None:
    """Attendance for no-show marking and the dashboard's no-show rates (these need
    attendance data), and verified hours for the team roster."""
    hooks.ATTENDANCE.connect(attended)
    hooks.NO_SHOW_RATES.connect(no_show_rates)
    hooks.TEAM_HOURS.connect(verified_team_hours)

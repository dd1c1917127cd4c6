"""Who attended a shift, told to the shifts feature's no-show job.

Importing this module registers the provider (and with it the dashboard's no-show rate):
without attendance data the shifts feature marks nobody as a no-show.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from app.checkin.models import Attendance
from app.extensions import db
from app.shifts import reliability, tasks

# An undone check-in (a coordinator reverted a wrong scan) is no attendance.
ATTENDED_STATUSES = ("in", "out")


def attended(shift_ids: Iterable[int]) -> set[tuple[int, int]]:
    """(shift id, person id) of everyone checked in or out on these shifts."""
    ids = list(shift_ids)
    if not ids:
        return set()
    rows = db.session.execute(
        select(Attendance.shift_id, Attendance.user_id).where(
            Attendance.shift_id.in_(ids), Attendance.status.in_(ATTENDED_STATUSES)
        )
    )
    return {(shift_id, user_id) for shift_id, user_id in rows}


reliability.register_attendance_provider(attended)
tasks.register_no_show_provider(reliability.no_show_rates)

"""Who counts as present on a shift: the one answer every job that asks reads.

A person is present on a shift when they checked in (or in and out) and the check-in was
not undone, or when a coordinator recorded them as having completed the training held on
that shift ("training completed", which needs no scan). The no-show job, the points run
(through the no-shows it books), badges (shifts and weekly streaks) and engagement ask here.

`app.checkin.hooks` connects `attended` to the attendance hook (and with it the dashboard's
no-show rate).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Select, select, union

from app.checkin.models import Attendance
from app.extensions import db
from app.shifts.models import Shift, TrainingRecord

# An undone check-in (a coordinator reverted a wrong scan) is no attendance.
ATTENDED_STATUSES = ("in", "out")


def present(*, verified: bool = False, user_ids: Iterable[int] | None = None) -> Select:
    """(shift_id, user_id, starts_at = the shift's start) once per person present on a
    shift. `verified`: only attendance a coordinator verified (what rewards count); a
    completed training is a coordinator's record already and always counts. `user_ids`:
    only these people, filtered inside the union (SQLite would otherwise build the union
    over everyone first: seconds at 100,000 people)."""
    attended = (
        select(Attendance.shift_id, Attendance.user_id, Shift.starts_at)
        .join(Shift, Shift.id == Attendance.shift_id)
        .where(Attendance.status.in_(ATTENDED_STATUSES))
    )
    if verified:
        attended = attended.where(Attendance.verified_at.is_not(None))
    trained = select(TrainingRecord.shift_id, TrainingRecord.user_id, Shift.starts_at).join(
        Shift, Shift.id == TrainingRecord.shift_id
    )
    if user_ids is not None:
        people = list(user_ids)
        attended = attended.where(Attendance.user_id.in_(people))
        trained = trained.where(TrainingRecord.user_id.in_(people))
    rows = union(attended, trained).subquery()
    return select(rows.c.shift_id, rows.c.user_id, rows.c.starts_at)


def attended(shift_ids: Iterable[int]) -> set[tuple[int, int]]:
    """(shift id, person id) of everyone present on these shifts."""
    ids = list(shift_ids)
    if not ids:
        return set()
    rows = present().subquery()
    query = select(rows.c.shift_id, rows.c.user_id).where(rows.c.shift_id.in_(ids))
    return {(shift_id, user_id) for shift_id, user_id in db.session.execute(query)}

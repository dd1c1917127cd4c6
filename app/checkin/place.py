"""Where you are: on a task with a place, a phone's kiosk check-in asks the browser for its
position. The check-in itself never waits for it and is never refused: a position outside
the radius, or none at all (denied, timed out, indoors), only flags the record for the
coordinator, who sees the flag on the sheet and when verifying."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from flask_babel import gettext as _

from app.checkin.models import Attendance
from app.common.time import utcnow
from app.errors import InvalidInput, NotFound
from app.extensions import db

EARTH_RADIUS_M = 6_371_000
# The phone reports its position this soon after the check-in, or not at all.
REPORT_WITHIN = timedelta(minutes=10)
PLACE_CHECKS = ("inside", "outside", "no_position")


def has_place(task) -> bool:
    return task.place_latitude is not None and task.place_longitude is not None


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> int:
    """Great-circle distance in whole metres (haversine)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlng = phi2 - phi1, math.radians(lng2 - lng1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlng / 2) ** 2
    return round(2 * EARTH_RADIUS_M * math.asin(math.sqrt(min(1.0, a))))


def await_position(result) -> bool:
    """After a phone's kiosk scan: a new check-in on a task with a place is flagged "no
    position" until the phone reports one. True when the page should ask for it."""
    record: Attendance | None = result.attendance
    if result.outcome != "checked_in" or record is None or not has_place(record.shift.task):
        return False
    if not result.replayed:
        record.place_check = "no_position"
        record.place_distance_m = None
    return record.place_check == "no_position"


def _coordinate(value, limit: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidInput(_("No position was sent."))
    number = float(value)
    if not math.isfinite(number) or abs(number) > limit:
        raise InvalidInput(_("No position was sent."))
    return number


def record_position(
    attendance_id: int, person, latitude, longitude, *, now: datetime | None = None
) -> Attendance:
    """The phone's position for its own fresh check-in: the distance and the flag. Once
    only, and only soon after the check-in; otherwise the record keeps its flag."""
    now = now or utcnow()
    record = db.session.get(Attendance, attendance_id)
    if record is None or record.user_id != person.id:
        raise NotFound(_("This attendance record does not exist."))
    task = record.shift.task
    if not has_place(task) or record.place_check != "no_position":
        raise InvalidInput(_("This check-in needs no position."))
    if now - record.checked_in_at > REPORT_WITHIN:
        raise InvalidInput(_("Too late to send a position for this check-in."))
    distance = distance_m(
        _coordinate(latitude, 90),
        _coordinate(longitude, 180),
        task.place_latitude,
        task.place_longitude,
    )
    record.place_distance_m = distance
    record.place_check = "inside" if distance <= (task.place_radius_m or 0) else "outside"
    return record

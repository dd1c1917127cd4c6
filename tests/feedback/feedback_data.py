"""Feedback test data: a shift whose members checked out and whose hours a coordinator
verified (through the check-in feature's own service)."""

from __future__ import annotations

from datetime import datetime, timedelta

from app.checkin import attendance_verification
from app.checkin.models import Attendance
from app.common.time import utcnow
from tests.checkin import attendance_data
from tests.checkin.attendance_data import World


def served(
    *, people: int = 2, start: datetime | None = None, **world_options
) -> tuple[World, list[Attendance]]:
    """A world whose shift (4 hours ago) every member served 2 hours of; none verified."""
    world = attendance_data.world(
        start=start or utcnow() - timedelta(hours=4), people=people, **world_options
    )
    records = [
        attendance_data.record(
            world.shift, person, checked_out_at=world.shift.starts_at + timedelta(hours=2)
        )
        for person in world.people
    ]
    return world, records


def verified(
    *, people: int = 2, start: datetime | None = None, **world_options
) -> tuple[World, list[Attendance]]:
    """The same, with every record verified by the team's coordinator."""
    world, records = served(people=people, start=start, **world_options)
    for record in records:
        attendance_verification.verify(record, actor=world.boss)
    return world, records

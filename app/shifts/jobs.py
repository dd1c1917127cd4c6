"""Scheduled jobs of the shifts feature: thin callers of its services."""

from __future__ import annotations

from datetime import datetime

from app.errors import Conflict
from app.extensions import db
from app.shifts import draws, offers, reliability, reminders, signups


def send_reminders(*, now: datetime) -> dict[str, int]:
    return {"reminded": reminders.send_reminders(now=now)}


def expire_offers(*, now: datetime) -> dict[str, int]:
    return offers.expire_offers(now=now)


def mark_no_shows(*, now: datetime) -> dict[str, int]:
    return {"no_shows": reliability.mark_no_shows(now=now)}


def draw_due(*, now: datetime) -> dict[str, int]:
    """Draw each shift whose draw window has closed, each in its own transaction."""
    shift_ids = draws.due_shift_ids(now=now)
    db.session.commit()  # end the read before the first draw's writes
    drawn = 0
    for shift_id in shift_ids:
        try:
            done = draws.draw_if_due(signups.get_shift(shift_id), now=now)
        except Conflict:
            done = None
        if done is None:
            db.session.rollback()
            continue
        db.session.commit()
        drawn += 1
    return {"drawn": drawn}

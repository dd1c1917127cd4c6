"""Reminders before a shift, each with a one-tap "I can't make it" link (the job
`shifts.send_reminders`)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.common.time import utcnow
from app.extensions import db
from app.notifications import services as notifications
from app.notifications.kinds import SHIFT_REMINDER
from app.shifts import release, signups
from app.shifts.calendar import shift_description
from app.shifts.models import Shift, ShiftSignup

# How long before the start each reminder goes out; the job runs every few minutes, so a
# reminder goes once the start is nearer than this (and not yet started).
REMINDER_LEADS = {"24h": timedelta(hours=24), "2h": timedelta(hours=2)}

# The note and task description in a reminder are cut to this many characters.
ABOUT_LENGTH = 500


def send_reminders(*, now: datetime | None = None) -> int:
    """Remind everyone confirmed for a shift starting within 24 h, and again within 2 h.

    Safe to run any number of times: each reminder has its own dedupe key. A shift starting
    within 2 h gets only the 2 h reminder (the 24 h one would come too late to be useful).
    Each links to a one-tap "I can't make it" page for that sign-up.
    """
    now = now or utcnow()
    horizon = now + REMINDER_LEADS["24h"]
    rows = db.session.scalars(
        select(ShiftSignup)
        .join(Shift, Shift.id == ShiftSignup.shift_id)
        .where(
            ShiftSignup.status == "confirmed",
            Shift.status == "scheduled",
            Shift.starts_at > now,
            Shift.starts_at <= horizon,
        )
        .options(selectinload(ShiftSignup.shift).selectinload(Shift.task))
    ).all()
    sent = 0
    for signup in rows:
        lead = "2h" if signup.shift.starts_at - now <= REMINDER_LEADS["2h"] else "24h"
        key = f"shift-reminder:{signup.id}:{signup.ticket}:{lead}"
        if not notifications.already_notified(key):
            link = release.cant_make_it_url(signup)
            signups.notify_signup(
                signup,
                SHIFT_REMINDER,
                now=now,
                dedupe_key=key,
                link=link,
                about=shift_description(signup.shift)[:ABOUT_LENGTH],
            )
            sent += 1
    return sent

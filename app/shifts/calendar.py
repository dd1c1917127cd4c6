"""A personal iCalendar feed of confirmed shifts behind a secret address.

Only the token's SHA-256 is stored; issuing a new token replaces the old one (which
revokes it), and revoking deletes it.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from icalendar import Calendar, Event
from sqlalchemy import delete, select
from sqlalchemy.orm import joinedload

from app.accounts.models import User
from app.common.time import to_local, utcnow
from app.extensions import db
from app.shifts.models import CalendarFeed, Shift, ShiftSignup

# Past shifts stay in the feed this long, so a phone does not drop them at once.
RECENT_DAYS = 30


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_feed(user, *, now: datetime | None = None) -> str:
    """A new secret token for the person's feed; any earlier address stops working."""
    token = secrets.token_urlsafe(32)
    feed = db.session.get(CalendarFeed, user.id)
    if feed is None:
        feed = CalendarFeed(user_id=user.id)
        db.session.add(feed)
    feed.token_hash = _digest(token)
    feed.created_at = now or utcnow()
    db.session.flush()
    return token


def revoke_feed(user) -> bool:
    """Stop the person's feed address; False when there was none."""
    removed = db.session.execute(delete(CalendarFeed).where(CalendarFeed.user_id == user.id))
    return removed.rowcount > 0


def has_feed(user) -> bool:
    return db.session.get(CalendarFeed, user.id) is not None


def feed_for_token(token: str) -> User | None:
    """The active person whose feed the token opens, or None."""
    if not token or len(token) > 200:
        return None
    feed = db.session.scalar(select(CalendarFeed).where(CalendarFeed.token_hash == _digest(token)))
    if feed is None:
        return None
    user = db.session.get(User, feed.user_id)
    return user if user is not None and user.active else None


def calendar_for(user, *, now: datetime | None = None, host: str = "gongchuang") -> bytes:
    """The feed: one event per confirmed shift from the last weeks on, in local time."""
    now = now or utcnow()
    signups = db.session.scalars(
        select(ShiftSignup)
        .join(Shift, Shift.id == ShiftSignup.shift_id)
        .where(
            ShiftSignup.user_id == user.id,
            ShiftSignup.status == "confirmed",
            Shift.status == "scheduled",
            Shift.ends_at >= now - timedelta(days=RECENT_DAYS),
        )
        .options(joinedload(ShiftSignup.shift).joinedload(Shift.task))
        .order_by(Shift.starts_at)
    )
    calendar = Calendar()
    calendar.add("prodid", "-//Gongchuang//Shifts//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "共创 Gongchuang")
    for signup in signups:
        shift = signup.shift
        event = Event()
        event.add("uid", f"shift-signup-{signup.id}@{host}")
        event.add("dtstamp", to_local(now))
        event.add("dtstart", to_local(shift.starts_at))
        event.add("dtend", to_local(shift.ends_at))
        event.add("summary", shift.task.title)
        if shift.task.location:
            event.add("location", shift.task.location)
        if shift.note:
            event.add("description", shift.note)
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()

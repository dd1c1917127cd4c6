"""A person's shifts in time: the semester calendar (every week of a semester with the
person's shifts) and a personal iCalendar feed of confirmed shifts behind a secret address.

Only the feed token's SHA-256 is stored; issuing a new token replaces the old one (which
revokes it), and revoking deletes it.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from icalendar import Alarm, Calendar, Event
from sqlalchemy import delete, select

from app.accounts.models import User
from app.common.semesters import Semester, current_semester, semester_by_code
from app.common.time import local_day, to_local, utcnow
from app.extensions import db
from app.shifts.models import CalendarFeed, Shift, ShiftSignup
from app.shifts.queries import signups_of

# Past shifts stay in the feed this long, so a phone does not drop them at once.
RECENT_DAYS = 30
# Sign-ups shown in the semester calendar: places held or waited for (past shifts: only
# the ones the person was confirmed for).
CALENDAR_STATUSES = ("confirmed", "waitlisted", "offered")
# Phones sound an alarm this long before each shift in the feed.
ALARM_BEFORE = timedelta(minutes=60)
# Academic years the semester calendar goes to (its neighbours must exist as dates too).
SEMESTER_YEARS = (2000, 2100)


@dataclass(frozen=True)
class CalendarWeek:
    number: int  # 1 for the week the semester starts in
    monday: date
    sunday: date
    signups: list[ShiftSignup]
    current: bool


@dataclass(frozen=True)
class SemesterCalendar:
    semester: Semester
    weeks: list[CalendarWeek]
    previous: Semester
    following: Semester

    @property
    def count(self) -> int:
        return sum(len(week.signups) for week in self.weeks)


def semester_for(code: str | None, *, now: datetime | None = None) -> Semester:
    """The semester a code names, else (missing, malformed or out of the calendar's
    years) the current one."""
    try:
        chosen = semester_by_code(code) if code else None
    except (ValueError, OverflowError):
        chosen = None
    if chosen is None or not SEMESTER_YEARS[0] <= chosen.year <= SEMESTER_YEARS[1]:
        return current_semester(now or utcnow())
    return chosen


def semester_calendar(user, semester: Semester, *, now: datetime | None = None) -> SemesterCalendar:
    """Every week (Monday to Sunday, local) of the semester with the person's shifts."""
    now = now or utcnow()
    signups = list(
        db.session.scalars(
            signups_of(user.id)
            .where(
                ShiftSignup.status.in_(CALENDAR_STATUSES),
                Shift.starts_at >= semester.starts_at,
                Shift.starts_at < semester.ends_before,
                (Shift.ends_at >= now) | (ShiftSignup.status == "confirmed"),
            )
            .order_by(Shift.starts_at)
        )
    )
    by_day: dict[date, list[ShiftSignup]] = {}
    for signup in signups:
        by_day.setdefault(local_day(signup.shift.starts_at), []).append(signup)
    today = local_day(now)
    weeks = []
    monday = semester.start - timedelta(days=semester.start.weekday())
    while monday <= semester.end:
        sunday = monday + timedelta(days=6)
        days = [monday + timedelta(days=offset) for offset in range(7)]
        weeks.append(
            CalendarWeek(
                number=len(weeks) + 1,
                monday=monday,
                sunday=sunday,
                signups=[signup for day in days for signup in by_day.get(day, [])],
                current=monday <= today <= sunday,
            )
        )
        monday += timedelta(days=7)
    return SemesterCalendar(
        semester=semester,
        weeks=weeks,
        previous=semester.preceding(),
        following=semester.following(),
    )


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
        signups_of(user.id)
        .where(
            ShiftSignup.status == "confirmed",
            Shift.status == "scheduled",
            Shift.ends_at >= now - timedelta(days=RECENT_DAYS),
        )
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
        if about := shift_description(shift):
            event.add("description", about)
        event.add_component(_alarm(shift.task.title))
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()


def shift_description(shift: Shift) -> str:
    """The shift's note, then the task's description (its Markdown source reads as plain
    text), for the calendar event and the reminder."""
    parts = [shift.note.strip(), (shift.task.description or "").strip()]
    return "\n\n".join(part for part in parts if part)


def _alarm(title: str) -> Alarm:
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", title)
    alarm.add("trigger", -ALARM_BEFORE)
    return alarm

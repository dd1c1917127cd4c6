"""The personal iCalendar feed: secret, revocable, in Shanghai time."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar

from app.shifts import calendar as feeds
from app.shifts import signups
from tests.shifts import signup_data as data

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_feed_has_confirmed_shifts_at_local_times(db):
    team = data.team()
    task = data.task(team, title="总服务台值班", location="江安图书馆一楼")
    now = datetime(2026, 3, 1, 0, 0)
    # 06:00 UTC is 14:00 in Shanghai.
    shift = data.shift(task, starts_in=timedelta(days=1, hours=6), hours=3, now=now)
    full = data.shift(task, starts_in=timedelta(days=3), capacity=1, now=now)
    person = data.member(team)
    signup = signups.sign_up(shift, person, now=now)
    signups.sign_up(full, data.member(team), now=now)
    signups.sign_up(full, person, now=now)  # waitlisted: not in the feed

    parsed = Calendar.from_ical(feeds.calendar_for(person, now=now))
    events = list(parsed.walk("VEVENT"))
    assert len(events) == 1
    event = events[0]
    start = event.decoded("dtstart").astimezone(SHANGHAI)
    end = event.decoded("dtend").astimezone(SHANGHAI)
    assert (start.date().isoformat(), start.hour, start.minute) == ("2026-03-02", 14, 0)
    assert (end.hour, end.minute) == (17, 0)
    assert str(event["summary"]) == "总服务台值班"
    assert str(event["location"]) == "江安图书馆一楼"
    assert str(event["uid"]).startswith(f"shift-signup-{signup.id}@")
    # The same sign-up keeps its UID from one fetch to the next.
    again = Calendar.from_ical(feeds.calendar_for(person, now=now + timedelta(hours=1)))
    assert [str(e["uid"]) for e in again.walk("VEVENT")] == [str(event["uid"])]


def test_a_new_token_revokes_the_old_one(db):
    person = data.member(data.team())
    first = feeds.issue_feed(person)
    assert feeds.feed_for_token(first) == person
    second = feeds.issue_feed(person)
    assert feeds.feed_for_token(first) is None
    assert feeds.feed_for_token(second) == person
    assert feeds.revoke_feed(person)
    assert feeds.feed_for_token(second) is None
    assert feeds.feed_for_token("") is None

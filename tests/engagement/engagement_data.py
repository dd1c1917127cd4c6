"""Engagement test data: people with shifts, logins, library use and contributions on
chosen days before a fixed "today", and a helper that runs the scoring of that day."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from app.accounts import services as accounts
from app.accounts.models import User
from app.common.time import from_local_date, local_day
from app.engagement import services
from app.engagement.models import EngagementScore
from app.extensions import db
from app.rewards.library_use import imports
from tests.rewards import rewards_data

# 12:00 on Thursday 5 November 2026 in Shanghai.
NOW = datetime(2026, 11, 5, 4, 0)
TODAY = date(2026, 11, 5)
LIBRARY_HEADER = "学号,日期,月份,借阅次数,入馆次数,在馆分钟,电子资源次数"


def local_day_at(days_ago: int, hour: int = 10, *, today: date = TODAY) -> datetime:
    """`hour` o'clock local time, `days_ago` days before today, as naive UTC."""
    day = today - timedelta(days=days_ago)
    return from_local_date(day) + timedelta(hours=hour)


def shifts_on(
    place: rewards_data.Place,
    person: User,
    days_ago: list[int],
    *,
    hours: float = 2,
    today: date = TODAY,
):
    """A verified stay of the whole shift for each day (10:00 local, `hours` long)."""
    for days in days_ago:
        start = local_day_at(days, today=today)
        shift = rewards_data.shift(place, start=start, hours=hours, capacity=50)
        rewards_data.verified(shift, person)
    db.session.flush()


def logins_on(person: User, days_ago: list[int]) -> None:
    for days in days_ago:
        accounts.record_login_day(person.id, now=local_day_at(days))
    db.session.flush()


def library_rows(admin: User, rows: list[tuple[User, int, int, int, int, int]]) -> None:
    """Daily library use: (person, days ago, loans, visits, minutes, e-sessions)."""
    lines = [
        f"{person.student_number},{(TODAY - timedelta(days=days)).isoformat()},,"
        f"{loans},{visits},{minutes},{sessions}"
        for person, days, loans, visits, minutes, sessions in rows
    ]
    data = ("\n".join([LIBRARY_HEADER, *lines]) + "\n").encode()
    imports.import_library_use(data, "use.csv", actor=admin, now=NOW)
    db.session.flush()


def score(now: datetime = NOW) -> dict[int, EngagementScore]:
    """Run the scoring of `now`'s day and commit; the day's rows by person."""
    services.score_day(now=now)
    db.session.commit()
    day = local_day(now)
    rows = db.session.scalars(db.select(EngagementScore).where(EngagementScore.day == day))
    return {row.user_id: row for row in rows}


def at_ten(day: date) -> datetime:
    return datetime.combine(day, time(2, 0))

"""The periods a leaderboard covers: local calendar weeks (from Monday), months, the
semester and all time, each with a stable key ("week:2026-10-12", "month:2026-10",
"semester:2026-2027-1", "all")."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import gettext as _

from app.common.semesters import current_semester
from app.common.time import from_local_date, local_today, utcnow
from app.errors import InvalidInput

# The periods each metric has a board for, by name; the first is the page's default.
PERIODS = {
    "points": ("week", "month", "semester", "all"),
    "hours": ("week", "month", "semester", "all"),
    "reading": ("month", "last_month"),
}
PERIOD_KEY = re.compile(r"all|week:\d{4}-\d{2}-\d{2}|month:\d{4}-\d{2}|semester:\d{4}-\d{4}-\d+")


@dataclass(frozen=True)
class Period:
    key: str
    since: datetime | None  # naive UTC, inclusive; None: from the beginning
    until: datetime | None  # naive UTC, exclusive; None: no end


def _month(first: date) -> Period:
    following = (first + timedelta(days=32)).replace(day=1)
    return Period(f"month:{first:%Y-%m}", from_local_date(first), from_local_date(following))


def period_for(name: str, now: datetime | None = None) -> Period:
    """The current period called `name` ("week", "month", "last_month", "semester", "all")."""
    today = local_today(now)
    if name == "week":
        monday = today - timedelta(days=today.weekday())
        following = monday + timedelta(days=7)
        return Period(f"week:{monday}", from_local_date(monday), from_local_date(following))
    if name == "month":
        return _month(today.replace(day=1))
    if name == "last_month":
        return _month((today.replace(day=1) - timedelta(days=1)).replace(day=1))
    if name == "semester":
        semester = current_semester(now or utcnow())
        return Period(f"semester:{semester.code}", semester.starts_at, semester.ends_before)
    if name == "all":
        return Period("all", None, None)
    raise InvalidInput(_("Unknown leaderboard period."), field="period")


def current_periods(now: datetime) -> dict[str, list[Period]]:
    """Every metric's current periods."""
    return {metric: [period_for(name, now) for name in names] for metric, names in PERIODS.items()}

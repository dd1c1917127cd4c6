"""The pieces the annual reports and group portraits share: the years and months they count
in, service per month, reading figures and the hours chart. Months are cut at local
midnight of each month's first day, compared in SQL with a CASE over the twelve
boundaries, so the same query runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import case, func, select

from app.checkin import hours
from app.common.time import from_local_date, to_local, utcnow
from app.engagement.charts import Chart, Series
from app.extensions import db

FIRST_YEAR = 2000

# Years and months ---------------------------------------------------------------------------


def current_year(now: datetime | None = None) -> int:
    return to_local(now or utcnow()).year


def valid_year(year: int | None, now: datetime | None = None) -> bool:
    """Reports exist from 2000 up to the current local year."""
    return year is not None and FIRST_YEAR <= year <= current_year(now)


@dataclass(frozen=True)
class Year:
    """A local calendar year: its bounds as naive UTC and the starts of its months."""

    year: int

    @property
    def boundaries(self) -> list[datetime]:
        """13 instants: local midnight of 1 January … 1 December, then of next 1 January."""
        starts = [date(self.year, month, 1) for month in range(1, 13)]
        return [from_local_date(day) for day in (*starts, date(self.year + 1, 1, 1))]

    @property
    def since(self) -> datetime:
        return from_local_date(date(self.year, 1, 1))

    @property
    def until(self) -> datetime:
        return from_local_date(date(self.year + 1, 1, 1))

    @property
    def months(self) -> list[str]:
        return [f"{self.year:04d}-{month:02d}" for month in range(1, 13)]


def month_index(column, year: Year):
    """1–12: the local month of a UTC time already known to fall inside the year."""
    bounds = year.boundaries
    return case(*((column < bounds[month], month) for month in range(1, 12)), else_=12)


def whole(value: float) -> float | int:
    """2.0 → 2, so a table shows whole numbers without ".0"."""
    return int(value) if float(value).is_integer() else value


def service_by_month(span: Year, who) -> list[tuple[int, int, int]]:
    """(local month 1–12, verified minutes, shifts) of people `who` (ids or a subquery),
    in one grouped query; the month is labelled in a subquery so that PostgreSQL groups
    by a plain column."""
    service = hours.verified_service(span.since, span.until).subquery()
    by_month = (
        select(month_index(service.c.at, span).label("month"), service.c.minutes)
        .where(service.c.user_id.in_(who))
        .subquery()
    )
    query = select(by_month.c.month, func.sum(by_month.c.minutes), func.count()).group_by(
        by_month.c.month
    )
    return [
        (int(month), int(minutes or 0), int(n)) for month, minutes, n in db.session.execute(query)
    ]


def hours_of(minutes: int) -> float:
    return round(minutes / 60, 2)


@dataclass
class Reading:
    loans: int = 0
    visits: int = 0
    minutes: int = 0
    e_sessions: int = 0

    @property
    def hours(self) -> float:
        return hours_of(self.minutes)

    @property
    def any(self) -> bool:
        return bool(self.loans or self.visits or self.minutes or self.e_sessions)


def month_labels(year: int) -> list[str]:
    return Year(year).months


def hours_chart(year: int, minutes: list[int], shifts: list[int]) -> Chart:
    """Service hours and shifts per month of `year` (a person's or a group's)."""
    return Chart(
        id="hours-by-month",
        title=_("Service hours per month"),
        kind="bar",
        label_title=_("Month"),
        labels=month_labels(year),
        series=[
            Series(_("Hours"), [hours_of(m) for m in minutes]),
            Series(_("Shifts"), list(shifts)),
        ],
    )

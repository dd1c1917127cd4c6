"""Semesters (学期) of the academic year, from the configured start days.

With the default `SEMESTER_STARTS = "09-01,02-20"` the academic year 2026–2027 has its first
semester from 1 September 2026 to 19 February 2027 and its second from 20 February to
31 August 2027. Codes ("2026-2027-1") are stable keys for per-semester rules and records.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import gettext as _

from app.common.time import LocalDays, local_day


@dataclass(frozen=True)
class Semester(LocalDays):
    year: int  # the academic year's first calendar year
    number: int  # 1, 2, … within the academic year

    @property
    def code(self) -> str:
        return f"{self.year}-{self.year + 1}-{self.number}"

    @property
    def label(self) -> str:
        return _(
            "%(first)s–%(second)s academic year, semester %(number)s",
            first=self.year,
            second=self.year + 1,
            number=self.number,
        )

    def following(self) -> Semester:
        return semester_of(self.end + timedelta(days=1))

    def preceding(self) -> Semester:
        return semester_of(self.start - timedelta(days=1))


def _start_days() -> list[tuple[int, int]]:
    text = current_app.config.get("SEMESTER_STARTS") or "09-01,02-20"
    days = []
    for part in text.split(","):
        month, day = part.strip().split("-")
        days.append((int(month), int(day)))
    return days


def _starts_around(year: int) -> list[tuple[date, int, int]]:
    """(start day, academic year, number) for academic years year-1 … year+1, in order."""
    days = _start_days()
    first_month_day = days[0]
    starts = []
    for academic_year in (year - 1, year, year + 1):
        for number, (month, day) in enumerate(days, start=1):
            calendar_year = academic_year if (month, day) >= first_month_day else academic_year + 1
            starts.append((date(calendar_year, month, day), academic_year, number))
    return sorted(starts)


def semester_of(day: date | datetime) -> Semester:
    """The semester a local day falls in (a UTC datetime is converted to local first)."""
    if isinstance(day, datetime):
        day = local_day(day)
    starts = _starts_around(day.year)
    for index, (start, academic_year, number) in enumerate(starts[:-1]):
        following = starts[index + 1][0]
        if start <= day < following:
            end = following - timedelta(days=1)
            return Semester(start=start, end=end, year=academic_year, number=number)
    raise ValueError(day)  # unreachable: three academic years always cover the day


def current_semester(now: datetime) -> Semester:
    return semester_of(now)


def semester_by_code(code: str) -> Semester | None:
    """The semester with this code, or None for a malformed or unknown one."""
    try:
        first, _second, number = (int(part) for part in code.split("-"))
    except (ValueError, AttributeError):
        return None
    for start, academic_year, semester_number in _starts_around(first):
        if academic_year == first and semester_number == number:
            return semester_of(start)
    return None

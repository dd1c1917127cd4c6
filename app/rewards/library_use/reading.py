"""Monthly reading figures from the stored library-use rows, from which the Reading Star
badge, the reading board and the engagement report are built.


The reading score of a month is a weighted sum (`DEFAULT_WEIGHTS`, overridable by the
`READING_SCORE_WEIGHTS` setting): loans × 3 + visits × 1 + hours in the library × 1 +
"""

from __future__ import annotations

import calendar
import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Select, bindparam, case, func, literal, or_, select

from app.errors import InvalidInput
from app.extensions import db
from app.rewards.models import MONTH_ROW_DAY, LibraryUse

DEFAULT_WEIGHTS = {"loans": 3.0, "visits": 1.0, "hours": 1.0, "e_sessions": 0.5}

MONTH_KEY = re.compile(r"[0-9]{4}-(?:0[1-9]|1[0-2])")


@dataclass(frozen=True)
class ReadingRow:
    """One reader's month: sums of their rows, and the last day they have data for (the
    month's last day for a whole-month row)."""

    user_id: int
    score: float
    loans: int
    visits: int
    minutes: int
    e_sessions: int
    last_day: date


def reading_weights() -> dict[str, float]:
    """`DEFAULT_WEIGHTS`, with any of them replaced by the READING_SCORE_WEIGHTS setting."""
    configured = current_app.config.get("READING_SCORE_WEIGHTS") or {}
    return {name: float(configured.get(name, default)) for name, default in DEFAULT_WEIGHTS.items()}


def _score(loans: int, visits: int, minutes: int, e_sessions: int, weights: dict) -> float:
    total = (
        loans * weights["loans"]
        + visits * weights["visits"]
        + minutes / 60 * weights["hours"]
        + e_sessions * weights["e_sessions"]
    )
    return round(total, 2)


def reading_score(row: ReadingRow) -> float:
    """The weighted sum of a month's figures (see the module's docstring)."""
    return _score(row.loans, row.visits, row.minutes, row.e_sessions, reading_weights())


def monthly_reading(month: str) -> list[ReadingRow]:
    """Every reader's sums for `month` ("2026-10"), in one GROUP BY; highest score first,
    then by person id (callers apply their own tie rule)."""
    if not MONTH_KEY.fullmatch(month or ""):
        raise InvalidInput(_("“%(value)s” is not a month in the form YYYY-MM.", value=month))
    year, number = (int(part) for part in month.split("-"))
    month_end = date(year, number, calendar.monthrange(year, number)[1])
    query = (
        select(
            LibraryUse.user_id,
            func.sum(LibraryUse.loans),
            func.sum(LibraryUse.visits),
            func.sum(LibraryUse.minutes),
            func.sum(LibraryUse.e_sessions),
            func.max(LibraryUse.day),
        )
        .where(LibraryUse.month == month)
        .group_by(LibraryUse.user_id)
    )
    weights = reading_weights()
    rows = [
        ReadingRow(
            user_id=user_id,
            score=_score(loans, visits, minutes, e_sessions, weights),
            loans=loans,
            visits=visits,
            minutes=minutes,
            e_sessions=e_sessions,
            last_day=month_end if last_day == MONTH_ROW_DAY else last_day,
        )
        for user_id, loans, visits, minutes, e_sessions, last_day in db.session.execute(query)
    ]
    rows.sort(key=lambda row: (-row.score, row.user_id))
    return rows


def _month_ends(first: date, last: date) -> dict[str, date]:
    """{"2026-10": date(2026, 10, 31), …} for every month from `first` to `last`."""
    ends = {}
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        ends[f"{year:04d}-{month:02d}"] = date(year, month, calendar.monthrange(year, month)[1])
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return ends


def reading_activity(since: date, until: date) -> Select:
    """Library use on days in [since, until) as engagement activity: (user_id, at = the day,
    amount = the day's reading score). A whole-month row counts on the month's last day.

    One pass over the table: a UNION of daily and month rows would read the month rows
    through the month index, and with them every daily row of those months."""
    weights = reading_weights()
    score = (
        LibraryUse.loans * weights["loans"]
        + LibraryUse.visits * weights["visits"]
        + LibraryUse.minutes / 60.0 * weights["hours"]
        + LibraryUse.e_sessions * weights["e_sessions"]
    )
    used = (LibraryUse.loans + LibraryUse.visits + LibraryUse.minutes + LibraryUse.e_sessions) > 0
    ends = {month: end for month, end in _month_ends(since, until).items() if since <= end < until}
    day = LibraryUse.day
    in_range = (LibraryUse.day >= since) & (LibraryUse.day < until)
    if ends:
        month_end = case(*((LibraryUse.month == m, literal(e)) for m, e in ends.items()))
        day = case((LibraryUse.day == MONTH_ROW_DAY, month_end), else_=LibraryUse.day)
        # `+ ""` keeps the month index out of it: a scan reads each row once.
        month_rows = (LibraryUse.day == MONTH_ROW_DAY) & (LibraryUse.month + "").in_(ends)
        in_range = or_(in_range, month_rows)
    return select(
        LibraryUse.user_id.label("user_id"), day.label("at"), score.label("amount")
    ).where(in_range, used)


def last_day_of_data(before: date) -> date | None:
    """The last day the imported library-use data reaches before `before` (a whole-month
    row reaches its month's last day). Reads the month index's last entry, then that
    month's rows only."""
    month_key = f"{before.year:04d}-{before.month:02d}"
    last_month = db.session.scalar(
        select(func.max(LibraryUse.month)).where(LibraryUse.month <= month_key)
    )
    if last_month is None:
        return None
    last_daily, month_rows = db.session.execute(
        select(
            func.max(case((LibraryUse.day != MONTH_ROW_DAY, LibraryUse.day))),
            func.count(case((LibraryUse.day == MONTH_ROW_DAY, 1))),
        ).where(LibraryUse.month == last_month)
    ).one()
    year, month = (int(part) for part in last_month.split("-"))
    month_end = date(year, month, calendar.monthrange(year, month)[1])
    days = [day for day in (last_daily, month_end if month_rows else None) if day is not None]
    return min(max(days), before - timedelta(days=1)) if days else None


def _library_use_rows() -> Select:
    return select(
        LibraryUse.user_id.label("user_id"),
        LibraryUse.month.label("month"),
        LibraryUse.loans.label("loans"),
        LibraryUse.visits.label("visits"),
        LibraryUse.minutes.label("minutes"),
        LibraryUse.e_sessions.label("e_sessions"),
    )


def library_use_in_months(months: Iterable[str]) -> Select:
    """Library-use rows of some months ("2026-10"), daily and whole-month rows alike:
    (user_id, month, loans, visits, minutes, e_sessions), for annual reports and group
    portraits to filter and group in one query."""
    return _library_use_rows().where(LibraryUse.month.in_(sorted(months)))


@dataclass(frozen=True)
class MonthUse:
    """A reader's library use in one month, daily and whole-month rows added up."""

    month: str  # "2026-10"
    loans: int
    visits: int
    minutes: int
    e_sessions: int


def monthly_use_of(user_id: int, months: Iterable[str] | None = None) -> Select:
    """(month, loans, visits, minutes, e_sessions) of one reader per month (of `months`, or
    every month), daily and whole-month rows added up."""
    rows = _library_use_rows() if months is None else library_use_in_months(months)
    used = rows.where(LibraryUse.user_id == user_id).subquery()
    return select(
        used.c.month,
        func.sum(used.c.loans),
        func.sum(used.c.visits),
        func.sum(used.c.minutes),
        func.sum(used.c.e_sessions),
    ).group_by(used.c.month)


def latest_month_of(user_id: int) -> MonthUse | None:
    """The reader's library use in the latest month the imports hold for them, in one
    query (None before any import mentions them)."""
    return month_use(db.session.execute(_latest_month_query(), {"user_id": user_id}).first())


def month_use(row) -> MonthUse | None:
    """A row of `latest_month_query` as a MonthUse (None: no row, or a month of None)."""
    if row is None or row[0] is None:
        return None
    month, loans, visits, minutes, e_sessions = row
    return MonthUse(month, int(loans), int(visits), int(minutes), int(e_sessions))


def latest_month_query(user_id) -> Select:
    """(month, loans, visits, minutes, e_sessions) of the reader's latest month, daily and
    whole-month rows added up: one grouped read, newest month first; the unique (user_id,
    month, day) index serves both the filter and the order. `user_id` may be bound."""
    return (
        select(
            LibraryUse.month.label("month"),
            func.sum(LibraryUse.loans).label("loans"),
            func.sum(LibraryUse.visits).label("visits"),
            func.sum(LibraryUse.minutes).label("minutes"),
            func.sum(LibraryUse.e_sessions).label("e_sessions"),
        )
        .where(LibraryUse.user_id == user_id)
        .group_by(LibraryUse.month)
        .order_by(LibraryUse.month.desc())
        .limit(1)
    )


@functools.cache
def _latest_month_query() -> Select:
    """Built once: the person is a bound parameter."""
    return latest_month_query(bindparam("user_id"))

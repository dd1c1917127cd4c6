"""Monthly star rules: the Service Star and the Reading Star (阅读之星), each ranking one
local calendar month (period "2026-10"). Ranks are unique; the tie rules are stated by
`badge_texts.criteria_text`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from flask_babel import gettext as _

from app.checkin import hours
from app.common.time import from_local_date, local_day
from app.errors import InvalidInput
from app.rewards.badge_rules import student_numbers
from app.rewards.library_use import reading
from app.rewards.models import Badge

MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


@dataclass(frozen=True)
class Place:
    """A person's place in a month's star ranking."""

    user_id: int
    rank: int
    value: float
    details: dict[str, Any]


@dataclass(frozen=True)
class Month:
    period: str  # "2026-10"
    since: datetime  # naive UTC, inclusive
    until: datetime  # naive UTC, exclusive


def month_of(period: str) -> Month:
    if not MONTH.match(period or ""):
        raise InvalidInput(_("A month looks like 2026-10."), field="month")
    first = date(int(period[:4]), int(period[5:]), 1)
    following = (first + timedelta(days=32)).replace(day=1)
    return Month(period, from_local_date(first), from_local_date(following))


def previous_month(now: datetime) -> str:
    """The local calendar month before the one `now` falls in."""
    first = local_day(now).replace(day=1)
    return f"{first - timedelta(days=1):%Y-%m}"


class StarRule:
    """A monthly star: the month's ranking and the size of the population ranked from."""

    params: dict[str, type] = {}

    def ranking(self, badge: Badge, month: Month) -> tuple[list[Place], int]:
        raise NotImplementedError


class ServiceStarRule(StarRule):
    """Most verified minutes on shifts starting in the month, at least `min_hours`; ties go
    to the lower student number."""

    params = {"min_hours": float}

    def ranking(self, badge, month):
        minutes = hours.verified_minutes_by_user(since=month.since, until=month.until)
        numbers = student_numbers()
        least = float((badge.params or {}).get("min_hours", 1)) * 60
        eligible = [
            (user_id, total)
            for user_id, total in minutes.items()
            if user_id in numbers and total > 0 and total >= least
        ]
        eligible.sort(key=lambda item: (-item[1], numbers[item[0]]))
        places = [
            Place(user_id, rank, round(total / 60, 2), {"minutes": total})
            for rank, (user_id, total) in enumerate(eligible[: badge.threshold], start=1)
        ]
        return places, sum(1 for total in minutes.values() if total > 0)


def reading_star_count(params: dict[str, Any], threshold: int, population: int) -> int:
    """How many stars: the top `threshold`, or with `top_percent` that share of the month's
    readers, rounded down but at least one (none without readers)."""
    percent = params.get("top_percent")
    if percent is None:
        return threshold
    if population == 0:
        return 0
    return max(1, math.floor(population * float(percent) / 100))


def rank_readers(
    rows: list[reading.ReadingRow],
    numbers: dict[int, str],
    params: dict[str, Any],
    threshold: int,
) -> list[Place]:
    """The month's Reading Stars: readers at or above every minimum, by score; ties go to
    more loans, then more visits, then the earlier last day of use, then the lower student
    number. Readers without an active account are left out."""
    least_loans = int(params.get("min_loans", 0))
    least_visits = int(params.get("min_visits", 0))
    least_score = float(params.get("min_score", 0))
    eligible = [
        row
        for row in rows
        if row.user_id in numbers
        and row.score > 0
        and row.loans >= least_loans
        and row.visits >= least_visits
        and row.score >= least_score
    ]
    eligible.sort(
        key=lambda row: (-row.score, -row.loans, -row.visits, row.last_day, numbers[row.user_id])
    )
    count = reading_star_count(params, threshold, len(rows))
    return [
        Place(
            row.user_id,
            rank,
            round(row.score, 2),
            {"loans": row.loans, "visits": row.visits, "minutes": row.minutes},
        )
        for rank, row in enumerate(eligible[:count], start=1)
    ]


class ReadingStarRule(StarRule):
    params = {"top_percent": float, "min_loans": int, "min_visits": int, "min_score": float}

    def ranking(self, badge, month):
        rows = reading.monthly_reading(month.period)
        places = rank_readers(rows, student_numbers(), badge.params or {}, badge.threshold)
        return places, len(rows)


STAR_RULES: dict[str, StarRule] = {
    "service_star_month": ServiceStarRule(),
    "reading_star_month": ReadingStarRule(),
}

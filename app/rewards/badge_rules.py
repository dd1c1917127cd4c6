"""Lifetime badge rules (hours, shifts, weekly streak, contributions, star level, books
borrowed), evaluated over all history.

The criteria are a registry (`RULES`): each rule finds every person's current value in one
set-based query, so a new or edited badge goes to everyone already qualifying (backfill). A
rule without data (no contributions feature yet) returns None and awards and revokes nobody.
Badges of one criterion and parameters share their values (`badge_group`).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta

from sqlalchemy import func, select

from app import hooks
from app.accounts.models import User
from app.checkin import hours, presence
from app.common.time import local_day
from app.extensions import db
from app.rewards.models import Badge, LibraryUse
from app.stars import services as stars
from app.stars.models import TOP_LEVEL


class BadgeRule:
    """A lifetime criterion: each person's current value in the badge's unit; a person
    qualifies at `badge.threshold` or more."""

    params: dict[str, type] = {}
    # The highest threshold that means anything (star levels stop at five); None: no limit.
    max_threshold: int | None = None

    def values(self, badge: Badge, user_ids: list[int] | None = None) -> dict[int, float] | None:
        """Everyone's value (or only `user_ids`'); None when there is no data to judge by."""
        raise NotImplementedError


def _verified_presence(user_ids: list[int] | None = None):
    """(user_id, starts_at) per shift a person was present on, verified, over everyone at
    once or only `user_ids` (`presence.present`: verified attendance and completed
    trainings alike)."""
    rows = presence.present(verified=True, user_ids=user_ids).subquery()
    return select(rows.c.user_id, rows.c.starts_at)


class HoursRule(BadgeRule):
    def values(self, badge, user_ids=None):
        minutes = hours.verified_minutes_by_user(user_ids)
        return {user_id: total / 60 for user_id, total in minutes.items()}


class ShiftsRule(BadgeRule):
    def values(self, badge, user_ids=None):
        rows = _verified_presence(user_ids).subquery()
        query = select(rows.c.user_id, func.count()).group_by(rows.c.user_id)
        return dict(db.session.execute(query).all())


def longest_streak(mondays: Iterable[date]) -> int:
    """The longest run of consecutive weeks among these weeks' Mondays."""
    best = run = 0
    previous = None
    for monday in sorted(set(mondays)):
        run = run + 1 if previous is not None and monday - previous == timedelta(weeks=1) else 1
        best = max(best, run)
        previous = monday
    return best


class StreakRule(BadgeRule):
    """Weeks are local calendar weeks from Monday; the longest run ever counts."""

    def values(self, badge, user_ids=None):
        rows = _verified_presence(user_ids).subquery()
        query = select(rows.c.user_id, rows.c.starts_at)
        weeks: dict[int, set[date]] = defaultdict(set)
        for user_id, starts_at in db.session.execute(query):
            day = local_day(starts_at)
            weeks[user_id].add(day - timedelta(days=day.weekday()))
        return {user_id: longest_streak(mondays) for user_id, mondays in weeks.items()}


class ContributionsRule(BadgeRule):
    params = {"column": str}

    def values(self, badge, user_ids=None):
        if not hooks.CONTRIBUTIONS.providers:
            return None
        column = (badge.params or {}).get("column")
        totals: dict[int, float] = defaultdict(int)
        for provider in hooks.CONTRIBUTIONS.providers:
            for user_id, count in provider(column, user_ids).items():
                totals[user_id] += count
        return dict(totals)


class StarLevelRule(BadgeRule):
    """The person's current star level (library plus approved outside hours, as the stars
    service computes it): a revocable badge follows hours taken back."""

    max_threshold = TOP_LEVEL

    def values(self, badge, user_ids=None):
        return stars.levels(user_ids)


class LoansRule(BadgeRule):
    """Books borrowed over all imported library-use rows (an import rolled back deletes its
    rows, so its loans stop counting)."""

    def values(self, badge, user_ids=None):
        query = select(LibraryUse.user_id, func.sum(LibraryUse.loans)).group_by(LibraryUse.user_id)
        if user_ids is not None:
            query = query.where(LibraryUse.user_id.in_(user_ids))
        return {user_id: int(total or 0) for user_id, total in db.session.execute(query)}


RULES: dict[str, BadgeRule] = {
    "hours_total": HoursRule(),
    "shifts_total": ShiftsRule(),
    "weekly_streak": StreakRule(),
    "contributions": ContributionsRule(),
    "star_level": StarLevelRule(),
    "books_borrowed": LoansRule(),
}


def evidence_value(value: float) -> float | int:
    return round(value, 1) if isinstance(value, float) and not value.is_integer() else int(value)


def student_numbers() -> dict[int, str]:
    """Student numbers of active accounts: the last tie-break, and who may get a star."""
    query = select(User.id, User.student_number).where(User.active)
    return dict(db.session.execute(query).all())


def active_badges(criteria: Iterable[str]) -> list[Badge]:
    return list(
        db.session.scalars(
            select(Badge)
            .where(Badge.active, Badge.criterion.in_(list(criteria)))
            .order_by(Badge.sort_order, Badge.id)
        )
    )


def badge_group(badge: Badge) -> tuple[str, str]:
    """Badges of one criterion and parameters share their values (hours 10/50/100/200)."""
    return badge.criterion, json.dumps(badge.params or {}, sort_keys=True)

"""Badges: lifetime badges (hours, shifts, weekly streak, contributions) evaluated over all
history, and the monthly Service Star and Reading Star (阅读之星).

Exactly-once: an award is unique per (badge, person, period) in the schema, and awards are
written with INSERT … ON CONFLICT DO NOTHING, RETURNING the rows really inserted, so two
evaluations at once (threads or processes) never award twice and only the new awards are
notified. On SQLite the write lock is taken first (`begin_write_transaction`), which
serialises evaluations; on PostgreSQL the conflict clause settles a race.

Lifetime criteria are a registry of rules (`RULES`): each finds every person's current
value in one set-based query, so a new or edited badge goes to everyone already qualifying
(backfill). A revocable badge whose criterion no longer holds (hours corrected downwards) is
revoked with a reason, and reinstated when the criterion holds again. A rule without data
(no contributions feature yet) awards and revokes nobody.

Monthly stars are decided once per month (the local calendar month just ended, period
"2026-10"): when a month already has awards of a star badge, a rerun leaves it alone, so a
late data import never adds an eleventh star. Ranks are unique; the tie rules are stated
by `criteria_text`.
"""

from __future__ import annotations

import json
import math
import re
import secrets
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from flask_babel import format_decimal, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload

from app import hooks
from app.accounts.models import User
from app.audit import services as audit
from app.checkin import hours, presence
from app.common.db import begin_write_transaction, insert_ignoring_conflicts
from app.common.time import from_local_date, local_day, utcnow
from app.errors import InvalidInput, NotFound
from app.extensions import db
from app.notifications import kinds
from app.notifications import services as notifications
from app.rewards.library_use import reading
from app.rewards.models import Badge, BadgeAward

LIFETIME = ""  # the period of a lifetime badge's award
MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
INSERT_CHUNK = 500
THRESHOLD_MAX = 100_000
NAME_MAX = 80
DESCRIPTION_MAX = 500
REVOKED_REASON = "criterion_no_longer_met"
REVOKED_REASONS = {
    REVOKED_REASON: _l("The criterion no longer holds, for example after hours were corrected.")
}

AWARDED = kinds.register("badges.awarded", _l("I earned a badge"), email_default=True)
REVOKED = kinds.register("badges.revoked", _l("A badge of mine was taken back"), email_default=True)

audit.describe_actions(
    {
        "badges.badge_edited": _l("Badge edited"),
        "badges.award_revoked": _l("Badge taken back"),
        "badges.award_reinstated": _l("Badge given back"),
    }
)


# --- Lifetime rules -------------------------------------------------------------------------


class BadgeRule:
    """A lifetime criterion: each person's current value in the badge's unit; a person
    qualifies at `badge.threshold` or more."""

    params: dict[str, type] = {}

    def values(self, badge: Badge, user_ids: list[int] | None = None) -> dict[int, float] | None:
        """Everyone's value (or only `user_ids`'); None when there is no data to judge by."""
        raise NotImplementedError


def _verified_presence():
    """(user_id, starts_at) per shift a person was present on, verified, over everyone at
    once (`presence.present`: verified attendance and completed trainings alike)."""
    rows = presence.present(verified=True).subquery()
    return select(rows.c.user_id, rows.c.starts_at)


class HoursRule(BadgeRule):
    def values(self, badge, user_ids=None):
        minutes = hours.verified_minutes_by_user(user_ids)
        return {user_id: total / 60 for user_id, total in minutes.items()}


class ShiftsRule(BadgeRule):
    def values(self, badge, user_ids=None):
        rows = _verified_presence().subquery()
        query = select(rows.c.user_id, func.count()).group_by(rows.c.user_id)
        if user_ids is not None:
            query = query.where(rows.c.user_id.in_(user_ids))
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
        rows = _verified_presence().subquery()
        query = select(rows.c.user_id, rows.c.starts_at)
        if user_ids is not None:
            query = query.where(rows.c.user_id.in_(user_ids))
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


RULES: dict[str, BadgeRule] = {
    "hours_total": HoursRule(),
    "shifts_total": ShiftsRule(),
    "weekly_streak": StreakRule(),
    "contributions": ContributionsRule(),
}


def _evidence_value(value: float) -> float | int:
    return round(value, 1) if isinstance(value, float) and not value.is_integer() else int(value)


# --- Monthly stars --------------------------------------------------------------------------


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


def _student_numbers() -> dict[int, str]:
    """Student numbers of active accounts: the last tie-break, and who may get a star."""
    query = select(User.id, User.student_number).where(User.active)
    return dict(db.session.execute(query).all())


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
        numbers = _student_numbers()
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
        places = rank_readers(rows, _student_numbers(), badge.params or {}, badge.threshold)
        return places, len(rows)


STAR_RULES: dict[str, StarRule] = {
    "service_star_month": ServiceStarRule(),
    "reading_star_month": ReadingStarRule(),
}


# --- Writing awards -------------------------------------------------------------------------


def _insert_statement(rows: list[dict[str, Any]]):
    return (
        insert_ignoring_conflicts(BadgeAward, ["badge_id", "user_id", "period"])
        .values(rows)
        .returning(BadgeAward.id)
    )


def _insert_awards(
    badge: Badge, period: str, evidence: dict[int, dict[str, Any]], *, now: datetime
) -> list[BadgeAward]:
    """Insert the awards that do not exist yet; returns those this call inserted."""
    rows = [
        {
            "badge_id": badge.id,
            "user_id": user_id,
            "period": period,
            "awarded_at": now,
            "evidence": facts,
            "public_id": secrets.token_urlsafe(16),
            "hidden": False,
            "revoked_reason": "",
        }
        for user_id, facts in evidence.items()
    ]
    if not rows:
        return []
    db.session.flush()
    begin_write_transaction()
    ids: list[int] = []
    for start in range(0, len(rows), INSERT_CHUNK):
        ids.extend(db.session.scalars(_insert_statement(rows[start : start + INSERT_CHUNK])))
    return _awards(ids)


def _awards(ids: list[int]) -> list[BadgeAward]:
    found: list[BadgeAward] = []
    for start in range(0, len(ids), INSERT_CHUNK):
        found.extend(
            db.session.scalars(
                select(BadgeAward)
                .where(BadgeAward.id.in_(ids[start : start + INSERT_CHUNK]))
                .options(joinedload(BadgeAward.user), joinedload(BadgeAward.badge))
                .order_by(BadgeAward.id)
            )
        )
    return found


def award_path(award: BadgeAward) -> str:
    return f"/badges/{award.public_id}"


def _in_language(badge: Badge, field: str, language: str | None) -> str:
    text = getattr(badge, f"{field}_en" if language == "en" else f"{field}_zh")
    return text or getattr(badge, f"{field}_zh")


def _notify_awarded(award: BadgeAward, *, now: datetime, dedupe_key: str) -> None:
    notifications.notify(
        award.user,
        AWARDED.id,
        context={
            "badge_name": _in_language(award.badge, "name", award.user.locale),
            "period": award.period,
        },
        link=award_path(award),
        now=now,
        dedupe_key=dedupe_key,
    )


def _revoke(awards: list[BadgeAward], values: dict[int, float], *, now: datetime) -> int:
    ids = [award.id for award in awards]
    if not ids:
        return 0
    revoked = set(
        db.session.scalars(
            update(BadgeAward)
            .where(BadgeAward.id.in_(ids), BadgeAward.revoked_at.is_(None))
            .values(revoked_at=now, revoked_reason=REVOKED_REASON)
            .returning(BadgeAward.id)
            .execution_options(synchronize_session=False)
        )
    )
    for award in awards:
        if award.id not in revoked:
            continue
        db.session.expire(award, ["revoked_at", "revoked_reason"])
        audit.record(
            "badges.award_revoked",
            actor=None,
            object_type="badge_award",
            object_id=award.id,
            before={"revoked_at": None},
            after={"revoked_at": now.isoformat(), "value": values.get(award.user_id, 0)},
            note=REVOKED_REASON,
            now=now,
        )
        notifications.notify(
            award.user,
            REVOKED.id,
            context={"badge_name": _in_language(award.badge, "name", award.user.locale)},
            link="/badges/mine",
            now=now,
            dedupe_key=f"badges.revoked:{award.id}:{now.isoformat()}",
        )
    return len(revoked)


def _reinstate(awards: list[BadgeAward], values: dict[int, float], *, now: datetime) -> int:
    count = 0
    for award in awards:
        revoked_at = award.revoked_at
        value = _evidence_value(values[award.user_id])
        changed = db.session.execute(
            update(BadgeAward)
            .where(BadgeAward.id == award.id, BadgeAward.revoked_at == revoked_at)
            .values(revoked_at=None, revoked_reason="", evidence={"value": value})
            .execution_options(synchronize_session=False)
        ).rowcount
        db.session.expire(award, ["revoked_at", "revoked_reason", "evidence"])
        if changed != 1:
            continue
        count += 1
        audit.record(
            "badges.award_reinstated",
            actor=None,
            object_type="badge_award",
            object_id=award.id,
            before={"revoked_at": revoked_at.isoformat()},
            after={"revoked_at": None, "value": value},
            now=now,
        )
        _notify_awarded(
            award, now=now, dedupe_key=f"badges.reinstated:{award.id}:{revoked_at.isoformat()}"
        )
    return count


# --- Evaluation -----------------------------------------------------------------------------


def _active_badges(criteria: Iterable[str]) -> list[Badge]:
    return list(
        db.session.scalars(
            select(Badge)
            .where(Badge.active, Badge.criterion.in_(list(criteria)))
            .order_by(Badge.sort_order, Badge.id)
        )
    )


def _lifetime_awards(badge: Badge) -> list[BadgeAward]:
    return list(
        db.session.scalars(
            select(BadgeAward)
            .where(BadgeAward.badge_id == badge.id, BadgeAward.period == LIFETIME)
            .options(joinedload(BadgeAward.user))
        )
    )


def _group(badge: Badge) -> tuple[str, str]:
    """Badges of one criterion and parameters share their values (hours 10/50/100/200)."""
    return badge.criterion, json.dumps(badge.params or {}, sort_keys=True)


def evaluate_badge(
    badge: Badge,
    *,
    now: datetime | None = None,
    values: dict[int, float] | None = None,
) -> dict[str, int]:
    """Award a lifetime badge to everyone qualifying who lacks it; revoke it (when
    revocable) from holders who no longer qualify; give it back to those who qualify again.
    `values` are the rule's values when the caller has them already."""
    now = now or utcnow()
    begin_write_transaction()
    if values is None:
        values = RULES[badge.criterion].values(badge)
    if values is None:
        return {"awarded": 0, "revoked": 0, "reinstated": 0}
    numbers = _student_numbers()
    qualifying = {
        user_id: value
        for user_id, value in values.items()
        if value >= badge.threshold and user_id in numbers
    }
    held = {award.user_id: award for award in _lifetime_awards(badge)}
    new = {
        user_id: {"value": _evidence_value(value)}
        for user_id, value in qualifying.items()
        if user_id not in held
    }
    awarded = _insert_awards(badge, LIFETIME, new, now=now)
    for award in awarded:
        _notify_awarded(award, now=now, dedupe_key=f"badges.awarded:{award.id}")
    lapsed = [
        award
        for user_id, award in held.items()
        if award.revoked_at is None and user_id not in qualifying and user_id in numbers
    ]
    returning = [
        award for user_id, award in held.items() if award.revoked_at and user_id in qualifying
    ]
    return {
        "awarded": len(awarded),
        "revoked": _revoke(lapsed, values, now=now) if badge.revocable else 0,
        "reinstated": _reinstate(returning, values, now=now),
    }


def evaluate_all(*, now: datetime | None = None) -> dict[str, int]:
    """The nightly job: every active lifetime badge, over all history."""
    now = now or utcnow()
    begin_write_transaction()
    counts = {"awarded": 0, "revoked": 0, "reinstated": 0}
    known: dict[tuple[str, str], dict[int, float] | None] = {}
    for badge in _active_badges(RULES):
        if _group(badge) not in known:
            known[_group(badge)] = RULES[badge.criterion].values(badge)
        if known[_group(badge)] is None:
            continue
        for key, value in evaluate_badge(badge, now=now, values=known[_group(badge)]).items():
            counts[key] += value
    return counts


def _month_awarded(badge: Badge, period: str) -> bool:
    return (
        db.session.scalar(
            select(BadgeAward.id)
            .where(BadgeAward.badge_id == badge.id, BadgeAward.period == period)
            .limit(1)
        )
        is not None
    )


def award_star(badge: Badge, period: str, *, now: datetime | None = None) -> list[BadgeAward]:
    """Name a month's stars of `badge` unless that month already has them."""
    now = now or utcnow()
    month = month_of(period)
    if month.until > now:
        raise InvalidInput(_("Stars are named only for a month that has ended."), field="month")
    begin_write_transaction()
    if _month_awarded(badge, period):
        return []
    places, population = STAR_RULES[badge.criterion].ranking(badge, month)
    evidence = {
        place.user_id: {"rank": place.rank, "value": place.value, "of": population, **place.details}
        for place in places
    }
    awarded = _insert_awards(badge, period, evidence, now=now)
    for award in awarded:
        _notify_awarded(award, now=now, dedupe_key=f"badges.awarded:{award.id}")
    return awarded


def award_monthly_stars(*, now: datetime | None = None, month: str | None = None) -> dict[str, int]:
    """The monthly job: Service Star and Reading Star of the local month just ended (or of
    `month`); counts of stars named, by badge code."""
    now = now or utcnow()
    period = month or previous_month(now)
    begin_write_transaction()
    return {
        badge.code: len(award_star(badge, period, now=now)) for badge in _active_badges(STAR_RULES)
    }


# --- Reading: a person's badges and progress ------------------------------------------------


def badges_of(user_id: int, *, include_revoked: bool = False) -> list[BadgeAward]:
    """A person's awards, latest first (revoked ones only when asked)."""
    query = (
        select(BadgeAward)
        .where(BadgeAward.user_id == user_id)
        .options(joinedload(BadgeAward.badge))
        .order_by(BadgeAward.awarded_at.desc(), BadgeAward.id.desc())
    )
    if not include_revoked:
        query = query.where(BadgeAward.revoked_at.is_(None))
    return list(db.session.scalars(query))


@dataclass(frozen=True)
class BadgeProgress:
    """The next badge of one lifetime criterion, and how far the person is from it."""

    badge: Badge
    current: float
    target: int

    @property
    def percent(self) -> int:
        return max(0, min(100, int(self.current * 100 // self.target))) if self.target else 100

    @property
    def remaining(self) -> float:
        return max(0, _evidence_value(self.target - self.current))


def next_badges(user_id: int) -> list[BadgeProgress]:
    """For each lifetime criterion (and parameter set), the lowest threshold not yet
    earned. Criteria without data are left out."""
    held = {award.badge_id for award in badges_of(user_id)}
    upcoming: dict[tuple[str, str], Badge] = {}
    for badge in sorted(_active_badges(RULES), key=lambda badge: badge.threshold):
        if badge.id not in held and _group(badge) not in upcoming:
            upcoming[_group(badge)] = badge
    progress = []
    for badge in sorted(upcoming.values(), key=lambda badge: (badge.sort_order, badge.id)):
        values = RULES[badge.criterion].values(badge, [user_id])
        if values is not None:
            current = _evidence_value(values.get(user_id, 0))
            progress.append(BadgeProgress(badge, current, badge.threshold))
    return progress


# --- Public pages ---------------------------------------------------------------------------


def find_award(public_id: str) -> BadgeAward | None:
    return db.session.scalar(
        select(BadgeAward)
        .where(BadgeAward.public_id == public_id)
        .options(joinedload(BadgeAward.badge), joinedload(BadgeAward.user))
    )


def public_award(public_id: str, viewer_id: int | None) -> BadgeAward:
    """An award's public page: the holder always sees it; others only while it is neither
    hidden nor revoked and the holder's account is active."""
    award = find_award(public_id)
    if award is not None and viewer_id is not None and award.user_id == viewer_id:
        return award
    if award is None or award.hidden or award.revoked_at is not None or not award.user.active:
        raise NotFound(_("No such badge."))
    return award


def credential_award(public_id: str, viewer_id: int | None) -> BadgeAward:
    """The award behind an Open Badges credential: as the page, but never a revoked one."""
    award = public_award(public_id, viewer_id)
    if award.revoked_at is not None:
        raise NotFound(_("This badge was taken back."))
    return award


def set_hidden(public_id: str, user_id: int, hidden: bool) -> BadgeAward:
    """The holder hides their award's public page from others, or shows it again."""
    award = find_award(public_id)
    if award is None or award.user_id != user_id:
        raise NotFound(_("No such badge."))
    award.hidden = hidden
    db.session.flush()
    return award


# --- Texts ----------------------------------------------------------------------------------


def badge_text(badge: Badge, field: str) -> str:
    """`name` or `description` in the reader's language."""
    locale = get_locale()
    return _in_language(badge, field, locale.language if locale else None)


def _number(value: float) -> str:
    return format_decimal(value, format="#,##0.##")


def _star_criteria(badge: Badge) -> str:
    params = badge.params or {}
    if badge.criterion == "service_star_month":
        return _(
            "Each calendar month, the %(n)d volunteers with the most verified service hours "
            "(at least %(hours)s hours). Ties go to the lower student number.",
            n=badge.threshold,
            hours=_number(float(params.get("min_hours", 1))),
        )
    if params.get("top_percent") is not None:
        who = _(
            "the top %(percent)s%% of the month's readers (rounded down, at least one)",
            percent=_number(float(params["top_percent"])),
        )
    else:
        who = _("the %(n)d readers", n=badge.threshold)
    return _(
        "Each calendar month, %(who)s with the highest reading score from the library's "
        "usage data (loans, visits, time in the library, e-resource use), with at least "
        "%(loans)d loans, %(visits)d visits and a score of %(score)s. Ties go to more loans, "
        "then more visits, then the earlier last day of use, then the lower student number.",
        who=who,
        loans=int(params.get("min_loans", 0)),
        visits=int(params.get("min_visits", 0)),
        score=_number(float(params.get("min_score", 0))),
    )


def criteria_text(badge: Badge) -> str:
    """How the badge is earned, in the reader's language."""
    n = badge.threshold
    if badge.criterion in STAR_RULES:
        text = _star_criteria(badge)
    elif badge.criterion == "hours_total":
        text = _("Reach %(n)d verified hours of volunteer service.", n=n)
    elif badge.criterion == "shifts_total":
        text = _("Complete %(n)d verified shifts.", n=n)
    elif badge.criterion == "weekly_streak":
        text = _("Serve at least one verified shift in each of %(n)d weeks in a row.", n=n)
    elif (badge.params or {}).get("column"):
        text = _(
            "Have %(n)d contributions published in the column “%(column)s”.",
            n=n,
            column=badge.params["column"],
        )
    else:
        text = _("Have %(n)d contributions published in the library's columns.", n=n)
    if badge.revocable:
        text += " " + _("The badge is taken back if this stops being true.")
    return text


def award_reason(award: BadgeAward) -> str:
    """Why this person holds the badge, from the award's evidence."""
    facts = award.evidence or {}
    value = _number(facts.get("value", 0))
    criterion = award.badge.criterion
    if criterion == "service_star_month":
        return _(
            "Rank %(rank)d of %(of)d volunteers with verified hours in %(period)s, "
            "with %(value)s hours.",
            rank=facts.get("rank", 0),
            of=facts.get("of", 0),
            period=award.period,
            value=value,
        )
    if criterion == "reading_star_month":
        return _(
            "Rank %(rank)d of %(of)d readers in %(period)s, with a reading score of %(value)s.",
            rank=facts.get("rank", 0),
            of=facts.get("of", 0),
            period=award.period,
            value=value,
        )
    reasons = {
        "hours_total": _("%(value)s verified hours when the badge was awarded."),
        "shifts_total": _("%(value)s verified shifts when the badge was awarded."),
        "weekly_streak": _("%(value)s weeks in a row with a verified shift."),
        "contributions": _("%(value)s published contributions when the badge was awarded."),
    }
    return reasons.get(criterion, "%(value)s") % {"value": value}


def revoked_reason_text(award: BadgeAward) -> str:
    label = REVOKED_REASONS.get(award.revoked_reason)
    return str(label) if label is not None else award.revoked_reason


# --- Administration -------------------------------------------------------------------------


def all_badges() -> list[Badge]:
    return list(db.session.scalars(select(Badge).order_by(Badge.sort_order, Badge.id)))


def get_badge(badge_id: int) -> Badge:
    badge = db.session.get(Badge, badge_id)
    if badge is None:
        raise NotFound(_("No such badge."))
    return badge


def award_counts() -> dict[int, int]:
    """Awards in force per badge."""
    query = (
        select(BadgeAward.badge_id, func.count())
        .where(BadgeAward.revoked_at.is_(None))
        .group_by(BadgeAward.badge_id)
    )
    return dict(db.session.execute(query).all())


def param_types(criterion: str) -> dict[str, type]:
    rule = RULES.get(criterion) or STAR_RULES.get(criterion)
    return rule.params if rule is not None else {}


def _check_param(name: str, value: Any, kind: type) -> Any:
    if kind is str:
        if not isinstance(value, str) or not value.strip() or len(value) > 40:
            raise InvalidInput(_("“%(name)s” must be a short text.", name=name), field="params")
        return value.strip()
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise InvalidInput(
            _("“%(name)s” must be a number of at least 0.", name=name), field="params"
        )
    if kind is int and not float(value).is_integer():
        raise InvalidInput(_("“%(name)s” must be a whole number.", name=name), field="params")
    if name == "top_percent" and not 0 < value <= 100:
        raise InvalidInput(_("“top_percent” must be above 0 and at most 100."), field="params")
    return int(value) if kind is int else value


def parse_params(text: str | None, criterion: str) -> dict[str, Any]:
    """A badge's parameters from the admin form's JSON text, checked against its criterion."""
    try:
        params = json.loads(text or "{}")
    except ValueError:
        raise InvalidInput(_("The parameters must be a JSON object."), field="params") from None
    if not isinstance(params, dict):
        raise InvalidInput(_("The parameters must be a JSON object."), field="params")
    allowed = param_types(criterion)
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        raise InvalidInput(
            _(
                "Unknown parameters: %(names)s. This criterion takes: %(allowed)s.",
                names=", ".join(unknown),
                allowed=", ".join(allowed) or "—",
            ),
            field="params",
        )
    return {name: _check_param(name, value, allowed[name]) for name, value in params.items()}


@dataclass(frozen=True)
class BadgeChanges:
    name_zh: str
    name_en: str
    description_zh: str
    description_en: str
    threshold: int
    params: dict[str, Any]
    revocable: bool
    active: bool


def _snapshot(badge: Badge) -> dict[str, Any]:
    return {
        "name_zh": badge.name_zh,
        "name_en": badge.name_en,
        "description_zh": badge.description_zh,
        "description_en": badge.description_en,
        "threshold": badge.threshold,
        "params": dict(badge.params or {}),
        "revocable": badge.revocable,
        "active": badge.active,
    }


def _clean(text: str | None, *, field: str, limit: int, required: bool) -> str:
    text = " ".join((text or "").split())
    if required and not text:
        raise InvalidInput(_("Please fill this in."), field=field)
    if len(text) > limit:
        raise InvalidInput(_("This can be at most %(n)d characters long.", n=limit), field=field)
    return text


def update_badge(
    badge: Badge, changes: BadgeChanges, *, actor, now: datetime | None = None
) -> Badge:
    """An administrator edits a badge (audited). The next evaluation applies it to
    everyone: a lower threshold awards more people at once."""
    if not 1 <= changes.threshold <= THRESHOLD_MAX:
        raise InvalidInput(
            _("The threshold must be between 1 and %(n)d.", n=THRESHOLD_MAX), field="threshold"
        )
    allowed = param_types(badge.criterion)
    params = {
        name: _check_param(name, value, allowed[name])
        for name, value in changes.params.items()
        if name in allowed
    }
    cleaned = {
        "name_zh": _clean(changes.name_zh, field="name_zh", limit=NAME_MAX, required=True),
        "name_en": _clean(changes.name_en, field="name_en", limit=NAME_MAX, required=True),
        "description_zh": _clean(
            changes.description_zh, field="description_zh", limit=DESCRIPTION_MAX, required=False
        ),
        "description_en": _clean(
            changes.description_en, field="description_en", limit=DESCRIPTION_MAX, required=False
        ),
    }
    before = _snapshot(badge)
    for field, value in cleaned.items():
        setattr(badge, field, value)
    badge.threshold = changes.threshold
    badge.params = params
    badge.revocable = changes.revocable
    badge.active = changes.active
    db.session.flush()
    audit.record_change(
        "badges.badge_edited",
        actor=actor,
        object_type="badge",
        object_id=badge.id,
        before=before,
        after=_snapshot(badge),
        only_changed=True,
        now=now,
    )
    return badge

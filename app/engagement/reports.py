"""Annual reports (我的年度报告): one person's figures, charts and public link.

A person's report gathers one local calendar year of their own figures: verified service,
badges, published contributions, library use, points, and where they stand among the
year's volunteers. A report can be shared through a public link that shows the name
masked and no student number; the person can revoke the link, and making it again gives
a new token.

Group portraits are in `group_portraits.py`.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import case, func, select
from sqlalchemy.exc import IntegrityError

from app.checkin import hours
from app.columns import providers as columns
from app.common.time import utcnow
from app.engagement.charts import Chart, Series
from app.engagement.models import EngagementScore, ReportShare
from app.engagement.report_years import (
    Reading,
    Year,
    hours_chart,
    hours_of,
    month_labels,
    service_by_month,
)
from app.errors import NotFound
from app.extensions import db
from app.rewards import badges, points
from app.rewards.library_use import reading

TOKEN_LENGTH = 22

# The personal report ------------------------------------------------------------------------


@dataclass
class AnnualReport:
    user_id: int
    year: int
    minutes: int = 0
    shifts: int = 0
    badges: list = field(default_factory=list)  # BadgeAward, oldest first
    contributions: list[str] = field(default_factory=list)  # titles, oldest first
    reading: Reading = field(default_factory=Reading)
    points: int = 0
    percentile: int | None = None  # more hours than this % of the year's other volunteers
    monthly_minutes: list[int] = field(default_factory=lambda: [0] * 12)
    monthly_shifts: list[int] = field(default_factory=lambda: [0] * 12)
    monthly_loans: list[int] = field(default_factory=lambda: [0] * 12)
    monthly_visits: list[int] = field(default_factory=lambda: [0] * 12)
    scores: list[tuple[date, int]] = field(default_factory=list)

    @property
    def hours(self) -> float:
        return hours_of(self.minutes)

    @property
    def empty(self) -> bool:
        return not (
            self.minutes
            or self.shifts
            or self.badges
            or self.contributions
            or self.reading.any
            or self.points
        )


def annual_report(user_id: int, year: int) -> AnnualReport:
    """One person's figures for one local calendar year (only theirs)."""
    span = Year(year)
    report = AnnualReport(user_id=user_id, year=year)
    since, until = span.since, span.until

    report.minutes = hours.verified_minutes_by_user([user_id], since=since, until=until).get(
        user_id, 0
    )
    for month, minutes, shifts in service_by_month(span, [user_id]):
        report.monthly_minutes[month - 1], report.monthly_shifts[month - 1] = minutes, shifts
    report.shifts = sum(report.monthly_shifts)

    report.badges = sorted(
        (award for award in badges.badges_of(user_id) if since <= award.awarded_at < until),
        key=lambda award: (award.awarded_at, award.id),
    )
    published = columns.published_between(since, until).subquery()
    report.contributions = list(
        db.session.scalars(
            select(published.c.title)
            .where(published.c.user_id == user_id)
            .order_by(published.c.at, published.c.title)
        )
    )
    report.reading = _reading_of(user_id, span, report)
    report.points = points.points_between(user_id, since, until)
    report.percentile = hours_percentile(user_id, report.minutes, span)
    report.scores = score_trend(user_id, year)
    return report


def _reading_of(user_id: int, span: Year, report: AnnualReport) -> Reading:
    query = reading.monthly_use_of(user_id, span.months)
    total = Reading()
    for month, loans, visits, minutes, e_sessions in db.session.execute(query):
        index = int(month[5:7]) - 1
        report.monthly_loans[index] = int(loans or 0)
        report.monthly_visits[index] = int(visits or 0)
        total.loans += int(loans or 0)
        total.visits += int(visits or 0)
        total.minutes += int(minutes or 0)
        total.e_sessions += int(e_sessions or 0)
    return total


def hours_percentile(user_id: int, minutes: int, span: Year) -> int | None:
    """The share (0–100, rounded down) of the year's other volunteers with verified hours
    whom `minutes` exceeds; None without hours or without anyone else to compare with. The
    person is left out by id, so the share never passes 100 even when their own minutes are
    counted differently (a shift verified since)."""
    if minutes <= 0:
        return None
    service = hours.verified_service(span.since, span.until).subquery()
    total = func.sum(service.c.minutes)
    others = (
        select(service.c.user_id, total.label("minutes"))
        .where(service.c.user_id != user_id)
        .group_by(service.c.user_id)
        .having(total > 0)
        .subquery()
    )
    people, below = db.session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(case((others.c.minutes < minutes, 1), else_=0)), 0),
        ).select_from(others)
    ).one()
    if not people:
        return None
    return min(100, int(below) * 100 // int(people))


def score_trend(user_id: int, year: int) -> list[tuple[date, int]]:
    """The person's engagement score snapshots in the year, oldest first."""
    query = (
        select(EngagementScore.day, EngagementScore.score)
        .where(
            EngagementScore.user_id == user_id,
            EngagementScore.day >= date(year, 1, 1),
            EngagementScore.day < date(year + 1, 1, 1),
        )
        .order_by(EngagementScore.day)
    )
    return [(day, int(score)) for day, score in db.session.execute(query)]


def report_charts(report: AnnualReport) -> dict[str, Chart]:
    """The report's charts by id; the score trend only when there are snapshots."""
    labels = month_labels(report.year)
    charts = {
        "hours-by-month": hours_chart(report.year, report.monthly_minutes, report.monthly_shifts),
        "reading-by-month": Chart(
            id="reading-by-month",
            title=_("Reading per month"),
            kind="bar",
            label_title=_("Month"),
            labels=labels,
            series=[
                Series(_("Loans"), list(report.monthly_loans)),
                Series(_("Visits"), list(report.monthly_visits)),
            ],
        ),
    }
    if report.scores:
        charts["score-trend"] = Chart(
            id="score-trend",
            title=_("My engagement score"),
            kind="line",
            label_title=_("Day"),
            labels=[day.isoformat() for day, _score in report.scores],
            series=[Series(_("Score"), [score for _day, score in report.scores])],
        )
    return charts


# Sharing ------------------------------------------------------------------------------------


def _new_token() -> str:
    return secrets.token_urlsafe(16)[:TOKEN_LENGTH]


def share_of(user_id: int, year: int) -> ReportShare | None:
    """The person's live public link for the year, if any."""
    return db.session.scalar(
        select(ReportShare).where(
            ReportShare.user_id == user_id,
            ReportShare.year == year,
            ReportShare.revoked_at.is_(None),
        )
    )


def _share_row(user_id: int, year: int) -> ReportShare | None:
    return db.session.scalar(
        select(ReportShare).where(ReportShare.user_id == user_id, ReportShare.year == year)
    )


def create_share(user_id: int, year: int, *, now: datetime | None = None) -> ReportShare:
    """Make the year's public link (the live one when it exists; after a revocation the
    same row gets a fresh token)."""
    now = now or utcnow()
    share = _share_row(user_id, year)
    if share is not None:
        if share.revoked_at is not None:
            share.token, share.revoked_at, share.created_at = _new_token(), None, now
            db.session.flush()
        return share
    share = ReportShare(user_id=user_id, year=year, token=_new_token(), created_at=now)
    try:
        with db.session.begin_nested():
            db.session.add(share)
    except IntegrityError:  # made at the same moment in another tab
        share = _share_row(user_id, year)
        if share is None:
            raise
    return share


def revoke_share(user_id: int, year: int, *, now: datetime | None = None) -> bool:
    """Stop the year's public link; False when there was none."""
    share = share_of(user_id, year)
    if share is None:
        return False
    share.revoked_at = now or utcnow()
    db.session.flush()
    return True


def shared(token: str) -> ReportShare:
    """The live share with this token; NotFound for an unknown or revoked one."""
    share = db.session.scalar(
        select(ReportShare).where(ReportShare.token == token, ReportShare.revoked_at.is_(None))
    )
    if share is None or not share.user.active:
        raise NotFound(_("This report is not shared."))
    return share

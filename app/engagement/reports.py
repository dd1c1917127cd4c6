"""Annual reports (我的年度报告) and group portraits.

A person's report gathers one local calendar year of their own figures: verified service,
badges, published contributions, library use, points, and where they stand among the
year's volunteers. A report can be shared through a public link that shows the name
masked and no student number; the person can revoke the link, and making it again gives
a new token.

A group portrait (a college, a team, or a cohort by enrolment year) shows the same kind
of figures as totals and per-person averages, never names. Every figure is one grouped
query over the group's members, given as a subquery (a college can have 10,000 people),
never one query per person. Months are cut at local midnight of each month's first day,
compared in SQL with a CASE over the twelve boundaries, so the same query runs on SQLite
and PostgreSQL.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, case, func, select, union
from sqlalchemy.exc import IntegrityError

from app.accounts import services as accounts
from app.accounts.models import COORDINATOR_ROLES
from app.checkin import hours
from app.columns import providers as columns
from app.common.time import from_local_date, to_local, utcnow
from app.engagement.charts import Chart, Series
from app.engagement.labels import SEGMENT_LABELS
from app.engagement.models import SEGMENTS, EngagementScore, ReportShare, SegmentCount
from app.errors import Forbidden, NotFound
from app.extensions import db
from app.recruitment import membership
from app.recruitment.access import can_manage_team
from app.recruitment.teams import services as team_services
from app.rewards import badges, points
from app.rewards.library_use import reading

FIRST_YEAR = 2000
GROUP_KINDS = ("college", "team", "cohort")
GROUP_KIND_LABELS = {"college": _l("Colleges"), "team": _l("Teams"), "cohort": _l("Cohorts")}
TOKEN_LENGTH = 22


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


def _month_index(column, year: Year):
    """1–12: the local month of a UTC time already known to fall inside the year."""
    bounds = year.boundaries
    return case(*((column < bounds[month], month) for month in range(1, 12)), else_=12)


def _whole(value: float) -> float | int:
    """2.0 → 2, so a table shows whole numbers without ".0"."""
    return int(value) if float(value).is_integer() else value


def _service_by_month(span: Year, who) -> list[tuple[int, int, int]]:
    """(local month 1–12, verified minutes, shifts) of people `who` (ids or a subquery),
    in one grouped query; the month is labelled in a subquery so that PostgreSQL groups
    by a plain column."""
    service = hours.verified_service(span.since, span.until).subquery()
    by_month = (
        select(_month_index(service.c.at, span).label("month"), service.c.minutes)
        .where(service.c.user_id.in_(who))
        .subquery()
    )
    query = select(by_month.c.month, func.sum(by_month.c.minutes), func.count()).group_by(
        by_month.c.month
    )
    return [
        (int(month), int(minutes or 0), int(n)) for month, minutes, n in db.session.execute(query)
    ]


def _hours(minutes: int) -> float:
    return round(minutes / 60, 2)


# The personal report ------------------------------------------------------------------------


@dataclass
class Reading:
    loans: int = 0
    visits: int = 0
    minutes: int = 0
    e_sessions: int = 0

    @property
    def hours(self) -> float:
        return _hours(self.minutes)

    @property
    def any(self) -> bool:
        return bool(self.loans or self.visits or self.minutes or self.e_sessions)


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
        return _hours(self.minutes)

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
    for month, minutes, shifts in _service_by_month(span, [user_id]):
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
    report.percentile = hours_percentile(report.minutes, span)
    report.scores = score_trend(user_id, year)
    return report


def _reading_of(user_id: int, span: Year, report: AnnualReport) -> Reading:
    rows = reading.library_use_in_months(span.months).subquery()
    query = (
        select(
            rows.c.month,
            func.sum(rows.c.loans),
            func.sum(rows.c.visits),
            func.sum(rows.c.minutes),
            func.sum(rows.c.e_sessions),
        )
        .where(rows.c.user_id == user_id)
        .group_by(rows.c.month)
    )
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


def hours_percentile(minutes: int, span: Year) -> int | None:
    """The share (0–100, rounded down) of the year's other volunteers with verified hours
    whom `minutes` exceeds; None without hours or without anyone else to compare with."""
    if minutes <= 0:
        return None
    service = hours.verified_service(span.since, span.until).subquery()
    total = func.sum(service.c.minutes)
    per_person = (
        select(service.c.user_id, total.label("minutes"))
        .group_by(service.c.user_id)
        .having(total > 0)
        .subquery()
    )
    people, below = db.session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(case((per_person.c.minutes < minutes, 1), else_=0)), 0),
        ).select_from(per_person)
    ).one()
    others = int(people) - 1
    if others <= 0:
        return None
    return int(below) * 100 // others


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


def _month_labels(year: int) -> list[str]:
    return Year(year).months


def _hours_chart(year: int, minutes: list[int], shifts: list[int]) -> Chart:
    """Service hours and shifts per month of `year` (a person's or a group's)."""
    return Chart(
        id="hours-by-month",
        title=_("Service hours per month"),
        kind="bar",
        label_title=_("Month"),
        labels=_month_labels(year),
        series=[
            Series(_("Hours"), [_hours(m) for m in minutes]),
            Series(_("Shifts"), list(shifts)),
        ],
    )


def report_charts(report: AnnualReport) -> dict[str, Chart]:
    """The report's charts by id; the score trend only when there are snapshots."""
    labels = _month_labels(report.year)
    charts = {
        "hours-by-month": _hours_chart(report.year, report.monthly_minutes, report.monthly_shifts),
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


# Groups -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Group:
    kind: str  # one of GROUP_KINDS
    key: int  # college id, team id or enrolment year
    name: str

    @property
    def scope(self) -> str:
        """The SegmentCount scope of the group: "team:3", "college:5", "cohort:2024"."""
        return f"{self.kind}:{self.key}"


def _people() -> Select:
    return accounts.person_groups().subquery()


def members(kind: str, key: int) -> Select:
    """The user ids of the group's active people, as a subquery to filter by."""
    people = _people()
    query = select(people.c.user_id)
    if kind == "college":
        return query.where(people.c.college_id == key)
    if kind == "cohort":
        return query.where(people.c.enrolment_year == key)
    if kind == "team":
        memberships = membership.active_memberships([key]).subquery()
        return query.where(people.c.user_id.in_(select(memberships.c.user_id)))
    raise NotFound(_("No such group."))


def _count(query: Select) -> int:
    return int(db.session.scalar(select(func.count()).select_from(query.subquery())) or 0)


def find_group(kind: str, key: int) -> Group:
    """The group, or NotFound: an unknown kind, college or team, or a cohort of nobody."""
    if kind == "college":
        college = next((c for c in accounts.colleges() if c.id == key), None)
        if college is None:
            raise NotFound(_("No such college."))
        return Group(kind, key, college.name)
    if kind == "team":
        return Group(kind, key, team_services.get_team(key).name)
    if kind == "cohort":
        if not _count(members(kind, key)):
            raise NotFound(_("No such cohort."))
        return Group(kind, key, str(key))
    raise NotFound(_("No such group."))


def can_view_group(user, group: Group) -> bool:
    """Coordinators and admins see college and cohort portraits; a team's only the team's
    coordinators (and admins)."""
    if not user.has_any_role(COORDINATOR_ROLES):
        return False
    return group.kind != "team" or can_manage_team(user, group.key)


def viewable_group(user, kind: str, key: int) -> Group:
    """The group whose portrait `user` asks for: NotFound when there is no such group,
    Forbidden when it is not one they may see."""
    group = find_group(kind, key)
    if not can_view_group(user, group):
        raise Forbidden(_("You do not have permission to see this page."))
    return group


@dataclass
class GroupEntry:
    group: Group
    people: int


def visible_groups(user) -> dict[str, list[GroupEntry]]:
    """The groups the viewer may see, by kind, with their number of active people."""
    people = _people()
    per_college = dict(
        db.session.execute(
            select(people.c.college_id, func.count())
            .where(people.c.college_id.is_not(None))
            .group_by(people.c.college_id)
        ).all()
    )
    colleges = [
        GroupEntry(Group("college", c.id, c.name), int(per_college.get(c.id, 0)))
        for c in accounts.colleges()
    ]
    cohorts = [
        GroupEntry(Group("cohort", int(year), str(year)), int(count))
        for year, count in db.session.execute(
            select(people.c.enrolment_year, func.count())
            .where(people.c.enrolment_year.is_not(None))
            .group_by(people.c.enrolment_year)
            .order_by(people.c.enrolment_year.desc())
        )
    ]
    teams = team_services.teams_for(user)
    per_team: dict[int, int] = {}
    if teams:
        memberships = membership.active_memberships([team.id for team in teams]).subquery()
        per_team = dict(
            db.session.execute(
                select(memberships.c.team_id, func.count())
                .where(memberships.c.user_id.in_(select(people.c.user_id)))
                .group_by(memberships.c.team_id)
            ).all()
        )
    return {
        "college": colleges,
        "team": [
            GroupEntry(Group("team", t.id, t.name), int(per_team.get(t.id, 0))) for t in teams
        ],
        "cohort": cohorts,
    }


@dataclass
class Figure:
    """A total over the group and its average per person."""

    total: float
    people: int

    def __post_init__(self) -> None:
        self.total = _whole(self.total)

    @property
    def average(self) -> float:
        return _whole(round(self.total / self.people, 2)) if self.people else 0


@dataclass
class GroupPortrait:
    group: Group
    year: int
    people: int = 0
    active: int = 0
    minutes: int = 0
    shifts: int = 0
    contributions: int = 0
    reading: Reading = field(default_factory=Reading)
    monthly_minutes: list[int] = field(default_factory=lambda: [0] * 12)
    monthly_shifts: list[int] = field(default_factory=lambda: [0] * 12)
    segment_day: date | None = None
    segments: dict[str, int] = field(default_factory=dict)
    segment_trend: list[tuple[date, dict[str, int]]] = field(default_factory=list)

    @property
    def figures(self) -> list[tuple[str, str, Figure]]:
        """(id, label, figure) for the totals table."""
        people = self.people
        return [
            ("hours", _("Service hours"), Figure(_hours(self.minutes), people)),
            ("shifts", _("Shifts"), Figure(self.shifts, people)),
            ("contributions", _("Contributions published"), Figure(self.contributions, people)),
            ("loans", _("Loans"), Figure(self.reading.loans, people)),
            ("visits", _("Library visits"), Figure(self.reading.visits, people)),
            ("library-hours", _("Hours in the library"), Figure(self.reading.hours, people)),
            ("e-sessions", _("E-resource sessions"), Figure(self.reading.e_sessions, people)),
        ]


def group_portrait(group: Group, year: int) -> GroupPortrait:
    span = Year(year)
    who = members(group.kind, group.key)
    portrait = GroupPortrait(group=group, year=year, people=_count(who))

    for month, minutes, shifts in _service_by_month(span, who):
        portrait.monthly_minutes[month - 1], portrait.monthly_shifts[month - 1] = minutes, shifts
    portrait.minutes = sum(portrait.monthly_minutes)
    portrait.shifts = sum(portrait.monthly_shifts)

    service = hours.verified_service(span.since, span.until).subquery()
    published = columns.published_between(span.since, span.until).subquery()
    portrait.contributions = int(
        db.session.scalar(
            select(func.count()).select_from(published).where(published.c.user_id.in_(who))
        )
        or 0
    )

    use = reading.library_use_in_months(span.months).subquery()
    loans, visits, minutes, e_sessions = db.session.execute(
        select(
            func.coalesce(func.sum(use.c.loans), 0),
            func.coalesce(func.sum(use.c.visits), 0),
            func.coalesce(func.sum(use.c.minutes), 0),
            func.coalesce(func.sum(use.c.e_sessions), 0),
        ).where(use.c.user_id.in_(who))
    ).one()
    portrait.reading = Reading(int(loans), int(visits), int(minutes), int(e_sessions))

    anyone = union(
        select(service.c.user_id).where(service.c.user_id.in_(who)),
        select(published.c.user_id).where(published.c.user_id.in_(who)),
        select(use.c.user_id).where(use.c.user_id.in_(who)),
    ).subquery()
    portrait.active = int(db.session.scalar(select(func.count()).select_from(anyone)) or 0)

    _segments(portrait, span)
    return portrait


def _segments(portrait: GroupPortrait, span: Year) -> None:
    """The latest day's segment counts of the group, and one day a week (the week's last
    snapshot) of the portrait's year for the trend."""
    scope = portrait.group.scope
    latest = db.session.scalar(
        select(func.max(SegmentCount.day)).where(SegmentCount.scope == scope)
    )
    if latest is None:
        return
    portrait.segment_day = latest
    days = db.session.scalars(
        select(SegmentCount.day)
        .where(
            SegmentCount.scope == scope,
            SegmentCount.day >= date(span.year, 1, 1),
            SegmentCount.day < date(span.year + 1, 1, 1),
        )
        .distinct()
        .order_by(SegmentCount.day)
    )
    weekly: dict[tuple[int, int], date] = {}
    for day in days:
        weekly[day.isocalendar()[:2]] = day  # the last day of each week wins
    wanted = sorted({latest, *weekly.values()})
    counts: dict[date, dict[str, int]] = {day: dict.fromkeys(SEGMENTS, 0) for day in wanted}
    for day, segment, people in db.session.execute(
        select(SegmentCount.day, SegmentCount.segment, SegmentCount.people).where(
            SegmentCount.scope == scope, SegmentCount.day.in_(wanted)
        )
    ):
        counts[day][segment] = int(people)
    portrait.segments = counts[latest]
    portrait.segment_trend = [(day, counts[day]) for day in sorted(weekly.values())]


def group_charts(portrait: GroupPortrait) -> dict[str, Chart]:
    segment_labels = [SEGMENT_LABELS[segment] for segment in SEGMENTS]
    charts = {
        "hours-by-month": _hours_chart(
            portrait.year, portrait.monthly_minutes, portrait.monthly_shifts
        ),
        "segments": Chart(
            id="segments",
            title=_("Segments now"),
            kind="doughnut",
            label_title=_("Segment"),
            labels=[str(label) for label in segment_labels],
            series=[
                Series(_("People"), [portrait.segments.get(segment, 0) for segment in SEGMENTS])
            ],
        ),
        "segment-trend": Chart(
            id="segment-trend",
            title=_("Segments by week"),
            kind="stacked",
            label_title=_("Day"),
            labels=[day.isoformat() for day, _counts in portrait.segment_trend],
            series=[
                Series(
                    str(SEGMENT_LABELS[segment]),
                    [counts[segment] for _day, counts in portrait.segment_trend],
                )
                for segment in SEGMENTS
            ],
        ),
    }
    return charts

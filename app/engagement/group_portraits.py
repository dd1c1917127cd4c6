"""Group portraits: a college, a team, or a cohort by enrolment year, with the same kind of
figures as the annual report as totals and per-person averages, never names. Every figure
is one grouped query over the group's members, given as a subquery (a college can have
10,000 people), never one query per person.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select, union

from app.accounts import services as accounts
from app.accounts.models import COORDINATOR_ROLES
from app.checkin import hours
from app.columns import providers as columns
from app.engagement import aggregates
from app.engagement.charts import Chart, Series
from app.engagement.labels import SEGMENT_LABELS
from app.engagement.models import SEGMENTS, SegmentCount
from app.engagement.report_years import (
    Reading,
    Year,
    hours_chart,
    hours_of,
    service_by_month,
    whole,
)
from app.errors import Forbidden, NotFound
from app.extensions import db
from app.recruitment import membership
from app.recruitment.access import can_manage_team
from app.recruitment.teams import services as team_services
from app.rewards.library_use import reading

GROUP_KINDS = ("college", "team", "cohort")
GROUP_KIND_LABELS = {"college": _l("Colleges"), "team": _l("Teams"), "cohort": _l("Cohorts")}

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
        self.total = whole(self.total)

    @property
    def average(self) -> float:
        return whole(round(self.total / self.people, 2)) if self.people else 0


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
    # When the counted figures were computed; None: counted for this request.
    computed_at: datetime | None = None

    @property
    def figures(self) -> list[tuple[str, str, Figure]]:
        """(id, label, figure) for the totals table."""
        people = self.people
        return [
            ("hours", _("Service hours"), Figure(hours_of(self.minutes), people)),
            ("shifts", _("Shifts"), Figure(self.shifts, people)),
            ("contributions", _("Contributions published"), Figure(self.contributions, people)),
            ("loans", _("Loans"), Figure(self.reading.loans, people)),
            ("visits", _("Library visits"), Figure(self.reading.visits, people)),
            ("library-hours", _("Hours in the library"), Figure(self.reading.hours, people)),
            ("e-sessions", _("E-resource sessions"), Figure(self.reading.e_sessions, people)),
        ]


def live_figures(group: Group, year: int) -> dict:
    """The portrait's counted figures, computed now over the group's members: the reference
    the aggregates store (JSON)."""
    span = Year(year)
    who = members(group.kind, group.key)
    monthly_minutes, monthly_shifts = [0] * 12, [0] * 12
    for month, minutes, shifts in service_by_month(span, who):
        monthly_minutes[month - 1], monthly_shifts[month - 1] = minutes, shifts

    service = hours.verified_service(span.since, span.until).subquery()
    published = columns.published_between(span.since, span.until).subquery()
    contributions = db.session.scalar(
        select(func.count()).select_from(published).where(published.c.user_id.in_(who))
    )
    use = reading.library_use_in_months(span.months).subquery()
    used = db.session.execute(
        select(
            func.coalesce(func.sum(use.c.loans), 0),
            func.coalesce(func.sum(use.c.visits), 0),
            func.coalesce(func.sum(use.c.minutes), 0),
            func.coalesce(func.sum(use.c.e_sessions), 0),
        ).where(use.c.user_id.in_(who))
    ).one()
    anyone = union(
        select(service.c.user_id).where(service.c.user_id.in_(who)),
        select(published.c.user_id).where(published.c.user_id.in_(who)),
        select(use.c.user_id).where(use.c.user_id.in_(who)),
    ).subquery()
    return {
        "people": _count(who),
        "active": int(db.session.scalar(select(func.count()).select_from(anyone)) or 0),
        "monthly_minutes": [int(value) for value in monthly_minutes],
        "monthly_shifts": [int(value) for value in monthly_shifts],
        "contributions": int(contributions or 0),
        "reading": [int(value) for value in used],
    }


def group_portrait(group: Group, year: int, *, live: bool = False) -> GroupPortrait:
    """The portrait of `group` in `year`: its counted figures from the stored aggregates
    (`live`, or none stored for that group and year: counted now), segments from the
    nightly counts."""
    stored = None if live else aggregates.stored(aggregates.portrait_key(group.scope, year))
    figures = stored.figures if stored else live_figures(group, year)
    portrait = GroupPortrait(
        group=group,
        year=year,
        people=figures["people"],
        active=figures["active"],
        monthly_minutes=list(figures["monthly_minutes"]),
        monthly_shifts=list(figures["monthly_shifts"]),
        minutes=sum(figures["monthly_minutes"]),
        shifts=sum(figures["monthly_shifts"]),
        contributions=figures["contributions"],
        reading=Reading(*figures["reading"]),
        computed_at=stored.computed_at if stored else None,
    )
    _segments(portrait, Year(year))
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
        "hours-by-month": hours_chart(
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

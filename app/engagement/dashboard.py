"""The coordinators' engagement dashboard: how the programme is doing, as charts.

A dashboard has a scope: everyone (admins) or one team a coordinator runs. Segments, and
hours and contributions by team, come from the latest nightly snapshot; weekly activity,
hours by college, no-shows and columns are counted by `live_figures`, which the nightly
refresh stores per scope (`aggregates`), so the page reads a few small rows however many
people there are. Before the first refresh of a scope they are counted for the request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import distinct, func, select

from app.accounts import services as accounts
from app.checkin import hours
from app.columns import providers as columns
from app.common.time import from_local_date, local_today
from app.engagement import aggregates
from app.engagement.charts import Chart, Series
from app.engagement.labels import SEGMENT_LABELS
from app.engagement.models import SEGMENTS, EngagementDay, EngagementScore, SegmentCount
from app.engagement.services import Weeks, week_case
from app.errors import Forbidden, NotFound
from app.extensions import db
from app.recruitment import access, membership
from app.recruitment.teams import services as team_services
from app.shifts import task_dashboard, tasks
from app.shifts.models import Task

WEEKS_SHOWN = 12


@dataclass(frozen=True)
class Scope:
    key: str  # "all" or "team:3"
    label: str
    team_ids: tuple[int, ...] | None  # None: everyone

    @property
    def team_id(self) -> int | None:
        return self.team_ids[0] if self.team_ids and len(self.team_ids) == 1 else None


@dataclass
class Dashboard:
    scope: Scope
    as_of: EngagementDay | None
    segment_counts: dict[str, int]
    charts: list[Chart] = field(default_factory=list)
    # When the counted figures were computed; None: counted for this request.
    computed_at: datetime | None = None

    @property
    def people(self) -> int:
        return sum(self.segment_counts.values())

    def chart(self, chart_id: str) -> Chart:
        for chart in self.charts:
            if chart.id == chart_id:
                return chart
        raise NotFound(_("There is no such chart."))


def scopes_for(viewer) -> list[Scope]:
    """What the viewer may look at: everyone (admins) and each team they run."""
    scopes = []
    if access.managed_team_ids(viewer) is None:
        scopes.append(Scope("all", _("Everyone"), None))
    for team in team_services.teams_for(viewer):
        scopes.append(Scope(f"team:{team.id}", team.name, (team.id,)))
    return scopes


def resolve_scope(viewer, key: str | None) -> Scope:
    """The scope named by `key` (default: the viewer's first); one they may not see is
    refused."""
    scopes = scopes_for(viewer)
    if not scopes:
        raise Forbidden(_("You do not run any team yet."))
    if not key:
        return scopes[0]
    for scope in scopes:
        if scope.key == key:
            return scope
    raise NotFound(_("There is no such team among yours."))


def latest_day() -> EngagementDay | None:
    return db.session.scalar(select(EngagementDay).order_by(EngagementDay.day.desc()).limit(1))


def segment_counts(scope_key: str, day: date | None) -> dict[str, int]:
    counts = dict.fromkeys(SEGMENTS, 0)
    if day is None:
        return counts
    rows = db.session.execute(
        select(SegmentCount.segment, SegmentCount.people).where(
            SegmentCount.day == day, SegmentCount.scope == scope_key
        )
    )
    counts.update(dict(rows.all()))
    return counts


def _week_label(start: date) -> str:
    return format_date(start, "MM-dd")


def weekly_activity(team_ids: tuple[int, ...] | None, today: date) -> dict:
    """People with a shift, and their hours, per week, oldest first (with the weeks'
    Mondays)."""
    weeks = Weeks(today, WEEKS_SHOWN)
    source = hours.service_activity(team_ids).subquery()
    week = week_case(source.c.at, weeks)
    rows = db.session.execute(
        select(week, func.count(distinct(source.c.user_id)), func.sum(source.c.amount))
        .where(
            source.c.at >= from_local_date(weeks.first_day),
            source.c.at < from_local_date(weeks.end_day),
        )
        .group_by(week)
    )
    people = [0] * WEEKS_SHOWN
    service_hours = [0.0] * WEEKS_SHOWN
    for index, count, amount in rows:
        if index is None:
            continue
        people[index] = int(count)
        service_hours[index] = round(float(amount or 0), 1)
    return {
        "weeks": [start.isoformat() for start in reversed(weeks.starts())],
        "people": list(reversed(people)),
        "hours": list(reversed(service_hours)),
    }


def weekly_activity_chart(figures: dict) -> Chart:
    return Chart(
        id="weekly-activity",
        title=_("Active volunteers and service hours per week"),
        kind="line",
        label_title=_("Week from"),
        labels=[_week_label(date.fromisoformat(start)) for start in figures["weeks"]],
        series=[
            Series(_("Volunteers with a shift"), figures["people"]),
            Series(_("Service hours"), figures["hours"]),
        ],
    )


def segments_chart(counts: dict[str, int]) -> Chart:
    return Chart(
        id="segments",
        title=_("People by segment"),
        kind="doughnut",
        label_title=_("Segment"),
        labels=[str(SEGMENT_LABELS[segment]) for segment in SEGMENTS],
        series=[Series(_("People"), [counts[segment] for segment in SEGMENTS])],
    )


def segment_trend_chart(scope_key: str, today: date) -> Chart:
    """One point a week (the last scored day of each week) over the last weeks."""
    since = today - timedelta(days=7 * WEEKS_SHOWN)
    rows = db.session.execute(
        select(SegmentCount.day, SegmentCount.segment, SegmentCount.people)
        .where(SegmentCount.scope == scope_key, SegmentCount.day > since)
        .order_by(SegmentCount.day)
    ).all()
    last_of_week: dict[date, date] = {}
    for day, _segment, _people in rows:
        monday = day - timedelta(days=day.weekday())
        last_of_week[monday] = max(day, last_of_week.get(monday, day))
    days = sorted(last_of_week.values())
    values = {segment: [0] * len(days) for segment in SEGMENTS}
    position = {day: index for index, day in enumerate(days)}
    for day, segment, people in rows:
        if day in position:
            values[segment][position[day]] = people
    return Chart(
        id="segment-trend",
        title=_("Segments over time"),
        kind="stacked",
        label_title=_("Day"),
        labels=[format_date(day, "MM-dd") for day in days],
        series=[Series(str(SEGMENT_LABELS[s]), values[s]) for s in SEGMENTS],
    )


def group_totals(day: date, prefix: str) -> dict[int, tuple[int, int]]:
    """{group id: (service minutes, contributions)} of every group of a kind ("team",
    "college") on a day, from the nightly counts."""
    rows = db.session.execute(
        select(
            SegmentCount.scope,
            func.sum(SegmentCount.service_minutes),
            func.sum(SegmentCount.contributions),
        )
        .where(SegmentCount.day == day, SegmentCount.scope.startswith(f"{prefix}:"))
        .group_by(SegmentCount.scope)
    )
    return {int(scope.split(":")[1]): (int(m or 0), int(c or 0)) for scope, m, c in rows}


def _college_totals_of_teams(team_ids: tuple[int, ...], day: date) -> dict[int, tuple[int, int]]:
    """The same totals by college, of one team's members only, from their snapshot rows."""
    members = membership.active_memberships(list(team_ids)).subquery()
    people = accounts.person_groups().subquery()
    rows = db.session.execute(
        select(
            people.c.college_id,
            func.sum(EngagementScore.service_minutes),
            func.sum(EngagementScore.contributions),
        )
        .join(people, people.c.user_id == EngagementScore.user_id)
        .where(
            EngagementScore.day == day,
            EngagementScore.user_id.in_(select(members.c.user_id)),
            people.c.college_id.is_not(None),
        )
        .group_by(people.c.college_id)
    )
    return {college_id: (int(m or 0), int(c or 0)) for college_id, m, c in rows}


def _totals_series(totals: list[tuple[int, int]]) -> list[Series]:
    return [
        Series(_("Service hours"), [round(minutes / 60, 1) for minutes, _count in totals]),
        Series(_("Contributions"), [count for _minutes, count in totals]),
    ]


def college_totals(scope: Scope, day: date | None) -> dict[int, tuple[int, int]]:
    if day is None:
        return {}
    if scope.team_ids is None:
        return group_totals(day, "college")
    return _college_totals_of_teams(scope.team_ids, day)


def by_college_chart(totals: dict[int, tuple[int, int]]) -> Chart:
    shown = [college for college in accounts.colleges() if any(totals.get(college.id, (0, 0)))]
    return Chart(
        id="by-college",
        title=_("Service hours and contributions by college (last 13 weeks)"),
        kind="bar",
        label_title=_("College"),
        labels=[college.name for college in shown],
        series=_totals_series([totals[college.id] for college in shown]),
    )


def by_team_chart(scope: Scope, viewer, day: date | None) -> Chart:
    teams = [
        team
        for team in team_services.teams_for(viewer)
        if scope.team_ids is None or team.id in scope.team_ids
    ]
    totals = group_totals(day, "team") if day is not None else {}
    return Chart(
        id="by-team",
        title=_("Service hours and contributions of each team's members (last 13 weeks)"),
        kind="bar",
        label_title=_("Team"),
        labels=[team.name for team in teams],
        series=_totals_series([totals.get(team.id, (0, 0)) for team in teams]),
    )


def _scope_tasks(scope: Scope, viewer) -> list:
    return [
        task
        for task in tasks.tasks_for(viewer, team_id=scope.team_id)
        if task.active and (scope.team_ids is None or task.team_id in scope.team_ids)
    ]


def no_show_rates(scope: Scope) -> dict[int, float]:
    """The no-show rate of each active task of the scope that has one."""
    query = select(Task.id).where(Task.active.is_(True))
    if scope.team_ids is not None:
        query = query.where(Task.team_id.in_(scope.team_ids))
    return task_dashboard.no_show_rates(list(db.session.scalars(query)))


def no_show_chart(scope: Scope, viewer, rates: dict[int, float]) -> Chart:
    task_list = _scope_tasks(scope, viewer)
    shown = [task for task in task_list if task.id in rates]
    return Chart(
        id="no-shows",
        title=_("No-show rate per task (shifts of the last 90 days)"),
        kind="bar",
        label_title=_("Task"),
        labels=[task.title for task in shown],
        series=[Series(_("No-shows (%)"), [round(100 * rates[task.id], 1) for task in shown])],
    )


def column_rows(today: date) -> list[tuple[str, int, int]]:
    since = from_local_date(today - timedelta(days=7 * 13 - 1))
    until = from_local_date(today + timedelta(days=1))
    return columns.column_activity(since, until)


def column_chart(rows: list[tuple[str, int, int]]) -> Chart:
    return Chart(
        id="columns",
        title=_("Service columns: contributions in the last 13 weeks"),
        kind="bar",
        label_title=_("Column"),
        labels=[name for name, _sent, _out in rows],
        series=[
            Series(_("Submitted"), [sent for _name, sent, _out in rows]),
            Series(_("Published"), [out for _name, _sent, out in rows]),
        ],
    )


def live_figures(scope: Scope, *, now: datetime | None = None) -> dict:
    """The dashboard's counted figures for `scope`, computed now over everyone's activity:
    the reference the aggregates store (JSON: lists, string keys)."""
    today = local_today(now)
    as_of = latest_day()
    totals = college_totals(scope, as_of.day if as_of else None)
    return {
        "weekly": weekly_activity(scope.team_ids, today),
        "colleges": [[college_id, *pair] for college_id, pair in totals.items()],
        "no_shows": [[task_id, rate] for task_id, rate in no_show_rates(scope).items()],
        "columns": [list(row) for row in column_rows(today)],
    }


def build(viewer, scope: Scope, *, now: datetime | None = None, live: bool = False) -> Dashboard:
    """The dashboard of `scope` for `viewer`: the counted figures from the latest stored
    aggregates (`live`, or none stored yet for the scope: counted now)."""
    today = local_today(now)
    as_of = latest_day()
    day = as_of.day if as_of else None
    stored = None if live else aggregates.stored(aggregates.dashboard_key(scope.key))
    figures = stored.figures if stored else live_figures(scope, now=now)
    counts = segment_counts(scope.key, day)
    charts = [
        weekly_activity_chart(figures["weekly"]),
        segments_chart(counts),
        segment_trend_chart(scope.key, today),
        by_college_chart({row[0]: (row[1], row[2]) for row in figures["colleges"]}),
        by_team_chart(scope, viewer, day),
        no_show_chart(scope, viewer, dict(figures["no_shows"])),
        column_chart([tuple(row) for row in figures["columns"]]),
    ]
    return Dashboard(
        scope=scope,
        as_of=as_of,
        segment_counts=counts,
        charts=charts,
        computed_at=stored.computed_at if stored else None,
    )

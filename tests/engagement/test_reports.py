"""Annual reports, sharing and group portraits, computed by hand on a small world.

Times are UTC; Shanghai is 8 hours ahead, so a shift at 17:00 UTC on 31 January 2025 is
on 1 February local time, and one at 17:00 UTC on 31 December 2025 is in 2026.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime

import pytest

from app.accounts.models import User
from app.engagement import group_portraits, report_years, reports
from app.engagement.models import EngagementScore, ReportShare, SegmentCount
from app.errors import Forbidden, NotFound
from app.extensions import db
from app.rewards import points
from app.rewards.models import BadgeAward
from tests import factories
from tests.columns import reading_data
from tests.rewards import badge_data, rewards_data

YEAR = 2025


@dataclass
class World:
    place: rewards_data.Place
    x: object  # college 文学院
    y: object  # college 理学院
    p: User  # the report's person: college x, cohort 2023, in the team
    q: User  # college x, cohort 2023
    r: User  # college y, cohort 2023, in the team
    s: User  # college y, cohort 2024
    v: User  # college x, cohort 2024, no activity
    u: User  # college x, cohort 2023, in the team, deactivated


def _placed(who: User, college, year: int) -> User:
    who.college_id, who.enrolment_year = college.id, year
    db.session.flush()
    return who


def _served(place, who, minutes: int, start: datetime, *, added: int = 0):
    shift = rewards_data.shift(place, start=start, hours=max(minutes, 60) / 60, capacity=20)
    return rewards_data.verified(shift, who, minutes=minutes, added=added)


def _award(badge, who: User, at: datetime, *, revoked: bool = False) -> BadgeAward:
    award = BadgeAward(
        badge_id=badge.id,
        user_id=who.id,
        awarded_at=at,
        public_id=secrets.token_hex(8),
        revoked_at=at if revoked else None,
    )
    db.session.add(award)
    db.session.flush()
    return award


def build() -> World:
    """The world of these tests, committed."""
    x = factories.college("09", "文学院", majors=())
    y = factories.college("10", "理学院", majors=())
    place = rewards_data.place()
    p = _placed(rewards_data.member(place, name="张三丰"), x, 2023)
    q = _placed(rewards_data.person(name="李四"), x, 2023)
    r = _placed(rewards_data.member(place, name="王五"), y, 2023)
    s = _placed(rewards_data.person(name="赵六"), y, 2024)
    v = _placed(rewards_data.person(name="钱七"), x, 2024)
    u = _placed(rewards_data.member(place, name="孙八"), x, 2023)

    # p: 120 minutes on 1 February (local; 90 scanned + 30 added), 180 on 10 March.
    _served(place, p, 90, datetime(2025, 1, 31, 17, 0), added=30)
    _served(place, p, 180, datetime(2025, 3, 10, 1, 0))
    _served(place, p, 240, datetime(2024, 6, 1, 1, 0))  # another year
    _served(place, p, 60, datetime(2025, 12, 31, 17, 0))  # 1 January 2026 locally
    rewards_data.unverify(_served(place, p, 60, datetime(2025, 4, 1, 1, 0)))
    # The others, all in 2025.
    _served(place, q, 60, datetime(2025, 3, 20, 1, 0))
    _served(place, r, 600, datetime(2025, 5, 5, 1, 0))
    _served(place, s, 300, datetime(2025, 6, 6, 1, 0))
    _served(place, u, 120, datetime(2025, 6, 6, 1, 0))
    u.active = False

    defaults = badge_data.seed()
    badge, other, third = list(defaults.values())[:3]
    _award(badge, p, datetime(2025, 4, 1, 2, 0))
    _award(other, p, datetime(2024, 4, 1, 2, 0))  # another year
    _award(third, p, datetime(2025, 8, 1, 2, 0), revoked=True)

    world = reading_data.world(author_name="作者甲")
    reading_data.published(world, at=datetime(2025, 5, 5, 2, 0), by=p, title="年度好书")
    reading_data.published(world, at=datetime(2024, 5, 5, 2, 0), by=p, title="旧文")
    reading_data.published(world, at=datetime(2025, 7, 1, 2, 0), by=q, title="别人的文章")

    points.award(p.id, 10, kind="adjustment", key="t:1", occurred_at=datetime(2025, 4, 1))
    points.award(p.id, -3, kind="adjustment", key="t:2", occurred_at=datetime(2025, 6, 1))
    points.award(p.id, 50, kind="adjustment", key="t:3", occurred_at=datetime(2024, 6, 1))

    badge_data.reading(p, "2025-03", loans=2, visits=5, minutes=120, e_sessions=1)
    badge_data.reading(p, "2025-07", loans=1, visits=1, minutes=30, day=date(2025, 7, 3))
    badge_data.reading(p, "2024-12", loans=9, visits=9, minutes=90)  # another year
    badge_data.reading(s, "2025-09", loans=4, visits=2)

    for day, score in ((date(2025, 3, 1), 40), (date(2025, 6, 1), 55), (date(2024, 12, 31), 10)):
        db.session.add(
            EngagementScore(day=day, user_id=p.id, score=score, segment="active", reason="active")
        )
    counts = {
        date(2025, 3, 3): {"core": 1, "active": 1},
        date(2025, 3, 5): {"core": 2, "dormant": 1},  # same week as 3 March: this one wins
        date(2025, 3, 12): {"active": 2, "at_risk": 1},
        date(2026, 1, 5): {"core": 1, "new": 1, "dormant": 1},  # the latest day
    }
    for day, by_segment in counts.items():
        for segment, people in by_segment.items():
            db.session.add(
                SegmentCount(day=day, scope=f"college:{x.id}", segment=segment, people=people)
            )
    db.session.commit()
    return World(place, x, y, p, q, r, s, v, u)


@pytest.fixture
def world(db) -> World:
    return build()


# The annual report --------------------------------------------------------------------------


def test_annual_report_figures(world):
    report = reports.annual_report(world.p.id, YEAR)

    assert report.minutes == 300
    assert report.hours == 5
    assert report.shifts == 2
    assert report.monthly_minutes == [0, 120, 180, 0, 0, 0, 0, 0, 0, 0, 0, 0]
    assert report.monthly_shifts == [0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]
    assert [award.awarded_at for award in report.badges] == [datetime(2025, 4, 1, 2, 0)]
    assert report.contributions == ["年度好书"]
    assert (report.reading.loans, report.reading.visits) == (3, 6)
    assert (report.reading.minutes, report.reading.e_sessions) == (150, 1)
    assert report.reading.hours == 2.5
    assert report.monthly_loans == [0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 0, 0]
    assert report.monthly_visits == [0, 0, 5, 0, 0, 0, 1, 0, 0, 0, 0, 0]
    # 10 − 3 adjusted, and 15 for the contribution published in 2025 (the default rule).
    assert report.points == 7 + 15
    assert report.scores == [(date(2025, 3, 1), 40), (date(2025, 6, 1), 55)]


def test_percentile_among_the_years_other_volunteers(world):
    # Others with verified hours in 2025: q 60, u 120, s 300, r 600; p (300) beats q and u.
    assert reports.annual_report(world.p.id, YEAR).percentile == 50
    assert reports.annual_report(world.r.id, YEAR).percentile == 100
    assert reports.annual_report(world.q.id, YEAR).percentile == 0
    # No hours, no percentile.
    assert reports.annual_report(world.v.id, YEAR).percentile is None
    assert reports.annual_report(world.p.id, 2023).percentile is None


def test_alone_in_a_year_has_no_percentile(world):
    # In 2024 only p served.
    report = reports.annual_report(world.p.id, 2024)
    assert (report.minutes, report.shifts, report.percentile) == (240, 1, None)
    assert report.points == 50 + 15


def test_report_of_someone_else_holds_only_their_data(world):
    report = reports.annual_report(world.q.id, YEAR)
    assert (report.minutes, report.shifts) == (60, 1)
    assert report.contributions == ["别人的文章"]
    assert report.badges == [] and not report.reading.any and report.scores == []


def test_report_charts(world):
    charts = reports.report_charts(reports.annual_report(world.p.id, YEAR))
    assert set(charts) == {"hours-by-month", "reading-by-month", "score-trend"}
    hours = charts["hours-by-month"]
    assert hours.labels[0] == "2025-01" and hours.labels[11] == "2025-12"
    assert [s.values for s in hours.series] == [
        [0, 2, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        [0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    ]
    assert charts["score-trend"].labels == ["2025-03-01", "2025-06-01"]
    assert "score-trend" not in reports.report_charts(reports.annual_report(world.q.id, YEAR))


@pytest.mark.parametrize(("year", "valid"), [(1999, False), (2000, True), (9999, False)])
def test_valid_years(app, year, valid):
    with app.test_request_context():
        assert report_years.valid_year(year) is valid
        assert report_years.valid_year(report_years.current_year())


# Sharing ------------------------------------------------------------------------------------


def test_share_lifecycle(world):
    p = world.p
    assert reports.share_of(p.id, YEAR) is None
    share = reports.create_share(p.id, YEAR, now=datetime(2026, 1, 2))
    token = share.token
    assert len(token) == reports.TOKEN_LENGTH
    assert reports.create_share(p.id, YEAR).token == token  # making it again keeps it
    assert reports.shared(token).user_id == p.id

    assert reports.revoke_share(p.id, YEAR, now=datetime(2026, 1, 3))
    assert not reports.revoke_share(p.id, YEAR)
    with pytest.raises(NotFound):
        reports.shared(token)

    again = reports.create_share(p.id, YEAR, now=datetime(2026, 1, 4))
    assert again.token != token and again.revoked_at is None
    assert db.session.scalar(db.select(db.func.count()).select_from(ReportShare)) == 1
    with pytest.raises(NotFound):
        reports.shared(token)
    assert reports.shared(again.token).user_id == p.id


def test_unknown_token_and_deactivated_person(world):
    with pytest.raises(NotFound):
        reports.shared("nope")
    share = reports.create_share(world.u.id, YEAR)
    with pytest.raises(NotFound):
        reports.shared(share.token)


# Group portraits ----------------------------------------------------------------------------


def test_college_portrait(world):
    group = group_portraits.find_group("college", world.x.id)
    assert (group.name, group.scope) == ("文学院", f"college:{world.x.id}")
    portrait = group_portraits.group_portrait(group, YEAR)
    # p, q and v (u is deactivated); p and q were active.
    assert (portrait.people, portrait.active) == (3, 2)
    assert (portrait.minutes, portrait.shifts, portrait.contributions) == (360, 3, 2)
    assert portrait.monthly_minutes[:4] == [0, 120, 240, 0]
    assert portrait.monthly_shifts[:4] == [0, 1, 2, 0]
    reading = portrait.reading
    assert (reading.loans, reading.visits, reading.minutes) == (3, 6, 150)
    figures = {key: figure for key, _label, figure in portrait.figures}
    assert (figures["hours"].total, figures["hours"].average) == (6, 2)
    assert (figures["shifts"].total, figures["shifts"].average) == (3, 1)
    assert figures["contributions"].average == 0.67
    assert figures["loans"].average == 1


def test_team_and_cohort_portraits(world):
    team = group_portraits.group_portrait(
        group_portraits.find_group("team", world.place.team.id), YEAR
    )
    # p and r (u is deactivated).
    assert (team.people, team.active, team.minutes, team.shifts) == (2, 2, 900, 3)
    assert team.contributions == 1

    cohort = group_portraits.group_portrait(group_portraits.find_group("cohort", 2023), YEAR)
    assert (cohort.people, cohort.active, cohort.minutes, cohort.shifts) == (3, 3, 960, 4)
    young = group_portraits.group_portrait(group_portraits.find_group("cohort", 2024), YEAR)
    # s served and read, v did nothing.
    assert (young.people, young.active, young.minutes, young.reading.loans) == (2, 1, 300, 4)


def test_segments_latest_and_weekly(world):
    portrait = group_portraits.group_portrait(
        group_portraits.find_group("college", world.x.id), YEAR
    )
    assert portrait.segment_day == date(2026, 1, 5)
    assert portrait.segments == {"core": 1, "active": 0, "new": 1, "at_risk": 0, "dormant": 1}
    assert [day for day, _counts in portrait.segment_trend] == [date(2025, 3, 5), date(2025, 3, 12)]
    assert portrait.segment_trend[0][1]["core"] == 2
    charts = group_portraits.group_charts(portrait)
    assert charts["segments"].series[0].values == [1, 0, 1, 0, 1]
    assert [s.values for s in charts["segment-trend"].series] == [
        [2, 0],  # core
        [0, 2],  # active
        [0, 0],  # new
        [0, 1],  # at risk
        [1, 0],  # dormant
    ]
    # A group without snapshots has empty segment charts.
    cohort = group_portraits.group_portrait(group_portraits.find_group("cohort", 2023), YEAR)
    assert cohort.segment_day is None and group_portraits.group_charts(cohort)["segments"].empty


@pytest.mark.parametrize(("kind", "key"), [("college", 999), ("team", 999), ("cohort", 1990)])
def test_unknown_groups(world, kind, key):
    with pytest.raises(NotFound):
        group_portraits.find_group(kind, key)


def test_bad_kind(world):
    with pytest.raises(NotFound):
        group_portraits.find_group("major", 1)


def test_visible_groups(world):
    boss = world.place.boss
    shown = group_portraits.visible_groups(boss)
    assert [(e.group.key, e.people) for e in shown["team"]] == [(world.place.team.id, 2)]
    assert {e.group.key: e.people for e in shown["college"]} == {world.x.id: 3, world.y.id: 2}
    assert {e.group.key: e.people for e in shown["cohort"]}[2023] == 3
    other = rewards_data.place(name="另一个队")
    assert [e.group.key for e in group_portraits.visible_groups(other.boss)["team"]] == [
        other.team.id
    ]
    assert group_portraits.can_view_group(
        boss, group_portraits.find_group("team", world.place.team.id)
    )
    assert not group_portraits.can_view_group(
        other.boss, group_portraits.find_group("team", world.place.team.id)
    )
    assert group_portraits.can_view_group(
        other.boss, group_portraits.find_group("college", world.x.id)
    )
    assert not group_portraits.can_view_group(
        world.p, group_portraits.find_group("college", world.x.id)
    )


def test_a_coordinator_is_refused_another_teams_portrait(world):
    team = world.place.team.id
    other = rewards_data.place(name="另一个队")
    assert group_portraits.viewable_group(world.place.boss, "team", team).key == team
    assert group_portraits.viewable_group(other.boss, "college", world.x.id).key == world.x.id
    with pytest.raises(Forbidden):
        group_portraits.viewable_group(other.boss, "team", team)
    with pytest.raises(NotFound):
        group_portraits.viewable_group(other.boss, "team", 999)


def test_every_portrait_from_stored_figures_equals_the_live_count(world):
    from app.engagement import aggregate_refresh

    aggregate_refresh.refresh(now=datetime(2025, 12, 30, 4))  # this year's portraits: 2025
    admin = factories.person(name="管理员", roles=["admin"])
    groups = [group for kind in group_portraits.visible_groups(admin).values() for group in kind]
    assert {"college", "team", "cohort"} == {entry.group.kind for entry in groups}
    for entry in groups:
        stored = group_portraits.group_portrait(entry.group, YEAR)
        live = group_portraits.group_portrait(entry.group, YEAR, live=True)
        assert stored.computed_at is not None and live.computed_at is None
        assert (stored.people, stored.active, stored.reading) == (
            live.people,
            live.active,
            live.reading,
        )
        assert (stored.monthly_minutes, stored.monthly_shifts, stored.contributions) == (
            live.monthly_minutes,
            live.monthly_shifts,
            live.contributions,
        )
        assert [(k, f.total, f.average) for k, _l, f in stored.figures] == [
            (k, f.total, f.average) for k, _l, f in live.figures
        ]

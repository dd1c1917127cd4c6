"""Engagement pages: the dashboard per role and scope, its CSV downloads against the
charts' numbers, the people-at-risk list and bulk messages, and my engagement."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.common.time import utcnow
from app.engagement.models import EngagementNudge
from app.extensions import db
from app.notifications.models import Notification
from tests import factories
from tests.engagement import engagement_data as data
from tests.recruitment import recruiting
from tests.rewards import rewards_data

# The pages count weeks back from the real clock, so this data is placed around it.
NOW = utcnow()
TODAY = (NOW + timedelta(hours=8)).date()  # Asia/Shanghai has no daylight saving
CHART_DATA = re.compile(
    r'<script type="application/json" id="chart-data-([a-z-]+)">(.*?)</script>', re.S
)


@pytest.fixture
def world(db, admin):
    """A team with a coordinator, one member at risk (weekly until 32 days ago), one core
    member (weekly until yesterday), and a coordinator of another team; scored today."""
    place = rewards_data.place()
    drifting = rewards_data.member(place, name="王五")
    data.shifts_on(place, drifting, [60, 53, 46, 39, 32], today=TODAY)
    regular = rewards_data.member(place, name="赵六")
    data.shifts_on(place, regular, [70, 63, 56, 49, 42, 35, 28, 21, 14, 7, 1], today=TODAY)
    other_boss = recruiting.coordinator(recruiting.team(name="别的队"), name="别的老师")
    db.session.commit()
    data.score(now=NOW)
    return {
        "place": place,
        "boss": place.boss,
        "drifting": drifting,
        "regular": regular,
        "other_boss": other_boss,
        "admin": admin,
    }


def charts_on(html: str) -> dict[str, dict]:
    return {chart_id: json.loads(body) for chart_id, body in CHART_DATA.findall(html)}


def csv_rows(response) -> list[list[str]]:
    text = response.data.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_a_coordinator_sees_their_team_and_not_others_or_everyone(client, login, world):
    team = world["place"].team
    login(world["boss"])
    page = client.get("/engagement/dashboard").get_data(as_text=True)
    assert 'data-testid="segment-at_risk">1<' in page
    assert 'data-testid="segment-core">1<' in page
    assert client.get("/engagement/dashboard?scope=all").status_code == 404
    other = world["other_boss"]
    client.post("/logout")
    login(other)
    assert client.get(f"/engagement/dashboard?scope=team:{team.id}").status_code == 404


def test_every_chart_csv_matches_the_chart_on_the_page(client, login, world):
    login(world["admin"])
    page = client.get("/engagement/dashboard?scope=all").get_data(as_text=True)
    charts = charts_on(page)
    assert {"weekly-activity", "segments", "segment-trend", "by-team"} <= set(charts)
    for chart_id, chart in charts.items():
        rows = csv_rows(client.get(f"/engagement/dashboard/{chart_id}.csv?scope=all"))
        assert len(rows) == len(chart["labels"]) + 1, chart_id
        for index, row in enumerate(rows[1:]):
            assert row[0] == chart["labels"][index]
            values = [series["values"][index] for series in chart["series"]]
            assert [float(cell) for cell in row[1:]] == [float(v) for v in values], chart_id
    segments = charts["segments"]["series"][0]["values"]
    assert sum(segments) == db.session.scalar(select(func.count()).select_from(data.User))


def test_weekly_activity_counts_people_and_hours(client, login, world):
    login(world["boss"])
    page = client.get("/engagement/dashboard").get_data(as_text=True)
    weekly = charts_on(page)["weekly-activity"]
    people, hours = (series["values"] for series in weekly["series"])
    # The regular member's shifts 7 and 14 days ago, and the one yesterday (this week).
    assert people[-1] == 1 and hours[-1] == 2.0
    # Every shift of both members lies in the last 12 weeks: 16 shifts of 2 hours; the
    # weeks 32 to 60 days ago had both of them.
    assert sum(hours) == 2.0 * 16
    assert max(people) == 2


def test_unknown_chart_is_404(client, login, world):
    login(world["admin"])
    assert client.get("/engagement/dashboard/nothing.csv").status_code == 404


def test_the_at_risk_list_shows_who_and_why(client, login, world):
    login(world["boss"])
    page = client.get("/engagement/at-risk").get_data(as_text=True)
    assert f'data-testid="at-risk-{world["drifting"].id}"' in page
    assert f'data-testid="at-risk-{world["regular"].id}"' not in page
    assert "32" in page  # days without a shift


def test_another_teams_coordinator_cannot_see_the_list(client, login, world):
    login(world["other_boss"])
    team = world["place"].team
    response = client.get(f"/engagement/at-risk?team={team.id}")
    assert response.status_code == 404
    assert "王五" not in response.get_data(as_text=True)


def test_sending_a_message_notifies_once_and_skips_within_a_week(client, login, world):
    drifting, regular = world["drifting"], world["regular"]
    team = world["place"].team
    login(world["boss"])
    url = f"/engagement/at-risk?team={team.id}"
    form = {"people": [drifting.id, regular.id], "message": "{name}，好久不见！"}
    response = client.post(url, data=form, follow_redirects=True)
    assert response.status_code == 200
    notes = db.session.scalars(select(Notification).where(Notification.user_id == drifting.id))
    assert [note.body for note in notes] == ["王五，好久不见！"]
    assert (
        db.session.scalar(
            select(func.count()).select_from(Notification).where(Notification.user_id == regular.id)
        )
        == 0
    )  # not at risk: skipped
    assert db.session.scalar(select(func.count()).select_from(EngagementNudge)) == 1
    audit = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "engagement.nudged"))
    assert audit.after["people"] == [drifting.id]

    client.post(url, data=form)
    assert db.session.scalar(select(func.count()).select_from(EngagementNudge)) == 1


def test_an_empty_message_is_refused_and_nothing_is_sent(client, login, world):
    login(world["boss"])
    team = world["place"].team
    response = client.post(
        f"/engagement/at-risk?team={team.id}",
        data={"people": [world["drifting"].id], "message": "  "},
    )
    assert response.status_code == 400
    assert "is-invalid" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(EngagementNudge)) == 0


def test_my_engagement_shows_my_score_trend_and_reason(client, login, world):
    drifting = world["drifting"]
    data.score(now=NOW - timedelta(days=7))
    login(drifting)
    page = client.get("/engagement/me").get_data(as_text=True)
    assert 'data-testid="segment"' in page
    trend = charts_on(page)["score-trend"]
    assert len(trend["labels"]) == 2
    rows = csv_rows(client.get("/engagement/me/score-trend.csv"))
    assert [int(row[1]) for row in rows[1:]] == trend["series"][0]["values"]


def test_my_engagement_without_scores_says_so(client, login, db):
    person = factories.person()
    db.session.commit()
    login(person)
    assert 'data-testid="no-score"' in client.get("/engagement/me").get_data(as_text=True)


def test_hours_by_college_and_team_agree_for_everyone_and_for_a_team(client, login, world):
    college = factories.college(code="03", name="历史文化学院")
    for person in (world["drifting"], world["regular"]):
        person.college_id = college.id
    db.session.commit()
    data.score(now=NOW)
    # 11 shifts of the regular member and 5 of the one drifting away, 2 hours each.
    expected = {"历史文化学院": [32.0, 0]}
    login(world["admin"])
    everyone = charts_on(client.get("/engagement/dashboard?scope=all").get_data(as_text=True))
    client.post("/logout")
    login(world["boss"])
    team = charts_on(client.get("/engagement/dashboard").get_data(as_text=True))
    for charts in (everyone, team):
        by_college = charts["by-college"]
        values = {
            label: [series["values"][index] for series in by_college["series"]]
            for index, label in enumerate(by_college["labels"])
        }
        assert values == expected
        by_team = charts["by-team"]
        index = by_team["labels"].index(world["place"].team.name)
        assert by_team["series"][0]["values"][index] == 32.0


# Stored figures ---------------------------------------------------------------------------


def _numbers(board) -> dict:
    return {chart.id: (chart.labels, [s.values for s in chart.series]) for chart in board.charts}


def test_the_dashboard_reads_stored_figures_equal_to_the_live_count(client, login, world):
    from app.engagement import dashboard, jobs

    admin = world["admin"]
    jobs.score_everyone(now=NOW)  # scores the day, then stores the figures
    db.session.commit()
    for scope in dashboard.scopes_for(admin):
        stored = dashboard.build(admin, scope, now=NOW)
        assert stored.computed_at == NOW, scope.key
        assert _numbers(stored) == _numbers(dashboard.build(admin, scope, now=NOW, live=True))

    # Another shift: the page shows the stored figures, and when they were computed,
    # until the next refresh.
    data.shifts_on(world["place"], world["drifting"], [0], today=TODAY)
    db.session.commit()
    login(admin)
    page = client.get("/engagement/dashboard?scope=all").get_data(as_text=True)
    assert 'data-testid="figures-computed"' in page
    assert sum(charts_on(page)["weekly-activity"]["series"][1]["values"]) == 2.0 * 16


def test_an_admin_refreshes_the_figures_now_and_a_coordinator_cannot(client, login, world):
    login(world["boss"])
    page = client.get("/engagement/dashboard").get_data(as_text=True)
    assert 'data-testid="figures-live"' in page and "refresh-figures" not in page
    assert client.post("/engagement/dashboard/refresh").status_code == 403
    client.post("/logout")

    login(world["admin"])
    page = client.get("/engagement/dashboard?scope=all").get_data(as_text=True)
    assert 'data-testid="refresh-figures"' in page
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    back = "/engagement/dashboard?scope=all"
    answer = client.post(
        f"/engagement/dashboard/refresh?back={back}",
        data={"csrf_token": token.group(1) if token else ""},
    )

    assert answer.status_code == 302 and answer.headers["Location"].endswith(back)
    assert 'data-testid="figures-computed"' in client.get(back).get_data(as_text=True)
    actions = db.session.scalars(select(AuditEntry.action)).all()
    assert "engagement.aggregates_refreshed" in actions

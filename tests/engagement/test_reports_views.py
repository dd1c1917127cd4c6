"""The annual report, its public link and group portraits through the browser: who may see
what, the figures on the page, and every chart's CSV against the page's chart data."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest

from app.engagement.models import ReportShare
from app.extensions import db
from tests.engagement.test_reports import YEAR, World, build
from tests.helpers import text_download
from tests.rewards import rewards_data


@pytest.fixture
def world(db) -> World:
    return build()


@pytest.fixture
def outsider(db):
    """A coordinator of another team."""
    other = rewards_data.place(name="另一个队")
    db.session.commit()
    return other.boss


def text_of(html: str, name: str) -> str:
    match = re.search(rf'data-testid="{re.escape(name)}"[^>]*>([^<]*)<', html)
    assert match, f"no element {name}"
    return match.group(1).strip()


def chart_data(html: str) -> dict[str, dict]:
    return {
        chart_id: json.loads(body)
        for chart_id, body in re.findall(
            r'<script type="application/json" id="chart-data-([^"]+)">(.*?)</script>', html, re.S
        )
    }


def assert_csv_matches(client, csv_url: str, data: dict) -> None:
    response = client.get(csv_url)
    text = text_download(response, "text/csv; charset=utf-8").lstrip("\ufeff")
    assert "attachment; filename=" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][1:] == [series["label"] for series in data["series"]]
    assert [row[0] for row in rows[1:]] == data["labels"]
    for i, row in enumerate(rows[1:]):
        assert [float(cell) for cell in row[1:]] == [s["values"][i] for s in data["series"]]


# My annual report ---------------------------------------------------------------------------


def test_report_redirects_to_this_year(client, login, world):
    login(world.p)
    response = client.get("/me/report")
    assert response.status_code == 302
    assert re.search(r"/me/report/\d{4}$", response.headers["Location"])
    assert client.get(response.headers["Location"]).status_code == 200


def test_my_report_page(client, login, world):
    login(world.p)
    response = client.get(f"/me/report/{YEAR}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert text_of(html, "headline-hours") == "5"
    assert text_of(html, "shifts") == "2"
    assert text_of(html, "points") == "22"
    assert text_of(html, "badge-count") == "1"
    assert text_of(html, "contribution-count") == "1"
    assert text_of(html, "loans") == "3"
    assert text_of(html, "visits") == "6"
    assert text_of(html, "library-hours") == "2.5"
    assert text_of(html, "e-sessions") == "1"
    assert 'data-testid="percentile" data-value="50"' in html
    assert "年度好书" in html and "旧文" not in html
    assert world.p.student_number in html
    # Nobody else's data.
    assert "别人的文章" not in html and world.q.name not in html and world.r.name not in html


def test_report_csvs_match_the_charts(client, login, world):
    login(world.p)
    html = client.get(f"/me/report/{YEAR}").get_data(as_text=True)
    charts = chart_data(html)
    assert set(charts) == {"hours-by-month", "reading-by-month", "score-trend"}
    assert charts["hours-by-month"]["series"][0]["values"][:3] == [0, 2, 3]
    for chart_id, data in charts.items():
        assert f'href="/me/report/{YEAR}/{chart_id}.csv"' in html
        assert_csv_matches(client, f"/me/report/{YEAR}/{chart_id}.csv", data)
    assert client.get(f"/me/report/{YEAR}/nope.csv").status_code == 404


def test_a_year_without_data_renders(client, login, world):
    login(world.v)
    response = client.get(f"/me/report/{YEAR}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert text_of(html, "headline-hours") == "0"
    assert 'data-testid="percentile"' not in html
    assert 'data-testid="no-reading"' in html
    assert 'data-testid="chart-empty-hours-by-month"' in html


@pytest.mark.parametrize("year", [1999, 9999])
def test_years_out_of_range_are_404(client, login, world, year):
    login(world.p)
    assert client.get(f"/me/report/{year}").status_code == 404
    assert client.get(f"/me/report/{year}/hours-by-month.csv").status_code == 404
    assert client.post(f"/me/report/{year}/share").status_code == 404


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/me/report"),
        ("get", f"/me/report/{YEAR}"),
        ("get", f"/me/report/{YEAR}/hours-by-month.csv"),
        ("post", f"/me/report/{YEAR}/share"),
        ("post", f"/me/report/{YEAR}/unshare"),
    ],
)
def test_personal_pages_need_login(client, world, method, url):
    response = getattr(client, method)(url)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
    assert db.session.scalar(db.select(db.func.count()).select_from(ReportShare)) == 0


# Sharing ------------------------------------------------------------------------------------


def _token(user_id: int) -> str:
    db.session.expire_all()
    return db.session.scalar(
        db.select(ReportShare.token).where(
            ReportShare.user_id == user_id, ReportShare.revoked_at.is_(None)
        )
    )


def test_share_link_lifecycle(client, login, world):
    p = world.p
    login(p)
    page = client.get(f"/me/report/{YEAR}").get_data(as_text=True)
    assert 'data-testid="make-share"' in page and 'data-testid="share-link"' not in page

    assert client.post(f"/me/report/{YEAR}/share").status_code == 302
    token = _token(p.id)
    page = client.get(f"/me/report/{YEAR}").get_data(as_text=True)
    assert f"/report/{token}" in page and 'data-testid="unshare"' in page

    client.post("/logout")
    public = client.get(f"/report/{token}")
    assert public.status_code == 200
    html = public.get_data(as_text=True)
    assert "张*丰" in html and "张三丰" not in html
    assert p.student_number not in html and 'data-testid="student-number"' not in html
    assert 'data-testid="share"' not in html
    assert text_of(html, "headline-hours") == "5"
    for chart_id, data in chart_data(html).items():
        assert_csv_matches(client, f"/report/{token}/{chart_id}.csv", data)
    assert client.get(f"/report/{token}/nope.csv").status_code == 404

    login(p)
    assert client.post(f"/me/report/{YEAR}/unshare").status_code == 302
    client.post("/logout")
    assert client.get(f"/report/{token}").status_code == 404
    assert client.get(f"/report/{token}/hours-by-month.csv").status_code == 404

    login(p)
    client.post(f"/me/report/{YEAR}/share")
    fresh = _token(p.id)
    assert fresh and fresh != token
    assert client.get(f"/report/{fresh}").status_code == 200
    assert client.get(f"/report/{token}").status_code == 404


def test_unknown_token_is_404(client, world):
    assert client.get("/report/not-a-token").status_code == 404


def test_sharing_is_per_person(client, login, world):
    login(world.q)
    client.post(f"/me/report/{YEAR}/share")
    token = _token(world.q.id)
    assert _token(world.p.id) is None
    html = client.get(f"/report/{token}").get_data(as_text=True)
    assert "别人的文章" in html and "年度好书" not in html


# Group portraits ----------------------------------------------------------------------------


def _group_urls(w: World) -> list[str]:
    return [
        "/engagement/groups/",
        f"/engagement/groups/college/{w.x.id}?year={YEAR}",
        f"/engagement/groups/cohort/2023?year={YEAR}",
        f"/engagement/groups/team/{w.place.team.id}?year={YEAR}",
        f"/engagement/groups/college/{w.x.id}/hours-by-month.csv?year={YEAR}",
        f"/engagement/groups/team/{w.place.team.id}/segments.csv?year={YEAR}",
    ]


def test_groups_need_login(client, world):
    for url in _group_urls(world):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_volunteers_may_not_see_groups(client, login, world):
    login(world.p)
    for url in _group_urls(world):
        assert client.get(url).status_code == 403


def test_admin_sees_every_group(client, login, world, admin):
    login(admin)
    for url in _group_urls(world):
        assert client.get(url).status_code == 200, url


def test_team_coordinator_sees_their_team(client, login, world):
    login(world.place.boss)
    for url in _group_urls(world):
        assert client.get(url).status_code == 200, url


def test_coordinator_of_another_team(client, login, world, outsider):
    login(outsider)
    team = world.place.team.id
    assert client.get(f"/engagement/groups/team/{team}").status_code == 403
    assert client.get(f"/engagement/groups/team/{team}/hours-by-month.csv").status_code == 403
    assert client.get(f"/engagement/groups/college/{world.x.id}").status_code == 200
    assert client.get("/engagement/groups/cohort/2023").status_code == 200
    index = client.get("/engagement/groups/").get_data(as_text=True)
    assert f'data-testid="group-team-{team}"' not in index
    assert f'data-testid="group-college-{world.x.id}"' in index


@pytest.mark.parametrize(
    "path",
    [
        "/engagement/groups/major/1",
        "/engagement/groups/college/999",
        "/engagement/groups/team/999",
        "/engagement/groups/cohort/1990",
        "/engagement/groups/college/{x}?year=1999",
        "/engagement/groups/college/{x}?year=9999",
        "/engagement/groups/college/{x}?year=abc",
        "/engagement/groups/college/{x}/nope.csv",
    ],
)
def test_group_not_found(client, login, world, admin, path):
    login(admin)
    assert client.get(path.format(x=world.x.id)).status_code == 404


def test_college_portrait_page(client, login, world, admin):
    login(admin)
    response = client.get(f"/engagement/groups/college/{world.x.id}?year={YEAR}")
    html = response.get_data(as_text=True)
    assert text_of(html, "people") == "3"
    assert text_of(html, "active") == "2"
    assert text_of(html, "hours") == "6"
    assert text_of(html, "contributions") == "2"
    assert float(text_of(html, "total-shifts")) == 3
    assert float(text_of(html, "average-hours")) == 2
    assert float(text_of(html, "average-contributions")) == 0.67
    assert text_of(html, "segment-day") != ""
    # Aggregates only: no one's name or student number.
    for person in (world.p, world.q, world.v):
        assert person.name not in html and person.student_number not in html

    charts = chart_data(html)
    assert set(charts) == {"hours-by-month", "segments", "segment-trend"}
    assert charts["hours-by-month"]["series"][0]["values"][:3] == [0, 2, 4]
    assert charts["segments"]["series"][0]["values"] == [1, 0, 1, 0, 1]
    assert charts["segment-trend"]["labels"] == ["2025-03-05", "2025-03-12"]
    base = f"/engagement/groups/college/{world.x.id}"
    for chart_id, data in charts.items():
        assert_csv_matches(client, f"{base}/{chart_id}.csv?year={YEAR}", data)


def test_team_portrait_page(client, login, world):
    login(world.place.boss)
    url = f"/engagement/groups/team/{world.place.team.id}?year={YEAR}"
    html = client.get(url).get_data(as_text=True)
    assert text_of(html, "people") == "2"
    assert text_of(html, "active") == "2"
    assert text_of(html, "hours") == "15"
    assert 'data-testid="chart-empty-segments"' in html


def test_group_index_counts(client, login, world, admin):
    login(admin)
    html = client.get("/engagement/groups/").get_data(as_text=True)
    for kind, key, people in (
        ("college", world.x.id, 3),
        ("college", world.y.id, 2),
        ("team", world.place.team.id, 2),
        ("cohort", 2023, 3),
        ("cohort", 2024, 2),
    ):
        assert re.search(rf'data-testid="people-{kind}-{key}">\D*{people}\D', html), (kind, key)

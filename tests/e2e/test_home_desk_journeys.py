"""Home at phone size for a coordinator (today's shift with who is in and who is missing, and
what waits, each count leading to its page) and for a reader (a contribution's status and
an open campaign)."""

from __future__ import annotations

from datetime import time, timedelta
from pathlib import Path

from playwright.sync_api import Page, expect

from app.accounts import services as accounts
from app.common.time import local_today, utc_of_local, utcnow
from app.extensions import db
from tests.checkin import attendance_data
from tests.checkin import checkin_data as data
from tests.columns import columns_data
from tests.e2e.pages import log_in
from tests.recruitment import recruiting

SHOTS = Path(__file__).resolve().parents[2] / "instance" / "screenshots"


def todays_shift(live_server, coordinator, *, came: str, left: str, missing: str) -> int:
    """A shift of the coordinator's team that started a little while ago today: `came` is
    in, `left` came and left, `missing` has not come; and an application to review."""
    with live_server.app.app_context():
        boss = accounts.get_person(coordinator.id)
        team = data.team(name="首页测试志愿者队", coordinators=[boss])
        task = data.task(team, title="总服务台值班", location="江安图书馆一楼")
        now = utcnow()
        start = max(now - timedelta(minutes=20), utc_of_local(local_today(now), time.min))
        shift = data.shift(task, starts_in=start - now, hours=3, capacity=3)
        people = [data.member(team, name=name) for name in (came, left, missing)]
        for person in people:
            data.signed_up(shift, person)
        attendance_data.record(shift, people[0], checked_in_at=start)
        attendance_data.record(shift, people[1], checked_in_at=start, checked_out_at=now)
        campaign = recruiting.campaign(team, actor=boss, title="冬季志愿者招募")
        recruiting.apply(campaign, recruiting.applicant("报名的同学"))
        db.session.commit()
        shift_id = shift.id
        db.session.remove()
    return shift_id


def test_a_coordinators_home_shows_todays_shift_and_what_waits(
    page: Page, live_server, make_person
):
    coordinator = make_person(name="周老师", roles=["coordinator"])
    shift_id = todays_shift(live_server, coordinator, came="林晓", left="陈默", missing="苏青")

    log_in(page, coordinator)
    page.goto("/")
    card = page.get_by_test_id(f"desk-shift-{shift_id}")
    expect(card.get_by_test_id("desk-in")).to_contain_text("林晓")
    expect(card.get_by_test_id("desk-in")).to_contain_text("陈默")
    expect(card.get_by_test_id("desk-missing")).to_contain_text("苏青")
    expect(card.get_by_test_id("desk-counts")).to_contain_text("2")
    expect(page.get_by_test_id("waiting-verifications")).to_contain_text("1")
    expect(page.get_by_test_id("waiting-applications")).to_contain_text("1")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "home-coordinator.png"), full_page=True)

    page.get_by_test_id("waiting-verifications").click()
    expect(page).to_have_url(f"{live_server.url}/attendance/shifts/{shift_id}")
    page.go_back()
    page.get_by_test_id("waiting-applications").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("冬季志愿者招募")
    page.go_back()
    card.get_by_test_id("desk-sheet").click()
    expect(page).to_have_url(f"{live_server.url}/attendance/shifts/{shift_id}")


def test_a_readers_home_shows_their_contribution_and_an_open_campaign(
    page: Page, live_server, make_person
):
    reader = make_person(name="书虫小王")
    with live_server.app.app_context():
        columns = columns_data.seeded()
        columns_data.submitted(accounts.get_person(reader.id), columns["picks"], title="我的荐书")
        team = data.team(name="读者开放招募队")
        recruiting.campaign(team, title="阅读推广大使招募")
        db.session.commit()
        db.session.remove()

    log_in(page, reader)
    page.goto("/")
    contributions = page.get_by_test_id("home-contributions")
    expect(contributions).to_contain_text("我的荐书")
    expect(contributions).to_contain_text("待审核")
    expect(page.get_by_test_id("home-recruitment")).to_contain_text("阅读推广大使招募")
    expect(page.get_by_test_id("desk")).to_have_count(0)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "home-reader.png"), full_page=True)

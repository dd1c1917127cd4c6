"""A coordinator reads the engagement dashboard (charts drawn, CSV downloaded), messages
the team member who drifted away, and that member reads it on their phone."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

from playwright.sync_api import Page, expect

from app.common.time import utcnow
from app.engagement import services as engagement
from app.extensions import db
from tests.e2e.pages import log_in
from tests.engagement import engagement_data as data
from tests.factories import PASSWORD
from tests.rewards import rewards_data


def test_coordinator_dashboard_charts_and_a_message_to_someone_at_risk(new_page, live_server):
    with live_server.app.app_context():
        place = rewards_data.place(name="参考咨询队")
        drifting = rewards_data.member(place, name="周远行")
        today = (utcnow() + timedelta(hours=8)).date()
        data.shifts_on(place, drifting, [60, 53, 46, 39, 32], today=today)
        regular = rewards_data.member(place, name="吴常在")
        data.shifts_on(place, regular, [28, 21, 14, 7, 1], today=today)
        engagement.score_day()
        db.session.commit()
        boss = SimpleNamespace(student_number=place.boss.student_number, password=PASSWORD)
        member = SimpleNamespace(student_number=drifting.student_number, password=PASSWORD)
        team_id = place.team.id
        db.session.remove()

    page: Page = new_page()
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, boss)
    page.goto(f"/engagement/dashboard?scope=team:{team_id}")
    expect(page.get_by_test_id("segment-at_risk")).to_have_text("1")
    canvas = page.locator("#chart-weekly-activity canvas")
    expect(canvas).to_have_attribute("data-drawn", "2")
    with page.expect_download() as download:
        page.get_by_test_id("csv-weekly-activity").click()
    assert download.value.suggested_filename == "weekly-activity.csv"

    page.get_by_test_id("at-risk-link").click()
    expect(page.get_by_test_id("at-risk-table")).to_contain_text("周远行")
    page.locator("#message").fill("{name}，阅览室想你了，本周有新的班次！")
    page.get_by_test_id("send-nudges").click()
    expect(page.locator(".alert-success")).to_be_visible()

    phone: Page = new_page()
    log_in(phone, member)
    phone.goto("/notifications/")
    expect(phone.locator("main")).to_contain_text("周远行，阅览室想你了，本周有新的班次！")
    phone.goto("/engagement/me")
    expect(phone.get_by_test_id("segment")).to_be_visible()
    expect(phone.locator("#chart-score-trend canvas")).to_have_attribute("data-drawn", "1")


def test_an_admin_refreshes_the_dashboards_figures_on_a_phone(new_page, live_server, make_person):
    with live_server.app.app_context():
        place = rewards_data.place(name="古籍修复队")
        regular = rewards_data.member(place, name="郑常来")
        today = (utcnow() + timedelta(hours=8)).date()
        data.shifts_on(place, regular, [14, 7, 1], today=today)
        engagement.score_day()
        db.session.commit()
        db.session.remove()
    admin = make_person(name="陈管理", roles=["admin"])

    page: Page = new_page()
    log_in(page, admin)
    page.goto("/engagement/dashboard?scope=all")
    expect(page.get_by_test_id("figures-live")).to_be_visible()
    page.get_by_test_id("refresh-figures").click()

    expect(page.locator(".alert-success")).to_be_visible()
    expect(page.get_by_test_id("figures-computed")).to_be_visible()
    expect(page.locator("#chart-weekly-activity canvas")).to_have_attribute("data-drawn", "2")

"""On a phone, a volunteer opens the shift list before sign-up opens: the shift shows a
countdown and a disabled button, which enables itself at the opening moment (the server's
clock, no reload), and one tap then signs them up."""

from __future__ import annotations

import os
from datetime import timedelta

from playwright.sync_api import Page, expect

from app.common.time import utcnow
from app.extensions import db
from app.recruitment import membership
from tests.e2e.pages import log_in
from tests.shifts import signup_data as data

OPENS_IN = timedelta(seconds=20)  # room for a slow page load on a busy CI machine


def shift_opening_soon(live_server, volunteer) -> int:
    with live_server.app.app_context():
        team = data.team(name=f"抢班队 {volunteer.id}")
        membership.join_team(team.id, volunteer.id).onboarded = True
        shift = data.shift(data.task(team, title="周日闭馆整理"), capacity=3)
        shift.signup_opens_at = utcnow() + OPENS_IN
        db.session.commit()
        shift_id = shift.id
        db.session.remove()
    return shift_id


def test_the_sign_up_button_enables_itself_at_the_opening_moment(
    page: Page, live_server, make_person
):
    volunteer = make_person(name="赵抢", roles=["volunteer"])
    log_in(page, volunteer)
    shift_id = shift_opening_soon(live_server, volunteer)
    page.goto("/shifts/")
    row = page.get_by_test_id(f"shift-{shift_id}")
    button = row.get_by_test_id("sign-up")
    expect(button).to_be_disabled()
    expect(row.get_by_test_id("countdown")).to_contain_text("0:00:")
    if os.environ.get("RUSH_SCREENSHOT"):
        page.screenshot(path=os.environ["RUSH_SCREENSHOT"], full_page=True)
    expect(button).to_be_enabled(timeout=30_000)
    expect(row.get_by_test_id("opens-at")).to_be_hidden()
    button.tap()
    expect(page.get_by_test_id(f"shift-{shift_id}").get_by_test_id("my-status")).to_contain_text(
        "已确认"
    )


def test_a_request_in_the_draw_window_is_an_entry_that_can_be_left(
    page: Page, live_server, make_person
):
    volunteer = make_person(name="孙抽", roles=["volunteer"])
    with live_server.app.app_context():
        team = data.team(name=f"抽签队 {volunteer.id}")
        membership.join_team(team.id, volunteer.id).onboarded = True
        shift = data.shift(data.task(team, title="读书节引导", draw_minutes=30), capacity=1)
        shift.signup_opens_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
        shift_id = shift.id
        db.session.remove()
    log_in(page, volunteer)
    page.goto("/shifts/")
    row = page.get_by_test_id(f"shift-{shift_id}")
    expect(row.get_by_test_id("draw-note")).to_be_visible()
    row.get_by_test_id("sign-up").tap()
    row = page.get_by_test_id(f"shift-{shift_id}")
    expect(row.get_by_test_id("draw-entry")).to_be_visible()
    if os.environ.get("RUSH_SCREENSHOT"):
        page.screenshot(path=os.environ["RUSH_SCREENSHOT"] + ".draw.png", full_page=True)
    row.get_by_test_id("leave-draw").tap()
    expect(page.get_by_test_id(f"shift-{shift_id}").get_by_test_id("sign-up")).to_be_enabled()

"""On a phone: a series sign-up enters the draw of a shift whose draw is under way, and My
shifts lists a running shift under In progress (进行中)."""

from __future__ import annotations

import os
from datetime import timedelta

from playwright.sync_api import Page, expect

from app.accounts.models import User
from app.common.time import utcnow
from app.extensions import db
from app.recruitment import membership
from app.shifts import signups
from tests.e2e.pages import log_in
from tests.shifts import series_data
from tests.shifts import signup_data as data

SCREENSHOTS = os.environ.get("SCREENSHOTS_DIR")


def _world(live_server, volunteer) -> tuple[int, int, int]:
    with live_server.app.app_context():
        team = data.team()
        person = db.session.get(User, volunteer.id)
        membership.join_team(team.id, person.id).onboarded = True
        series, shifts = series_data.series(data.task(team, title="周末导览", draw_minutes=10))
        shifts[0].signup_opens_at = utcnow() - timedelta(minutes=1)  # its draw is under way
        running = data.shift(data.task(team, title="总馆服务台"), starts_in=timedelta(hours=-1))
        held = signups.enter(running, person, now=utcnow() - timedelta(days=1))
        db.session.commit()
        ids = series.id, shifts[0].id, held.id
        db.session.remove()
    return ids


def test_a_series_sign_up_enters_the_draw_and_a_running_shift_is_in_progress(
    page: Page, live_server, make_person
):
    volunteer = make_person()
    series_id, drawn_id, running_id = _world(live_server, volunteer)
    log_in(page, volunteer)
    page.goto("/shifts/")
    page.get_by_test_id(f"series-signup-{series_id}").first.click()
    expect(page.get_by_test_id(f"series-outcome-{drawn_id}")).to_have_attribute(
        "data-outcome", "entered"
    )
    if SCREENSHOTS:
        page.screenshot(path=f"{SCREENSHOTS}/series-draw.png", full_page=True)
    page.goto("/shifts/mine")
    expect(page.get_by_test_id("group-running")).to_be_visible()
    expect(page.get_by_test_id(f"running-{running_id}")).to_be_visible()
    expect(page.get_by_test_id(f"upcoming-{running_id}")).to_have_count(0)
    if SCREENSHOTS:
        page.screenshot(path=f"{SCREENSHOTS}/mine-running.png", full_page=True)

"""On a phone, a team's coordinator caps coming places per person for the whole team on the
team's edit page; a volunteer then gets places on two of its tasks and a third is refused."""

from __future__ import annotations

import os
from datetime import timedelta

from playwright.sync_api import Page, expect

from app.accounts import services as accounts
from app.extensions import db
from app.recruitment import membership
from app.recruitment.teams import services as team_services
from tests.e2e.pages import log_in, log_out
from tests.recruitment import recruiting
from tests.shifts import signup_data as data


def test_a_coordinator_caps_the_team_and_a_third_sign_up_is_refused(
    page: Page, live_server, make_person
):
    boss = make_person(name="钱老师", roles=["coordinator"])
    volunteer = make_person(name="周多", roles=["volunteer"])
    with live_server.app.app_context():
        team = data.team(name=f"上限队 {volunteer.id}")
        team_services.grant_coordinator(
            team, accounts.get_person(boss.id), actor=recruiting.admin()
        )
        membership.join_team(team.id, volunteer.id).onboarded = True
        shifts = [
            data.shift(data.task(team, title=title), starts_in=timedelta(days=days))
            for title, days in (("总服务台值班", 2), ("书架整理", 3), ("读书会引导", 4))
        ]
        db.session.commit()
        team_id, shift_ids = team.id, [shift.id for shift in shifts]
        db.session.remove()

    log_in(page, boss)
    page.goto(f"/teams/{team_id}/edit")
    limits = page.get_by_test_id("team-limits")
    limits.locator("input[name=max_future]").fill("2")
    if os.environ.get("TEAMLIMITS_SCREENSHOT"):
        page.screenshot(path=os.environ["TEAMLIMITS_SCREENSHOT"], full_page=True)
    page.locator("form input[type=submit]").tap()
    expect(page).to_have_url(f"{page.url.split('/teams/')[0]}/teams/{team_id}")
    log_out(page)

    log_in(page, volunteer)
    page.goto("/shifts/")
    for shift_id in shift_ids[:2]:
        page.get_by_test_id(f"shift-{shift_id}").get_by_test_id("sign-up").tap()
        expect(page.get_by_test_id(f"shift-{shift_id}").get_by_test_id("my-status")).to_be_visible()
    page.get_by_test_id(f"shift-{shift_ids[2]}").get_by_test_id("sign-up").tap()
    expect(page.locator(".alert-danger, .alert-warning")).to_be_visible()
    expect(page.get_by_test_id(f"shift-{shift_ids[2]}").get_by_test_id("my-status")).to_have_count(
        0
    )

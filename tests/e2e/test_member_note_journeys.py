"""A coordinator commends a volunteer on their team profile; the volunteer sees it on a
phone, and never the coordinator's private note."""

from __future__ import annotations

import os

from playwright.sync_api import Page, expect

from app.accounts import services as accounts
from app.extensions import db
from app.recruitment import membership as members
from app.recruitment.teams import services as team_services
from tests import factories
from tests.e2e.a11y.test_accessibility import violations_on
from tests.e2e.pages import log_in, log_out


def team_with_member(live_server, coordinator, volunteer) -> int:
    with live_server.app.app_context():
        admin = factories.person(roles=["admin"])
        team = team_services.create_team(
            name=f"阅览室志愿者队 {coordinator.id}", kind="volunteer_team", actor=admin
        )
        team_services.grant_coordinator(team, accounts.get_person(coordinator.id), actor=admin)
        members.join_team(team.id, volunteer.id)
        db.session.commit()
        team_id = team.id
        db.session.remove()
    return team_id


def shoot(page: Page, name: str) -> None:
    """A screenshot to look at, when SCREENSHOTS names a folder."""
    folder = os.environ.get("SCREENSHOTS")
    if folder:
        page.screenshot(path=f"{folder}/{name}.png", full_page=True)


def test_a_coordinator_commends_a_volunteer_who_sees_it(page: Page, live_server, make_person):
    coordinator = make_person(name="陈老师", roles=["coordinator"])
    volunteer = make_person(name="赵小雨")
    team_id = team_with_member(live_server, coordinator, volunteer)

    log_in(page, coordinator)
    page.goto(f"/teams/{team_id}/members/{volunteer.id}")
    notes = page.get_by_test_id("member-notes")
    notes.locator("textarea[name=body]").fill("常常迟到十分钟")
    notes.get_by_role("button").click()
    expect(page.get_by_test_id("member-note-note")).to_contain_text("常常迟到十分钟")

    notes.locator("input[value=commendation]").check()
    notes.locator("textarea[name=body]").fill("帮读者找到了绝版书，谢谢你！")
    notes.locator("input[name=award_points]").check()
    notes.get_by_role("button").click()
    expect(page.get_by_test_id("member-note-commendation")).to_contain_text("帮读者找到了绝版书")
    shoot(page, "member-notes-coordinator")
    assert violations_on(page, page.url) == []

    # The author corrects the private note.
    page.get_by_test_id("member-note-note").get_by_role("link").click()
    assert violations_on(page, page.url) == []
    page.locator("textarea[name=body]").fill("上周起不再迟到")
    page.locator("main form [type=submit]").click()
    expect(page.get_by_test_id("member-note-note")).to_contain_text("上周起不再迟到")
    log_out(page)

    log_in(page, volunteer)
    page.goto("/teams/profile")
    commendations = page.get_by_test_id("my-commendations")
    expect(commendations).to_contain_text("帮读者找到了绝版书，谢谢你！")
    expect(commendations).to_contain_text("陈老师")
    expect(page.locator("body")).not_to_contain_text("迟到")
    shoot(page, "member-notes-volunteer")

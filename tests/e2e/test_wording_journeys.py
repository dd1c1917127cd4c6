"""Small things a student noticed on a phone (390×844)."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from app.extensions import db
from app.recruitment import membership as members
from tests.e2e.pages import log_in
from tests.e2e.test_member_note_journeys import team_with_member
from tests.e2e.test_recruitment_journeys import open_campaign
from tests.shifts import signup_data


def test_a_campaigns_description_comes_before_its_application_form(
    page: Page, live_server, make_person, console_errors
):
    campaign_id, _coordinator = open_campaign(live_server, make_person)
    log_in(page, make_person(name="孙小雨"))

    page.goto(f"/recruitment/campaigns/{campaign_id}")

    description = page.get_by_test_id("campaign-description")
    form = page.get_by_test_id("apply-form")
    expect(description).to_contain_text("欢迎加入")
    expect(form).to_be_visible()
    assert description.bounding_box()["y"] < form.bounding_box()["y"]
    assert not console_errors


def test_someone_in_no_team_is_told_why_there_are_no_shifts_and_where_to_apply(
    page: Page, make_person, console_errors
):
    log_in(page, make_person(name="钱新生", roles=["volunteer"]))

    page.goto("/shifts/")

    empty = page.get_by_test_id("no-shifts")
    expect(empty).to_have_attribute("data-reason", "not_member")
    page.get_by_test_id("no-shifts-fix").tap()
    expect(page).to_have_url(re.compile(r"/recruitment/$"))
    assert not console_errors


def test_a_member_lacking_a_skill_is_sent_to_their_profile(
    page: Page, live_server, make_person, console_errors
):
    person = make_person(name="周摄影", roles=["volunteer"])
    with live_server.app.app_context():
        team = signup_data.team(name=f"摄影志愿队 {person.id}")
        members.join_team(team.id, person.id)
        signup_data.shift(signup_data.task(team, title="活动摄影", required_skills=["摄影"]))
        db.session.commit()
        db.session.remove()
    log_in(page, person)

    page.goto("/shifts/")

    expect(page.get_by_test_id("no-shifts")).to_have_attribute("data-reason", "skills")
    expect(page.locator(".list-group-item", has_text="活动摄影")).to_be_visible()  # still listed
    page.get_by_test_id("no-shifts-fix").tap()
    expect(page).to_have_url(re.compile(r"/teams/profile$"))
    assert not console_errors


def test_a_new_volunteer_on_a_phone_reads_what_fills_their_empty_lists(
    page: Page, make_person, console_errors
):
    # Lists of one person: the shared live server's other data does not fill them.
    log_in(page, make_person(name="吴新人", roles=["volunteer"]))

    for url, testid in [
        ("/announcements/", "empty-announcements"),
        ("/hours", "empty-certificates"),
        ("/hours", "certificate-needs-hours"),
    ]:
        page.goto(url)
        expect(page.get_by_test_id(testid)).to_be_visible()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{url} scrolls sideways ({width}px)"
    assert not console_errors


def test_a_coordinators_team_roster_does_not_scroll_the_phone_page_sideways(
    page: Page, live_server, make_person, console_errors
):
    coordinator = make_person(name="陈老师", roles=["coordinator"])
    volunteer = make_person(name="欧阳小雨")
    team_id = team_with_member(live_server, coordinator, volunteer)
    with live_server.app.app_context():  # the onboarding badge widens the roster's rows
        membership = members.find_membership(team_id, volunteer.id)
        membership.team.requires_onboarding = membership.onboarded = True
        db.session.commit()
        db.session.remove()
    log_in(page, coordinator)

    page.goto(f"/teams/{team_id}")

    expect(page.get_by_test_id("roster")).to_contain_text("欧阳小雨")
    # The wide roster scrolls inside its own box, never the whole page.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert not console_errors

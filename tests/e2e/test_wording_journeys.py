"""Small things a student noticed on a phone (390×844)."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.e2e.pages import log_in
from tests.e2e.test_recruitment_journeys import open_campaign


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

"""A student applies to a campaign on a phone; a coordinator accepts; the student sees it."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import Page, expect

from app.accounts import services as accounts
from app.common.time import utcnow
from app.extensions import db
from app.recruitment import campaigns
from app.recruitment.campaigns import CampaignFields, QuestionFields
from app.recruitment.teams import services as team_services
from tests import factories
from tests.e2e.pages import fill_login, log_in


def open_campaign(live_server, make_person) -> tuple[int, object]:
    """A team with a coordinator, and a published review-mode campaign; returns the
    campaign id and the coordinator's login."""
    coordinator = make_person(name="陈老师", roles=["coordinator"])
    with live_server.app.app_context():
        admin = factories.person(roles=["admin"])
        team = team_services.create_team(
            name=f"图书馆志愿者队 {coordinator.id}",
            kind="volunteer_team",
            description="",
            requires_onboarding=False,
            actor=admin,
        )
        team_services.grant_coordinator(team, accounts.get_person(coordinator.id), actor=admin)
        now = utcnow()
        campaign = campaigns.create_campaign(
            CampaignFields(
                team_id=team.id,
                title="2026 春季志愿者招募",
                quota=2,
                opens_at=now - timedelta(hours=1),
                closes_at=now + timedelta(days=7),
                description="欢迎加入**图书馆志愿者队**。",
                consent_text="我同意图书馆保存我的报名信息。",
                published=True,
            ),
            [
                QuestionFields(kind="short_text", label="你为什么想加入？"),
                QuestionFields(kind="single_choice", label="校区", options=["江安", "望江"]),
            ],
            actor=admin,
        )
        db.session.commit()
        campaign_id = campaign.id
        db.session.remove()
    return campaign_id, coordinator


def test_student_applies_on_a_phone_and_a_coordinator_accepts(
    page: Page, new_page, live_server, make_person, console_errors
):
    campaign_id, coordinator = open_campaign(live_server, make_person)
    student = make_person(name="赵小雨")

    # The poster's QR code opens the campaign page; logging in comes back to it.
    page.goto(f"/recruitment/campaigns/{campaign_id}")
    expect(page.get_by_test_id("campaign-title")).to_have_text("2026 春季志愿者招募")
    page.get_by_test_id("login-to-apply").tap()
    fill_login(page, student.student_number, student.password)
    expect(page.get_by_test_id("campaign-title")).to_be_visible()

    # Forgetting the consent box and the required answer loses nothing typed.
    page.get_by_label("江安").check()
    page.get_by_test_id("submit-application").tap()
    expect(page.get_by_test_id("consent-error")).to_be_visible()
    expect(page.get_by_label("江安")).to_be_checked()
    # The form comes back with status 400, which the browser logs; that one is expected.
    assert all("/apply" in error and "400" in error for error in console_errors)
    console_errors.clear()

    page.get_by_label("你为什么想加入？").fill("<script>alert(1)</script>我喜欢读书")
    page.get_by_test_id("consent").check()
    page.get_by_test_id("submit-application").tap()
    mine = page.get_by_test_id("my-application")
    expect(mine).to_contain_text("已提交")

    # The coordinator reviews on another device and accepts.
    desk = new_page()
    log_in(desk, coordinator)
    desk.goto(f"/recruitment/manage/{campaign_id}")
    desk.get_by_role("link", name="赵小雨").click()
    expect(desk.get_by_text("<script>alert(1)</script>我喜欢读书")).to_be_visible()
    desk.get_by_test_id("decide-accepted").click()
    expect(desk.get_by_test_id("applicant-name")).to_contain_text("已录取")

    # The student sees the decision on the campaign page and in the bell.
    page.reload()
    expect(page.get_by_test_id("my-application")).to_contain_text("已录取")
    expect(page.get_by_test_id("unread-count")).to_have_text("1")
    page.goto("/recruitment/mine")
    expect(page.locator("main")).to_contain_text("2026 春季志愿者招募")

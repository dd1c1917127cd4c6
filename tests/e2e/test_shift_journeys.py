"""A volunteer signs up for a shift in one tap on a phone; a full shift offers the waitlist."""

from __future__ import annotations

from datetime import time, timedelta

from playwright.sync_api import Page, expect

from app.common.time import to_local, utcnow
from app.extensions import db
from app.recruitment import membership
from app.recruitment.teams import services as team_services
from app.shifts import shift_edits, tasks
from app.shifts.tasks import TaskFields
from tests import factories
from tests.e2e.pages import log_in


def desk_shift(live_server, volunteers) -> int:
    """A team whose members are `volunteers`, and tomorrow's desk shift with one place."""
    with live_server.app.app_context():
        admin = factories.person(roles=["admin"])
        team = team_services.create_team(
            name=f"服务台 {volunteers[0].id}",
            kind="volunteer_team",
            description="",
            requires_onboarding=False,
            actor=admin,
        )
        for volunteer in volunteers:
            membership.join_team(team.id, volunteer.id)
        task = tasks.create_task(
            team.id, TaskFields(title="总馆服务台", location="总馆一楼"), actor=admin
        )
        tomorrow = to_local(utcnow()).date() + timedelta(days=1)
        shift = shift_edits.create_shift(
            task, day=tomorrow, start=time(14), end=time(17), capacity=1, actor=admin
        )
        db.session.commit()
        shift_id = shift.id
        db.session.remove()
    return shift_id


def test_volunteer_signs_up_in_one_tap_and_the_next_joins_the_waitlist(
    page: Page, new_page, live_server, make_person
):
    first = make_person(name="孙悦", roles=["volunteer"])
    second = make_person(name="周航", roles=["volunteer"])
    shift_id = desk_shift(live_server, [first, second])

    log_in(page, first)
    page.goto("/shifts/")
    row = page.get_by_test_id(f"shift-{shift_id}")
    expect(row).to_contain_text("总馆服务台")
    expect(row).to_contain_text("14:00")
    row.get_by_test_id("sign-up").tap()
    expect(page.get_by_test_id(f"shift-{shift_id}").get_by_test_id("my-status")).to_contain_text(
        "已确认"
    )

    other = new_page()
    log_in(other, second)
    other.goto("/shifts/")
    waitlist = other.get_by_test_id(f"shift-{shift_id}").get_by_test_id("join-waitlist")
    expect(waitlist).to_be_visible()
    waitlist.tap()
    status = other.get_by_test_id(f"shift-{shift_id}").get_by_test_id("my-status")
    expect(status).to_contain_text("候补")

    # The first volunteer cancels; the waitlisted one gets the place and is told.
    mine = page.get_by_test_id(f"shift-{shift_id}")
    mine.get_by_test_id("cancel").tap()
    expect(mine.get_by_test_id("join-waitlist")).to_be_visible()  # now full again
    other.reload()
    expect(status).to_contain_text("已确认")
    expect(other.get_by_test_id("unread-count")).to_have_text("1")


def test_a_volunteer_hands_a_place_over_and_a_teammate_takes_it_on_a_phone(
    page: Page, new_page, live_server, make_person
):
    first = make_person(name="钱多", roles=["volunteer"])
    second = make_person(name="赵易", roles=["volunteer"])
    shift_id = desk_shift(live_server, [first, second])

    log_in(page, first)
    page.goto("/shifts/")
    page.get_by_test_id(f"shift-{shift_id}").get_by_test_id("sign-up").tap()
    expect(page.get_by_test_id(f"shift-{shift_id}").get_by_test_id("my-status")).to_contain_text(
        "已确认"
    )
    page.goto("/shifts/mine")
    page.locator("[data-testid^=offer-place-]").first.tap()
    page.get_by_test_id("offer-form").locator("textarea, input[type=text]").first.fill(
        "临时有课，谁能替我？"
    )
    page.get_by_test_id("offer-form").locator("[type=submit]").tap()
    expect(page.locator("[data-testid^=handover-status-]")).to_be_visible()

    other = new_page()
    log_in(other, second)
    other.goto("/shifts/handovers/")
    offer = other.locator("[data-testid^=handover-]").first
    expect(offer).to_contain_text("临时有课")
    offer.locator("[data-testid^=take-]").tap()
    expect(other.locator("[data-testid^=upcoming-]")).to_contain_text("总馆服务台")

    # The offerer is off the shift and told that someone took the place.
    page.goto("/shifts/mine")
    expect(page.get_by_test_id("no-upcoming")).to_be_visible()
    expect(page.get_by_test_id("unread-count")).to_have_text("1")

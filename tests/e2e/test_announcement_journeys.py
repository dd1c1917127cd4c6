"""A coordinator announces to one shift's sign-ups from the shift's page and sees who read
it; a volunteer opens it from the notification on a phone."""

from __future__ import annotations

from datetime import time, timedelta
from pathlib import Path

from playwright.sync_api import Page, expect

from app.accounts.models import User
from app.announcements import jobs
from app.common.time import to_local, utcnow
from app.extensions import db
from app.recruitment import membership
from app.recruitment.teams import services as team_services
from app.shifts import shift_edits, signups, tasks
from app.shifts.tasks import TaskFields
from tests import factories
from tests.e2e.pages import log_in

SCREENSHOTS = Path("/tmp/t23-announce-screens")


def shift_with_two_sign_ups(live_server, coordinator, volunteers) -> int:
    """Tomorrow's desk shift of the coordinator's team, each volunteer confirmed on it."""
    with live_server.app.app_context():
        admin = factories.person(roles=["admin"])
        team = team_services.create_team(
            name=f"公告队 {coordinator.id}",
            kind="volunteer_team",
            description="",
            requires_onboarding=False,
            actor=admin,
        )
        team_services.grant_coordinator(team, db.session.get(User, coordinator.id), actor=admin)
        task = tasks.create_task(
            team.id, TaskFields(title="总馆服务台", location="总馆一楼"), actor=admin
        )
        tomorrow = to_local(utcnow()).date() + timedelta(days=1)
        shift = shift_edits.create_shift(
            task, day=tomorrow, start=time(14), end=time(17), capacity=2, actor=admin
        )
        for volunteer in volunteers:
            membership.join_team(team.id, volunteer.id)
            signups.sign_up(shift, db.session.get(User, volunteer.id))
        db.session.commit()
        shift_id = shift.id
        db.session.remove()
    return shift_id


def run_sending_job(live_server) -> None:
    with live_server.app.app_context():
        jobs.send_due(now=utcnow())
        db.session.remove()


def test_a_coordinator_announces_to_one_shifts_sign_ups_and_sees_who_read_it(
    page: Page, new_page, live_server, make_person
):
    SCREENSHOTS.mkdir(exist_ok=True)
    coordinator = make_person(name="陈老师", roles=["coordinator"])
    reader = make_person(name="孙悦", roles=["volunteer"])
    late = make_person(name="周航", roles=["volunteer"])
    shift_id = shift_with_two_sign_ups(live_server, coordinator, [reader, late])

    log_in(page, coordinator)
    page.goto(f"/tasks/shifts/{shift_id}")
    page.get_by_test_id("announce").tap()
    page.locator("#title").fill("明天值班请提前到")
    page.locator("#body").fill("请 **提前十分钟** 到总服务台，领取工牌。")
    page.screenshot(path=str(SCREENSHOTS / "new.png"), full_page=True)
    page.get_by_test_id("send").tap()
    expect(page.get_by_test_id("receipts")).to_be_visible()
    expect(page.get_by_test_id("delivered")).to_have_text("0")  # the job sends it

    run_sending_job(live_server)

    phone = new_page()
    log_in(phone, reader)
    expect(phone.get_by_test_id("unread-count")).to_have_text("1")
    phone.goto("/notifications/")
    phone.get_by_test_id("notification").first.get_by_role("button").tap()
    announcement = phone.get_by_test_id("announcement")
    expect(announcement).to_contain_text("明天值班请提前到")
    expect(announcement.locator("strong")).to_have_text("提前十分钟")
    phone.screenshot(path=str(SCREENSHOTS / "read.png"), full_page=True)

    page.reload()
    expect(page.get_by_test_id("delivered")).to_have_text("2")
    expect(page.get_by_test_id("read")).to_have_text("1")
    unread = page.get_by_test_id("unread")
    expect(unread).to_contain_text("周航")
    expect(unread).not_to_contain_text("孙悦")
    page.get_by_test_id("remind").tap()
    expect(page.get_by_test_id("remind")).to_have_count(0)
    page.screenshot(path=str(SCREENSHOTS / "receipts.png"), full_page=True)

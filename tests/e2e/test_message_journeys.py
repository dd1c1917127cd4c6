"""A volunteer writes to the coordinators and gets the answer: on a phone the volunteer
writes from their team on the volunteer profile; a coordinator, on another device, opens the
notification, answers in one step from it; the volunteer opens their notification and reads
the answer in the thread."""

from __future__ import annotations

import re
from types import SimpleNamespace

from playwright.sync_api import Page, expect

from app.extensions import db
from tests import factories
from tests.e2e.pages import log_in
from tests.messages import messages_data


def a_team(live_server) -> SimpleNamespace:
    with live_server.app.app_context():
        where = messages_data.place(team_names=("留言志愿队", "留言另一队"))
        db.session.commit()

        def login(person) -> SimpleNamespace:
            return SimpleNamespace(
                student_number=person.student_number, password=factories.PASSWORD
            )

        facts = SimpleNamespace(
            team_id=where.team.id,
            volunteer=login(where.volunteer),
            coordinator=login(where.coordinators[0]),
        )
        db.session.remove()
    return facts


def test_a_volunteer_writes_to_the_coordinators_and_gets_the_answer(
    page: Page, new_page, live_server
):
    facts = a_team(live_server)
    log_in(page, facts.volunteer)
    page.goto("/teams/profile")
    page.get_by_test_id(f"write-to-coordinators-{facts.team_id}").tap()
    page.locator("#subject").fill("周六会晚到")
    page.locator("#body").fill("地铁停运，周六的班我会晚到二十分钟。")
    page.get_by_test_id("send-message").tap()
    expect(page).to_have_url(re.compile(r"/messages/\d+$"))
    expect(page.get_by_test_id("thread-messages")).to_contain_text("晚到二十分钟")

    desk: Page = new_page()
    desk.set_viewport_size({"width": 1280, "height": 900})
    log_in(desk, facts.coordinator)
    desk.goto("/notifications/")
    told = desk.get_by_test_id("notification").filter(has_text="周六会晚到")
    told.get_by_role("button").click()
    expect(desk).to_have_url(re.compile(r"/messages/\d+#reply$"))
    desk.locator("#reply textarea").fill("没关系，路上注意安全，到了找总服务台。")
    desk.get_by_test_id("send-reply").click()
    expect(desk.get_by_test_id("thread-messages")).to_contain_text("路上注意安全")

    page.goto("/notifications/")
    answered = page.get_by_test_id("notification").filter(has_text="周六会晚到")
    expect(answered).to_contain_text("路上注意安全")
    answered.get_by_role("button").tap()
    expect(page).to_have_url(re.compile(r"/messages/\d+#message-\d+$"))
    expect(page.get_by_test_id("message").last).to_contain_text("到了找总服务台")
    page.screenshot(path="/tmp/messages-thread-phone.png", full_page=True)

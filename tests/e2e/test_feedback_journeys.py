"""A volunteer rates a shift from the notification on a phone: their hours were verified,
the job asked them once, they open the notification, tap a rating and send it; the
coordinator's feedback page shows the answer without the volunteer's name."""

from __future__ import annotations

import re
from types import SimpleNamespace

from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.extensions import db
from app.feedback import services
from app.feedback.models import FeedbackRequest
from tests import factories
from tests.e2e.pages import log_in
from tests.feedback import feedback_data


def served_and_asked(live_server) -> SimpleNamespace:
    """A volunteer whose two hours on a shift were verified and who has been asked."""
    with live_server.app.app_context():
        world, _records = feedback_data.verified(people=1, team_names=("讲解队", "讲解另一队"))
        services.set_ticks(world.task, "讲解清楚\n事情够做", actor=world.boss)
        services.ask_recent()
        db.session.commit()
        facts = SimpleNamespace(
            volunteer=SimpleNamespace(
                student_number=world.people[0].student_number, password=factories.PASSWORD
            ),
            boss=SimpleNamespace(
                student_number=world.boss.student_number, password=factories.PASSWORD
            ),
            name=world.people[0].name,
            task_id=world.task.id,
        )
        db.session.remove()
    return facts


def test_a_volunteer_rates_a_shift_from_the_notification_on_a_phone(
    page: Page, new_page, live_server
):
    facts = served_and_asked(live_server)
    log_in(page, facts.volunteer)
    page.goto("/notifications/")
    asked = page.get_by_test_id("notification").filter(has_text="总服务台值班")
    asked.get_by_role("button").tap()

    expect(page).to_have_url(re.compile(r"/feedback/\d+$"))
    page.get_by_test_id("rating-4").tap()
    page.get_by_label("讲解清楚").check()
    page.get_by_test_id("feedback-send").tap()
    expect(page.get_by_test_id("feedback-answered")).to_be_visible()

    with live_server.app.app_context():
        request = db.session.scalar(
            select(FeedbackRequest).where(FeedbackRequest.task_id == facts.task_id)
        )
        assert (request.rating, request.ticks) == (4, ["讲解清楚"])
        db.session.remove()

    desk: Page = new_page()
    desk.set_viewport_size({"width": 1280, "height": 900})
    log_in(desk, facts.boss)
    desk.goto(f"/feedback/tasks/{facts.task_id}")
    expect(desk.get_by_test_id("feedback-shifts")).to_contain_text("4.00")
    expect(desk.get_by_test_id("feedback-ticks")).to_contain_text("讲解清楚: 1")
    expect(desk.locator("main")).not_to_contain_text(facts.name)

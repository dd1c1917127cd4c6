"""The campus data hub, both ways, on a phone: an admin registers the hub with hub:read
(the token shown once) and subscribes it to summary.changed; a volunteer's verified hours
reach the hub's receiver once, the hub pulls the same number with its token, and the
volunteer's own My hours page shows it too."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import requests
from playwright.sync_api import Page, expect

from app.api.hub_jobs import publish_summaries
from app.api.webhook_jobs import send_webhooks
from app.common.time import utcnow
from app.extensions import db
from tests import factories
from tests.e2e.pages import log_in
from tests.fakes.webhook_receiver import WebhookReceiver
from tests.feedback import feedback_data

SHOTS = "/tmp/hub-shots"


@pytest.fixture
def receiver(live_server):
    fake = WebhookReceiver()
    live_server.app.config["WEBHOOK_ALLOW_PRIVATE"] = True  # the receiver is on 127.0.0.1
    yield fake
    live_server.app.config["WEBHOOK_ALLOW_PRIVATE"] = False
    fake.stop()


def shoot(page: Page, name: str) -> None:
    page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def served_volunteer(live_server) -> SimpleNamespace:
    with live_server.app.app_context():
        world, _records = feedback_data.verified(
            people=1, team_names=("数据中台演示队", "数据中台另一队")
        )
        db.session.commit()
        person = world.people[0]
        facts = SimpleNamespace(student_number=person.student_number, password=factories.PASSWORD)
        db.session.remove()
    return facts


def publish_and_send(live_server) -> None:
    with live_server.app.app_context():
        now = utcnow()
        publish_summaries(now=now)
        db.session.commit()
        send_webhooks(now=now)
        db.session.remove()


def test_a_volunteers_hours_reach_the_hub_both_ways(
    page: Page, new_page, live_server, make_person, receiver
):
    admin = make_person(roles=["admin"], name="中台管理员")
    log_in(page, admin)
    page.goto("/admin/systems")
    page.locator("#name").fill("数据中台")
    page.locator("input[name=scopes][value='hub:read']").check()
    shoot(page, "1-register-hub")
    page.get_by_test_id("system-form").locator("[type=submit]").tap()
    token = page.get_by_test_id("system-secret").inner_text().strip()
    assert token.startswith("gcs_")
    page.get_by_test_id("back-to-system").tap()
    page.get_by_test_id("new-webhook").tap()
    page.locator("#url").fill(receiver.url)
    page.locator("input[name=events][value='summary.changed']").check()
    shoot(page, "2-subscribe-summary")
    page.get_by_test_id("webhook-form").locator("[type=submit]").tap()
    receiver.secret = page.get_by_test_id("webhook-secret").inner_text().strip()

    volunteer = served_volunteer(live_server)
    publish_and_send(live_server)
    mine = [
        event
        for event in receiver.accepted
        if event["data"]["student_number"] == volunteer.student_number
    ]
    assert len(mine) == 1 and receiver.refused == []
    assert mine[0]["data"]["library_hours"] == {"minutes": 120, "hours": 2.0}
    publish_and_send(live_server)  # nothing changed: nothing more
    assert (
        sum(e["data"]["student_number"] == volunteer.student_number for e in receiver.accepted) == 1
    )

    pulled = requests.get(
        f"{live_server.url}/api/v1/hub/summaries/{volunteer.student_number}",
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert pulled.status_code == 200
    assert pulled.json()["data"]["library_hours"]["minutes"] == 120

    phone = new_page()
    log_in(phone, volunteer)
    phone.goto("/hours")
    expect(phone.get_by_test_id("verified-hours")).to_have_text("2")
    shoot(phone, "3-my-hours")

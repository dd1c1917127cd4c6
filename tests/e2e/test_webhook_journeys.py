"""An admin connects the Second Classroom system on a phone: registers it (the token shown
once), subscribes it to attendance events at the system's receiver (the secret shown once),
sees a failed delivery with the receiver's answer on the webhook's page, and sends a
delivered event again."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from app import hooks
from app.api.models import WebhookDelivery, WebhookSubscription
from app.api.webhook_jobs import send_webhooks
from app.common.time import utcnow
from app.extensions import db
from tests.e2e.pages import log_in
from tests.fakes.webhook_receiver import WebhookReceiver

SHOTS = "/tmp/webhooks-shots"


@pytest.fixture
def receiver(live_server):
    fake = WebhookReceiver()
    live_server.app.config["WEBHOOK_ALLOW_PRIVATE"] = True  # the receiver is on 127.0.0.1
    yield fake
    live_server.app.config["WEBHOOK_ALLOW_PRIVATE"] = False
    fake.stop()


def deliver(live_server, *, later_for: str | None = None) -> dict[str, int]:
    """Run the sender now, or (`later_for` a receiver's address) when that receiver's
    deliveries are next due; other tests' deliveries on the shared server are not waited for."""
    with live_server.app.app_context():
        now = utcnow()
        if later_for:
            due = (
                select(func.max(WebhookDelivery.next_attempt_at))
                .join(WebhookSubscription)
                .where(WebhookSubscription.url == later_for)
            )
            now = db.session.scalar(due) or now
        counts = send_webhooks(now=now + timedelta(seconds=1) if later_for else now)
        db.session.remove()
    return counts


def happen(live_server) -> None:
    with live_server.app.app_context():
        data = {"attendance_id": 1, "shift_id": 1, "person_id": 1, "minutes": 120}
        hooks.publish("attendance.verified", data, now=utcnow())
        db.session.commit()
        db.session.remove()


def shoot(page: Page, name: str) -> None:
    page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def test_an_admin_connects_a_system_and_follows_its_deliveries(
    page: Page, live_server, make_person, receiver
):
    admin = make_person(roles=["admin"], name="系统管理员")
    log_in(page, admin)
    page.goto("/admin/systems")
    page.locator("#name").fill("第二课堂系统")
    page.locator("input[name=scopes][value='credits:read']").check()
    page.locator("#allowed_addresses").fill("10.8.0.0/16")
    shoot(page, "1-systems")
    page.get_by_test_id("system-form").locator("[type=submit]").tap()
    expect(page.get_by_test_id("system-secret")).to_contain_text("gcs_")
    shoot(page, "2-token-once")
    page.get_by_test_id("back-to-system").tap()
    shoot(page, "2b-system")

    page.get_by_test_id("new-webhook").tap()
    page.locator("#url").fill(receiver.url)
    page.locator("input[name=events][value='attendance.verified']").check()
    page.get_by_test_id("webhook-form").locator("[type=submit]").tap()
    receiver.secret = page.get_by_test_id("webhook-secret").inner_text().strip()
    assert receiver.secret.startswith("whsec_")
    shoot(page, "3-secret-once")

    happen(live_server)
    receiver.fail_next = 1
    assert deliver(live_server)["retrying"] == 1
    # followed by its address: right after a full-page screenshot Chromium may still be
    # laying the phone page out again, and a tap then lands on whatever moves under it
    page.goto(page.get_by_test_id("to-webhook").get_attribute("href"))
    delivery = page.locator("[data-testid^=delivery-]").first
    expect(delivery).to_have_attribute("data-status", "pending")
    expect(delivery.get_by_test_id("last-answer")).to_contain_text("HTTP 503")
    shoot(page, "4-failed-once")

    assert deliver(live_server, later_for=receiver.url)["sent"] == 1
    page.reload()
    expect(delivery).to_have_attribute("data-status", "sent")
    delivery.locator("[data-testid^=send-again-]").tap()
    expect(page.locator(".alert-success")).to_be_visible()
    expect(delivery).to_have_attribute("data-status", "pending")
    shoot(page, "5-sent-again")
    assert deliver(live_server)["sent"] == 1
    assert len(receiver.accepted) == 2 and receiver.refused == []

"""Webhooks: subscriptions refuse internal addresses; each event is queued with the event's
own transaction, delivered signed to a local receiver that checks the signature, at most
once per subscription even with two senders at once, retried with backoff after a failure,
shown with the last answer on the webhook's page, and sent again by the admin's button."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from app import hooks
from app.accounts.anonymise import anonymise_person
from app.api import systems, webhooks
from app.api.models import WebhookDelivery, WebhookSubscription
from app.api.webhook_jobs import send_webhooks
from app.audit.models import AuditEntry
from app.checkin import attendance_verification as verification
from app.common.time import utcnow
from app.errors import InvalidInput
from app.extensions import db as _db
from app.recruitment import review
from tests.columns import columns_data
from tests.credits import batch_data, credits_data
from tests.credits.batch_data import AUTUMN
from tests.helpers import race
from tests.recruitment import recruiting

EVENT = "attendance.verified"


@pytest.fixture
def allow_private(app, monkeypatch):
    """The tests' receiver listens on 127.0.0.1, which production refuses."""
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_PRIVATE", True)


@pytest.fixture
def system(admin, db):
    new = systems.register_system(admin, name="第二课堂系统", scopes=["credits:read"])
    db.session.commit()
    return new.system


@pytest.fixture
def subscription(admin, system, receiver, allow_private, db):
    row, secret = webhooks.subscribe(admin, system.id, url=receiver.url, events=[EVENT])
    db.session.commit()
    receiver.secret = secret
    return row


def happen(n: int = 1, event: str = EVENT, *, now: datetime | None = None) -> None:
    for index in range(n):
        hooks.publish(event, {"attendance_id": index + 1, "person_id": 7}, now=now or utcnow())
    _db.session.commit()


def deliveries() -> list[WebhookDelivery]:
    _db.session.expire_all()
    return list(_db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)))


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hook",
        "http://localhost/hook",
        "http://10.0.0.5/hook",
        "http://192.168.1.20/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "http://0.0.0.0/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://100.64.0.1/hook",
        "ftp://203.0.113.9/hook",
        "https://user:pw@203.0.113.9/hook",
        "不是地址",
        "",
    ],
)
def test_an_internal_or_malformed_address_is_refused_when_subscribing(admin, system, db, url):
    with pytest.raises(InvalidInput) as refused:
        webhooks.subscribe(admin, system.id, url=url, events=[EVENT])
    assert refused.value.field == "url"


def test_the_subscribe_page_refuses_an_internal_address_with_a_message(
    client, login, admin, system, db
):
    login(admin)
    response = client.post(
        f"/admin/systems/{system.id}/webhooks/new",
        data={"url": "http://127.0.0.1:5000/x", "events": [EVENT]},
    )
    assert response.status_code == 400
    assert 'class="invalid-feedback' in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(WebhookSubscription.id))) == 0


def test_subscribing_on_the_page_shows_the_secret_once(
    client, login, admin, system, receiver, allow_private, db
):
    login(admin)
    response = client.post(
        f"/admin/systems/{system.id}/webhooks/new",
        data={"url": receiver.url, "events": [EVENT, "hours.changed"]},
    )
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    secret = response.get_data(as_text=True).split('data-testid="webhook-secret">')[1]
    row = db.session.scalar(select(WebhookSubscription))
    kept = webhooks.signing_secret(row)
    assert secret.startswith(kept) and row.event_list == [EVENT, "hours.changed"]
    page = client.get(f"/admin/systems/{system.id}/webhooks/{row.id}").get_data(as_text=True)
    assert kept not in page


def test_an_event_reaches_the_receiver_signed_and_only_once(subscription, receiver):
    happen()
    assert send_webhooks(now=utcnow()) == {"sent": 1, "retrying": 0, "failed": 0}
    assert receiver.refused == []
    [event] = receiver.accepted
    assert event["event"] == event["header_event"] == EVENT
    assert event["data"] == {"attendance_id": 1, "person_id": 7}
    assert send_webhooks(now=utcnow())["sent"] == 0
    assert [(d.status, d.last_status) for d in deliveries()] == [("sent", 200)]


def test_the_receiver_refuses_a_wrong_secret(subscription, receiver):
    receiver.secret = "whsec_not-the-one"
    happen()
    assert send_webhooks(now=utcnow())["retrying"] == 1
    assert receiver.refused == ["bad signature"] and receiver.accepted == []
    assert deliveries()[0].last_status == 401


def test_only_subscribed_events_of_live_subscriptions_are_queued(admin, subscription, db):
    happen(event="hours.changed")
    assert deliveries() == []
    happen()
    webhooks.stop(admin, subscription.id)
    db.session.commit()
    happen()
    assert len(deliveries()) == 1


def test_without_a_subscription_an_event_changes_nothing(db):
    happen()
    assert deliveries() == []
    assert send_webhooks(now=utcnow()) == {"sent": 0, "retrying": 0, "failed": 0}


def test_two_senders_at_once_deliver_each_event_once(app, subscription, receiver):
    happen(8)
    sent: list[int] = []
    outcomes = race(app, lambda _n: sent.append(send_webhooks(now=utcnow())["sent"]), [1, 2])
    assert outcomes == ["ok", "ok"]
    assert sum(sent) == 8
    assert len(receiver.accepted) == 8 and receiver.duplicates == 0
    assert {d.status for d in deliveries()} == {"sent"}


def test_a_failing_receiver_is_retried_later_then_recovers(subscription, receiver):
    now = utcnow()
    happen(now=now)
    receiver.fail_next = 1
    assert send_webhooks(now=now) == {"sent": 0, "retrying": 1, "failed": 0}
    [delivery] = deliveries()
    assert delivery.status == "pending" and delivery.attempts == 1
    assert delivery.last_status == 503 and len(delivery.last_answer) <= 500
    assert delivery.next_attempt_at > now
    assert send_webhooks(now=now + timedelta(minutes=1))["sent"] == 0  # not due yet
    assert send_webhooks(now=delivery.next_attempt_at)["sent"] == 1
    assert len(receiver.accepted) == 1
    assert deliveries()[0].status == "sent"


def test_the_address_is_checked_again_at_delivery(app, subscription, receiver, monkeypatch):
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_PRIVATE", False)
    happen()
    assert send_webhooks(now=utcnow())["retrying"] == 1
    assert receiver.accepted == [] and receiver.refused == []
    assert deliveries()[0].last_error.startswith("refused")


def test_a_failure_shows_on_the_page_and_send_again_delivers_it(
    app, client, login, admin, subscription, receiver, monkeypatch, db
):
    monkeypatch.setitem(app.config, "OUTBOX_MAX_ATTEMPTS", 1)
    happen()
    receiver.fail_next = 1
    assert send_webhooks(now=utcnow())["failed"] == 1
    [delivery] = deliveries()
    login(admin)
    page_url = f"/admin/systems/{subscription.system_id}/webhooks/{subscription.id}"
    page = client.get(page_url).get_data(as_text=True)
    assert f'data-testid="delivery-{delivery.id}" data-status="failed"' in page
    assert "HTTP 503" in page and f'data-testid="send-again-{delivery.id}"' in page
    response = client.post(f"{page_url}/deliveries/{delivery.id}/resend")
    assert response.status_code == 302
    assert deliveries()[0].status == "pending"
    assert "api.webhook_resent" in set(db.session.scalars(select(AuditEntry.action)))
    assert send_webhooks(now=utcnow())["sent"] == 1
    assert len(receiver.accepted) == 1


def test_a_waiting_delivery_cannot_be_sent_again_twice(client, login, admin, subscription, db):
    happen()
    [delivery] = deliveries()
    login(admin)
    url = (
        f"/admin/systems/{subscription.system_id}/webhooks/{subscription.id}"
        f"/deliveries/{delivery.id}/resend"
    )
    assert client.post(url).status_code == 302
    assert deliveries()[0].attempts == 0
    assert "api.webhook_resent" not in set(db.session.scalars(select(AuditEntry.action)))


def test_another_systems_webhook_is_not_found(client, login, admin, subscription, db):
    other = systems.register_system(admin, name="数据中台", scopes=["credits:read"]).system
    db.session.commit()
    login(admin)
    assert client.get(f"/admin/systems/{other.id}/webhooks/{subscription.id}").status_code == 404


@pytest.fixture
def everything(admin, system, receiver, allow_private, db):
    """A subscription to every event."""
    row, secret = webhooks.subscribe(admin, system.id, url=receiver.url, events=hooks.EVENT_NAMES)
    db.session.commit()
    receiver.secret = secret
    return row


def queued() -> list[tuple[str, dict]]:
    return [(d.event, d.payload["data"]) for d in deliveries()]


def test_verifying_attendance_queues_verified_and_hours_changed(admin, everything, db):
    person = credits_data.person("李明")
    attendance = credits_data.verified_attendance(person, starts_at=AUTUMN, minutes=120)
    attendance.verified_at = None
    db.session.flush()
    verification.verify(attendance, actor=admin, now=AUTUMN + timedelta(hours=3))
    db.session.commit()
    facts = {"attendance_id": attendance.id, "shift_id": attendance.shift_id}
    facts |= {"person_id": person.id, "minutes": 120}
    assert queued() == [
        ("attendance.verified", facts),
        ("hours.changed", {**facts, "counted": True, "reason": "verified"}),
    ]
    verification.unverify(
        attendance, actor=admin, reason="时长有误", now=AUTUMN + timedelta(hours=4)
    )
    db.session.commit()
    assert queued()[-1] == ("hours.changed", {**facts, "counted": False, "reason": "unverified"})


def test_approving_a_credit_batch_queues_its_event(admin, everything, db):
    batch_data.seed()
    batch_data.served(credits_data.person("王五"), task=credits_data.task(credits_data.team()))
    batch = batch_data.build(admin)
    db.session.commit()
    batch_data.approve(batch, batch_data.admin("另一位管理员"))
    db.session.commit()
    [(event, data)] = queued()
    assert event == "credit_batch.approved" and data["batch_id"] == batch.id


def test_anonymising_a_person_queues_only_their_id(admin, student, everything, db):
    anonymise_person(student, actor=admin, confirmation=student.student_number, reason="毕业离校")
    db.session.commit()
    assert queued() == [("person.anonymised", {"person_id": student.id})]


def test_publishing_a_contribution_queues_its_event(everything, db):
    column = columns_data.seeded()["picks"]
    editor = columns_data.editor(column)
    contribution = columns_data.submitted(columns_data.author(), column)
    db.session.commit()
    columns_data.published(editor, contribution)
    db.session.commit()
    [(event, data)] = queued()
    assert event == "contribution.published"
    assert data["contribution_id"] == contribution.id
    assert data["author_id"] == contribution.author_id


def test_deciding_an_application_queues_its_event(admin, everything, db):
    campaign = recruiting.campaign(recruiting.team(), actor=admin)
    application = recruiting.apply(campaign)
    db.session.commit()
    review.decide(application, "accepted", actor=admin)
    db.session.commit()
    [(event, data)] = queued()
    assert event == "application.decided"
    assert data == {
        "application_id": application.id,
        "campaign_id": campaign.id,
        "team_id": campaign.team_id,
        "person_id": application.user_id,
        "status": "accepted",
        "previous_status": "submitted",
    }


@pytest.mark.parametrize("address", ["203.0.113.9", "::ffff:10.0.0.1", "fe80::1", "224.0.0.1"])
def test_only_public_addresses_count_as_public(address):
    assert webhooks.is_public(address) is False


def test_a_public_address_counts_as_public():
    assert webhooks.is_public("202.115.32.1") and webhooks.is_public("2001:da8::1")


def test_pages_of_a_system_or_webhook_that_does_not_exist_are_not_found(
    client, login, admin, system, db
):
    login(admin)
    assert client.get("/admin/systems/999999").status_code == 404
    assert client.get(f"/admin/systems/{system.id}/webhooks/999999").status_code == 404
    assert client.post("/admin/systems/999999/rotate").status_code == 404

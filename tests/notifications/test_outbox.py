"""The outbox drained through a real SMTP server on 127.0.0.1: once, never twice."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from app.extensions import db as _db
from app.notifications import services
from app.notifications.jobs import drain_outbox
from app.notifications.models import OutboxEmail
from tests import factories
from tests.helpers import race
from tests.notifications.helpers import free_port

NOW = datetime(2026, 3, 2, 1, 0)


def queue_reset_email(person) -> OutboxEmail:
    notification = services.notify(person, "account.password_reset", context={"actor_name": "A"})
    return _db.session.scalar(
        select(OutboxEmail).where(OutboxEmail.notification_id == notification.id)
    )


def rows(db) -> list[OutboxEmail]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxEmail).order_by(OutboxEmail.id)))


def test_drain_sends_each_email_once_and_a_rerun_sends_nothing(db, smtp):
    people = [factories.person(email=f"p{n}@example.edu.cn") for n in range(3)]
    for person in people:
        queue_reset_email(person)
    db.session.commit()

    first = drain_outbox(now=NOW)
    assert first["sent"] == 3
    assert smtp.recipients() == sorted(person.email for person in people)
    assert {(row.status, row.attempts, row.sent_at) for row in rows(db)} == {("sent", 1, NOW)}

    second = drain_outbox(now=NOW + timedelta(minutes=1))
    assert second["sent"] == 0
    assert len(smtp.messages) == 3


def test_chinese_subject_and_body_arrive_intact(db, smtp, admin):
    reader = factories.person(name="王小明", email="wxm@example.edu.cn")
    services.set_email_choices(reader.id, ["system.announcement"])
    services.announce(
        [reader],
        subject="阅读之星评选开始了",
        message="请在周五前提交书单。\n地点：江安图书馆",
        actor=admin,
    )
    db.session.commit()
    drain_outbox(now=NOW)
    (message,) = smtp.messages
    assert message["Subject"] == "阅读之星评选开始了"
    assert message["From"].addresses[0].display_name == "共创 Gongchuang"
    assert message.get_content_charset() == "utf-8"
    body = message.get_content()
    assert "王小明" in body
    assert "请在周五前提交书单。\n地点：江安图书馆" in body
    assert "— 管理员" in body


def test_a_refused_recipient_is_recorded_and_the_others_still_go(db, smtp):
    refused = factories.person(email="gone@example.edu.cn")
    fine = factories.person(email="here@example.edu.cn")
    queue_reset_email(refused)
    queue_reset_email(fine)
    db.session.commit()
    smtp.refused.add("gone@example.edu.cn")

    counts = drain_outbox(now=NOW)
    assert counts["sent"] == 1
    assert counts["failed"] == 1
    assert smtp.recipients() == ["here@example.edu.cn"]
    bad, good = rows(db)
    assert (bad.status, bad.attempts) == ("failed", 1)  # 550: refused for good, no retry
    assert "550" in bad.last_error
    assert good.status == "sent"


def test_an_unreachable_server_is_retried_later_then_given_up(db, app, mail_on, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_PORT", free_port())  # nobody listens there
    monkeypatch.setitem(app.config, "OUTBOX_MAX_ATTEMPTS", 2)
    queue_reset_email(factories.person())
    db.session.commit()

    counts = drain_outbox(now=NOW)
    assert counts == {"sent": 0, "retrying": 1, "failed": 0, "skipped": 0}
    (row,) = rows(db)
    assert (row.status, row.attempts) == ("pending", 1)
    assert "ConnectionRefused" in row.last_error
    assert row.next_attempt_at > NOW

    assert drain_outbox(now=NOW + timedelta(seconds=30))["retrying"] == 0  # not due yet
    assert drain_outbox(now=row.next_attempt_at)["failed"] == 1
    (row,) = rows(db)
    assert (row.status, row.attempts) == ("failed", 2)


def test_a_retried_email_goes_out_once_the_server_is_back(db, app, smtp, monkeypatch):
    port = app.config["MAIL_PORT"]
    monkeypatch.setitem(app.config, "MAIL_PORT", free_port())
    queue_reset_email(factories.person(email="later@example.edu.cn"))
    db.session.commit()
    drain_outbox(now=NOW)
    monkeypatch.setitem(app.config, "MAIL_PORT", port)
    counts = drain_outbox(now=NOW + timedelta(hours=1))
    assert counts["sent"] == 1
    assert smtp.recipients() == ["later@example.edu.cn"]
    assert rows(db)[0].attempts == 2


def test_without_mail_server_nothing_is_sent_or_touched(db, app, smtp, monkeypatch):
    queue_reset_email(factories.person())
    db.session.commit()
    monkeypatch.setitem(app.config, "MAIL_SERVER", "")
    assert drain_outbox(now=NOW) == {"sent": 0, "skipped": 1}
    (row,) = rows(db)
    assert (row.status, row.attempts, row.last_error) == ("pending", 0, None)
    assert smtp.messages == []


def test_a_claim_left_by_a_crashed_drain_is_given_up_not_resent(db, smtp):
    email = queue_reset_email(factories.person())
    db.session.commit()
    assert services.claim_email(email.id, token="crashed", now=NOW) is not None
    db.session.commit()
    assert drain_outbox(now=NOW + timedelta(minutes=1))["sent"] == 0  # maybe still sending
    counts = drain_outbox(now=NOW + timedelta(hours=1))
    assert counts["failed"] == 1
    assert smtp.messages == []
    assert rows(db)[0].status == "failed"


def test_two_drains_at_once_send_each_email_exactly_once(db, app, smtp):
    people = [factories.person(email=f"c{n}@example.edu.cn") for n in range(20)]
    for person in people:
        queue_reset_email(person)
    db.session.commit()

    results: list[dict] = []
    outcomes = race(app, lambda _n: results.append(drain_outbox(now=NOW)), [1, 2])

    assert outcomes == ["ok", "ok"]
    assert sum(result["sent"] for result in results) == 20
    assert smtp.recipients() == sorted(person.email for person in people)
    assert {row.status for row in rows(db)} == {"sent"}

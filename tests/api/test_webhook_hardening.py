"""Webhook hardening: the signing secrets are encrypted at rest (the raw column holds no
secret, existing rows are encrypted by migration 0033), and a delivery resolves the
receiver's name once, checks every address, and connects to exactly the checked one, so a
name re-pointed at an internal address (DNS rebinding) reaches nothing internal."""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

import pytest
from flask_migrate import upgrade
from sqlalchemy import select, text

from app import create_app, hooks
from app.api import systems, webhooks
from app.api.models import WebhookDelivery, WebhookSubscription
from app.api.webhook_jobs import send_webhooks
from app.common import http
from app.common.time import utcnow
from app.extensions import db as _db
from config import TestConfig

EVENT = "attendance.verified"
PUBLIC = "93.184.216.34"  # judged public; never connected to (the tests resolve it only once)
NAME = "hooks.campus.example"


SYSTEM_GETADDRINFO = socket.getaddrinfo


class Resolver:
    """socket.getaddrinfo, answering NAME with `answers` in turn (the last one again once
    they run out) and counting the questions; a numeric address is read as it is."""

    def __init__(self, *answers: str) -> None:
        self.answers = list(answers)
        self.asked = 0

    def __call__(self, host, port, *args, **kwargs):
        if host != NAME:
            return SYSTEM_GETADDRINFO(host, port, *args, **kwargs)
        answer = self.answers[min(self.asked, len(self.answers) - 1)]
        self.asked += 1
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (answer, port or 0))]


@pytest.fixture
def named_subscription(app, admin, receiver, monkeypatch, db):
    """A subscription to NAME on the receiver's port, subscribed while NAME resolved to a
    public address."""
    resolver = Resolver(PUBLIC)
    monkeypatch.setattr(webhooks.socket, "getaddrinfo", resolver)
    system = systems.register_system(admin, name="数据中台", scopes=["hub:read"]).system
    port = urlsplit(receiver.url).port
    row, secret = webhooks.subscribe(
        admin, system.id, url=f"http://{NAME}:{port}/hooks/gongchuang", events=[EVENT]
    )
    db.session.commit()
    receiver.secret = secret
    return row


def happen() -> None:
    hooks.publish(EVENT, {"attendance_id": 1, "person_id": 7}, now=utcnow())
    _db.session.commit()


def last_delivery() -> WebhookDelivery:
    _db.session.expire_all()
    return _db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)).all()[-1]


def test_the_secret_column_holds_no_secret(admin, db):
    system = systems.register_system(admin, name="数据中台", scopes=["hub:read"]).system
    _db.session.commit()
    row, secret = webhooks.subscribe(admin, system.id, url=f"http://{PUBLIC}/hook", events=[EVENT])
    db.session.commit()
    raw = db.session.execute(
        text("SELECT secret_encrypted FROM webhook_subscriptions WHERE id = :id"), {"id": row.id}
    ).scalar_one()
    assert secret not in raw and secret[len(webhooks.SECRET_PREFIX) :] not in raw
    assert webhooks.signing_secret(row) == secret


def test_another_key_cannot_read_the_secret_and_the_delivery_fails(
    app, named_subscription, receiver, monkeypatch
):
    monkeypatch.setitem(app.config, "WEBHOOK_SECRET_KEY", "another long passphrase of the admin")
    assert webhooks.signing_secret(named_subscription) is None
    happen()
    assert send_webhooks(now=utcnow())["retrying"] == 1
    assert receiver.accepted == [] and last_delivery().last_error == "secret_unreadable"


def test_a_name_rebound_to_loopback_is_refused_at_delivery(
    app, named_subscription, receiver, monkeypatch
):
    monkeypatch.setattr(webhooks.socket, "getaddrinfo", Resolver("127.0.0.1"))
    happen()
    assert send_webhooks(now=utcnow())["retrying"] == 1
    assert receiver.accepted == [] and receiver.refused == []
    assert last_delivery().last_error.startswith("refused")


def test_the_delivery_connects_to_the_address_it_checked_with_the_name_as_host(
    app, named_subscription, receiver, monkeypatch
):
    """The name is resolved once (to the receiver's loopback address, allowed here): had the
    request resolved it again it would have gone to the public address the resolver gives
    next. The receiver sees the name in Host."""
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_PRIVATE", True)
    resolver = Resolver("127.0.0.1", PUBLIC)
    monkeypatch.setattr(webhooks.socket, "getaddrinfo", resolver)
    happen()
    assert send_webhooks(now=utcnow()) == {"sent": 1, "retrying": 0, "failed": 0}
    assert resolver.asked == 1
    [event] = receiver.accepted
    assert event["header_host"] == f"{NAME}:{urlsplit(receiver.url).port}"
    assert receiver.refused == []


def test_a_pinned_fetch_never_asks_the_system_resolver(receiver, monkeypatch):
    resolver = Resolver()
    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    port = urlsplit(receiver.url).port
    with pytest.raises(http.FetchFailed) as refused:  # the receiver refuses an unsigned body
        http.fetch(
            "POST",
            f"http://{NAME}:{port}/hooks/gongchuang",
            data=b"{}",
            timeout=5,
            max_bytes=1000,
            connect_to="127.0.0.1",
        )
    assert refused.value.status == 401 and receiver.refused == ["stale"]
    assert resolver.asked == 0


def test_the_migration_encrypts_the_existing_secrets(tmp_path):
    """A subscription written at 0032 (secret in the clear) reads the same after 0033, and
    its raw column no longer holds it."""
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'm.sqlite'}")
    secret = "whsec_" + "k" * 43
    with app.app_context():
        upgrade(revision="0032_natoutside")
        with _db.engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO api_systems (id, name, token_prefix, token_hash, scopes, "
                    "allowed_addresses, created_at) VALUES (1, '数据中台', 'gcs_abcde', "
                    "'h', 'hub:read', '', '2026-12-01 00:00:00')"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO webhook_subscriptions (id, system_id, url, events, secret, "
                    "created_at) VALUES (1, 1, 'https://hub.example/h', 'summary.changed', "
                    ":secret, '2026-12-01 00:00:00')"
                ),
                {"secret": secret},
            )
        upgrade()
        raw = _db.session.execute(
            text("SELECT secret_encrypted FROM webhook_subscriptions")
        ).scalar_one()
        assert secret not in raw
        assert webhooks.signing_secret(_db.session.get(WebhookSubscription, 1)) == secret
        _db.session.remove()
        _db.engine.dispose()

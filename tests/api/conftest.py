"""Helpers for the API tests: tokens made through the service, request headers."""

from __future__ import annotations

from datetime import datetime

import pytest

from app.api import services
from tests.fakes.webhook_receiver import WebhookReceiver


@pytest.fixture
def make_token(db):
    """Make a token for `user` and commit; returns the secret."""

    def make(
        user,
        *,
        scopes=("profile:read",),
        days: int = 30,
        name: str = "脚本",
        now: datetime | None = None,
    ) -> str:
        new = services.create_token(user, name=name, scopes=list(scopes), days=days, now=now)
        db.session.commit()
        return new.secret

    return make


def bearer(secret: str, **headers) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}", **headers}


@pytest.fixture
def receiver():
    """A receiving system's webhook endpoint on 127.0.0.1 (tests/fakes/webhook_receiver.py)."""
    fake = WebhookReceiver()
    yield fake
    fake.stop()

"""Fixtures for notification tests: email switched on, and a local SMTP server."""

from __future__ import annotations

import pytest

from tests.notifications.helpers import Collector, LocalSMTPServer


@pytest.fixture
def mail_on(app, monkeypatch):
    """The site sends email, to a server nobody listens on unless `smtp` starts one."""
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_FROM", "共创 Gongchuang <noreply@lib.example.edu.cn>")
    monkeypatch.setitem(app.config, "MAIL_TIMEOUT", 5)
    monkeypatch.setitem(app.config, "APP_BASE_URL", "https://gc.example.edu.cn")
    return app.config


@pytest.fixture
def smtp(mail_on, monkeypatch):
    """A real SMTP server on 127.0.0.1 and a free port, collecting what it receives."""
    collector = Collector()
    with LocalSMTPServer(collector) as server:
        monkeypatch.setitem(mail_on, "MAIL_PORT", server.port)
        yield collector

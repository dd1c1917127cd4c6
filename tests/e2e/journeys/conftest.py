"""Whole-product journeys: each test module gets a fresh site, built the way a real
installation starts (`flask db upgrade` on an empty database, then `flask create-admin`),
and from then on everything happens through the browser.

Students use a phone (the `phone` fixture, 390×844), staff a desktop (`desk`, 1280×800).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import pytest
from flask_migrate import upgrade
from werkzeug.serving import make_server

from app import create_app
from app.extensions import db
from config import TestConfig
from tests.e2e.conftest import PHONE, TIMEOUT_MS, LiveServer
from tests.e2e.journeys.steps import Account

DESKTOP = {
    "viewport": {"width": 1280, "height": 800},
    "locale": "zh-CN",
    "reduced_motion": "reduce",
}
ADMIN_LOGIN = "L0001"
ADMIN_NAME = "王馆员"
ADMIN_FIRST_PASSWORD = "first-password-1"


@pytest.fixture(scope="module")
def fresh_site(tmp_path_factory) -> Iterator[LiveServer]:
    """A site on an empty SQLite database migrated with Alembic, with one admin created
    by the CLI; served on a random port for this module's journey."""
    folder = tmp_path_factory.mktemp("journey")
    app = create_app(
        TestConfig,
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{folder / 'site.sqlite'}",
        UPLOAD_DIR=str(folder / "uploads"),
        WTF_CSRF_ENABLED=True,
    )
    with app.app_context():
        upgrade()
    result = app.test_cli_runner().invoke(
        args=["create-admin", "--login", ADMIN_LOGIN, "--name", ADMIN_NAME],
        input=f"{ADMIN_FIRST_PASSWORD}\n{ADMIN_FIRST_PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="journey-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(url=f"http://127.0.0.1:{server.server_port}", app=app)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        with app.app_context():
            db.engine.dispose()


def _opener(browser, fresh_site, console_errors, options: dict) -> Iterator[Callable]:
    contexts = []

    def open_page():
        context = browser.new_context(base_url=fresh_site.url, **options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.on(
            "console",
            lambda msg: (
                console_errors.append(f"{page.url}: {msg.text}") if msg.type == "error" else None
            ),
        )
        page.on("pageerror", lambda error: console_errors.append(f"{page.url}: {error}"))
        return page

    yield open_page
    for context in contexts:
        context.close()
    if console_errors:
        pytest.fail("browser console errors:\n" + "\n".join(console_errors), pytrace=False)


@pytest.fixture
def phone(browser, fresh_site, console_errors):
    """Opens a new phone (its own cookies) on the fresh site."""
    yield from _opener(browser, fresh_site, console_errors, PHONE)


@pytest.fixture
def desk(browser, fresh_site, console_errors):
    """Opens a new desktop browser (its own cookies) on the fresh site."""
    yield from _opener(browser, fresh_site, console_errors, DESKTOP)


@pytest.fixture
def first_admin() -> Account:
    """The first admin as `flask create-admin` made them, with the first password (the
    journey replaces it at the first login: `steps.admin_logs_in_first_time`)."""
    return Account(ADMIN_LOGIN, ADMIN_FIRST_PASSWORD, ADMIN_NAME)

"""Browser tests: a live server on its own SQLite file, with CSRF on as in production,
driven by the system Chromium through Playwright at a phone's size.

The top-level autouse `db` fixture still runs (for the unit-test app); e2e data lives in
the live server's database and is never emptied, so every test makes its own people.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

from app import create_app
from app.demo import services as demo
from app.extensions import db
from config import TestConfig
from tests import factories
from tests.conftest import skip_or_fail
from tests.fakes.wechat import RunningWeChat

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
    "locale": "zh-CN",
    # Bootstrap then opens the menu without its 0.35 s slide; its JS still does the work.
    "reduced_motion": "reduce",
}
DESKTOP = {
    "viewport": {"width": 1280, "height": 800},
    "locale": "zh-CN",
    "reduced_motion": "reduce",
}
TIMEOUT_MS = 10_000


@dataclass
class LiveServer:
    url: str
    app: Flask


@dataclass
class Person:
    id: int
    student_number: str
    password: str
    name: str
    email: str | None


def site_app(folder: Path) -> Flask:
    """The app as a browser meets it (CSRF on), on its own SQLite file in `folder`."""
    return create_app(
        TestConfig,
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{folder / 'site.sqlite'}",
        UPLOAD_DIR=str(folder / "uploads"),
        WTF_CSRF_ENABLED=True,
    )


@contextmanager
def serving(app: Flask) -> Iterator[LiveServer]:
    """Serve `app` on a random loopback port in a thread until the block ends."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="e2e-live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(url=f"http://127.0.0.1:{server.server_port}", app=app)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory) -> Iterator[LiveServer]:
    app = site_app(tmp_path_factory.mktemp("e2e"))
    with app.app_context():
        db.create_all()
    with serving(app) as server:
        yield server


@pytest.fixture(scope="session")
def demo_site(tmp_path_factory) -> Iterator[LiveServer]:
    """A live server on the demo data, plus the few objects it leaves out (a certificate,
    a shared report, a draft, a data-hub source), for visiting every page as every demo
    role: the accessibility check and the user guide's screenshots."""
    from tests.e2e.a11y.urls import add_shared_objects

    app = site_app(tmp_path_factory.mktemp("demo"))
    with app.app_context():
        db.create_all()
        demo.load_demo_data()
        add_shared_objects()
        db.session.commit()
        db.session.remove()
    with serving(app) as server:
        yield server


@pytest.fixture
def make_person(live_server) -> Callable[..., Person]:
    """Create a person in the live server's database; returns their login facts."""

    def make(**kwargs) -> Person:
        password = kwargs.setdefault("password", factories.PASSWORD)
        with live_server.app.app_context():
            user = factories.person(**kwargs)
            db.session.commit()
            person = Person(
                id=user.id,
                student_number=user.student_number,
                password=password,
                name=user.name,
                email=user.email,
            )
            db.session.remove()
        return person

    return make


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        skip_or_fail(f"no Chromium at {CHROMIUM}")
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError:
        skip_or_fail("the playwright package is not installed")
    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


# A form sent back with its errors answers 400 by design; Chromium logs that page load as a
# console error, which is not one of the page's.
REFUSED_FORM = "the server responded with a status of 400 (BAD REQUEST)"


@pytest.fixture
def console_errors() -> list[str]:
    """Console errors (CSP violations included) and uncaught exceptions of this test's
    pages; checked after the test."""
    return []


def page_opener(browser, base_url: str, console_errors: list[str], options: dict):
    """Yields a function that opens a page in a fresh browser context (its own cookies, as
    another device would) with `options` (PHONE, DESKTOP); console errors are collected
    and fail the test afterwards."""
    contexts = []

    def open_page():
        context = browser.new_context(base_url=base_url, **options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.on(
            "console",
            lambda msg: (
                console_errors.append(f"{page.url}: {msg.text}")
                if msg.type == "error" and REFUSED_FORM not in msg.text
                else None
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
def new_page(browser, live_server, console_errors):
    """Open a page in a fresh browser context (its own cookies), as a second phone would."""
    yield from page_opener(browser, live_server.url, console_errors, PHONE)


@pytest.fixture
def page(new_page):
    return new_page()


WECHAT_PHONE = {
    **PHONE,
    "user_agent": (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.47(0x18002f2f) NetType/WIFI "
        "Language/zh_CN"
    ),
}
WECHAT_SETTINGS = (
    "WECHAT_APP_ID",
    "WECHAT_APP_SECRET",
    "WECHAT_API_BASE",
    "WECHAT_OAUTH_BASE",
    "APP_BASE_URL",
)


@pytest.fixture
def wechat_configured(live_server):
    """The live server's Official Account settings pointed at a fake WeChat (its state), and
    the site's address set as in production (links in template messages are built from it)."""
    fake = RunningWeChat()
    config = live_server.app.config
    saved = {name: config.get(name) for name in WECHAT_SETTINGS}
    config.update(
        WECHAT_APP_ID=fake.state.app_id,
        WECHAT_APP_SECRET=fake.state.secret,
        WECHAT_API_BASE=fake.url,
        WECHAT_OAUTH_BASE=fake.url,
        APP_BASE_URL=live_server.url,
    )
    yield fake.state
    config.update(saved)
    fake.stop()


@pytest.fixture
def in_wechat(browser, live_server, console_errors):
    """Opens a page in WeChat's browser, each in a fresh context as another phone would."""
    yield from page_opener(browser, live_server.url, console_errors, WECHAT_PHONE)

"""Whole-product journeys: each test module gets a fresh site, built the way a real
installation starts (`flask db upgrade` on an empty database, then `flask create-admin`),
and from then on everything happens through the browser.

Students use a phone (the `phone` fixture, 390×844), staff a desktop (`desk`, 1280×800).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask_migrate import upgrade

from tests.e2e.conftest import DESKTOP, PHONE, LiveServer, page_opener, serving, site_app
from tests.e2e.journeys.steps import Account

ADMIN_LOGIN = "L0001"
ADMIN_NAME = "王馆员"
ADMIN_FIRST_PASSWORD = "first-password-1"


@pytest.fixture(scope="module")
def fresh_site(tmp_path_factory) -> Iterator[LiveServer]:
    """A site on an empty SQLite database migrated with Alembic, with one admin created
    by the CLI; served on a random port for this module's journey."""
    app = site_app(tmp_path_factory.mktemp("journey"))
    with app.app_context():
        upgrade()
    result = app.test_cli_runner().invoke(
        args=["create-admin", "--login", ADMIN_LOGIN, "--name", ADMIN_NAME],
        input=f"{ADMIN_FIRST_PASSWORD}\n{ADMIN_FIRST_PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    with serving(app) as server:
        yield server


@pytest.fixture
def phone(browser, fresh_site, console_errors):
    """Opens a new phone (its own cookies) on the fresh site."""
    yield from page_opener(browser, fresh_site.url, console_errors, PHONE)


@pytest.fixture
def desk(browser, fresh_site, console_errors):
    """Opens a new desktop browser (its own cookies) on the fresh site."""
    yield from page_opener(browser, fresh_site.url, console_errors, DESKTOP)


@pytest.fixture
def first_admin() -> Account:
    """The first admin as `flask create-admin` made them, with the first password (the
    journey replaces it at the first login: `steps.admin_logs_in_first_time`)."""
    return Account(ADMIN_LOGIN, ADMIN_FIRST_PASSWORD, ADMIN_NAME)

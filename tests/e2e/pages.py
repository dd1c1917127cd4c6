"""What a person does on every page: open the phone menu, log in, log out."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

SHOWN = re.compile(r"\bshow\b")


def open_menu(page: Page) -> None:
    """Tap the navbar toggler (collapsed on a phone) and wait until Bootstrap has opened it."""
    toggler = page.locator("button.navbar-toggler")
    expect(toggler).to_be_visible()
    if toggler.get_attribute("aria-expanded") != "true":
        toggler.tap()
    expect(toggler).to_have_attribute("aria-expanded", "true")
    expect(page.locator("#main-nav")).to_have_class(SHOWN)


def open_nav_menu(page: Page, name: str) -> None:
    """Open the phone menu, then one of its groups ("me", "coordinate", "admin")."""
    open_menu(page)
    toggle = page.get_by_test_id(f"nav-{name}")
    if toggle.get_attribute("aria-expanded") != "true":
        toggle.tap()
    expect(toggle).to_have_attribute("aria-expanded", "true")


def fill_login(page: Page, identifier: str, password: str, remember: bool = True) -> None:
    """On the login page, in either language: fill it in and submit."""
    page.locator("#identifier").fill(identifier)
    page.locator("#password").fill(password)
    page.locator("#remember").set_checked(remember)
    page.locator("main form [type=submit]").tap()


def log_in(page: Page, person, password: str | None = None, remember: bool = True) -> None:
    page.goto("/login")
    fill_login(page, person.student_number, password or person.password, remember)
    expect(page.locator("[data-testid=current-user]")).to_be_attached()
    page.wait_for_load_state()


def settle(page: Page) -> None:
    """Wait until the page's requests are done. Every response to a logged-in browser
    re-sends the session cookie (static files too), so one still in flight could put back
    a cookie the test has just removed."""
    page.wait_for_load_state("networkidle")


def log_out(page: Page) -> None:
    open_menu(page)
    page.locator("nav form[action$='/logout'] [type=submit]").tap()
    expect(page).to_have_url(re.compile(r"/login$"))

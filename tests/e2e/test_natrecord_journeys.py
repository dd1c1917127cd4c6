"""A volunteer adds their national volunteer number and, with the key configured and their
consent, their ID-card number on a phone; the page then shows only its last four
characters, and withdrawing the consent takes it away."""

from __future__ import annotations

from cryptography.fernet import Fernet
from playwright.sync_api import Page, expect

from tests.e2e.pages import log_in
from tests.natrecord.conftest import ID_NUMBER

SETTINGS = ("IDENTITY_ENCRYPTION_KEY", "NATIONAL_EXPORT_ID_NUMBER")


def test_a_volunteer_gives_their_numbers_and_sees_the_id_number_masked(
    page: Page, live_server, make_person
):
    config = live_server.app.config
    saved = {name: config.get(name) for name in SETTINGS}
    config.update(IDENTITY_ENCRYPTION_KEY=Fernet.generate_key().decode())
    config.update(NATIONAL_EXPORT_ID_NUMBER=True)
    try:
        volunteer = make_person(name="李明")
        log_in(page, volunteer)
        page.goto("/profile")
        page.get_by_test_id("national-record-link").tap()
        page.locator("#national_number").fill("3101 0000 0000 01")
        page.get_by_test_id("national-number-save").tap()
        expect(page.locator("#national_number")).to_have_value("31010000000001")

        page.locator("#id_number").fill(ID_NUMBER)
        page.locator("#consent").check()
        page.get_by_test_id("id-number-save").tap()
        expect(page.get_by_test_id("id-number-masked")).to_have_text("**************002X")
        expect(page.locator("body")).not_to_contain_text(ID_NUMBER)
        page.screenshot(path="/tmp/natrecord-identity.png", full_page=True)

        page.once("dialog", lambda dialog: dialog.accept())
        page.get_by_test_id("id-number-withdraw").tap()
        expect(page.get_by_test_id("id-number-form")).to_be_visible()
    finally:
        config.update(saved)

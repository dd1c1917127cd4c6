"""On a phone, a student taps 统一身份认证登录, passes the campus login and is back in the
app logged in; logging out ends the campus login too."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.accounts.cas_server import RunningCas
from tests.e2e.pages import open_menu

SETTINGS = ("CAS_SERVER_URL", "CAS_ATTRIBUTES", "CAS_PROTOCOL")


def test_a_student_logs_in_with_the_campus_login_on_a_phone(page: Page, live_server, make_person):
    person = make_person(name="郑同学", roles=["volunteer"])
    cas = RunningCas()
    config = live_server.app.config
    saved = {name: config.get(name) for name in SETTINGS}
    config.update(
        CAS_SERVER_URL=cas.url,
        CAS_ATTRIBUTES={"student_number": "employeeNumber"},
        CAS_PROTOCOL="3",
    )
    try:
        cas.cas.signed_in = {"user": "zheng", "employeeNumber": person.student_number}
        page.goto("/login")
        page.get_by_test_id("cas-login").tap()
        expect(page.get_by_test_id("current-user")).to_have_text("郑同学")

        open_menu(page)
        page.locator("nav form[action$='/logout'] [type=submit]").tap()
        expect(page).to_have_url(re.compile(r"/login$"))
        assert cas.cas.signed_in is None  # the campus login ended too
        assert "/cas/logout" in cas.cas.requests
    finally:
        config.update(saved)
        cas.stop()

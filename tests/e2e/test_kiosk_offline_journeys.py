"""The kiosk without a connection goes on showing valid codes made in the browser from the
shift's kiosk key, which a phone then uses; and a phone without a connection opening a
check-in page gets a clear page instead of the browser's error."""

from __future__ import annotations

import base64
import re
import time
from datetime import UTC, datetime, timedelta

from playwright.sync_api import Page, expect

from app.checkin import tokens, typed
from app.common.time import utcnow
from app.extensions import db
from app.shifts.models import Shift
from tests.e2e.pages import fill_login, log_in
from tests.e2e.test_checkin_journeys import DECODE, JSQR, lecture_shift


def shown_code(page: Page, shift_id: int, window: int) -> str:
    """The kiosk's code once it shows the one of `window`."""
    image = page.get_by_test_id("kiosk-qr")
    expect(image).to_have_attribute("data-code", re.compile(rf"^{shift_id}\.{window}\."))
    return image.get_attribute("data-code") or ""


def browser_window(page: Page, period: int) -> int:
    return page.evaluate(f"Math.floor(Date.now() / 1000 / {period})")


def offline_errors_only(console_errors: list[str]) -> None:
    """The browser reports each request made without a connection: those, and only those."""
    assert all("ERR_INTERNET_DISCONNECTED" in error for error in console_errors), console_errors
    console_errors.clear()


def test_an_offline_kiosk_keeps_rotating_codes_that_a_phone_can_use(
    page: Page, new_page, live_server, make_person, console_errors
):
    coordinator = make_person(name="陈老师", roles=["coordinator"])
    volunteer = make_person(name="林晓", roles=["volunteer"])
    shift_id = lecture_shift(live_server, coordinator, volunteer)
    period = live_server.app.config["CHECKIN_CODE_SECONDS"]
    page.clock.install()
    log_in(page, coordinator)
    page.goto(f"/checkin/shifts/{shift_id}/kiosk")
    connection = page.get_by_test_id("kiosk-connection")
    expect(connection).to_have_attribute("data-connection", "online")

    # The kiosk's clock a few codes back; it then runs (fast) up to the server's window.
    page.clock.set_system_time(datetime.now(UTC) - timedelta(seconds=4 * period))
    page.context.set_offline(True)
    page.clock.fast_forward(6_000)  # the next poll fails
    expect(connection).to_have_attribute("data-connection", "offline")
    codes = [shown_code(page, shift_id, browser_window(page, period))]
    while browser_window(page, period) < int(time.time()) // period:
        page.clock.fast_forward(period * 1000)
        codes.append(shown_code(page, shift_id, browser_window(page, period)))
    assert len(codes) >= 3 and len(set(codes)) == len(codes), codes  # new codes, offline

    code = codes[-1]
    window = int(code.split(".")[1])
    with live_server.app.app_context():
        assert tokens.read_kiosk_code(code, now=utcnow()).subject_id == shift_id
        expected_digits = typed.typed_code(db.session.get(Shift, shift_id), window)
        db.session.remove()
    expect(page.get_by_test_id("kiosk-typed-code")).to_have_text(expected_digits)
    png = page.get_by_test_id("kiosk-qr").screenshot()
    page.context.set_offline(False)
    offline_errors_only(console_errors)

    phone = new_page()
    phone.goto("/login")
    phone.add_script_tag(url=JSQR)
    url = phone.evaluate(DECODE, base64.b64encode(png).decode("ascii"))
    assert url == f"{live_server.url}/c/{code}"
    phone.goto(url)
    fill_login(phone, volunteer.student_number, volunteer.password)
    expect(phone.get_by_test_id("scan-answer")).to_have_attribute("data-outcome", "checked_in")


def test_a_phone_without_a_connection_is_told_to_type_the_code(
    page: Page, live_server, make_person, console_errors
):
    volunteer = make_person(name="林晓", roles=["volunteer"])
    log_in(page, volunteer)
    page.goto("/checkin/code")
    expect(page.get_by_test_id("typed-code-input")).to_be_visible()
    page.wait_for_function(
        "navigator.serviceWorker.getRegistration('/c/').then(r => Boolean(r && r.active))"
    )

    page.context.set_offline(True)
    page.goto("/c/1.2.ABC", wait_until="commit")

    expect(page.get_by_test_id("checkin-offline")).to_be_visible()
    assert "林晓" not in page.content()
    page.context.set_offline(False)
    offline_errors_only(console_errors)

"""A coordinator's kiosk shows a QR code; a volunteer's phone opens the address read from
that image, logs in, and lands checked in; the kiosk's count follows."""

from __future__ import annotations

import base64
import re
from datetime import timedelta

from playwright.sync_api import Page, expect

from app.accounts import services as accounts
from app.checkin import tokens
from app.common.time import utcnow
from app.extensions import db
from app.recruitment import membership
from tests.checkin import checkin_data as data
from tests.e2e.pages import fill_login, log_in

JSQR = "/static/vendor/jsqr-1.4.0/jsQR.js"
# Runs in the kiosk page: the screenshot drawn on a canvas, read by the vendored jsQR.
DECODE = """async (png) => {
  const image = new Image();
  image.src = "data:image/png;base64," + png;
  await image.decode();
  const canvas = document.createElement("canvas");
  canvas.width = image.naturalWidth;
  canvas.height = image.naturalHeight;
  const context = canvas.getContext("2d");
  context.drawImage(image, 0, 0);
  const pixels = context.getImageData(0, 0, canvas.width, canvas.height);
  const found = jsQR(pixels.data, canvas.width, canvas.height);
  return found ? found.data : null;
}"""


def lecture_shift(live_server, coordinator, volunteer) -> int:
    """A shift starting in ten minutes (check-in open), coordinated by `coordinator`, with
    `volunteer` confirmed on it."""
    with live_server.app.app_context():
        team = data.team(coordinators=[accounts.get_person(coordinator.id)])
        membership.join_team(team.id, volunteer.id)
        task = data.task(team, title="读书会签到", location="江安报告厅")
        shift = data.shift(task, starts_in=timedelta(minutes=10), hours=2)
        data.signed_up(shift, accounts.get_person(volunteer.id))
        db.session.commit()
        shift_id = shift.id
        db.session.remove()
    return shift_id


def read_qr(page: Page, test_id: str) -> str | None:
    """Decode the QR code from a screenshot of the element, as a phone camera would."""
    png = page.get_by_test_id(test_id).screenshot()
    page.add_script_tag(url=JSQR)
    return page.evaluate(DECODE, base64.b64encode(png).decode("ascii"))


def test_a_volunteer_scans_the_kiosk_code_logs_in_and_is_checked_in(
    page: Page, new_page, live_server, make_person
):
    coordinator = make_person(name="陈老师", roles=["coordinator"])
    volunteer = make_person(name="林晓", roles=["volunteer"])
    shift_id = lecture_shift(live_server, coordinator, volunteer)

    log_in(page, coordinator)
    page.goto(f"/checkin/shifts/{shift_id}/kiosk")
    expect(page.get_by_test_id("kiosk-title")).to_have_text("读书会签到")
    expect(page.locator('[data-count="in"]')).to_have_text("0")
    url = read_qr(page, "kiosk-qr")
    assert url is not None, "the kiosk's QR code could not be read"
    assert re.fullmatch(re.escape(live_server.url) + r"/c/[0-9A-Z.]+", url)

    phone = new_page()
    phone.goto(url)
    expect(phone).to_have_url(re.compile(r"/login\?next="))
    fill_login(phone, volunteer.student_number, volunteer.password)

    answer = phone.get_by_test_id("scan-answer")
    expect(answer).to_have_attribute("data-outcome", "checked_in")
    expect(phone.get_by_test_id("scan-name")).to_have_text("林晓")
    expect(phone.get_by_test_id("scan-shift")).to_have_text("读书会签到")
    assert phone.url == url

    # The kiosk polls its state: the count follows without a reload.
    expect(page.locator('[data-count="in"]')).to_have_text("1")


def test_a_volunteer_shows_a_personal_code_a_scanner_can_read(page: Page, live_server, make_person):
    volunteer = make_person(name="陆遥", roles=["volunteer"])

    log_in(page, volunteer)
    page.goto("/checkin/my-code")
    expect(page.get_by_test_id("my-code-name")).to_have_text("陆遥")
    expect(page.get_by_test_id("my-code-number")).to_have_text(volunteer.student_number)
    code = read_qr(page, "my-code-qr")

    assert code is not None, "the personal QR code could not be read"
    with live_server.app.app_context():
        assert tokens.read_personal_code(code, now=utcnow()).subject_id == volunteer.id

"""Home at phone size (390x844): a volunteer with a running shift is checked in within two
taps, in WeChat (its scanner, stubbed as in test_wechat_scanner_journeys) and elsewhere (the
page's camera: Chromium's fake camera shows the kiosk's QR code, taken from a screenshot of
the kiosk and written as a Y4M video with Pillow); a new member sees the way in and its
button books the training shift."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from pathlib import Path

from PIL import Image
from playwright.sync_api import Page, expect

from app.checkin.models import Attendance
from app.extensions import db
from app.recruitment import membership
from app.shifts.models import ShiftSignup
from tests.checkin import checkin_data as data
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, PHONE, TIMEOUT_MS
from tests.e2e.pages import log_in
from tests.e2e.test_checkin_journeys import lecture_shift
from tests.e2e.test_wechat_scanner_journeys import STUB_WX

# The stub's record of scans is lost when the page leaves for the address read: keep a count
# in the tab's sessionStorage too.
REMEMBER_SCANS = """
(function () {
  var scan = window.wx.scanQRCode;
  window.wx.scanQRCode = function (options) {
    sessionStorage.setItem("wx-scans", String(Number(sessionStorage.getItem("wx-scans")) + 1));
    return scan(options);
  };
})();
"""


def _checked_in(live_server, volunteer_id: int) -> bool:
    with live_server.app.app_context():
        record = db.session.query(Attendance).filter_by(user_id=volunteer_id).one_or_none()
        db.session.remove()
        return record is not None and record.status == "in"


def _running_shift(live_server, make_person, page: Page):
    """林晓 on a shift whose check-in is open, and its coordinator's kiosk open on `page`.
    Returns the volunteer."""
    coordinator = make_person(name="陈老师", roles=["coordinator"])
    volunteer = make_person(name="林晓", roles=["volunteer"])
    shift_id = lecture_shift(live_server, coordinator, volunteer)
    log_in(page, coordinator)
    page.goto(f"/checkin/shifts/{shift_id}/kiosk")
    return volunteer


def _y4m(png: bytes, path: Path, *, size: tuple[int, int] = (640, 480), frames: int = 5):
    """A short video of the image (centred on white) in YUV4MPEG2: header, then per frame
    'FRAME' and the I420 planes (grey QR: Y is the image, U and V neutral)."""
    width, height = size
    code = Image.open(io.BytesIO(png)).convert("L")
    code.thumbnail((height - 40, height - 40))
    canvas = Image.new("L", size, 255)
    canvas.paste(code, ((width - code.width) // 2, (height - code.height) // 2))
    luma = canvas.tobytes()
    chroma = bytes([128]) * (width // 2 * height // 2)
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F5:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            out.write(b"FRAME\n" + luma + chroma + chroma)


def test_in_wechat_a_volunteer_is_checked_in_from_home_in_one_tap(
    live_server, make_person, wechat_configured, in_wechat, page
):
    volunteer = _running_shift(live_server, make_person, page)
    kiosk_url = page.get_by_test_id("kiosk-qr").get_attribute("data-url")  # what a scan reads
    wechat_configured.wechat_user = f"o_e2e_{volunteer.id}"
    phone = in_wechat()
    phone.add_init_script(STUB_WX)
    phone.add_init_script(f"window.__scanned = {kiosk_url!r};")
    phone.add_init_script(REMEMBER_SCANS)
    log_in(phone, volunteer)
    phone.goto("/")

    taps = 0
    running = phone.get_by_test_id("today-running")
    expect(running).to_contain_text("读书会签到")
    phone.wait_for_function("window.__wx.configured !== null")
    running.get_by_test_id("home-scan").click()
    taps += 1

    expect(phone.get_by_test_id("scan-answer")).to_have_attribute("data-outcome", "checked_in")
    assert taps <= 2 and _checked_in(live_server, volunteer.id)
    assert phone.evaluate("sessionStorage.getItem('wx-scans')") == "1"  # WeChat's scanner read it

    phone.goto("/")  # home now says since when, and scanning again checks out
    expect(phone.get_by_test_id("today-checked-in")).to_be_visible()


def test_outside_wechat_the_camera_reads_the_kiosk_and_checks_in_in_one_tap(
    live_server, make_person, browser, page, tmp_path
):
    volunteer = _running_shift(live_server, make_person, page)
    video = tmp_path / "kiosk.y4m"
    _y4m(page.get_by_test_id("kiosk-qr").screenshot(), video)  # the kiosk's current QR

    camera_browser = browser.browser_type.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=[
            *CHROMIUM_ARGS,
            "--use-fake-device-for-media-stream",
            "--use-fake-ui-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ],
    )
    try:
        context = camera_browser.new_context(base_url=live_server.url, **PHONE)
        context.set_default_timeout(TIMEOUT_MS)
        context.grant_permissions(["camera"])
        phone = context.new_page()
        log_in(phone, volunteer)
        phone.goto("/")
        expect(phone.get_by_test_id("today-running")).to_contain_text("读书会签到")

        taps = 0
        phone.get_by_test_id("home-scan").click()
        taps += 1

        expect(phone).to_have_url(re.compile(r"/c/[0-9A-Z.]+$"))
        expect(phone.get_by_test_id("scan-answer")).to_have_attribute("data-outcome", "checked_in")
        assert taps <= 2 and _checked_in(live_server, volunteer.id)
    finally:
        camera_browser.close()


def test_a_new_member_sees_the_steps_and_books_the_training_shift(live_server, make_person, page):
    volunteer = make_person(name="王小明", roles=["volunteer"])
    with live_server.app.app_context():
        team = data.team(name="新生导览队")
        team.requires_onboarding = True
        membership.join_team(team.id, volunteer.id)
        training = data.task(team, title="新志愿者培训", location="江安图书馆报告厅")
        training.kind, training.is_onboarding = "training", True
        shift = data.shift(training, starts_in=timedelta(days=3), capacity=10)
        for n in range(3):  # ordinary shifts the member cannot take yet
            data.shift(data.task(team, title=f"总服务台值班{n}"), starts_in=timedelta(days=n + 1))
        db.session.commit()
        shift_id = shift.id
        db.session.remove()

    log_in(page, volunteer)
    page.goto("/")
    steps = page.get_by_test_id("onboarding")
    expect(steps).to_be_visible()
    expect(steps.get_by_test_id("step-apply")).to_have_attribute("data-done", "yes")
    expect(steps.get_by_test_id("step-accepted")).to_have_attribute("data-done", "yes")
    expect(steps.get_by_test_id("step-book")).to_have_attribute("data-done", "no")
    expect(steps.get_by_test_id("onboarding-next")).to_contain_text("新志愿者培训")
    page.screenshot(path="/tmp/hv/home-new-member.png", full_page=True)

    steps.get_by_test_id("onboarding-button").click()

    expect(page).to_have_url(re.compile(r"/shifts/mine$"))
    with live_server.app.app_context():
        booked = db.session.query(ShiftSignup).filter_by(user_id=volunteer.id).one()
        assert booked.shift_id == shift_id and booked.status == "confirmed"
        db.session.remove()
    page.goto("/")
    expect(page.get_by_test_id("step-book")).to_have_attribute("data-done", "yes")

"""In WeChat's browser, a coordinator's scanner page offers WeChat's own scanner: its result
checks the volunteer in as a camera scan would. WeChat's JS-SDK talks to the WeChat app, which
is not here, so the test puts a stand-in `wx` in the page before it loads (the vendored SDK
keeps a `wx` it finds)."""

from __future__ import annotations

from playwright.sync_api import expect

from app.checkin import tokens
from app.checkin.models import Attendance
from app.common.time import utcnow
from app.extensions import db
from tests.e2e.pages import log_in
from tests.e2e.test_checkin_journeys import lecture_shift
from tests.recruitment import recruiting

# WeChat's `wx`, as far as our pages use it; scanQRCode answers with the code in
# `window.__scanned` and records what it was asked, as the share calls do.
STUB_WX = """
window.__wx = { configured: null, scans: [], shared: [] };
window.wx = window.jWeixin = {
  config: function (settings) { window.__wx.configured = settings; },
  ready: function (callback) { window.setTimeout(callback, 0); },
  error: function () {},
  scanQRCode: function (options) {
    window.__wx.scans.push({ needResult: options.needResult, scanType: options.scanType });
    options.success({ errMsg: "scanQRCode:ok", resultStr: window.__scanned });
  },
  updateAppMessageShareData: function (card) { window.__wx.shared.push(card); },
  updateTimelineShareData: function (card) { window.__wx.shared.push(card); },
};
"""


def test_the_coordinator_scans_with_wechat_and_the_volunteer_is_checked_in(
    live_server, make_person, wechat_configured, in_wechat
):
    coordinator = make_person(name="陈老师", roles=["coordinator"])
    volunteer = make_person(name="林晓", roles=["volunteer"])
    shift_id = lecture_shift(live_server, coordinator, volunteer)
    wechat_configured.wechat_user = f"o_e2e_{coordinator.id}"
    page = in_wechat()
    page.add_init_script(STUB_WX)
    log_in(page, coordinator)
    with live_server.app.app_context():
        code = tokens.personal_code(volunteer.id, now=utcnow())
    page.add_init_script(f"window.__scanned = {code!r};")
    page.goto(f"/attendance/shifts/{shift_id}/scanner")

    wechat_scan = page.get_by_test_id("scanner-wechat")
    expect(wechat_scan).to_be_visible()
    settings = page.evaluate("window.__wx.configured")
    assert settings["appId"] == wechat_configured.app_id and len(settings["signature"]) == 40
    assert "scanQRCode" in settings["jsApiList"]
    wechat_scan.click()

    expect(page.get_by_test_id("scan-answer")).to_contain_text("林晓")
    assert page.evaluate("window.__wx.scans") == [{"needResult": 1, "scanType": ["qrCode"]}]
    with live_server.app.app_context():
        checked_in = db.session.query(Attendance).filter_by(user_id=volunteer.id).one()
        assert checked_in.checked_in_at is not None
        db.session.remove()


def test_a_campaign_shared_from_wechat_has_its_title_description_link_and_poster(
    live_server, make_person, wechat_configured, in_wechat
):
    volunteer = make_person(name="林晓", roles=["volunteer"])
    with live_server.app.app_context():
        campaign = recruiting.campaign(recruiting.team(), title="寒假图书整理招募")
        db.session.commit()
        campaign_id = campaign.id
        db.session.remove()
    wechat_configured.wechat_user = f"o_e2e_{volunteer.id}"
    page = in_wechat()
    page.add_init_script(STUB_WX)
    log_in(page, volunteer)
    page.goto(f"/recruitment/campaigns/{campaign_id}")

    expect(page.get_by_test_id("share")).to_be_visible()
    page.wait_for_function("window.__wx.shared.length === 2")
    friend, timeline = page.evaluate("window.__wx.shared")
    link = f"{live_server.url}/recruitment/campaigns/{campaign_id}"
    assert friend == {
        "title": "寒假图书整理招募",
        "desc": friend["desc"],
        "link": link,
        "imgUrl": f"{link}/share.png",
    }
    assert friend["desc"]  # the team's name, as in the Open Graph tags
    assert timeline == {"title": "寒假图书整理招募", "link": link, "imgUrl": f"{link}/share.png"}


def test_the_vendored_sdk_loads_in_wechats_browser_without_errors(
    live_server, make_person, wechat_configured, in_wechat
):
    person = make_person(name="林晓", roles=["volunteer"])
    wechat_configured.wechat_user = f"o_e2e_{person.id}"
    page = in_wechat()
    log_in(page, person)
    page.goto("/shifts")
    expect(page.get_by_test_id("wechat-jssdk")).to_be_attached()
    assert page.evaluate("typeof window.wx.scanQRCode") == "function"
    assert page.evaluate("typeof window.module") == "undefined"

"""In WeChat's browser, a student opens the site from the library's Official Account menu:
the first time WeChat's silent authorisation sends them to the login page, they log in once
and their WeChat is bound; on a later visit (new cookies, same WeChat) they are in at once."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import PHONE, page_opener
from tests.e2e.pages import fill_login
from tests.fakes.wechat import RunningWeChat

WECHAT_PHONE = {
    **PHONE,
    "user_agent": (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.47(0x18002f2f) NetType/WIFI "
        "Language/zh_CN"
    ),
}
SETTINGS = ("WECHAT_APP_ID", "WECHAT_APP_SECRET", "WECHAT_API_BASE", "WECHAT_OAUTH_BASE")


def test_open_from_the_menu_bind_once_then_be_logged_in_silently(
    browser, live_server, console_errors, make_person
):
    person = make_person(name="微信同学", roles=["volunteer"])
    fake = RunningWeChat()
    fake.state.wechat_user = f"o_e2e_{person.id}"
    config = live_server.app.config
    saved = {name: config.get(name) for name in SETTINGS}
    config.update(
        WECHAT_APP_ID=fake.state.app_id,
        WECHAT_APP_SECRET=fake.state.secret,
        WECHAT_API_BASE=fake.url,
        WECHAT_OAUTH_BASE=fake.url,
    )
    opener = page_opener(browser, live_server.url, console_errors, WECHAT_PHONE)
    open_page = next(opener)
    try:
        page = open_page()
        page.goto("/shifts")
        expect(page).to_have_url(re.compile(r"/login\?next=(%2F|/)shifts"))
        expect(page.get_by_test_id("wechat-will-bind")).to_be_visible()
        fill_login(page, person.student_number, person.password)
        expect(page).to_have_url(re.compile(r"/shifts/(#wechat_redirect)?$"))
        page.goto("/profile")
        expect(
            page.get_by_test_id("wechat-binding").get_by_test_id("wechat-unbind")
        ).to_be_visible()

        later = open_page()  # another day: no cookies, the same WeChat
        later.goto("/shifts")
        expect(later).to_have_url(re.compile(r"/shifts/(#wechat_redirect)?$"))
        expect(later.get_by_test_id("current-user")).to_have_text("微信同学")
    finally:
        next(opener, None)
        config.update(saved)
        fake.stop()

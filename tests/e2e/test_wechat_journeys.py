"""In WeChat's browser, a student opens the site from the library's Official Account menu:
the first time WeChat's silent authorisation sends them to the login page, they log in once
and their WeChat is bound; on a later visit (new cookies, same WeChat) they are in at once."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.pages import fill_login


def test_open_from_the_menu_bind_once_then_be_logged_in_silently(
    make_person, wechat_configured, in_wechat
):
    person = make_person(name="微信同学", roles=["volunteer"])
    wechat_configured.wechat_user = f"o_e2e_{person.id}"
    page = in_wechat()
    page.goto("/shifts")
    expect(page).to_have_url(re.compile(r"/login\?next=(%2F|/)shifts"))
    expect(page.get_by_test_id("wechat-will-bind")).to_be_visible()
    fill_login(page, person.student_number, person.password)
    expect(page).to_have_url(re.compile(r"/shifts/(#wechat_redirect)?$"))
    page.goto("/profile")
    expect(page.get_by_test_id("wechat-binding").get_by_test_id("wechat-unbind")).to_be_visible()

    later = in_wechat()  # another day: no cookies, the same WeChat
    later.goto("/shifts")
    expect(later).to_have_url(re.compile(r"/shifts/(#wechat_redirect)?$"))
    expect(later.get_by_test_id("current-user")).to_have_text("微信同学")

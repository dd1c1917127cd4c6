"""Accounts journeys as a person on a phone goes through them: login, remember me,
language, profile and password. Chinese texts are the app's own translations."""

from __future__ import annotations

import importlib.util
import re

import pytest

from app.accounts.models import User
from app.extensions import db
from tests.conftest import STRICT

if importlib.util.find_spec("playwright") is None:
    if STRICT:
        pytest.fail("strict mode: the playwright package is not installed", pytrace=False)
    pytest.skip("the playwright package is not installed", allow_module_level=True)

from playwright.sync_api import Page, expect

from tests.e2e.pages import fill_login, log_in, log_out, open_menu, open_nav_menu, settle

WRONG_LOGIN_ZH = "学号、邮箱或密码不正确。"
WRONG_LOGIN_EN = "Student number, email or password is not correct."
PROFILE_SAVED_ZH = "个人资料已保存。"
BAD_EMAIL_ZH = "请输入有效的电子邮箱。"
PASSWORDS_DIFFER_ZH = "两次输入的密码不一致。"
PASSWORD_CHANGED_ZH = "密码已修改。"
LOGGED_OUT_ZH = "你已退出登录。"
PLEASE_LOG_IN_ZH = "请登录后查看此页面。"


def url_path(path: str) -> re.Pattern[str]:
    """Matches a page URL by its path (and query), whatever the host and port."""
    return re.compile(r"^https?://[^/]+" + re.escape(path) + "$")


def stored_user(live_server, user_id: int) -> User:
    with live_server.app.app_context():
        user = db.session.get(User, user_id)
        db.session.expunge(user)
        db.session.remove()
    return user


def test_login_journey_on_a_phone(page: Page, make_person):
    person = make_person(name="李小明")
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    page.get_by_role("link", name="使用学号登录").tap()

    expect(page).to_have_url(url_path("/login"))
    expect(page.get_by_role("heading", name="登录")).to_be_visible()
    expect(page.get_by_label("在此设备上保持登录")).to_be_checked()
    page.screenshot(path="/tmp/e2e-login.png", full_page=True)

    page.get_by_label("学号/工号或邮箱").fill(person.student_number)
    page.get_by_label("密码", exact=True).fill("wrong-password-1")
    page.get_by_role("button", name="登录").tap()
    expect(page.locator(".alert-danger")).to_have_text(WRONG_LOGIN_ZH)
    expect(page).to_have_url(url_path("/login"))
    expect(page.get_by_label("学号/工号或邮箱")).to_have_value(person.student_number)
    expect(page.locator("[data-testid=current-user]")).to_have_count(0)

    page.get_by_label("密码", exact=True).fill(person.password)
    page.get_by_role("button", name="登录").tap()
    expect(page).to_have_url(url_path("/"))
    expect(page.get_by_role("heading", name="你好，李小明")).to_be_visible()

    # On a phone the menu is collapsed until the (vendored) Bootstrap JS opens it.
    profile_link = page.get_by_role("link", name="个人资料", exact=True)
    expect(profile_link).to_be_hidden()
    open_nav_menu(page, "me")
    expect(page.locator("[data-testid=current-user]")).to_have_text("李小明")
    page.screenshot(path="/tmp/e2e-menu.png")
    profile_link.tap()
    expect(page).to_have_url(url_path("/profile"))
    expect(page.get_by_role("heading", name="个人资料")).to_be_visible()
    expect(page.get_by_test_id("student-number")).to_have_text(person.student_number)


def test_remembered_login_survives_a_lost_session_cookie(page: Page, make_person):
    person = make_person()
    page.goto("/login")
    fill_login(page, person.email, person.password, remember=True)  # email works too
    expect(page).to_have_url(url_path("/"))
    settle(page)

    context = page.context
    cookies = context.cookies()
    assert {"session", "remember_token"} <= {cookie["name"] for cookie in cookies}
    context.clear_cookies()
    context.add_cookies([cookie for cookie in cookies if cookie["name"] != "session"])

    page.goto("/profile")
    expect(page).to_have_url(url_path("/profile"))
    expect(page.get_by_test_id("student-number")).to_have_text(person.student_number)


def test_without_remember_a_lost_session_cookie_means_logging_in_again(page: Page, make_person):
    person = make_person()
    page.goto("/login")
    fill_login(page, person.student_number, person.password, remember=False)
    expect(page).to_have_url(url_path("/"))
    settle(page)
    assert "remember_token" not in {cookie["name"] for cookie in page.context.cookies()}

    page.context.clear_cookies()
    page.goto("/profile")
    expect(page).to_have_url(url_path("/login?next=%2Fprofile"))
    expect(page.locator(".alert-warning")).to_have_text(PLEASE_LOG_IN_ZH)
    fill_login(page, person.student_number, person.password)
    expect(page).to_have_url(url_path("/profile"))


def test_language_switch_before_login(page: Page, make_person):
    person = make_person()
    page.goto("/")
    expect(page.get_by_role("link", name="使用学号登录")).to_be_visible()
    open_menu(page)
    expect(page.get_by_role("link", name="登录", exact=True)).to_be_visible()
    expect(page.get_by_test_id("switch-en")).to_have_text("English")
    page.get_by_test_id("switch-en").tap()

    expect(page).to_have_url(url_path("/"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_role("link", name="Log in with your student number").tap()
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    expect(page.get_by_label("Keep me logged in on this device")).to_be_checked()
    page.get_by_label("Student/staff number or email").fill(person.student_number)
    page.get_by_label("Password", exact=True).fill("wrong-password-1")
    page.get_by_role("button", name="Log in").tap()
    expect(page.locator(".alert-danger")).to_have_text(WRONG_LOGIN_EN)

    open_menu(page)
    expect(page.get_by_test_id("switch-zh")).to_have_text("中文")
    page.get_by_test_id("switch-zh").tap()
    expect(page).to_have_url(url_path("/login"))
    expect(page.get_by_role("heading", name="登录")).to_be_visible()


def test_language_chosen_before_login_is_kept_after_login(page: Page, make_person):
    person = make_person(name="王五")
    page.goto("/login")
    open_menu(page)
    page.get_by_test_id("switch-en").tap()
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    fill_login(page, person.student_number, person.password)
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text("王五")
    assert heading.inner_text() == "Hello, 王五"


def test_language_choice_is_stored_per_person(new_page, make_person, live_server):
    person = make_person(name="赵六")
    phone = new_page()
    log_in(phone, person)
    expect(phone.get_by_role("heading", name="你好，赵六")).to_be_visible()
    open_menu(phone)
    phone.get_by_test_id("switch-en").tap()
    expect(phone).to_have_url(url_path("/"))
    expect(phone.locator("html")).to_have_attribute("lang", "en")
    expect(phone.get_by_role("heading", name="Hello, 赵六")).to_be_visible()
    open_nav_menu(phone, "me")
    expect(phone.get_by_role("link", name="My profile", exact=True)).to_be_visible()
    assert stored_user(live_server, person.id).locale == "en"

    log_out(phone)
    expect(phone.get_by_role("heading", name="Log in")).to_be_visible()

    # Another phone: Chinese until this person logs in.
    other = new_page()
    other.goto("/login")
    expect(other.get_by_role("heading", name="登录")).to_be_visible()
    fill_login(other, person.student_number, person.password)
    expect(other.get_by_role("heading", name="Hello, 赵六")).to_be_visible()
    open_nav_menu(other, "me")
    expect(other.get_by_role("link", name="My profile", exact=True)).to_be_visible()

    other.get_by_test_id("switch-zh").tap()
    expect(other.get_by_role("heading", name="你好，赵六")).to_be_visible()
    other.reload()
    expect(other.get_by_role("heading", name="你好，赵六")).to_be_visible()
    assert stored_user(live_server, person.id).locale == "zh"


def test_profile_journey(page: Page, make_person, live_server):
    person = make_person(name="孙七")
    log_in(page, person)
    open_nav_menu(page, "me")
    page.get_by_role("link", name="个人资料", exact=True).tap()
    expect(page.get_by_role("heading", name="个人资料")).to_be_visible()

    nickname = page.get_by_label("昵称")
    phone = page.get_by_label("手机号码")
    email = page.get_by_label("电子邮箱")
    hide = page.get_by_label("不在公开排行榜中显示我")
    expect(hide).not_to_be_checked()
    nickname.fill("小七")
    phone.fill("13800138000")
    hide.check()
    page.get_by_role("button", name="保存").tap()

    expect(page.locator(".alert-success")).to_have_text(PROFILE_SAVED_ZH)
    expect(page).to_have_url(url_path("/profile"))
    expect(page.get_by_test_id("current-user")).to_have_text("小七")
    page.screenshot(path="/tmp/e2e-profile.png", full_page=True)

    page.reload()
    expect(page.locator(".alert-success")).to_have_count(0)
    expect(nickname).to_have_value("小七")
    expect(phone).to_have_value("13800138000")
    expect(email).to_have_value(person.email)
    expect(hide).to_be_checked()

    nickname.fill("七七")
    email.fill("not-an-email")
    page.get_by_role("button", name="保存").tap()
    error = page.locator(".invalid-feedback", has_text=BAD_EMAIL_ZH)
    expect(error).to_be_visible()
    expect(email).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(page.locator(".alert-success")).to_have_count(0)
    expect(nickname).to_have_value("七七")
    expect(phone).to_have_value("13800138000")
    expect(email).to_have_value("not-an-email")
    expect(hide).to_be_checked()
    page.screenshot(path="/tmp/e2e-profile-error.png", full_page=True)

    user = stored_user(live_server, person.id)
    assert (user.nickname, user.phone, user.email, user.hide_from_boards) == (
        "小七",
        "13800138000",
        person.email,
        True,
    )


def test_change_password_journey(new_page, make_person):
    person = make_person(name="周八")
    new_password = "brand-new-pass-42"
    page = new_page()
    log_in(page, person)
    other_phone = new_page()
    log_in(other_phone, person)

    page.goto("/profile")
    page.get_by_role("link", name="修改密码").tap()
    expect(page).to_have_url(url_path("/profile/password"))
    expect(page.get_by_role("heading", name="修改密码")).to_be_visible()

    page.get_by_label("当前密码", exact=True).fill(person.password)
    page.get_by_label("新密码", exact=True).fill(new_password)
    page.get_by_label("再次输入新密码", exact=True).fill("something-else-42")
    page.get_by_role("button", name="修改密码").tap()
    expect(page.locator(".invalid-feedback", has_text=PASSWORDS_DIFFER_ZH)).to_be_visible()
    expect(page).to_have_url(url_path("/profile/password"))

    page.get_by_label("当前密码", exact=True).fill(person.password)
    page.get_by_label("新密码", exact=True).fill(new_password)
    page.get_by_label("再次输入新密码", exact=True).fill(new_password)
    page.get_by_role("button", name="修改密码").tap()
    expect(page).to_have_url(url_path("/"))
    expect(page.locator(".alert-success")).to_have_text(PASSWORD_CHANGED_ZH)

    # The password change logs out every other device.
    other_phone.goto("/profile")
    expect(other_phone).to_have_url(url_path("/login?next=%2Fprofile"))

    log_out(page)
    expect(page.locator(".alert-info")).to_have_text(LOGGED_OUT_ZH)
    fill_login(page, person.student_number, person.password)
    expect(page.locator(".alert-danger")).to_have_text(WRONG_LOGIN_ZH)
    fill_login(page, person.student_number, new_password)
    expect(page.get_by_role("heading", name="你好，周八")).to_be_visible()


def test_pages_have_no_console_errors_under_a_strict_csp(page: Page, make_person, console_errors):
    person = make_person()
    response = page.goto("/login")
    assert response is not None
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert page.evaluate("typeof window.bootstrap") == "object"

    page.goto("/")
    log_in(page, person)
    for path in ("/", "/profile", "/profile/password"):
        page.goto(path)
        expect(page.locator("footer")).to_be_visible()
    open_menu(page)
    page.get_by_test_id("switch-en").tap()
    expect(page.get_by_role("heading", name="Change password")).to_be_visible()
    page.goto("/profile")
    expect(page.get_by_role("heading", name="My profile", exact=True)).to_be_visible()
    assert console_errors == []

    # The check can see a CSP violation: an inline script is refused and reported.
    with page.expect_console_message(lambda message: message.type == "error") as message:
        page.evaluate(
            "() => { const s = document.createElement('script');"
            " s.textContent = 'window.inlineRan = true'; document.head.appendChild(s); }"
        )
    assert "Content Security Policy" in message.value.text
    assert page.evaluate("window.inlineRan === undefined")
    console_errors.clear()

"""The interactive API documentation renders under the strict CSP, and "Try it out" works."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from app.api import services as api
from app.extensions import db
from tests import factories

# Reported to the console as errors too, but counted here even if Chromium changes that.
REPORT_CSP = (
    "document.addEventListener('securitypolicyviolation', e => "
    "console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI));"
)


def make_token(live_server) -> tuple[str, str]:
    with live_server.app.app_context():
        user = factories.person(name="王五")
        secret = api.create_token(user, name="docs", scopes=["profile:read"], days=7).secret
        number = user.student_number
        db.session.commit()
        db.session.remove()
    return secret, number


def test_docs_render_under_the_csp_and_try_it_out_works(page: Page, live_server):
    secret, number = make_token(live_server)
    outside: list[str] = []
    page.on(
        "request",
        lambda r: (
            None
            if r.url.startswith(live_server.url) or r.url.startswith("data:")
            else outside.append(r.url)
        ),
    )
    page.add_init_script(REPORT_CSP)
    page.goto("/api/v1/docs")
    expect(page.locator("#operations-me-getMe")).to_be_visible()
    expect(page.locator("#operations-me-listMyTokens")).to_be_visible()

    page.locator("button.authorize").first.click()
    page.locator(".auth-container input").fill(secret)
    page.locator(".auth-btn-wrapper button.authorize").click()
    page.locator(".auth-btn-wrapper button.btn-done").click()

    page.locator("#operations-me-getMe .opblock-summary").click()
    page.locator("#operations-me-getMe button.try-out__btn").click()
    page.locator("#operations-me-getMe button.execute").click()
    responses = page.locator("#operations-me-getMe .live-responses-table")
    expect(responses.locator("tr.response .response-col_status")).to_contain_text("200")
    expect(responses).to_contain_text(number)
    assert outside == []


def test_a_phone_token_for_shifts_is_made_and_the_shift_operations_are_documented(
    page: Page, make_person
):
    """The token page offers the shift and check-in scopes (in Chinese, at a phone's size),
    and the docs page lists the shift, handover and check-in operations."""
    from tests.e2e.pages import log_in

    log_in(page, make_person(name="赵六"))
    page.goto("/profile/tokens")
    for scope in ("shifts:read", "shifts:write", "checkin:write"):
        expect(page.locator(f"input[value='{scope}']")).to_be_attached()
    page.screenshot(path="/tmp/apicore-tokens.png", full_page=True)
    page.goto("/api/v1/docs")
    for operation in ("shifts-listShifts", "shifts-signUpForShift", "checkin-checkIn"):
        expect(page.locator(f"#operations-{operation}")).to_be_visible()
    expect(page.locator("#operations-handovers-takeHandover")).to_be_visible()
    page.screenshot(path="/tmp/apicore-docs.png")

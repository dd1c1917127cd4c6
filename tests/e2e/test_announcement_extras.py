"""A coordinator picks a shift's sign-ups in the audience picker, sees how many people that
is, attaches a PDF and sends; a volunteer opens it on a phone and downloads the PDF; the
coordinator edits it and sees the earlier text, the volunteer sees it marked edited."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from tests.e2e.pages import log_in
from tests.e2e.test_announcement_journeys import run_sending_job, shift_with_two_sign_ups

SCREENSHOTS = Path("/tmp/annextras-screens")
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
ATTACHMENT = {"name": "排班表.pdf", "mimeType": "application/pdf", "buffer": PDF}


def test_an_announcement_with_a_pdf_to_a_shift_downloaded_on_a_phone_then_edited(
    page: Page, new_page, live_server, make_person
):
    SCREENSHOTS.mkdir(exist_ok=True)
    coordinator = make_person(name="陈老师", roles=["coordinator"])
    reader = make_person(name="孙悦", roles=["volunteer"])
    other = make_person(name="周航", roles=["volunteer"])
    shift_id = shift_with_two_sign_ups(live_server, coordinator, [reader, other])

    log_in(page, coordinator)
    page.goto(f"/tasks/shifts/{shift_id}")
    page.get_by_test_id("announce").tap()
    expect(page.get_by_test_id("audience-picker")).to_have_value(f"shift:{shift_id}")
    page.locator("#title").fill("新学期排班表")
    page.locator("#body").fill("排班表见附件，请 **周五前** 确认。")
    page.get_by_test_id("count").tap()
    expect(page.get_by_test_id("reach-count")).to_contain_text("2")
    expect(page.locator("#title")).to_have_value("新学期排班表")
    page.locator("#file").set_input_files(ATTACHMENT)
    page.screenshot(path=str(SCREENSHOTS / "new.png"), full_page=True)
    page.get_by_test_id("send").tap()
    expect(page.get_by_test_id("attachment")).to_contain_text("排班表.pdf")

    run_sending_job(live_server)

    phone = new_page()
    log_in(phone, reader)
    phone.goto("/notifications/")
    phone.get_by_test_id("notification").first.get_by_role("button").tap()
    expect(phone.get_by_test_id("announcement")).to_contain_text("新学期排班表")
    phone.screenshot(path=str(SCREENSHOTS / "read.png"), full_page=True)
    with phone.expect_download() as download:
        phone.get_by_test_id("attachment").get_by_role("link").tap()
    assert download.value.suggested_filename == "排班表.pdf"
    assert Path(download.value.path()).read_bytes() == PDF

    page.reload()
    page.get_by_test_id("edit").tap()
    page.locator("#title").fill("新学期排班表（更新）")
    page.locator("#body").fill("排班表见附件，请 **周四前** 确认。")
    page.screenshot(path=str(SCREENSHOTS / "edit.png"), full_page=True)
    page.get_by_test_id("announcement-edit-form").locator("[type=submit]").tap()
    expect(page.get_by_test_id("edited")).to_be_visible()
    versions = page.get_by_test_id("versions")
    expect(versions).to_contain_text("新学期排班表")
    expect(versions).to_contain_text("周五前")
    expect(versions).to_contain_text("陈老师")
    page.screenshot(path=str(SCREENSHOTS / "receipts.png"), full_page=True)

    phone.reload()
    expect(phone.get_by_test_id("announcement")).to_contain_text("新学期排班表（更新）")
    expect(phone.get_by_test_id("edited")).to_be_visible()
    expect(phone.locator("strong")).to_have_text("周四前")
    phone.screenshot(path=str(SCREENSHOTS / "read-edited.png"), full_page=True)

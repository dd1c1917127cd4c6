"""What people do in the content and reading journeys, one function per thing a person
does through the browser: the admin sets the site up, a reader contributes, an editor
decides, the admin imports people and library use and runs a job.

Every step goes through pages and menus a person sees (no direct database access); the
functions work on a phone (menu collapsed) and on a desktop (menu open).
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from tests.e2e.pages import open_menu

PASSWORD_CHANGED = "密码已修改。"


@dataclass
class Account:
    """Someone's login as the journey knows it: the first password an admin gave them and
    the one they chose at their first login."""

    student_number: str
    name: str
    first_password: str
    password: str


NAVBAR_EXPANDS_AT = 768  # Bootstrap's md breakpoint (navbar-expand-md)


def _collapsed(page: Page) -> bool:
    """Whether the menu hides behind the toggler, by the screen's width (asking whether
    the toggler is visible could be answered before the page's stylesheet has loaded)."""
    return page.viewport_size["width"] < NAVBAR_EXPANDS_AT


def follow_menu(page: Page, item: str, group: str | None = None) -> None:
    """Open an entry of the main menu by its test id, inside `group` ("me", "admin",
    "coordinate") when given; on a phone the collapsed menu is opened first. Waits for the
    page's scripts first: Bootstrap's JS opens the menus."""
    page.wait_for_load_state()
    if _collapsed(page):
        open_menu(page)
    if group:
        toggle = page.get_by_test_id(f"nav-{group}")
        if toggle.get_attribute("aria-expanded") != "true":
            toggle.click()
        expect(toggle).to_have_attribute("aria-expanded", "true")
    link = page.get_by_test_id(item).first
    address = link.get_attribute("href")
    link.click()
    expect(page).to_have_url(re.compile(re.escape(address) + r"(\?.*)?$"))


def log_in_first_time(page: Page, account: Account) -> None:
    """Log in with the first password; the site asks for a new one before anything else."""
    page.goto("/login")
    page.locator("#identifier").fill(account.student_number)
    page.locator("#password").fill(account.first_password)
    page.locator("main form [type=submit]").click()
    expect(page).to_have_url(re.compile(r"/profile/password$"))
    page.locator("#current_password").fill(account.first_password)
    page.locator("#password").fill(account.password)
    page.locator("#confirm").fill(account.password)
    page.locator("main form [type=submit]").click()
    expect(page.locator(".alert-success")).to_contain_text(PASSWORD_CHANGED)
    expect(page.get_by_test_id("current-user")).to_have_text(account.name)


def admin_creates_person(page: Page, account: Account, roles: tuple[str, ...] = ()) -> None:
    """Administration → People → New person, with a first password and roles."""
    follow_menu(page, "nav-people", "admin")
    page.get_by_role("link", name="新增人员").click()
    page.locator("#student_number").fill(account.student_number)
    page.locator("#name").fill(account.name)
    for role in roles:
        page.locator(f"input[name=roles][value={role}]").check()
    page.locator("#password").fill(account.first_password)
    page.locator("main form [type=submit]").first.click()
    expect(page.locator(".alert-success")).to_contain_text(f"已创建 {account.name}")


def admin_creates_video_column(page: Page, code: str, name: str, editors: list[Account]) -> None:
    """Administration → Column settings → New column: a micro-video column with its
    editors."""
    follow_menu(page, "nav-column-admin", "admin")
    page.get_by_test_id("new-column").click()
    page.locator("#name").fill(name)
    page.locator("#code").fill(code)
    page.locator("#kind").select_option("video")
    page.locator("#description").fill("三分钟讲一本书：用**短视频**推荐你喜欢的馆藏。")
    page.locator("#guidelines").fill("横屏拍摄，三分钟以内，注明书名和索书号。")
    page.locator("#accepts_video").check()
    page.locator("#max_media_mb").fill("20")
    page.locator("#credit_minutes").fill("60")
    page.locator("#editors").fill("\n".join(editor.student_number for editor in editors))
    page.get_by_test_id("save-column").click()
    listed = page.get_by_test_id(f"column-{code}")
    expect(listed).to_contain_text(name)
    for editor in editors:
        expect(listed).to_contain_text(editor.name)


# Micro-videos -------------------------------------------------------------------------------

_RECORD_CANVAS = """async ([width, height, millis, colour]) => {
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext("2d");
  const recorder = new MediaRecorder(canvas.captureStream(10), {mimeType: "video/webm;codecs=vp8"});
  const chunks = [];
  recorder.ondataavailable = (event) => chunks.push(event.data);
  const stopped = new Promise((resolve) => { recorder.onstop = resolve; });
  let frame = 0;
  const draw = () => {
    context.fillStyle = colour;
    context.fillRect(0, 0, width, height);
    context.fillStyle = "#fff";
    context.fillRect((frame += 4) % width, 0, 8, height);
  };
  draw();
  const timer = setInterval(draw, 50);
  recorder.start();
  await new Promise((resolve) => setTimeout(resolve, millis));
  recorder.stop();
  await stopped;
  clearInterval(timer);
  const bytes = new Uint8Array(await new Blob(chunks).arrayBuffer());
  let text = "";
  bytes.forEach((byte) => { text += String.fromCharCode(byte); });
  return btoa(text);
}"""


def record_video(browser: Browser, path: Path, colour: str, size=(64, 48)) -> Path:
    """A real, playable WebM (VP8) of a moving bar, recorded from a canvas by the browser's
    own MediaRecorder (no ffmpeg needed), written to `path`."""
    context = browser.new_context()
    try:
        data = context.new_page().evaluate(_RECORD_CANVAS, [*size, 600, colour])
    finally:
        context.close()
    path.write_bytes(base64.b64decode(data))
    return path


def choose_video(page: Page, video: Path) -> None:
    """Pick the video file; it goes up at once and can be played back before submitting."""
    page.locator("#media").set_input_files(video)
    expect(page.locator("#media-preview video")).to_be_attached()
    expect(page.locator("#media_id")).not_to_have_value("")


def reader_submits_video(page: Page, column_code: str, title: str, text: str, video: Path) -> None:
    """Mine → My contributions → Write a contribution → the column; title, text, video,
    Submit for review."""
    follow_menu(page, "nav-my-contributions", "me")
    page.get_by_test_id("new-contribution").click()
    page.get_by_test_id(f"write-{column_code}").click()
    page.locator("#title").fill(title)
    page.locator("#body").fill(text)
    choose_video(page, video)
    page.get_by_test_id("submit-for-review").click()
    expect(page.get_by_test_id("status-submitted")).to_be_visible()
    expect(page.get_by_test_id("page-title")).to_have_text(title)


def editor_opens_submission(page: Page, column_code: str, title: str) -> None:
    """Editorial queue → the column's list → the submission."""
    follow_menu(page, "nav-editorial")
    page.get_by_test_id(f"queue-{column_code}").get_by_text(title).click()
    expect(page.get_by_test_id("page-title")).to_have_text(title)


def editor_requests_changes(page: Page, comment: str) -> None:
    page.get_by_test_id("request-changes-open").click()
    page.get_by_test_id("request-changes-form").locator("textarea").fill(comment)
    page.get_by_test_id("request-changes").click()
    expect(page.get_by_test_id("status-changes_requested")).to_be_visible()


def editor_publishes_now(page: Page) -> None:
    page.get_by_test_id("publish-now").click()
    expect(page.get_by_test_id("status-published")).to_be_visible()


def open_newest_notification(page: Page, expected_text: str) -> None:
    """The bell → the newest notification, which says `expected_text` → Open."""
    page.get_by_test_id("notification-bell").click()
    newest = page.get_by_test_id("notification").first
    expect(newest).to_contain_text(expected_text)
    newest.get_by_role("button", name="查看").click()
    expect(page).not_to_have_url(re.compile(r"/notifications"))


def reader_revises(page: Page, title: str, text: str, video: Path) -> None:
    """From the contribution's page: Edit, change title, text and video, submit again."""
    page.get_by_test_id("edit").click()
    page.locator("#title").fill(title)
    page.locator("#body").fill(text)
    choose_video(page, video)
    page.get_by_test_id("submit-for-review").click()
    expect(page.get_by_test_id("status-submitted")).to_be_visible()
    expect(page.get_by_test_id("page-title")).to_have_text(title)


# Imports and jobs ---------------------------------------------------------------------------


def admin_imports_roster(page: Page, roster: Path, initial_password: str) -> dict[str, str]:
    """Administration → Roster import: upload, read the preview, confirm with a first
    password for the new people. Returns the preview's counts."""
    follow_menu(page, "nav-roster", "admin")
    page.get_by_test_id("roster-upload").locator("input[type=file]").set_input_files(roster)
    page.get_by_test_id("upload").click()
    counts = {
        name: page.get_by_test_id(f"count-{name}").inner_text()
        for name in ("create", "update", "unchanged", "reject")
    }
    confirm = page.get_by_test_id("roster-confirm")
    confirm.locator("input[type=password]").fill(initial_password)
    confirm.locator("[type=submit]").click()
    expect(page.locator(".alert-success")).to_contain_text("名单已导入")
    return counts


def admin_imports_library_use(page: Page, data: Path) -> dict[str, str]:
    """Administration → Library-use data: upload the library system's CSV; returns the
    result page's counts."""
    follow_menu(page, "nav-library-use", "admin")
    upload = page.get_by_test_id("library-use-upload")
    upload.locator("input[type=file]").set_input_files(data)
    upload.get_by_test_id("upload").click()
    expect(page.get_by_test_id("import-counts")).to_be_visible()
    return {
        name: page.get_by_test_id(f"count-{name}").inner_text()
        for name in ("total", "stored", "present", "rejected")
    }


def admin_runs_job(page: Page, job_id: str) -> str:
    """Administration → Jobs → Run now (confirming the browser's question); returns the
    run's counts as the job's page shows them."""
    follow_menu(page, "nav-jobs", "admin")
    page.once("dialog", lambda dialog: dialog.accept())
    job = page.locator(f"[data-testid=job][data-job='{job_id}']")
    job.get_by_role("button", name="立即运行").click()
    expect(page).to_have_url(re.compile(rf"/admin/jobs/{re.escape(job_id)}$"))
    latest = page.get_by_test_id("run").first
    expect(latest.get_by_test_id("run-status")).to_have_attribute("data-status", "succeeded")
    return latest.get_by_test_id("run-counts").inner_text()

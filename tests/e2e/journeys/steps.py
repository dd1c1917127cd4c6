"""What people do in the whole-product journeys, one small function per action, so that a
journey reads as its story. Every step goes through the pages and menus a person sees (no
direct database access); staff use a desktop page (`desk`), students a phone (`phone`), and
every step works on both: on a phone the collapsed menu is opened first.

Steps that press a button asking "are you sure?" accept the browser's dialog, as a person
would. Steps return what a person would read off the page (an id in an address, a link,
counts).
"""

from __future__ import annotations

import base64
import io
import re
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import zxingcpp
from PIL import Image
from playwright.sync_api import Browser, Locator, Page, expect

from tests.e2e.pages import open_menu

ADMIN_PASSWORD = "admin-password-2"  # what the first admin chooses at the first login
PASSWORD_CHANGED = "密码已修改。"
DAY_END = time(23, 59)
NAVBAR_EXPANDS_AT = 768  # Bootstrap's md breakpoint (navbar-expand-md)


@dataclass
class Account:
    """A person as the journey knows them: the login, the password they log in with (the
    one an admin gave until `first_login` returns the one they chose), their name, and
    their id (read off the address of their page in the people admin; 0 when not read)."""

    student_number: str
    password: str
    name: str
    id: int = 0


# --- Small helpers ---------------------------------------------------------------------------


def confirm_and_click(page: Page, button: Locator) -> None:
    """Press a button whose form asks first (data-confirm), and answer yes."""
    page.once("dialog", lambda dialog: dialog.accept())
    button.click()


def id_in_url(page: Page, pattern: str) -> int:
    """The number captured by `pattern` in the page's address, once the address matches
    (the answer to a form may still be on its way)."""
    expect(page).to_have_url(re.compile(pattern))
    found = re.search(pattern, page.url)
    assert found, f"{page.url} does not match {pattern}"
    return int(found.group(1))


def read_qr(png: bytes) -> str:
    """What a phone camera reads from an image holding one QR code."""
    found = [result.text for result in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]
    assert len(found) == 1, f"expected one QR code, read {found}"
    return found[0]


def _collapsed(page: Page) -> bool:
    """Whether the menu hides behind the toggler, by the screen's width (asking whether
    the toggler is visible could be answered before the page's stylesheet has loaded)."""
    return page.viewport_size["width"] < NAVBAR_EXPANDS_AT


def follow_menu(page: Page, item: str, group: str | None = None) -> None:
    """Open an entry of the main menu by its test id, inside `group` ("me", "admin",
    "coordinate") when given; on a phone the collapsed menu is opened first. Waits for the
    page's scripts first (Bootstrap's JS opens the menus), and afterwards for the page the
    entry opens to load, so the next step never acts on the page before (even when the
    entry opens the page one is on)."""
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
    with page.expect_navigation(url=re.compile(re.escape(address) + r"(\?.*)?$")):
        link.click()


def local_now(site) -> datetime:
    """The wall-clock time in the site's zone, which is what people type into forms."""
    return datetime.now(ZoneInfo(site.app.config["TIMEZONE"])).replace(tzinfo=None)


def tomorrow(site) -> date:
    return local_now(site).date() + timedelta(days=1)


def running_slot(site) -> tuple[date, time, time]:
    """A slot today that has started and has not ended: three hours either side of now,
    kept inside today (so at least three hours long at any time of day but the last
    minute). A browser journey cannot wait for a shift to start; a coordinator moves or
    creates it so that it runs now."""
    now = local_now(site).replace(second=0, microsecond=0)
    midnight = datetime.combine(now.date(), time())
    start = max(midnight, now - timedelta(hours=3))
    end = min(datetime.combine(now.date(), DAY_END), now + timedelta(hours=3))
    return now.date(), start.time(), end.time()


def hhmm(moment: time) -> str:
    return moment.strftime("%H:%M")


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


# --- Everyone --------------------------------------------------------------------------------


def submit_login(page: Page, login: str, password: str) -> None:
    """On the login page: fill it in and submit (a click, which phones and desktops take
    alike; `pages.fill_login` taps, which a desktop cannot)."""
    page.locator("#identifier").fill(login)
    page.locator("#password").fill(password)
    page.locator("main form [type=submit]").click()


def log_in(page: Page, person: Account) -> None:
    page.goto("/login")
    submit_login(page, person.student_number, person.password)
    expect(page.get_by_test_id("current-user")).to_have_text(person.name)


def choose_password(page: Page, person: Account, new_password: str) -> Account:
    """On the page a first login is sent to: replace the given password with one's own;
    the site then goes on to the page the person came for. Returns the account with the
    new password."""
    expect(page).to_have_url(re.compile(r"/profile/password(\?next=.*)?$"))
    page.locator("#current_password").fill(person.password)
    page.locator("#password").fill(new_password)
    page.locator("#confirm").fill(new_password)
    page.locator("main form [type=submit]").click()
    expect(page).not_to_have_url(re.compile(r"/profile/password"))
    expect(page.locator(".alert-success")).to_contain_text(PASSWORD_CHANGED)
    expect(page.get_by_test_id("current-user")).to_have_text(person.name)
    return replace(person, password=new_password)


def first_login(page: Page, person: Account, new_password: str) -> Account:
    """Log in with the password an admin gave, and choose one's own when asked (the site
    asks before anything else); returns the account with the new password."""
    page.goto("/login")
    submit_login(page, person.student_number, person.password)
    chosen = choose_password(page, person, new_password)
    expect(page).to_have_url(re.compile(r"/$"))
    return chosen


def admin_logs_in_first_time(page: Page, admin: Account) -> Account:
    """The administrator `flask create-admin` made logs in and replaces the first password
    with ADMIN_PASSWORD."""
    return first_login(page, admin, ADMIN_PASSWORD)


def open_newest_notification(page: Page, expected_text: str) -> None:
    """The bell → the newest notification, which says `expected_text` → Open."""
    page.get_by_test_id("notification-bell").click()
    newest = page.get_by_test_id("notification").first
    expect(newest).to_contain_text(expected_text)
    newest.get_by_role("button", name="查看").click()
    expect(page).not_to_have_url(re.compile(r"/notifications"))


# --- Admin -----------------------------------------------------------------------------------


def admin_creates_person(
    page: Page, *, number: str, name: str, password: str, roles: tuple[str, ...] = ()
) -> Account:
    """Administration → People → New person, with a first password and roles; returns the
    account with that password (the person must change it at the first login)."""
    follow_menu(page, "nav-people", "admin")
    page.get_by_role("link", name="新增人员").click()
    page.locator("#student_number").fill(number)
    page.locator("#name").fill(name)
    for role in roles:
        page.locator(f"input[name=roles][value={role}]").check()
    page.locator("#password").fill(password)
    page.locator("main form [type=submit]").first.click()
    person_id = id_in_url(page, r"/admin/people/(\d+)$")
    expect(page.locator(".alert-success")).to_contain_text(f"已创建 {name}")
    expect(page.locator("h1")).to_contain_text(name)
    return Account(number, password, name, person_id)


def admin_runs_job(page: Page, job_id: str) -> str:
    """Administration → Jobs → Run now (confirming the browser's question), as an
    administrator does instead of waiting for the schedule; the run must succeed. Returns
    the run's counts as the job's page shows them."""
    follow_menu(page, "nav-jobs", "admin")
    job = page.locator(f"[data-testid=job][data-job='{job_id}']")
    confirm_and_click(page, job.get_by_role("button", name="立即运行"))
    expect(page).to_have_url(re.compile(rf"/admin/jobs/{re.escape(job_id)}$"))
    latest = page.get_by_test_id("run").first
    expect(latest.get_by_test_id("run-status")).to_have_attribute("data-status", "succeeded")
    return latest.get_by_test_id("run-counts").inner_text()


def admin_edits_badge(
    page: Page,
    code: str,
    *,
    threshold: int,
    name_zh: str | None = None,
    name_en: str | None = None,
) -> None:
    """Administration → Badges → the badge → Edit: its threshold, and its names when
    given."""
    follow_menu(page, "nav-badges-admin", "admin")
    page.get_by_test_id(f"admin-badge-{code}").get_by_role("link", name="编辑").click()
    if name_zh is not None:
        page.locator("#name_zh").fill(name_zh)
    if name_en is not None:
        page.locator("#name_en").fill(name_en)
    page.locator("#threshold").fill(str(threshold))
    page.locator("main form [type=submit]").click()
    expect(page.locator(".alert-success")).to_contain_text("徽章已保存")
    if name_zh is not None:
        expect(page.get_by_test_id(f"admin-badge-{code}")).to_contain_text(name_zh)


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


# --- Coordinator: team and recruitment -------------------------------------------------------


def coordinator_creates_team(page: Page, name: str, *, onboarding: bool = False) -> int:
    """Teams → New team (whoever creates a team runs it); returns the team's id."""
    page.goto("/teams/new")
    page.locator("#name").fill(name)
    page.locator("#requires_onboarding").set_checked(onboarding)
    page.locator("main form [type=submit]").click()
    return id_in_url(page, r"/teams/(\d+)$")


def coordinator_opens_campaign(
    page: Page,
    site,
    *,
    team_id: int,
    title: str,
    question: str,
    quota: int = 10,
    selection: str = "review",
) -> int:
    """Review → New campaign, open from an hour ago for a week, published, with one
    question; returns the campaign's id."""
    page.goto(f"/recruitment/manage/new?team={team_id}")
    now = local_now(site).replace(second=0, microsecond=0)
    page.locator("#title").fill(title)
    page.locator("#description").fill("欢迎加入，**每周一次**。")
    page.locator("#quota").fill(str(quota))
    page.locator("#selection_mode").select_option(selection)
    page.locator("#opens_at").fill(f"{now - timedelta(hours=1):%Y-%m-%dT%H:%M}")
    page.locator("#closes_at").fill(f"{now + timedelta(days=7):%Y-%m-%dT%H:%M}")
    page.locator("#consent_text").fill("我同意图书馆保存我的报名信息。")
    page.locator("#published").check()
    page.locator("#questions-0-label").fill(question)
    page.get_by_test_id("save-campaign").click()
    return id_in_url(page, r"/recruitment/manage/(\d+)$")


def coordinator_saves_poster(page: Page, campaign_id: int) -> bytes:
    """From the campaign page's share card, Save the poster (PNG); returns the image."""
    page.goto(f"/recruitment/campaigns/{campaign_id}")
    with page.expect_download() as downloaded:
        page.get_by_test_id("poster-link").click()
    path = downloaded.value.path()
    with open(path, "rb") as poster:
        return poster.read()


def student_applies(page: Page, campaign_url: str, question: str, answer: str) -> None:
    """On a phone, logged in: open the campaign, answer the question, consent, submit."""
    page.goto(campaign_url)
    expect(page.get_by_test_id("campaign-title")).to_be_visible()
    page.get_by_label(question).fill(answer)
    page.get_by_test_id("consent").check()
    page.get_by_test_id("submit-application").click()
    expect(page.get_by_test_id("my-application")).to_be_visible()


def coordinator_accepts(page: Page, campaign_id: int, student: Account) -> None:
    """Review → the campaign → the applicant → Accept."""
    page.goto(f"/recruitment/manage/{campaign_id}")
    page.get_by_role("link", name=student.name).click()
    page.get_by_test_id("decide-accepted").click()
    expect(page.get_by_test_id("applicant-name")).to_contain_text("已录取")


# --- Coordinator: tasks and shifts -----------------------------------------------------------


def coordinator_creates_task(
    page: Page,
    *,
    team_id: int,
    title: str,
    kind: str = "service",
    location: str = "",
    onboarding: bool = False,
) -> int:
    """Tasks → New task; returns the task's id."""
    page.goto(f"/tasks/new?team={team_id}")
    page.locator("#title").fill(title)
    page.locator("#kind").select_option(kind)
    page.locator("#location").fill(location)
    page.locator("#is_onboarding").set_checked(onboarding)
    page.locator("main form [type=submit]").click()
    return id_in_url(page, r"/tasks/(\d+)$")


def _fill_shift_form(page: Page, day: date, start: time, end: time) -> None:
    page.locator("#day").fill(day.isoformat())
    page.locator("#start").fill(hhmm(start))
    page.locator("#end").fill(hhmm(end))


def coordinator_creates_shift(
    page: Page, task_id: int, day: date, start: time, end: time, capacity: int = 4
) -> int:
    """The task → New shift; returns the new shift's id (the task page lists it)."""
    page.goto(f"/tasks/{task_id}/shifts/new")
    _fill_shift_form(page, day, start, end)
    page.locator("#capacity").fill(str(capacity))
    page.locator("main form [type=submit]").click()
    expect(page).to_have_url(re.compile(rf"/tasks/{task_id}$"))
    when = f"{day.isoformat()} {hhmm(start)}"
    link = page.get_by_test_id("shift-list").locator("a", has_text=when)
    expect(link).to_have_count(1)
    return int(re.search(r"/shifts/(\d+)$", link.get_attribute("href")).group(1))


def coordinator_moves_shift(page: Page, shift_id: int, day: date, start: time, end: time):
    """The shift → Edit shift: new date and times (the people on it are told)."""
    page.goto(f"/tasks/shifts/{shift_id}")
    page.get_by_test_id("edit-shift").click()
    _fill_shift_form(page, day, start, end)
    page.locator("main form [type=submit]").click()
    expect(page.get_by_test_id("shift-when")).to_contain_text(f"{day.isoformat()} {hhmm(start)}")


def coordinator_assigns(page: Page, shift_id: int, person: Account) -> None:
    """The shift → Assign someone, by student number."""
    page.goto(f"/tasks/shifts/{shift_id}")
    form = page.get_by_test_id("assign-form")
    form.locator("#student_number").fill(person.student_number)
    form.locator("[type=submit]").click()
    expect(page.get_by_test_id("roster-confirmed")).to_contain_text(person.name)


def coordinator_completes_training(page: Page, shift_id: int) -> None:
    """A training shift that has started → Training completed."""
    page.goto(f"/tasks/shifts/{shift_id}")
    confirm_and_click(page, page.get_by_test_id("complete-training"))
    expect(page.locator(".alert-success")).to_be_visible()


def student_signs_up(page: Page, shift_id: int) -> None:
    """Shifts → Sign up on the shift's row."""
    follow_menu(page, "nav-shifts")
    row = page.get_by_test_id(f"shift-{shift_id}")
    row.get_by_test_id("sign-up").click()
    expect(page.get_by_test_id(f"shift-{shift_id}").get_by_test_id("my-status")).to_contain_text(
        "已确认"
    )


# --- Coordinator: attendance -----------------------------------------------------------------


def coordinator_opens_kiosk(page: Page, shift_id: int) -> None:
    """The shift's attendance sheet → Kiosk QR."""
    page.goto(f"/attendance/shifts/{shift_id}")
    page.get_by_test_id("open-kiosk").click()
    expect(page.get_by_test_id("kiosk-qr")).to_be_visible()


def kiosk_code_url(page: Page) -> str:
    """What a phone camera reads off the kiosk's screen."""
    return read_qr(page.get_by_test_id("kiosk-qr").screenshot())


def coordinator_checks_in_and_out_by_hand(page: Page, shift_id: int, person: Account) -> None:
    """The attendance sheet: Check in, then Check out, on the person's row."""
    page.goto(f"/attendance/shifts/{shift_id}")
    row = page.get_by_test_id(f"person-{person.id}")
    button = row.get_by_test_id(f"by-hand-{person.id}")
    expect(button).to_have_text("签到")
    button.click()
    expect(button).to_have_text("签退")
    button.click()
    expect(row.get_by_test_id("minutes")).to_be_visible()


def coordinator_adds_hours(
    page: Page, shift_id: int, person: Account, minutes: int, evidence: str
) -> None:
    """The attendance sheet → Fix (the person) → Add hours with evidence."""
    page.goto(f"/attendance/shifts/{shift_id}")
    page.get_by_test_id(f"fix-{person.id}").click()
    form = page.get_by_test_id("add-form")
    form.locator("#minutes").fill(str(minutes))
    form.locator("#evidence").fill(evidence)
    form.locator("[type=submit]").click()
    expect(page.get_by_test_id("added-minutes")).to_have_text(str(minutes))


def coordinator_verifies(page: Page, shift_id: int, person: Account) -> None:
    """The attendance sheet → Verify on the person's row."""
    page.goto(f"/attendance/shifts/{shift_id}")
    row = page.get_by_test_id(f"person-{person.id}")
    row.locator("[data-testid^=verify-]").click()
    expect(page.get_by_test_id(f"person-{person.id}").get_by_test_id("verified")).to_be_visible()


# --- Second Classroom credits ----------------------------------------------------------------


def coordinator_builds_credit_batch(page: Page, title: str) -> int:
    """Credit batches → a new batch for the current semester (the form's default) and the
    coordinator's team; returns the batch's id."""
    follow_menu(page, "nav-credit-batches", "coordinate")
    form = page.get_by_test_id("new-batch")
    form.locator("#title").fill(title)
    form.get_by_test_id("build-batch").click()
    batch_id = id_in_url(page, r"/credits/batches/(\d+)$")
    expect(page.get_by_test_id("batch-status")).to_have_attribute("data-status", "draft")
    return batch_id


def approver_approves_batch(page: Page, batch_id: int) -> None:
    """The batch page → Approve (someone other than its builder)."""
    page.goto(f"/credits/batches/{batch_id}")
    page.get_by_test_id("approve").click()
    expect(page.get_by_test_id("batch-status")).to_have_attribute("data-status", "approved")


def coordinator_exports_batch(page: Page, batch_id: int, folder) -> Path:
    """The batch page → Export (the default template), then download the file; returns
    where it was saved."""
    page.goto(f"/credits/batches/{batch_id}")
    page.get_by_test_id("export").click()
    expect(page.get_by_test_id("batch-status")).to_have_attribute("data-status", "exported")
    with page.expect_download() as downloaded:
        page.get_by_test_id("batch-actions").get_by_test_id("download").click()
    download = downloaded.value
    saved = Path(folder) / download.suggested_filename
    download.save_as(saved)
    return saved


def coordinator_uploads_results(page: Page, path: Path) -> None:
    """Credit batches → Result files → upload the Second Classroom system's answer."""
    follow_menu(page, "nav-credit-batches", "coordinate")
    page.get_by_test_id("results-link").click()
    form = page.get_by_test_id("result-upload")
    form.locator("input[type=file]").set_input_files(str(path))
    form.get_by_test_id("upload").click()
    expect(page).to_have_url(re.compile(r"/credits/results/\d+$"))


# --- Contributions ---------------------------------------------------------------------------


def choose_video(page: Page, video: Path) -> None:
    """Pick the video file; it goes up at once and can be played back before submitting."""
    page.locator("#media").set_input_files(video)
    expect(page.locator("#media-preview video")).to_be_attached()
    expect(page.locator("#media_id")).not_to_have_value("")


def _write_and_submit(page: Page, title: str, text: str, video: Path) -> None:
    """On a contribution's form: title, text, video, Submit for review."""
    page.locator("#title").fill(title)
    page.locator("#body").fill(text)
    choose_video(page, video)
    page.get_by_test_id("submit-for-review").click()
    expect(page.get_by_test_id("status-submitted")).to_be_visible()
    expect(page.get_by_test_id("page-title")).to_have_text(title)


def reader_submits_video(page: Page, column_code: str, title: str, text: str, video: Path) -> None:
    """Mine → My contributions → Write a contribution → the column; title, text, video,
    Submit for review."""
    follow_menu(page, "nav-my-contributions", "me")
    page.get_by_test_id("new-contribution").click()
    page.get_by_test_id(f"write-{column_code}").click()
    _write_and_submit(page, title, text, video)


def reader_revises(page: Page, title: str, text: str, video: Path) -> None:
    """From the contribution's page: Edit, change title, text and video, submit again."""
    page.get_by_test_id("edit").click()
    _write_and_submit(page, title, text, video)


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

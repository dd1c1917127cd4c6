"""What people do in the whole-product journeys, one small function per action, so that a
journey reads as its story. Every step goes through the browser; staff use a desktop
page (`desk`), students a phone (`phone`).

Steps that press a button asking "are you sure?" accept the browser's dialog, as a person
would. Steps return what a person would read off the page (an id in an address, a link).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import zxingcpp
from PIL import Image
from playwright.sync_api import Locator, Page, expect

from tests.e2e.journeys.conftest import ADMIN_PASSWORD
from tests.e2e.pages import open_menu

DAY_END = time(23, 59)


@dataclass
class Account:
    """A person the admin created, as the journey knows them: the login, the password they
    log in with (the admin's until `first_login` returns the one they chose), their name,
    and their id (read off the address of their page in the people admin)."""

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
    """The number captured by `pattern` in the page's address."""
    found = re.search(pattern, page.url)
    assert found, f"{page.url} does not match {pattern}"
    return int(found.group(1))


def read_qr(png: bytes) -> str:
    """What a phone camera reads from an image holding one QR code."""
    found = [result.text for result in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]
    assert len(found) == 1, f"expected one QR code, read {found}"
    return found[0]


def use_menu(page: Page, group: str, item: str) -> None:
    """Open a page from the main menu: the group ("me", "coordinate", "admin"), then the
    entry (its test id). On a phone the collapsed menu is opened first."""
    if page.locator("button.navbar-toggler").is_visible():
        open_menu(page)
    toggle = page.get_by_test_id(f"nav-{group}")
    if toggle.get_attribute("aria-expanded") != "true":
        toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    page.get_by_test_id(item).click()
    page.wait_for_load_state()


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
    expect(page.locator("[data-testid=current-user]")).to_be_attached()


def choose_password(page: Page, given_password: str, new_password: str) -> None:
    """On the page a first login is sent to: replace the given password with one's own;
    the site then goes on to the page the person came for."""
    expect(page).to_have_url(re.compile(r"/profile/password(\?next=.*)?$"))
    page.locator("#current_password").fill(given_password)
    page.locator("#password").fill(new_password)
    page.locator("#confirm").fill(new_password)
    page.locator("main form [type=submit]").click()
    expect(page).not_to_have_url(re.compile(r"/profile/password"))
    expect(page.locator("[data-testid=current-user]")).to_be_attached()


def first_login(page: Page, person: Account, new_password: str) -> Account:
    """Log in with the password the admin gave, and choose one's own when asked; returns
    the account with the new password."""
    page.goto("/login")
    submit_login(page, person.student_number, person.password)
    choose_password(page, person.password, new_password)
    expect(page).to_have_url(re.compile(r"/$"))
    return replace(person, password=new_password)


def admin_logs_in_first_time(page: Page, admin) -> Account:
    """The administrator `flask create-admin` made logs in and replaces the first password."""
    account = Account(admin.student_number, admin.password, "", 0)
    return first_login(page, account, ADMIN_PASSWORD)


# --- Admin -----------------------------------------------------------------------------------


def admin_creates_person(
    page: Page, *, number: str, name: str, password: str, roles: tuple[str, ...] = ()
) -> Account:
    """People admin → New person; returns the account with the initial password (the person
    must change it at the first login)."""
    page.goto("/admin/people/new")
    page.locator("#student_number").fill(number)
    page.locator("#name").fill(name)
    for role in roles:
        page.locator(f"input[name=roles][value={role}]").check()
    page.locator("#password").fill(password)
    page.locator("main form [type=submit]").click()
    expect(page).to_have_url(re.compile(r"/admin/people/\d+$"))
    expect(page.locator("h1")).to_contain_text(name)
    return Account(number, password, name, id_in_url(page, r"/admin/people/(\d+)$"))


def admin_runs_job(page: Page, job_id: str) -> None:
    """Scheduled jobs → Run now, as an administrator does instead of waiting for the
    schedule; the run must succeed."""
    use_menu(page, "admin", "nav-jobs")
    job = page.locator(f"[data-testid=job][data-job='{job_id}']")
    confirm_and_click(page, job.locator("button[type=submit]"))
    expect(page).to_have_url(re.compile(rf"/admin/jobs/{re.escape(job_id)}$"))
    expect(page.get_by_test_id("run").first.get_by_test_id("run-status")).to_have_attribute(
        "data-status", "succeeded"
    )


def admin_edits_badge(page: Page, code: str, *, name_zh: str, name_en: str, threshold: int):
    """Badges admin: rename a badge and change its threshold."""
    use_menu(page, "admin", "nav-badges-admin")
    page.get_by_test_id(f"admin-badge-{code}").get_by_role("link").first.click()
    page.locator("#name_zh").fill(name_zh)
    page.locator("#name_en").fill(name_en)
    page.locator("#threshold").fill(str(threshold))
    page.locator("main form [type=submit]").click()
    expect(page.get_by_test_id(f"admin-badge-{code}")).to_contain_text(name_zh)


# --- Coordinator: team and recruitment -------------------------------------------------------


def coordinator_creates_team(page: Page, name: str, *, onboarding: bool = False) -> int:
    """Teams → New team (whoever creates a team runs it); returns the team's id."""
    page.goto("/teams/new")
    page.locator("#name").fill(name)
    page.locator("#requires_onboarding").set_checked(onboarding)
    page.locator("main form [type=submit]").click()
    expect(page).to_have_url(re.compile(r"/teams/\d+$"))
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
    expect(page).to_have_url(re.compile(r"/recruitment/manage/\d+$"))
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
    expect(page).to_have_url(re.compile(r"/tasks/\d+$"))
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
    if page.locator("button.navbar-toggler").is_visible():
        open_menu(page)
    page.get_by_test_id("nav-shifts").click()
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
    use_menu(page, "coordinate", "nav-credit-batches")
    form = page.get_by_test_id("new-batch")
    form.locator("#title").fill(title)
    form.get_by_test_id("build-batch").click()
    expect(page).to_have_url(re.compile(r"/credits/batches/\d+$"))
    expect(page.get_by_test_id("batch-status")).to_have_attribute("data-status", "draft")
    return id_in_url(page, r"/credits/batches/(\d+)$")


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
    use_menu(page, "coordinate", "nav-credit-batches")
    page.get_by_test_id("results-link").click()
    form = page.get_by_test_id("result-upload")
    form.locator("input[type=file]").set_input_files(str(path))
    form.get_by_test_id("upload").click()
    expect(page).to_have_url(re.compile(r"/credits/results/\d+$"))

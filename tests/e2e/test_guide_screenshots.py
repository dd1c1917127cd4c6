"""The user guide's screenshots (docs/guide/*.md, static/guide/*.png), taken from the demo data
in Chinese: phones for volunteers and readers, a desktop for staff.

Every run opens each page the guide shows, as the person the guide speaks to, and checks
that it answers and draws without console errors. With UPDATE_GUIDE_SCREENSHOTS=1 the
screenshots are saved over the committed ones (otherwise into a temporary folder, so that
running the suite leaves the work tree as it was):

    UPDATE_GUIDE_SCREENSHOTS=1 .venv/bin/pytest tests/e2e/test_guide_screenshots.py
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PIL import Image
from sqlalchemy import select

from app.checkin import tokens
from app.columns.models import Contribution
from app.common.time import utcnow
from app.credits.models import CreditBatch
from app.demo.data import DEMO_PASSWORD
from app.extensions import db
from app.recruitment.models import Campaign, Team
from app.shifts.models import Shift, Task
from tests.e2e.conftest import TIMEOUT_MS, LiveServer

ROOT = Path(__file__).resolve().parents[2]
GUIDE_IMAGES = ROOT / "static" / "guide"
GUIDES = [ROOT / "docs" / "guide" / "zh.md", ROOT / "docs" / "guide" / "en.md"]
IMAGE_LINK = re.compile(r"\]\(\.\./\.\./static/guide/([^)\s]+)\)")

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
LOGINS = {
    "anonymous": None,
    "volunteer": "2023141001",
    "reader": "2024141002",
    "coordinator": "T0001",
    "editor": "T0002",
    "admin": "A0001",
}


# Pages whose address holds an id: looked up in the demo data by name.
def _id(model, **where) -> int:
    query = select(model.id).filter_by(**where).order_by(model.id)
    return db.session.scalars(query).first()


def spring_campaign() -> str:
    return f"/recruitment/campaigns/{_id(Campaign, title='2026 春季图书馆志愿者招募')}"


def spring_review() -> str:
    return f"/recruitment/manage/{_id(Campaign, title='2026 春季图书馆志愿者招募')}"


def volunteer_team() -> str:
    return f"/teams/{_id(Team, name='图书馆志愿者队')}"


def service_desk_task() -> str:
    return f"/tasks/{_id(Task, title='总馆服务台')}"


def opening_shift_id() -> int:
    """The demo's shift that is under way (check-in open), with the volunteer on it."""
    return _id(Shift, task_id=_id(Task, title="读书节开幕式引导"))


def opening_shift() -> str:
    return f"/tasks/shifts/{opening_shift_id()}"


def kiosk() -> str:
    return f"/checkin/shifts/{opening_shift_id()}/kiosk"


def kiosk_scan() -> str:
    """The address the kiosk's QR code holds right now, as a phone camera opens it."""
    return f"/c/{tokens.kiosk_code(opening_shift_id(), now=utcnow())}"


def attendance_sheet() -> str:
    return f"/attendance/shifts/{opening_shift_id()}"


def at_risk() -> str:
    return f"/engagement/at-risk?team={_id(Team, name='图书馆志愿者队')}"


def credit_batch() -> str:
    return f"/credits/batches/{_id(CreditBatch)}"


def submitted_contribution() -> str:
    return f"/editorial/{_id(Contribution, status='submitted')}"


@dataclass(frozen=True)
class Shot:
    file: str
    role: str
    path: str | Callable[[], str]
    viewport: dict[str, int]


# Every screenshot in the guide, in the order taken (the volunteer scans the kiosk's code
# before the coordinator's attendance sheet is shown, so the sheet has someone in).
SHOTS = [
    Shot("login.png", "anonymous", "/login", PHONE),
    Shot("volunteer-home.png", "volunteer", "/", PHONE),
    Shot("volunteer-campaign.png", "reader", spring_campaign, PHONE),
    Shot("volunteer-profile.png", "volunteer", "/teams/profile", PHONE),
    Shot("volunteer-shifts.png", "volunteer", "/shifts/", PHONE),
    Shot("volunteer-my-shifts.png", "volunteer", "/shifts/mine", PHONE),
    Shot("volunteer-checkin.png", "volunteer", kiosk_scan, PHONE),
    Shot("volunteer-my-code.png", "volunteer", "/checkin/my-code", PHONE),
    Shot("volunteer-hours.png", "volunteer", "/hours", PHONE),
    Shot("volunteer-achievements.png", "volunteer", "/achievements", PHONE),
    Shot("volunteer-leaderboards.png", "volunteer", "/leaderboards/", PHONE),
    Shot("volunteer-credits.png", "volunteer", "/credits/me", PHONE),
    Shot("volunteer-columns.png", "anonymous", "/columns/", PHONE),
    Shot("volunteer-contribute.png", "volunteer", "/contribute/new?column=picks", PHONE),
    Shot("volunteer-engagement.png", "volunteer", "/engagement/me", PHONE),
    Shot("volunteer-report.png", "volunteer", "/me/report", PHONE),
    Shot("coordinator-home.png", "coordinator", "/", DESKTOP),
    Shot("coordinator-review.png", "coordinator", spring_review, DESKTOP),
    Shot("coordinator-team.png", "coordinator", volunteer_team, DESKTOP),
    Shot("coordinator-task.png", "coordinator", service_desk_task, DESKTOP),
    Shot("coordinator-shift.png", "coordinator", opening_shift, DESKTOP),
    Shot("coordinator-kiosk.png", "coordinator", kiosk, DESKTOP),
    Shot("coordinator-attendance.png", "coordinator", attendance_sheet, DESKTOP),
    Shot("coordinator-credit-batch.png", "coordinator", credit_batch, DESKTOP),
    Shot("coordinator-dashboard.png", "coordinator", "/engagement/dashboard", DESKTOP),
    Shot("coordinator-at-risk.png", "coordinator", at_risk, DESKTOP),
    Shot("editor-queue.png", "editor", "/editorial/", DESKTOP),
    Shot("editor-review.png", "editor", submitted_contribution, DESKTOP),
    Shot("admin-people.png", "admin", "/admin/people", DESKTOP),
    Shot("admin-roster.png", "admin", "/admin/roster/", DESKTOP),
    Shot("admin-datahub.png", "admin", "/admin/datahub/", DESKTOP),
    Shot("admin-library-use.png", "admin", "/admin/library-use/", DESKTOP),
    Shot("admin-jobs.png", "admin", "/admin/jobs", DESKTOP),
    Shot("admin-audit.png", "admin", "/admin/audit/", DESKTOP),
]


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height of a PNG; fails on anything that is not a PNG."""
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "PNG", "not a PNG image"
        return image.size


def guide_images(guide: Path) -> set[str]:
    return set(IMAGE_LINK.findall(guide.read_text(encoding="utf-8")))


def test_every_image_the_guides_show_is_a_screenshot_taken_here():
    names = {shot.file for shot in SHOTS}
    assert len(names) == len(SHOTS), "two shots save to one file"
    for guide in GUIDES:
        missing = guide_images(guide) - names
        assert missing == set(), f"{guide.name} shows images no test takes: {sorted(missing)}"
    unused = names - guide_images(GUIDES[0])
    assert unused == set(), f"screenshots the Chinese guide does not show: {sorted(unused)}"


def test_the_committed_screenshots_are_images_of_their_viewport():
    for shot in SHOTS:
        path = GUIDE_IMAGES / shot.file
        assert path.is_file(), f"{shot.file} is not committed; run with UPDATE_GUIDE_SCREENSHOTS=1"
        assert png_size(path.read_bytes()) == (shot.viewport["width"], shot.viewport["height"])


def test_the_guide_screenshots_are_taken_from_the_demo(browser, demo_site, tmp_path):
    target = GUIDE_IMAGES if os.environ.get("UPDATE_GUIDE_SCREENSHOTS") == "1" else tmp_path
    errors: list[str] = []
    pages = {}
    try:
        for shot in SHOTS:
            key = (shot.role, shot.viewport["width"])
            if key not in pages:
                pages[key] = open_as(browser, demo_site, shot, errors)
            page = pages[key]
            path = shot.path if isinstance(shot.path, str) else resolve(demo_site, shot.path)
            response = page.goto(path)
            assert response is not None and response.ok, f"{shot.file}: {path} answered badly"
            page.wait_for_load_state("networkidle")
            data = page.screenshot(path=str(target / shot.file))
            assert png_size(data) == (shot.viewport["width"], shot.viewport["height"])
    finally:
        for page in pages.values():
            page.context.close()
    assert errors == [], "browser console errors:\n" + "\n".join(errors)


def resolve(server: LiveServer, path: Callable[[], str]) -> str:
    with server.app.app_context():
        try:
            return path()
        finally:
            db.session.remove()


def open_as(browser, server: LiveServer, shot: Shot, errors: list[str]):
    """A browser of the shot's size, in Chinese, logged in as the shot's demo person."""
    phone = shot.viewport is PHONE
    context = browser.new_context(
        base_url=server.url,
        viewport=shot.viewport,
        device_scale_factor=1,
        is_mobile=phone,
        has_touch=phone,
        locale="zh-CN",
        reduced_motion="reduce",
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    login = LOGINS[shot.role]
    if login:
        page.goto("/login")
        page.locator("#identifier").fill(login)
        page.locator("#password").fill(DEMO_PASSWORD)
        page.locator("main form [type=submit]").click()
        page.locator("[data-testid=current-user]").wait_for(state="attached")
    return page

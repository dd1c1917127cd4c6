"""On a phone, an admin creates a badge with an image; it shows as pending until the
backfill job runs, and then a volunteer who already qualifies holds it, with its signed
credential offered on the badge's page."""

from __future__ import annotations

import io
import os
from datetime import timedelta

from PIL import Image
from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.common.time import utcnow
from app.extensions import db
from app.rewards import badge_creation, defaults
from app.rewards.models import Badge, BadgeAward
from tests.e2e.pages import log_in, log_out
from tests.rewards import rewards_data as data

SHOTS = os.environ.get("E2E_SCREENSHOTS")  # a folder to keep screenshots in, when set


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (512, 512), (30, 120, 200)).save(buffer, format="PNG")
    return buffer.getvalue()


def _shot(page: Page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def test_an_admin_creates_a_badge_and_a_qualifying_volunteer_gets_it(
    page: Page, live_server, make_person
):
    admin = make_person(name="管理员甲", roles=["admin"])
    volunteer = make_person(name="周思远", roles=["volunteer"])
    with live_server.app.app_context():
        defaults.seed_defaults()
        place = data.place(name="徽章创建队")
        person = db.session.get(type(place.boss), volunteer.id)
        data.worked(place, person, minutes=600, start=utcnow() - timedelta(days=2))
        db.session.commit()
        db.session.remove()

    log_in(page, admin)
    page.goto("/admin/badges")
    page.get_by_test_id("new-badge").click()
    page.locator("#criterion").select_option("hours_total")
    page.locator("#name_zh").fill("服务九小时")
    page.locator("#name_en").fill("Nine hours of service")
    page.locator("#threshold").fill("9")
    page.locator("#image").set_input_files(
        {"name": "badge.png", "mimeType": "image/png", "buffer": _png()}
    )
    _shot(page, "badge-new")
    page.locator("#submit").click()

    row = page.locator("tr", has_text="服务九小时")
    expect(row.get_by_test_id("backfill-pending")).to_be_visible()
    _shot(page, "badge-list-pending")

    with live_server.app.app_context():
        badge_creation.backfill_pending()
        db.session.commit()
        badge_id = db.session.scalar(select(Badge.id).where(Badge.name_zh == "服务九小时"))
        public_id = db.session.scalar(
            select(BadgeAward.public_id).where(
                BadgeAward.badge_id == badge_id, BadgeAward.user_id == volunteer.id
            )
        )
        db.session.remove()
    page.reload()
    expect(
        page.locator("tr", has_text="服务九小时").get_by_test_id("backfill-pending")
    ).to_have_count(0)

    log_out(page)
    log_in(page, volunteer)
    page.goto(f"/badges/{public_id}")
    expect(page.get_by_test_id("signed-credential-link")).to_be_visible()
    _shot(page, "badge-award-signed")

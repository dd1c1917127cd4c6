"""On a phone, an admin creates a "三星志愿者" badge from the star-level kind, reading the
hours each star needs on the form; after the backfill job the volunteer at three stars holds
it and the one at two does not."""

from __future__ import annotations

import os
from datetime import timedelta

from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.common.time import utcnow
from app.extensions import db
from app.rewards import badge_creation, defaults
from app.rewards.models import Badge, BadgeAward
from tests.e2e.pages import log_in
from tests.rewards import rewards_data as data

SHOTS = os.environ.get("E2E_SCREENSHOTS")  # a folder to keep screenshots in, when set
SMALL = (2, 4, 6, 8, 10)


def test_an_admin_creates_a_three_star_badge_and_it_goes_to_three_star_volunteers(
    page: Page, live_server, make_person
):
    admin = make_person(name="管理员乙", roles=["admin"])
    three = make_person(name="陈三星", roles=["volunteer"])
    two = make_person(name="林二星", roles=["volunteer"])
    thresholds = live_server.app.config["STAR_LEVEL_HOURS"]
    live_server.app.config["STAR_LEVEL_HOURS"] = SMALL
    try:
        with live_server.app.app_context():
            defaults.seed_defaults()
            place = data.place(name="星级徽章队")
            for who, minutes in ((three, 420), (two, 240)):
                person = db.session.get(type(place.boss), who.id)
                data.worked(place, person, minutes=minutes, start=utcnow() - timedelta(days=2))
            db.session.commit()
            db.session.remove()

        log_in(page, admin)
        page.goto("/admin/badges/new")
        hint = page.get_by_test_id("star-level-hours")
        expect(hint.locator('[data-level="3"]')).to_have_attribute("data-hours", "6")
        page.locator("#criterion").select_option("star_level")
        page.locator("#name_zh").fill("三星志愿者")
        page.locator("#name_en").fill("Three-star volunteer")
        page.locator("#threshold").fill("3")
        if SHOTS:
            page.screenshot(path=f"{SHOTS}/star-badge-new.png", full_page=True)
        page.locator("#submit").click()
        expect(
            page.locator("tr", has_text="三星志愿者").get_by_test_id("backfill-pending")
        ).to_be_visible()

        with live_server.app.app_context():
            badge_creation.backfill_pending()
            db.session.commit()
            badge_id = db.session.scalar(select(Badge.id).where(Badge.name_zh == "三星志愿者"))
            holders = set(
                db.session.scalars(
                    select(BadgeAward.user_id).where(BadgeAward.badge_id == badge_id)
                )
            )
            db.session.remove()
    finally:
        live_server.app.config["STAR_LEVEL_HOURS"] = thresholds
    # Other browser tests share this server and log hours too: look at this test's two people.
    assert holders & {three.id, two.id} == {three.id}

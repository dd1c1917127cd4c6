"""On a phone, a volunteer claims hours served elsewhere with a photo as evidence (a claim
of absurd hours is refused first); the coordinator approves it with other hours and a
reason; the volunteer's My hours shows both values and the reason, apart from library
hours."""

from __future__ import annotations

import re
import struct
import zlib
from datetime import timedelta
from types import SimpleNamespace

from playwright.sync_api import Page, expect

from app.common.time import local_today
from app.extensions import db
from tests import factories
from tests.e2e.pages import log_in
from tests.outside import outside_data


def _png() -> bytes:
    raw = b"".join(b"\x00" + b"\xff\x00\x00" * 8 for _ in range(8))

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", 8, 8, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def _team(live_server) -> SimpleNamespace:
    with live_server.app.app_context():
        world = outside_data.world(people=1, team_names=("校外时长队", "校外时长另一队"))
        db.session.commit()
        facts = SimpleNamespace(
            volunteer=SimpleNamespace(
                student_number=world.people[0].student_number, password=factories.PASSWORD
            ),
            boss=SimpleNamespace(
                student_number=world.boss.student_number, password=factories.PASSWORD
            ),
        )
        db.session.remove()
    return facts


def test_a_claim_of_hours_elsewhere_is_sent_decided_and_seen(page: Page, new_page, live_server):
    facts = _team(live_server)
    log_in(page, facts.volunteer)
    page.goto("/hours")
    page.get_by_test_id("claim-new").tap()
    page.locator("input[name=organiser]").fill("望江社区服务中心")
    page.locator("input[name=served_on]").fill((local_today() - timedelta(days=1)).isoformat())
    page.locator("input[name=hours]").fill("30")
    evidence = {"name": "证明.png", "mimeType": "image/png", "buffer": _png()}
    page.locator("input[name=evidence]").set_input_files(evidence)
    page.get_by_test_id("claim-send").tap()
    expect(page.locator("input[name=hours].is-invalid")).to_be_visible()

    page.locator("input[name=hours]").fill("3.5")
    page.locator("input[name=evidence]").set_input_files(evidence)
    page.get_by_test_id("claim-send").tap()
    expect(page).to_have_url(re.compile(r"/hours#elsewhere$"))
    claim = page.locator("[data-testid^=outside-claim-]")
    expect(claim).to_have_attribute("data-status", "pending")

    desk: Page = new_page()
    log_in(desk, facts.boss)
    desk.get_by_test_id("waiting-outside_claims").tap()
    card = desk.locator("[data-testid^=claim-]").first
    card.locator("input[value=change]").check()
    card.locator("input[name=hours]").fill("3")
    card.locator("textarea[name=reason]").fill("按活动签到表记为 3 小时")
    card.locator("[data-testid^=decide-]").tap()
    expect(desk.get_by_test_id("no-claims")).to_be_visible()

    page.goto("/hours")
    expect(claim).to_have_attribute("data-status", "approved")
    expect(page.get_by_test_id("approved-hours")).to_contain_text("3")
    expect(page.get_by_test_id("claim-reason")).to_contain_text("按活动签到表记为 3 小时")
    expect(page.get_by_test_id("outside-hours")).to_have_text("3")
    expect(page.get_by_test_id("verified-hours")).to_have_text("0")

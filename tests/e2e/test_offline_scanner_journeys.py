"""The coordinator's scanner with the network switched off in the browser: codes checked on
the device, kept through a reload, sent when the connection returns, applied once."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.accounts import services as accounts
from app.checkin import tokens
from app.checkin.models import Attendance, ScanLog
from app.common.time import utcnow
from app.extensions import db
from app.recruitment import membership
from tests.checkin import checkin_data as data
from tests.e2e.pages import log_in


def open_shift(live_server, coordinator, people) -> int:
    """A shift starting in ten minutes (check-in open) with `people` confirmed."""
    with live_server.app.app_context():
        team = data.team(coordinators=[accounts.get_person(coordinator.id)])
        task = data.task(team, title="古籍展导览")
        shift = data.shift(task, starts_in=timedelta(minutes=10), hours=2, capacity=5)
        for person in people:
            membership.join_team(team.id, person.id)
            data.signed_up(shift, accounts.get_person(person.id))
        db.session.commit()
        shift_id = shift.id
        db.session.remove()
    return shift_id


def code_of(live_server, person) -> str:
    with live_server.app.app_context():
        return tokens.personal_code(person.id, now=utcnow())


def records(live_server, shift_id: int) -> list[Attendance]:
    with live_server.app.app_context():
        rows = list(db.session.scalars(select(Attendance).where(Attendance.shift_id == shift_id)))
        db.session.expunge_all()
        db.session.remove()
    return rows


def scan_logs(live_server, shift_id: int) -> int:
    with live_server.app.app_context():
        count = len(list(db.session.scalars(select(ScanLog).where(ScanLog.shift_id == shift_id))))
        db.session.remove()
    return count


def open_scanner(page: Page, coordinator, shift_id: int) -> None:
    log_in(page, coordinator)
    page.goto(f"/attendance/shifts/{shift_id}/scanner")
    expect(page.get_by_test_id("offline-scanner")).to_have_attribute("data-ready", "1")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    expect(page.get_by_test_id("offline-scanner")).to_have_attribute("data-cached", "1")


def type_code(page: Page, code: str) -> None:
    form = page.get_by_test_id("code-form")
    form.locator("input[name=code]").fill(code)
    form.locator("input[name=code]").press("Enter")


def pending(page: Page):
    return page.get_by_test_id("offline-pending")


def test_three_codes_scanned_offline_survive_a_reload_and_are_sent_once(
    page: Page, live_server, make_person
):
    coordinator = make_person(name="许老师", roles=["coordinator"])
    people = [make_person(name=name, roles=["volunteer"]) for name in ("周一", "吴二", "郑三")]
    shift_id = open_shift(live_server, coordinator, people)
    open_scanner(page, coordinator, shift_id)

    page.context.set_offline(True)
    expect(page.get_by_test_id("offline-state")).to_have_attribute("data-state", "offline")
    before = utcnow().replace(microsecond=0)
    for count, person in enumerate(people, start=1):
        type_code(page, code_of(live_server, person))
        expect(page.locator("#scan-answer-name")).to_have_text(person.name)
        expect(pending(page)).to_have_attribute("data-count", str(count))
    after = utcnow()
    assert records(live_server, shift_id) == []

    page.reload()
    expect(pending(page)).to_have_attribute("data-count", "3")

    page.context.set_offline(False)
    expect(pending(page)).to_have_attribute("data-count", "0")
    held = records(live_server, shift_id)
    assert sorted(r.user_id for r in held) == sorted(p.id for p in people)
    assert all(before <= r.checked_in_at <= after for r in held)

"""The coordinator's scanner with the network switched off in the browser: codes checked on
the device, kept through a reload, sent when the connection returns, applied once."""

from __future__ import annotations

from datetime import UTC, timedelta

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


QUEUE = """() => new Promise((resolve) => {
  const open = indexedDB.open("gc-scanner", 1);
  open.onsuccess = () => {
    const read = open.result.transaction("queue").objectStore("queue").getAll();
    read.onsuccess = () => resolve(read.result);
  };
})"""

RESEND = """async ([url, csrf, body]) => {
  const response = await fetch(url, {
    method: "POST",
    headers: {"Content-Type": "application/json", "X-CSRFToken": csrf},
    body: JSON.stringify(body),
  });
  return (await response.json()).answers.map((a) => a.outcome);
}"""


def test_a_queued_scan_sent_again_twice_changes_nothing(page: Page, live_server, make_person):
    coordinator = make_person(name="冯老师", roles=["coordinator"])
    person = make_person(name="褚四", roles=["volunteer"])
    shift_id = open_shift(live_server, coordinator, [person])
    open_scanner(page, coordinator, shift_id)
    page.context.set_offline(True)
    type_code(page, code_of(live_server, person))
    expect(pending(page)).to_have_attribute("data-count", "1")
    (scan,) = page.evaluate(QUEUE)
    device = page.evaluate("""() => new Promise((resolve) => {
      const open = indexedDB.open("gc-scanner", 1);
      open.onsuccess = () => {
        const read = open.result.transaction("bundles").objectStore("bundles").getAll();
        read.onsuccess = () => resolve(read.result[0].device);
      };
    })""")
    page.context.set_offline(False)
    expect(pending(page)).to_have_attribute("data-count", "0")
    logged = scan_logs(live_server, shift_id)

    root = page.get_by_test_id("offline-scanner")
    url, csrf = root.get_attribute("data-upload-url"), root.get_attribute("data-csrf")
    fields = {key: scan[key] for key in ("nonce", "user", "action", "at", "sig")}
    body = {"device": device, "clock": scan["at"], "scans": [fields]}
    for _ in range(2):
        assert page.evaluate(RESEND, [url, csrf, body]) == ["already_applied"]
    assert len(records(live_server, shift_id)) == 1
    assert scan_logs(live_server, shift_id) == logged


def test_two_offline_devices_admitting_one_person_keep_the_earliest_check_in(
    new_page, live_server, make_person
):
    coordinator = make_person(name="卫老师", roles=["coordinator"])
    person = make_person(name="蒋五", roles=["volunteer"])
    shift_id = open_shift(live_server, coordinator, [person])
    first, second = new_page(), new_page()
    for device in (first, second):
        open_scanner(device, coordinator, shift_id)
        device.context.set_offline(True)
    type_code(first, code_of(live_server, person))
    expect(pending(first)).to_have_attribute("data-count", "1")
    earliest = first.evaluate(QUEUE)[0]["at"]
    type_code(second, code_of(live_server, person))
    expect(pending(second)).to_have_attribute("data-count", "1")
    assert second.evaluate(QUEUE)[0]["at"] >= earliest

    second.context.set_offline(False)
    expect(pending(second)).to_have_attribute("data-count", "0")
    first.context.set_offline(False)
    expect(pending(first)).to_have_attribute("data-count", "0")
    expect(first.get_by_test_id("offline-result")).to_have_attribute("data-outcome", "already_in")

    (record,) = records(live_server, shift_id)
    assert int(record.checked_in_at.replace(tzinfo=UTC).timestamp() * 1000) == earliest

"""A volunteer adds their national volunteer number and, with the key configured and their
consent, their ID-card number on a phone; the page then shows only its last four
characters, and withdrawing the consent takes it away. A coordinator sends the hours of
numbered volunteers to the national record; the others are listed apart; ticked, a
volunteer's approved hours served elsewhere go too."""

from __future__ import annotations

import re
from datetime import timedelta

from cryptography.fernet import Fernet
from openpyxl import load_workbook
from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.accounts.models import User
from app.common.time import local_today, utcnow
from app.credits import records
from app.extensions import db
from app.natrecord import identity
from app.outside import services as outside
from app.recruitment import membership as members
from app.recruitment.models import Team
from app.shifts.models import Task
from tests.credits import credits_data
from tests.e2e.pages import log_in
from tests.e2e.test_credit_journeys import served_team
from tests.natrecord.conftest import ID_NUMBER
from tests.outside import outside_data

SETTINGS = ("IDENTITY_ENCRYPTION_KEY", "NATIONAL_EXPORT_ID_NUMBER")


def test_a_volunteer_gives_their_numbers_and_sees_the_id_number_masked(
    page: Page, live_server, make_person
):
    config = live_server.app.config
    saved = {name: config.get(name) for name in SETTINGS}
    config.update(IDENTITY_ENCRYPTION_KEY=Fernet.generate_key().decode())
    config.update(NATIONAL_EXPORT_ID_NUMBER=True)
    try:
        volunteer = make_person(name="李明")
        log_in(page, volunteer)
        page.goto("/profile")
        page.get_by_test_id("national-record-link").tap()
        page.locator("#national_number").fill("3101 0000 0000 01")
        page.get_by_test_id("national-number-save").tap()
        expect(page.locator("#national_number")).to_have_value("31010000000001")

        page.locator("#id_number").fill(ID_NUMBER)
        page.locator("#consent").check()
        page.get_by_test_id("id-number-save").tap()
        expect(page.get_by_test_id("id-number-masked")).to_have_text("**************002X")
        expect(page.locator("body")).not_to_contain_text(ID_NUMBER)
        page.screenshot(path="/tmp/natrecord-identity.png", full_page=True)

        page.once("dialog", lambda dialog: dialog.accept())
        page.get_by_test_id("id-number-withdraw").tap()
        expect(page.get_by_test_id("id-number-form")).to_be_visible()
    finally:
        config.update(saved)


def also_served(live_server, coordinator, student) -> None:
    """`student` served two verified hours on the coordinator's task too."""
    with live_server.app.app_context():
        task = db.session.scalar(
            select(Task).join(Team).where(Team.name == f"阅览室志愿者队 {coordinator.id}")
        )
        person = db.session.get(User, student.id)
        started = utcnow().replace(microsecond=0) - timedelta(hours=10)
        credits_data.verified_attendance(person, task=task, starts_at=started, minutes=120)
        records.sync_records(now=utcnow())
        db.session.commit()
        db.session.remove()


def test_a_coordinator_sends_hours_to_the_national_record_and_sees_who_lacks_a_number(
    page: Page, new_page, live_server, make_person, tmp_path
):
    coordinator = make_person(name="陈老师", roles=["coordinator"])
    approver = make_person(name="周主任", roles=["admin"])
    numbered = make_person(name="林知行", roles=["volunteer"])
    unnumbered = make_person(name="赵雷", roles=["volunteer"])
    with live_server.app.app_context():
        identity.save_national_number(db.session.get(User, numbered.id), "31010000000009")
        db.session.commit()
        db.session.remove()
    semester = served_team(live_server, coordinator, numbered)
    also_served(live_server, coordinator, unnumbered)

    log_in(page, coordinator)
    page.goto("/credits/batches")
    form = page.get_by_test_id("new-batch")
    form.locator("#title").fill("本学期全国志愿时长")
    form.locator("#destination").select_option("national")
    form.locator("#semester").select_option(semester)
    form.locator("#team_id").select_option(label=f"阅览室志愿者队 {coordinator.id}")
    form.get_by_test_id("build-batch").tap()
    expect(page).to_have_url(re.compile(r"/credits/batches/\d+$"))
    batch_url = page.url
    expect(page.get_by_test_id("destination-national")).to_be_visible()
    expect(page.get_by_test_id("batch-line")).to_have_count(1)
    expect(page.get_by_test_id("without-number-person")).to_contain_text("赵雷")
    page.screenshot(path="/tmp/natrecord-batch.png", full_page=True)

    boss = new_page()
    log_in(boss, approver)
    boss.goto(batch_url)
    boss.get_by_test_id("approve").tap()
    expect(boss.get_by_test_id("batch-status")).to_have_attribute("data-status", "approved")
    page.goto(batch_url)
    page.get_by_test_id("export").tap()
    with page.expect_download() as downloaded:
        page.get_by_test_id("batch-actions").get_by_test_id("download").tap()
    saved = tmp_path / downloaded.value.suggested_filename
    downloaded.value.save_as(saved)
    rows = list(load_workbook(saved, read_only=True).active.iter_rows(values_only=True))
    assert rows[0][:2] == ("志愿者编号", "姓名")
    assert [row[:2] for row in rows[1:]] == [("31010000000009", "林知行")]
    assert rows[1][3] == 10  # 服务时长(小时)


def approved_elsewhere(live_server, coordinator, student) -> None:
    """`student` joins the coordinator's team and has 3 approved hours served elsewhere today."""
    with live_server.app.app_context():
        team = db.session.scalar(
            select(Team).where(Team.name == f"阅览室志愿者队 {coordinator.id}")
        )
        person = db.session.get(User, student.id)
        members.join_team(team.id, person.id)
        fields = outside.ClaimFields(organiser="望江社区", served_on=local_today(), hours="3")
        claim = outside.claim(person, fields, upload=outside_data.upload())
        outside.decide(claim, "approve", actor=db.session.get(User, coordinator.id))
        db.session.commit()
        db.session.remove()


def test_a_coordinator_ticks_approved_outside_hours_into_the_national_record(
    page: Page, live_server, make_person
):
    coordinator = make_person(name="陈老师", roles=["coordinator"])
    numbered = make_person(name="林知行", roles=["volunteer"])
    with live_server.app.app_context():
        identity.save_national_number(db.session.get(User, numbered.id), "31010000000019")
        db.session.commit()
        db.session.remove()
    semester = served_team(live_server, coordinator, numbered)
    approved_elsewhere(live_server, coordinator, numbered)

    log_in(page, coordinator)
    page.goto("/credits/batches")
    form = page.get_by_test_id("new-batch")
    form.locator("#title").fill("本学期全国志愿时长（含校外）")
    form.locator("#destination").select_option("national")
    form.get_by_test_id("include-outside").check()
    form.locator("#semester").select_option(semester)
    form.locator("#team_id").select_option(label=f"阅览室志愿者队 {coordinator.id}")
    page.screenshot(path="/tmp/natoutside-form.png", full_page=True)
    form.get_by_test_id("build-batch").tap()
    expect(page).to_have_url(re.compile(r"/credits/batches/\d+$"))
    expect(page.get_by_test_id("includes-outside")).to_be_visible()
    expect(page.get_by_test_id("batch-line")).to_have_count(2)
    expect(page.locator('[data-line^="NGCO"]')).to_contain_text("望江社区")
    page.screenshot(path="/tmp/natoutside-batch.png", full_page=True)

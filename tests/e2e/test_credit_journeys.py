"""A coordinator builds a Second Classroom credit batch for a semester on a phone, an admin
approves it, the coordinator exports it and downloads the XLSX, and the student sees the
record as exported."""

from __future__ import annotations

import re
from datetime import timedelta

from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from app.accounts.models import User
from app.common.semesters import semester_of
from app.common.time import utcnow
from app.credits import defaults, records
from app.extensions import db
from app.recruitment.teams import services as team_services
from tests import factories
from tests.credits import credits_data
from tests.e2e.pages import log_in


def served_team(live_server, coordinator, student) -> str:
    """A team run by `coordinator` where `student` served 10 verified hours a few hours ago;
    the code of the semester they fall in."""
    with live_server.app.app_context():
        defaults.seed_defaults()
        admin = factories.person(roles=["admin"])
        team = credits_data.team(name=f"阅览室志愿者队 {coordinator.id}")
        team_services.grant_coordinator(
            team, db.session.get(type(admin), coordinator.id), actor=admin
        )
        task = credits_data.task(team, title="阅览室整架")
        started = utcnow().replace(microsecond=0) - timedelta(hours=12)
        person = db.session.get(User, student.id)
        credits_data.verified_attendance(person, task=task, starts_at=started, minutes=600)
        records.sync_records(now=utcnow())
        db.session.commit()
        code = semester_of(started).code
        db.session.remove()
    return code


def test_a_batch_is_built_approved_exported_and_downloaded(
    page: Page, new_page, live_server, make_person, tmp_path
):
    coordinator = make_person(name="陈老师", roles=["coordinator"])
    approver = make_person(name="周主任", roles=["admin"])
    student = make_person(name="林知行", roles=["volunteer"])
    semester = served_team(live_server, coordinator, student)

    log_in(page, coordinator)
    page.goto("/credits/batches")
    form = page.get_by_test_id("new-batch")
    form.locator("#title").fill("本学期第二课堂学分")
    form.locator("#semester").select_option(semester)
    form.get_by_test_id("build-batch").tap()
    expect(page).to_have_url(re.compile(r"/credits/batches/\d+$"))
    batch_url = page.url
    expect(page.get_by_test_id("batch-status")).to_have_attribute("data-status", "draft")
    line = page.get_by_test_id("batch-line")
    expect(line).to_have_count(1)
    expect(line).to_contain_text("林知行")
    expect(line).to_contain_text(student.student_number)

    boss = new_page()
    log_in(boss, approver)
    boss.goto(batch_url)
    boss.get_by_test_id("approve").tap()
    expect(boss.get_by_test_id("batch-status")).to_have_attribute("data-status", "approved")

    page.goto(batch_url)
    page.get_by_test_id("export").tap()
    expect(page.get_by_test_id("batch-status")).to_have_attribute("data-status", "exported")
    expect(page.get_by_test_id("sha256")).to_have_text(re.compile(r"^[0-9a-f]{64}$"))
    with page.expect_download() as downloaded:
        page.get_by_test_id("batch-actions").get_by_test_id("download").tap()
    download = downloaded.value
    assert download.suggested_filename.endswith(".xlsx")
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)

    rows = list(load_workbook(saved, read_only=True).active.iter_rows(values_only=True))
    assert list(rows[0]) == credits_data.DEFAULT_HEADERS
    [row] = rows[1:]
    assert row[0] == student.student_number and row[1] == "林知行"
    assert row[4] == "阅览室整架"
    assert str(row[14]).startswith("GCA")

    mine = new_page()
    log_in(mine, student)
    mine.goto("/credits/me")
    record = mine.get_by_test_id("credit-record")
    expect(record).to_contain_text("阅览室整架")
    expect(record.get_by_test_id("record-status")).to_have_attribute("data-status", "exported")

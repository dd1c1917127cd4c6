"""Journey 2, on a fresh site: two students serve a shift and their hours are verified; a
coordinator builds a Second Classroom (第二课堂) credit batch, an administrator approves it
(a second person must), the coordinator exports it and later uploads the Second Classroom
system's result file, which accepts one line and rejects the other with a reason; the
rejected student sees the rejection and the reason on their credits page.

The shift runs now (the coordinator creates it so), and the coordinator checks the two
students in and out on the attendance sheet and adds the hours served with evidence.
"""

from __future__ import annotations

import re

from openpyxl import Workbook, load_workbook
from playwright.sync_api import expect

from tests.e2e.journeys import steps

CAMPAIGN = "阅览室志愿者招募"
QUESTION = "你每周哪天有空？"
TASK = "阅览室整架"
REASON = "学时证明缺少指导老师签字"


def result_file(exported, folder, *, rejected: str) -> str:
    """What the Second Classroom system sends back: the exported rows with 结果 and 原因,
    every line accepted but the one of student number `rejected`."""
    rows = list(load_workbook(exported, read_only=True).active.iter_rows(values_only=True))
    header, lines = list(rows[0]), rows[1:]
    number = header.index("学号")
    book = Workbook()
    sheet = book.active
    sheet.append([*header, "结果", "原因"])
    for line in lines:
        refused = line[number] == rejected
        sheet.append([*line, "不通过" if refused else "通过", REASON if refused else ""])
    path = folder / "第二课堂认定结果.xlsx"
    book.save(path)
    return path


def test_a_credit_batch_goes_out_and_a_rejection_comes_back(
    phone, desk, fresh_site, first_admin, tmp_path
):
    admin = desk()
    steps.admin_logs_in_first_time(admin, first_admin)
    teacher = steps.admin_creates_person(
        admin, number="T2001", name="周老师", password="given-pass-1", roles=("coordinator",)
    )
    given = [
        steps.admin_creates_person(admin, number=number, name=name, password="given-pass-2")
        for number, name in (("2025141011", "王小明"), ("2025141012", "李小红"))
    ]

    # The coordinator recruits first come, first served; both students join from a phone.
    office = desk()
    teacher = steps.first_login(office, teacher, "teacher-pass-9")
    team_id = steps.coordinator_creates_team(office, "阅览室志愿者队")
    campaign_id = steps.coordinator_opens_campaign(
        office,
        fresh_site,
        team_id=team_id,
        title=CAMPAIGN,
        question=QUESTION,
        selection="first_come",
    )
    url = f"{fresh_site.url}/recruitment/campaigns/{campaign_id}"
    students, phones = [], []
    for person in given:
        device = phone()
        students.append(steps.first_login(device, person, f"student-pass-{person.id}"))
        steps.student_applies(device, url, QUESTION, "周三下午")
        expect(device.get_by_test_id("my-application")).to_contain_text("已录取")
        phones.append(device)
    passed, refused = students

    # They serve a shift; the coordinator records and verifies two hours each.
    task = steps.coordinator_creates_task(office, team_id=team_id, title=TASK, location="二楼")
    shift = steps.coordinator_creates_shift(office, task, *steps.running_slot(fresh_site))
    for student in students:
        steps.coordinator_assigns(office, shift, student)
        steps.coordinator_checks_in_and_out_by_hand(office, shift, student)
        steps.coordinator_adds_hours(office, shift, student, 120, "阅览室值班登记表")
        steps.coordinator_verifies(office, shift, student)

    # Verified hours become credit records (the job, run now rather than on its schedule).
    steps.admin_runs_job(admin, "credits.sync_records")

    batch = steps.coordinator_builds_credit_batch(office, "本学期第二课堂学分")
    lines = office.get_by_test_id("batch-line")
    expect(lines).to_have_count(2)
    expect(office.get_by_test_id("batch-lines")).to_contain_text(passed.name)
    expect(office.get_by_test_id("batch-lines")).to_contain_text(refused.name)
    expect(office.get_by_test_id("approval-note")).to_be_visible()  # not by its builder

    steps.approver_approves_batch(admin, batch)

    exported = steps.coordinator_exports_batch(office, batch, tmp_path)
    assert exported.suffix == ".xlsx"
    rows = list(load_workbook(exported, read_only=True).active.iter_rows(values_only=True))
    header = list(rows[0])
    assert header[:2] == ["学号", "姓名"]
    by_number = {row[0]: row for row in rows[1:]}
    assert set(by_number) == {passed.student_number, refused.student_number}
    assert by_number[refused.student_number][1] == refused.name
    assert by_number[refused.student_number][header.index("项目名称")] == TASK
    assert str(by_number[refused.student_number][header.index("学时")]) in {"2", "2.0", "2.00"}

    # Weeks later the Second Classroom system answers: one line accepted, one rejected.
    answer = result_file(exported, tmp_path, rejected=refused.student_number)
    steps.coordinator_uploads_results(office, answer)
    expect(office.get_by_test_id("accepted-count")).to_have_text("1")
    expect(office.get_by_test_id("rejected-count")).to_have_text("1")
    expect(office.get_by_test_id("problem-count")).to_have_text("0")

    # The rejected student is told (the bell), and the notification opens their credits.
    student = phones[1]
    student.reload()
    steps.open_newest_notification(student, REASON)
    expect(student).to_have_url(re.compile(r"/credits/me$"))
    record = student.get_by_test_id("credit-record")
    expect(record.get_by_test_id("record-status")).to_have_attribute("data-status", "rejected")
    expect(record.get_by_test_id("rejected-reason")).to_contain_text(REASON)

    other = phones[0]
    steps.follow_menu(other, "nav-my-credits", "me")
    expect(other.get_by_test_id("credit-record").get_by_test_id("record-status")).to_have_attribute(
        "data-status", "accepted"
    )

"""Credit batches: a record goes out once, a change after export goes out as the difference,
drafts change and approved batches do not, a second person approves, a coordinator sees
only their teams' batches, and an exported file is kept byte for byte."""

from __future__ import annotations

import csv
import hashlib
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.credits import batch_export, batches, export_templates, record_status, results
from app.credits.models import CreditBatch, CreditBatchItem
from app.errors import Conflict, Forbidden, InvalidInput, NotFound
from app.extensions import db as _db
from app.recruitment.access import active_coordinators
from tests import factories
from tests.credits import batch_data as data
from tests.credits import credits_data
from tests.credits.batch_data import AUTUMN, LATER


@pytest.fixture(autouse=True)
def seeded(db):
    data.seed()


@pytest.fixture
def desk(db):
    return data.desk()


def coordinators(task):
    return active_coordinators(task.team_id)


# Building ----------------------------------------------------------------------------------


def test_a_batch_takes_the_pending_records_of_its_period_and_scope(desk):
    builder, _ = coordinators(desk)
    person = credits_data.person("李明", student_number="2023000123")
    in_october = data.served(person, task=desk, minutes=600)
    data.served(person, task=desk, starts_at=AUTUMN + timedelta(days=40))  # November
    data.served(person, task=credits_data.task(), starts_at=AUTUMN)  # another team

    batch = data.build(builder, team_id=desk.team_id)

    [item] = data.items_of(batch)
    record = data.record_of(in_october)
    assert (batch.status, batch.team_id, batch.created_by_id) == ("draft", desk.team_id, builder.id)
    assert (item.line_number, item.kind, item.note) == (record.record_number, "new", "")
    assert (item.minutes, item.credits, item.level) == (600, 100, "校级")
    assert item.claim_key == f"{record.id}:{record.revision}"
    assert record_status.status_of(record).code == "in_batch"


def test_a_task_scope_names_its_team(desk):
    builder, _ = coordinators(desk)
    data.served(credits_data.person(), task=desk)

    batch = data.build(builder, task_id=desk.id)

    assert (batch.team_id, batch.task_id) == (desk.team_id, desk.id)


def test_a_record_goes_out_in_one_batch_only(desk):
    builder, approver = coordinators(desk)
    person = credits_data.person()
    first = data.served(person, task=desk, starts_at=AUTUMN)
    batch_1 = data.build(builder, team_id=desk.team_id)
    data.sent(batch_1, approver)
    second = data.served(person, task=desk, starts_at=AUTUMN + timedelta(days=7))

    batch_2 = data.build(builder, team_id=desk.team_id, title="十月补充")

    assert data.line_numbers(batch_1) == [data.record_of(first).record_number]
    assert data.line_numbers(batch_2) == [data.record_of(second).record_number]
    data.sent(batch_2, approver)
    with pytest.raises(InvalidInput):
        data.build(builder, team_id=desk.team_id, title="再来一次")


def test_an_excluded_line_goes_out_in_the_next_batch(desk):
    builder, approver = coordinators(desk)
    attendances = [data.served(credits_data.person(f"同学{i}"), task=desk) for i in range(2)]
    batch_1 = data.build(builder, team_id=desk.team_id)
    left_out = data.items_of(batch_1)[0]

    batches.exclude_item(builder, left_out.id, "学号有误，待核实", now=LATER)
    data.sent(batch_1, approver)
    batch_2 = data.build(builder, team_id=desk.team_id, title="补报")

    numbers = [data.record_of(a).record_number for a in attendances]
    assert data.line_numbers(batch_1) == numbers[1:]
    assert data.line_numbers(batch_2) == numbers[:1]
    assert data.items_of(batch_2)[0].kind == "new"
    assert left_out.excluded_reason == "学号有误，待核实"


def test_excluding_needs_a_reason_and_a_draft(desk):
    builder, approver = coordinators(desk)
    data.served(credits_data.person(), task=desk)
    batch = data.build(builder, team_id=desk.team_id)
    item = data.items_of(batch)[0]

    with pytest.raises(InvalidInput):
        batches.exclude_item(builder, item.id, "   ")
    data.approve(batch, approver)
    with pytest.raises(Conflict):
        batches.exclude_item(builder, item.id, "太晚了")
    assert item.claim_key is not None


def test_a_restored_line_counts_again(desk):
    builder, _ = coordinators(desk)
    attendance = data.served(credits_data.person(), task=desk)
    batch = data.build(builder, team_id=desk.team_id)
    item = data.items_of(batch)[0]
    batches.exclude_item(builder, item.id, "待核实")
    assert record_status.status_of(data.record_of(attendance)).code == "pending"

    batches.restore_item(builder, item.id)

    assert item.excluded_reason is None
    assert data.line_numbers(batch) == [data.record_of(attendance).record_number]
    assert record_status.status_of(data.record_of(attendance)).code == "in_batch"


def test_a_change_after_export_goes_out_as_the_difference(desk):
    builder, approver = coordinators(desk)
    attendance = data.served(credits_data.person(), task=desk, minutes=560)  # 0.9 credits
    batch_1 = data.build(builder, team_id=desk.team_id)
    data.sent(batch_1, approver)

    credits_data.add_minutes_and_verify(attendance, 15, now=LATER)  # 575 minutes: 1.0
    batch_2 = data.build(builder, team_id=desk.team_id, now=LATER + timedelta(days=1))

    record = data.record_of(attendance)
    [line] = data.items_of(batch_2)
    assert record.revision == 2
    assert line.line_number == f"{record.record_number}-2"
    assert (line.kind, line.minutes, line.credits) == ("adjustment", 15, 10)
    assert line.note == f"调整 {record.record_number}"


def test_a_service_no_longer_verified_is_withdrawn(desk):
    builder, approver = coordinators(desk)
    attendance = data.served(credits_data.person(), task=desk, minutes=600)
    data.sent(data.build(builder, team_id=desk.team_id), approver)

    credits_data.unverify(attendance, now=LATER)
    batch_2 = data.build(builder, team_id=desk.team_id, now=LATER + timedelta(days=1))

    record = data.record_of(attendance)
    [line] = data.items_of(batch_2)
    assert (line.kind, line.minutes, line.credits) == ("withdrawal", -600, -100)
    assert line.line_number == f"{record.record_number}-{record.revision}"
    assert line.note == f"撤销 {record.record_number}"
    rows = list(batch_export.export_rows(batch_2.id, recognised_on=date(2025, 12, 2)))
    assert (rows[0].hours, rows[0].credits, rows[0].kind) == (
        Decimal("-10.00"),
        Decimal("-1.00"),
        "撤销",
    )


def test_a_service_never_sent_and_no_longer_verified_is_not_sent(desk):
    builder, _ = coordinators(desk)
    attendance = data.served(credits_data.person(), task=desk)
    credits_data.unverify(attendance, now=LATER)

    with pytest.raises(InvalidInput):
        data.build(builder, team_id=desk.team_id)
    assert record_status.status_of(data.record_of(attendance)).code == "void"


def test_an_open_batch_with_an_overlapping_scope_refuses_another(desk):
    builder, _ = coordinators(desk)
    data.served(credits_data.person(), task=desk)
    other_team = credits_data.team(name="学生助理团")
    data.served(credits_data.person(), task=credits_data.task(other_team))
    first = data.build(builder, team_id=desk.team_id, title="十月")
    admin = data.admin()

    with pytest.raises(Conflict) as refused:
        data.build(admin, period=(date(2025, 10, 31), date(2025, 11, 30)), title="秋季")
    assert str(first.id) in refused.value.message
    assert "十月" in refused.value.message
    for fields in ({"task_id": desk.id}, {"category": "志愿公益"}):
        with pytest.raises(Conflict):
            data.build(admin, title="重叠", **fields)
    # Another team is another scope.
    data.build(admin, team_id=other_team.id, title="学生助理团十月")
    assert _db.session.scalar(select(func.count(CreditBatch.id))) == 2


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"period": (date(2025, 11, 1), date(2025, 10, 1))}, "period_end"),
        ({"period": (date(2025, 11, 1), date(2025, 11, 30))}, None),  # nothing pending
        ({"team_id": 999_999}, "team_id"),
        ({"task_id": 999_999}, "task_id"),
        ({"title": "  "}, "title"),
    ],
)
def test_a_batch_needs_a_sensible_period_and_scope_with_something_pending(desk, fields, problem):
    data.served(credits_data.person(), task=desk)

    with pytest.raises(InvalidInput) as refused:
        data.build(data.admin(), **fields)

    assert refused.value.field == problem
    assert _db.session.scalar(select(func.count(CreditBatch.id))) == 0


def test_a_task_of_another_team_is_refused(desk):
    other = credits_data.task()
    with pytest.raises(InvalidInput):
        data.build(data.admin(), team_id=desk.team_id, task_id=other.id)


# Who sees what -----------------------------------------------------------------------------


def test_a_coordinator_works_only_on_their_teams(desk):
    builder, _ = coordinators(desk)
    other_team = credits_data.team(name="学生助理团")
    other_task = credits_data.task(other_team)
    data.served(credits_data.person(), task=desk)
    data.served(credits_data.person(), task=other_task)
    admin = data.admin()
    theirs = data.build(admin, team_id=other_team.id, title="别的队")

    with pytest.raises(Forbidden):
        data.build(builder, team_id=other_team.id)
    with pytest.raises(Forbidden):
        data.build(builder)  # every team
    with pytest.raises(Forbidden):
        batches.get_batch(builder, theirs.id)
    with pytest.raises(Forbidden):
        batches.exclude_item(builder, data.items_of(theirs)[0].id, "不是我的")
    with pytest.raises(NotFound):
        batches.get_batch(builder, 999_999)
    mine = data.build(builder, team_id=desk.team_id, title="我的")
    assert batches.visible_batches(builder) == [mine]
    assert batches.visible_batches(admin) == [mine, theirs]


def test_people_who_manage_no_team_cannot_see_batches(desk):
    student = credits_data.person()
    teamless = factories.person(roles=["coordinator"], name="无队老师")

    assert not batches.can_manage_credits(student)
    assert not batches.can_manage_credits(teamless)
    assert batches.can_manage_credits(coordinators(desk)[0])
    with pytest.raises(Forbidden):
        batches.visible_batches(student)


# Approving and discarding ------------------------------------------------------------------


def test_the_builder_cannot_approve_their_own_batch_when_a_second_person_is_required(app, desk):
    builder, approver = coordinators(desk)
    data.served(credits_data.person(), task=desk)
    batch = data.build(builder, team_id=desk.team_id)

    with pytest.raises(Forbidden):
        data.approve(batch, builder)
    data.approve(batch, approver)

    assert (batch.status, batch.approved_by_id) == ("approved", approver.id)
    with pytest.raises(Conflict):
        data.approve(batch, approver)


def test_the_builder_may_approve_when_no_second_person_is_required(app, desk, monkeypatch):
    monkeypatch.setitem(app.config, "CREDIT_SECOND_APPROVER", False)
    builder, _ = coordinators(desk)
    data.served(credits_data.person(), task=desk)
    batch = data.build(builder, team_id=desk.team_id)

    data.approve(batch, builder)

    assert batch.status == "approved"


def test_a_batch_with_every_line_excluded_cannot_be_approved(desk):
    builder, approver = coordinators(desk)
    data.served(credits_data.person(), task=desk)
    batch = data.build(builder, team_id=desk.team_id)
    batches.exclude_item(builder, data.items_of(batch)[0].id, "重复")

    with pytest.raises(InvalidInput):
        data.approve(batch, approver)
    assert batch.status == "draft"


def batch_history(batch_id: int) -> list[str]:
    query = (
        select(AuditEntry.action)
        .where(AuditEntry.object_type == "credit_batch", AuditEntry.object_id == str(batch_id))
        .order_by(AuditEntry.id)
    )
    return list(_db.session.scalars(query))


def test_a_discarded_batchs_number_never_comes_back(desk):
    builder, _ = coordinators(desk)
    data.served(credits_data.person(), task=desk)
    discarded = data.build(builder, team_id=desk.team_id).id
    batches.discard_batch(builder, discarded, now=LATER)

    again = data.build(builder, team_id=desk.team_id, title="重建")

    assert again.id > discarded
    assert batch_history(discarded) == ["credits.batch_built", "credits.batch_discarded"]
    assert batch_history(again.id) == ["credits.batch_built"]


def test_discarding_a_draft_frees_its_records(desk):
    builder, approver = coordinators(desk)
    attendance = data.served(credits_data.person(), task=desk)
    batch = data.build(builder, team_id=desk.team_id)
    batch_id = batch.id

    batches.discard_batch(builder, batch_id, now=LATER)

    assert _db.session.get(CreditBatch, batch_id) is None
    assert record_status.status_of(data.record_of(attendance)).code == "pending"
    again = data.build(builder, team_id=desk.team_id, title="重建")
    assert data.line_numbers(again) == [data.record_of(attendance).record_number]
    data.approve(again, approver)
    with pytest.raises(Conflict):
        batches.discard_batch(builder, again.id)
    actions = set(_db.session.scalars(select(AuditEntry.action)))
    assert {"credits.batch_built", "credits.batch_discarded", "credits.batch_approved"} <= actions


# Exporting ---------------------------------------------------------------------------------


def test_an_approved_batch_is_exported_once_and_its_file_is_kept(desk):
    builder, approver = coordinators(desk)
    college = factories.college("08", "计算机学院", majors=("软件工程",))
    person = credits_data.person(
        "李明", student_number="0023000123", college_id=college.id, enrolment_year=2023
    )
    attendance = data.served(person, task=desk, minutes=90)
    batch = data.build(builder, team_id=desk.team_id)
    with pytest.raises(Conflict):
        data.export(batch, approver)  # a draft
    data.approve(batch, approver)

    export = data.export(batch, approver, now=LATER)

    record = data.record_of(attendance)
    assert export.filename == f"second-classroom-batch-{batch.id}-20251201.xlsx"
    assert export.sha256 == hashlib.sha256(export.content).hexdigest()
    assert (export.size, export.row_count) == (len(export.content), 1)
    assert (batch.status, batch.exported_by_id, batch.exported_at) == (
        "exported",
        approver.id,
        LATER,
    )
    sheet = load_workbook(io.BytesIO(export.content), read_only=True).worksheets[0]
    header, row = list(sheet.iter_rows(values_only=True))
    values = dict(zip(header, row, strict=True))
    assert values["学号"] == "0023000123"
    assert (values["姓名"], values["学院"], values["班级"] or "") == ("李明", "计算机学院", "")
    assert (values["学时"], values["学分"]) == (1.5, 0.2)
    assert (values["记录编号"], values["认定日期"]) == (record.record_number, "2025-12-01")
    with pytest.raises(Conflict):
        data.export(batch, approver)
    assert record_status.status_of(record).code == "exported"


def test_a_batch_exports_in_a_csv_template(desk):
    builder, approver = coordinators(desk)
    data.served(credits_data.person("王芳"), task=desk, minutes=600)
    batch = data.build(builder, team_id=desk.team_id)
    data.approve(batch, approver)
    template = export_templates.save_template(
        data.admin(),
        None,
        name="教务处 CSV",
        file_type="csv_gb18030",
        date_format="%Y/%m/%d",
        columns=[
            {"field": "name", "header": "姓名"},
            {"field": "hours", "header": "学时"},
            {"field": "kind", "header": "类型"},
            {"field": "started_on", "header": "开始日期"},
        ],
    )

    export = data.export(batch, approver, template_id=template.id)

    assert export.filename.endswith(".csv")
    assert export.template_name == "教务处 CSV"
    rows = list(csv.reader(io.StringIO(export.content.decode("gb18030"))))
    assert rows == [["姓名", "学时", "类型", "开始日期"], ["王芳", "10.00", "新增", "2025/10/06"]]


def test_export_rows_come_in_line_order_and_leave_excluded_lines_out(desk):
    builder, _ = coordinators(desk)
    people = [credits_data.person(f"同学{i}") for i in range(3)]
    for person in people:
        data.served(person, task=desk)
    batch = data.build(builder, team_id=desk.team_id)
    items = data.items_of(batch)
    batches.exclude_item(builder, items[1].id, "重复")

    rows = list(batch_export.export_rows(batch.id, recognised_on=date(2025, 12, 1)))

    assert [row.line_number for row in rows] == [items[0].line_number, items[2].line_number]
    assert [row.kind for row in rows] == ["新增", "新增"]
    assert rows[0].recognised_on == date(2025, 12, 1)


# A record's status -------------------------------------------------------------------------


def test_a_record_status_follows_its_lines(desk):
    builder, approver = coordinators(desk)
    attendance = data.served(credits_data.person(), task=desk)
    record = data.record_of(attendance)
    assert record_status.status_of(record).code == "pending"

    batch = data.build(builder, team_id=desk.team_id)
    status = record_status.status_of(record)
    assert (status.code, status.batch_id, status.line_number) == (
        "in_batch",
        batch.id,
        record.record_number,
    )
    data.approve(batch, approver)
    assert record_status.status_of(record).code == "in_batch"
    data.export(batch, approver)
    assert record_status.status_of(record).code == "exported"

    result_file = f"记录编号,结果,原因\n{record.record_number},通过,\n".encode()
    results.import_results(approver, filename="结果.csv", data=result_file, now=LATER)
    assert record_status.status_of(record).code == "accepted"


def test_summaries_count_lines_and_totals(desk):
    builder, _ = coordinators(desk)
    for minutes in (600, 300):
        data.served(credits_data.person(), task=desk, minutes=minutes)
    batch = data.build(builder, team_id=desk.team_id)
    batches.exclude_item(builder, data.items_of(batch)[1].id, "重复")

    summary = batches.summaries([batch.id])[batch.id]

    assert (summary.lines, summary.excluded, summary.minutes, summary.credits) == (1, 1, 600, 100)
    assert _db.session.scalar(select(func.count(CreditBatchItem.id))) == 2

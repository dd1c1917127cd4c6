"""Result files from the Second Classroom system: accepted lines are marked, rejected lines
return to the queue with the reason and their student is told, bad rows change nothing and
are listed, a bad file changes nothing at all, and the same file twice changes nothing."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.credits import record_status, results
from app.credits.models import CreditResultUpload
from app.errors import Forbidden, InvalidInput
from app.extensions import db as _db
from app.notifications.models import Notification
from app.recruitment.access import active_coordinators
from tests.credits import batch_data as data
from tests.credits import credits_data
from tests.credits.batch_data import AUTUMN, LATER

HEADER = ("记录编号", "结果", "原因")


@pytest.fixture(autouse=True)
def seeded(db):
    data.seed()


@pytest.fixture
def team(db):
    team = credits_data.team(name="图书馆志愿者队")
    data.coordinator(team, "陈老师")
    data.coordinator(team, "李老师")
    return team


@pytest.fixture
def exported(team):
    """An exported batch of three students' lines; returns its items."""
    builder, approver = active_coordinators(team.id)
    desk = credits_data.task(team)
    for name in ("张一", "王二", "李三"):
        data.served(credits_data.person(name), task=desk)
    batch = data.build(builder, team_id=team.id)
    data.sent(batch, approver)
    return data.items_of(batch)


def coordinator(team):
    return active_coordinators(team.id)[0]


def csv_file(rows, *, header=HEADER, encoding: str = "utf-8") -> bytes:
    lines = [",".join(header), *(",".join(row) for row in rows)]
    return ("\n".join(lines) + "\n").encode(encoding)


def xlsx_file(rows, *, header=HEADER) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in (header, *rows):
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(actor, content: bytes, *, filename: str = "结果.csv", now=LATER):
    return results.import_results(actor, filename=filename, data=content, now=now)


def notices(kind: str = "credits.rejected") -> list[Notification]:
    return list(_db.session.scalars(select(Notification).where(Notification.kind == kind)))


def test_accepted_and_rejected_lines_are_recorded_and_the_student_is_told(team, exported):
    first, second, _third = exported
    content = csv_file(
        [(first.line_number, "通过", ""), (second.line_number, "不通过", "学号与姓名不符")]
    )

    done = upload(coordinator(team), content)

    assert (done.accepted_count, done.rejected_count, done.unchanged_count) == (1, 1, 0)
    assert done.problems == []
    assert (first.result, first.claim_key is not None) == ("accepted", True)
    assert (second.result, second.result_reason, second.claim_key) == (
        "rejected",
        "学号与姓名不符",
        None,
    )
    assert second.result_upload_id == done.id
    status = record_status.status_of(second.record)
    assert (status.code, status.reason, status.line_number) == (
        "rejected",
        "学号与姓名不符",
        second.line_number,
    )
    assert record_status.status_of(first.record).code == "accepted"
    [notice] = notices()
    assert notice.user_id == second.record.user_id
    assert "学号与姓名不符" in notice.body
    assert notice.link == results.RECORDS_LINK
    assert (
        _db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "credits.results_imported")
        ).after["rejected"]
        == 1
    )


def test_a_rejected_line_goes_out_again_in_the_next_batch(team, exported):
    rejected = exported[1]
    upload(coordinator(team), csv_file([(rejected.line_number, "退回", "信息不全")]))

    again = data.build(coordinator(team), team_id=team.id, now=LATER + timedelta(days=1))

    [line] = data.items_of(again)
    assert (line.record_id, line.kind) == (rejected.record_id, "new")
    assert line.line_number == rejected.line_number
    assert record_status.status_of(rejected.record).code == "in_batch"


def test_the_same_file_twice_changes_nothing(team, exported):
    content = csv_file(
        [(exported[0].line_number, "接受", ""), (exported[1].line_number, "拒绝", "重复申报")]
    )
    upload(coordinator(team), content)

    again = upload(coordinator(team), content, now=LATER + timedelta(hours=1))

    assert (again.accepted_count, again.rejected_count, again.unchanged_count) == (0, 0, 2)
    assert len(notices()) == 1
    assert exported[1].result_at == LATER


def test_a_line_rejected_then_accepted_counts_again(team, exported):
    line = exported[0]
    upload(coordinator(team), csv_file([(line.line_number, "失败", "待核实")]))

    upload(coordinator(team), csv_file([(line.line_number, "成功", "")]))

    assert (line.result, line.result_reason) == ("accepted", None)
    assert line.claim_key == f"{line.record_id}:{line.revision}"


def test_bad_rows_change_nothing_and_say_why(team, exported):
    first, second, third = exported
    data.served(
        credits_data.person("赵四"),
        task=credits_data.task(team),
        starts_at=AUTUMN + timedelta(days=40),
    )
    draft = data.build(
        coordinator(team),
        team_id=team.id,
        period=(AUTUMN.date() + timedelta(days=30), AUTUMN.date() + timedelta(days=60)),
        title="十一月",
    )
    content = csv_file(
        [
            ("GCA99999999", "通过", ""),  # row 2: unknown
            (first.line_number, "通过", ""),  # row 3: duplicate …
            (first.line_number, "不通过", "重复"),  # row 4: … of row 3
            (data.line_numbers(draft)[0], "通过", ""),  # row 5: not exported yet
            (second.line_number, "待定", ""),  # row 6: no such result
            (third.line_number, "不通过", ""),  # row 7: rejected without a reason
            ("", "通过", ""),  # row 8: no line number
        ]
    )

    done = upload(coordinator(team), content)

    assert [(p["row"], p["code"]) for p in done.problems] == [
        (2, "unknown_line_number"),
        (3, "duplicate"),
        (4, "duplicate"),
        (5, "not_exported"),
        (6, "bad_result"),
        (7, "missing_reason"),
        (8, "missing_line_number"),
    ]
    assert all(p["problem"] for p in done.problems)
    assert (done.accepted_count, done.rejected_count, done.unchanged_count) == (0, 0, 0)
    assert [item.result for item in exported] == [None, None, None]
    assert all(item.claim_key for item in exported)
    assert notices() == []


def test_lines_of_another_teams_batch_are_not_touched(team, exported):
    other_team = credits_data.team(name="学生助理团")
    stranger = data.coordinator(other_team, "周老师")

    done = upload(stranger, csv_file([(exported[0].line_number, "不通过", "无效")]))

    assert [p["code"] for p in done.problems] == ["not_yours"]
    assert (exported[0].result, exported[0].claim_key is not None) == (None, True)


@pytest.mark.parametrize(
    ("encoding", "header"),
    [
        ("utf-8", HEADER),
        ("utf-8-sig", HEADER),
        ("gb18030", HEADER),
        ("xlsx", HEADER),
        ("utf-8", ("line_number", "result", "reason")),
    ],
)
def test_result_files_are_read_in_every_encoding(team, exported, encoding, header):
    rows = [
        (exported[0].line_number, "rejected", "姓名不符"),
        (exported[1].line_number, "通过", ""),
    ]
    if encoding == "xlsx":
        content = xlsx_file(rows, header=header)
    else:
        content = csv_file(rows, header=header, encoding=encoding)

    done = upload(coordinator(team), content)

    assert (done.accepted_count, done.rejected_count, done.problems) == (1, 1, [])
    assert exported[0].result_reason == "姓名不符"


@pytest.mark.parametrize(
    "content",
    [
        csv_file([("GCA00000001", "通过")], header=("学号", "结果")),  # no line number column
        csv_file([("GCA00000001", "通过")], header=("记录编号", "状态说明")),  # no result
        "记录编号,结果,原因\nGCA00000001,通过,\n".encode("utf-16"),
        b"",
    ],
)
def test_a_file_that_cannot_be_read_changes_nothing(team, exported, content):
    with pytest.raises(InvalidInput):
        upload(coordinator(team), content)

    assert _db.session.scalar(select(func.count(CreditResultUpload.id))) == 0
    assert [item.result for item in exported] == [None, None, None]


def test_only_coordinators_and_admins_upload_results(exported):
    with pytest.raises(Forbidden):
        upload(credits_data.person("学生"), csv_file([(exported[0].line_number, "通过", "")]))
    assert exported[0].result is None


def test_a_line_rejected_after_its_adjustment_went_out_is_sent_again(team):
    builder, approver = active_coordinators(team.id)
    desk = credits_data.task(team)
    attendance = data.served(credits_data.person("张一"), task=desk, minutes=560)
    first = data.build(builder, team_id=team.id)
    data.sent(first, approver)
    credits_data.add_minutes_and_verify(attendance, 15, now=LATER)
    second = data.build(builder, team_id=team.id, now=LATER + timedelta(days=1))
    data.sent(second, approver, now=LATER + timedelta(days=1))
    [original] = data.items_of(first)
    [adjustment] = data.items_of(second)

    upload(coordinator(team), csv_file([(original.line_number, "不通过", "学号有误")]))

    record = data.record_of(attendance)
    assert record_status.status_of(record).code == "pending"
    third = data.build(builder, team_id=team.id, now=LATER + timedelta(days=2))
    [again] = data.items_of(third)
    assert (again.minutes, again.credits) == (original.minutes, original.credits)
    assert adjustment.minutes + again.minutes == record.minutes

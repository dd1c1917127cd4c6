"""Hours for the national volunteer record: built, approved by a second person and exported
through the credit batches, each attendance revision once, people without a national number
listed apart, and the full ID number only inside the file (audited)."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select, text

from app.api import services as api
from app.audit.models import AuditEntry
from app.credits import batch_building, export_templates, results
from app.credits.models import CreditBatch, CreditExport
from app.errors import InvalidInput
from app.extensions import db as _db
from app.natrecord import crypto, identity
from app.recruitment.access import active_coordinators
from tests.credits import batch_data as data
from tests.credits import credits_data
from tests.credits.batch_data import AUTUMN, LATER
from tests.natrecord.conftest import ID_NUMBER


@pytest.fixture(autouse=True)
def seeded(db):
    data.seed()


@pytest.fixture
def desk(db):
    task = data.desk()
    builder, approver = active_coordinators(task.team_id)
    return task, builder, approver


def numbered(name: str, number: str, *, id_number: str | None = None):
    person = credits_data.person(name)
    identity.save_national_number(person, number)
    if id_number:
        identity.save_id_number(person, id_number, consent=True)
    return person


def build(actor, task, **fields):
    fields.setdefault("now", LATER)
    return data.build(
        actor, title="2025 年 10 月志愿时长", destination="national", team_id=task.team_id, **fields
    )


def send(batch, approver):
    """Approve and export a national batch in the national template."""
    data.approve(batch, approver)
    return data.export(batch, approver, template_id=export_templates.national_template().id)


def october_form(task) -> dict:
    """The new-batch form of a national batch of October for the task's team."""
    return {
        "title": "十月志愿时长",
        "destination": "national",
        "period_start": "2025-10-01",
        "period_end": "2025-10-31",
        "team_id": task.team_id,
        "task_id": 0,
        "category": "",
    }


def sheet_rows(content: bytes) -> list[dict]:
    sheet = load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
    header, *rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(header, row, strict=True)) for row in rows]


def verified_minutes_by_national_number() -> dict[str, int]:
    """The test's own sum of verified minutes of people with a national number."""
    rows = _db.session.execute(
        text(
            "SELECT v.national_number, SUM(COALESCE(a.scan_minutes, 0) + a.added_minutes) "
            "FROM attendances a JOIN volunteer_identities v ON v.user_id = a.user_id "
            "WHERE a.verified_at IS NOT NULL AND v.national_number IS NOT NULL "
            "GROUP BY v.national_number"
        )
    )
    return {number: int(minutes) for number, minutes in rows}


def test_the_file_holds_the_verified_hours_of_numbered_people_in_the_national_layout(
    app, desk, identity_key
):
    task, builder, approver = desk
    li = numbered("李明", "31010000000001", id_number=ID_NUMBER)
    wang = numbered("王芳", "31010000000002")
    zhao = credits_data.person("赵雷")  # no national number yet
    data.served(li, task=task, minutes=600)
    data.served(li, task=task, minutes=90, starts_at=AUTUMN + timedelta(days=2))
    data.served(wang, task=task, minutes=150)
    data.served(zhao, task=task, minutes=120)

    batch = build(builder, task)
    assert batch.destination == "national"
    assert [
        (person.name, count)
        for person, count in batch_building.people_without_national_number(batch)
    ] == [("赵雷", 1)]
    export = send(batch, approver)

    assert export.filename.startswith(f"national-record-batch-{batch.id}-")
    rows = sheet_rows(crypto.decrypt_bytes(export.content))
    assert list(rows[0]) == [header for _field, header in export_templates.NATIONAL_COLUMNS]
    file_minutes: dict[str, int] = {}
    for row in rows:
        file_minutes[row["志愿者编号"]] = file_minutes.get(row["志愿者编号"], 0) + round(
            row["服务时长(小时)"] * 60
        )
    assert (
        file_minutes
        == verified_minutes_by_national_number()
        == {
            "31010000000001": 690,
            "31010000000002": 150,
        }
    )
    assert {row["证件号码"] for row in rows if row["姓名"] == "李明"} == {ID_NUMBER}
    assert {row["证件号码"] or "" for row in rows if row["姓名"] == "王芳"} == {""}
    assert rows[0]["服务日期"] == "2025-10-06"
    assert all(row["记录编号"].startswith("NGCA") for row in rows)


def test_each_attendance_revision_goes_out_once_and_a_change_as_its_difference(desk):
    task, builder, approver = desk
    li = numbered("李明", "31010000000001")
    attendance = data.served(li, task=task, minutes=600)
    first = build(builder, task)
    send(first, approver)
    # The Second Classroom keeps its own tally: the same record still goes there.
    classroom = data.build(builder, team_id=task.team_id)
    assert len(data.items_of(classroom)) == 1

    with pytest.raises(InvalidInput):
        build(builder, task, now=LATER + timedelta(days=1))  # nothing new to send
    assert (
        _db.session.scalar(
            select(func.count(CreditBatch.id)).where(CreditBatch.destination == "national")
        )
        == 1
    )

    credits_data.add_minutes_and_verify(attendance, 15, now=LATER)
    second = build(builder, task, now=LATER + timedelta(days=2))
    [line] = data.items_of(second)
    assert (line.kind, line.minutes, line.credits) == ("adjustment", 15, 0)
    assert line.line_number.startswith("NGCA") and line.line_number.endswith("-2")


def test_an_export_with_nothing_to_send_is_refused_and_writes_nothing(desk):
    task, builder, _approver = desk
    data.served(credits_data.person("赵雷"), task=task, minutes=120)  # no national number
    with pytest.raises(InvalidInput):
        build(builder, task)
    assert _db.session.scalar(select(func.count(CreditBatch.id))) == 0


def test_the_full_id_number_is_only_in_the_file_and_every_read_is_audited(
    app, client, login, desk, identity_key
):
    task, builder, approver = desk
    li = numbered("李明", "31010000000001", id_number=ID_NUMBER)
    data.served(li, task=task, minutes=600)
    batch = build(builder, task)
    send(batch, approver)
    _db.session.commit()
    reads = select(func.count(AuditEntry.id)).where(AuditEntry.action == "natrecord.id_number_read")
    assert _db.session.scalar(reads) == 1

    stored = _db.session.execute(text("SELECT content FROM credit_exports")).scalar_one()
    assert ID_NUMBER.encode() not in bytes(stored)  # kept encrypted, as backups copy it

    login(approver)
    page = client.get(f"/credits/batches/{batch.id}")
    assert page.status_code == 200 and ID_NUMBER.encode() not in page.data
    first = client.get(f"/credits/batches/{batch.id}/download")
    second = client.get(f"/credits/batches/{batch.id}/download")
    assert first.status_code == 200 and first.data == second.data
    assert {row["证件号码"] for row in sheet_rows(first.data)} == {ID_NUMBER}
    export = _db.session.scalar(select(CreditExport))
    assert first.headers["X-Content-SHA256"] == export.sha256
    assert _db.session.scalar(reads) == 3


def test_coordinators_build_a_national_batch_and_see_who_lacks_a_number(client, login, desk):
    task, builder, _approver = desk
    data.served(numbered("李明", "31010000000001"), task=task, minutes=600)
    data.served(credits_data.person("赵雷"), task=task, minutes=120)
    _db.session.commit()
    login(builder)
    response = client.post(
        "/credits/batches",
        data=october_form(task),
    )
    assert response.status_code == 302
    batch = _db.session.scalar(select(CreditBatch))
    assert batch.destination == "national"
    page = client.get(f"/credits/batches/{batch.id}").data.decode()
    assert 'data-testid="destination-national"' in page
    assert page.count('data-testid="without-number-person"') == 1
    assert "/profile/identity" in page
    assert "10.00 小时" in page
    assert "学分" not in page.split('data-testid="batch-counts"')[1].split("</p>")[0]
    assert "0.00 学分" not in page


def test_the_campus_api_and_result_files_leave_national_batches_alone(app, client, desk):
    task, builder, approver = desk
    data.served(numbered("李明", "31010000000001"), task=task, minutes=600)
    batch = build(builder, task)
    send(batch, approver)
    line = data.items_of(batch)[0].line_number
    secret = api.create_token(builder, name="第二课堂系统", scopes=["credits:read"], days=30).secret
    _db.session.commit()
    headers = {"Authorization": f"Bearer {secret}"}

    assert client.get("/api/v1/credit-batches", headers=headers).get_json()["data"] == []
    assert client.get(f"/api/v1/credit-batches/{batch.id}/file", headers=headers).status_code == 404
    with app.test_request_context():
        upload = results.import_results(
            builder, filename="结果.csv", data=f"记录编号,结果,原因\n{line},通过,\n".encode()
        )
    assert upload.accepted_count == 0 and upload.problems
    assert data.items_of(batch)[0].result is None

"""The credits pages: a student's records and their status, coordinators' batches (building,
excluding, approving, exporting, downloading) and result files, each for the people who may
see them and refused to the others."""

from __future__ import annotations

import hashlib
import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.common.semesters import current_semester
from app.common.time import utcnow
from app.credits import export_templates, results
from app.credits.models import CreditBatch, CreditExport
from app.extensions import db as _db
from app.recruitment.access import active_coordinators
from tests.common.spreadsheets import WHOLE_SHEET, count_cells_read, hostile_xlsx
from tests.credits import batch_data as data
from tests.credits import credits_data
from tests.helpers import choose_english, text_download


def batch_form(team_id: int, **fields) -> dict:
    """The new-batch form as a browser sends it: October 2025 for the whole team."""
    return {
        "title": "十月学分",
        "semester": "",
        "period_start": "2025-10-01",
        "period_end": "2025-10-31",
        "team_id": team_id,
        "task_id": 0,
        "category": "",
        **fields,
    }


def client_of(app, user):
    """A client of its own, logged in as `user` (login refuses a second person)."""
    client = app.test_client()
    client.post("/login", data={"identifier": user.student_number, "password": "correct-horse-9"})
    return client


def text(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture(autouse=True)
def seeded(db):
    data.seed()
    db.session.commit()


@pytest.fixture
def desk(db):
    """A service task of a team with two coordinators (陈老师 builds, 李老师 approves)."""
    team = credits_data.team(name="图书馆志愿者队")
    task = credits_data.task(team, title="总服务台值班")
    data.coordinator(team, "陈老师")
    data.coordinator(team, "李老师")
    db.session.commit()
    return task


@pytest.fixture
def people(db, desk):
    """The desk's coordinators, a student who served there in October 2025, and the
    coordinator of another team."""
    builder, approver = active_coordinators(desk.team_id)
    student = credits_data.person("李明", student_number="2023000123")
    data.served(student, task=desk, minutes=600)
    stranger = data.coordinator(credits_data.team(name="外校队"), "钱老师")
    db.session.commit()
    return {"builder": builder, "approver": approver, "student": student, "stranger": stranger}


def desk_batch(people, desk):
    batch = data.build(people["builder"], team_id=desk.team_id)
    _db.session.commit()
    return batch


# A student's records ---------------------------------------------------------------------


def test_a_student_sees_their_records_with_hours_credits_status_and_totals(app, people, desk):
    other = credits_data.person("王五")
    data.served(other, task=desk, minutes=300)
    _db.session.commit()
    client = client_of(app, people["student"])
    choose_english(client)

    page = text(client.get("/credits/me"))

    assert "总服务台值班" in page
    assert "10.00 hours, 1.00 credits" in page
    assert 'data-status="pending"' in page
    assert "GCA" in page
    totals = re.search(r'data-testid="credit-totals".*?</table>', page, re.S).group(0)
    assert "志愿公益" in totals and "10.00" in totals and "1.00" in totals
    assert page.count('data-testid="credit-record"') == 1  # not 王五's


def test_a_student_sees_a_rejected_record_with_its_reason(app, people, desk):
    batch = desk_batch(people, desk)
    data.sent(batch, people["approver"])
    [line] = data.line_numbers(batch)
    results.import_results(
        people["approver"],
        filename="结果.csv",
        data=f"记录编号,结果,原因\n{line},不通过,活动时长不符\n".encode(),
    )
    _db.session.commit()
    client = client_of(app, people["student"])

    page = text(client.get("/credits/me"))

    assert 'data-status="rejected"' in page
    assert "活动时长不符" in page


# Who may see batches ---------------------------------------------------------------------


def test_a_coordinator_of_another_team_sees_neither_the_batch_nor_its_file(app, people, desk):
    batch = desk_batch(people, desk)
    data.sent(batch, people["approver"])
    _db.session.commit()
    client = client_of(app, people["stranger"])

    assert 'data-batch="' not in text(client.get("/credits/batches"))
    for path in ("", "/download"):
        response = client.get(f"/credits/batches/{batch.id}{path}")
        assert response.status_code == 403
        assert "图书馆志愿者队" not in text(response)
    assert client.post(f"/credits/batches/{batch.id}/discard").status_code == 403
    assert client.get("/credits/batches/999999").status_code == 404


def test_an_admin_sees_every_batch(app, people, desk, admin):
    batch = desk_batch(people, desk)
    client = client_of(app, admin)

    assert f'data-batch="{batch.id}"' in text(client.get("/credits/batches"))
    page = client.get(f"/credits/batches/{batch.id}")
    assert page.status_code == 200
    assert "李明" in text(page) and "2023000123" in text(page)


# Building a batch ------------------------------------------------------------------------


def test_a_coordinator_builds_a_batch_for_a_semester_of_their_team(app, db, desk):
    builder = data.coordinator(desk.team, "周老师")
    student = credits_data.person("孙同学")
    semester = current_semester(utcnow())
    data.served(student, task=desk, starts_at=utcnow() - timedelta(hours=3), minutes=120)
    db.session.commit()
    client = client_of(app, builder)
    form_page = text(client.get("/credits/batches"))
    assert f'value="{semester.code}"' in form_page
    assert f'value="{semester.preceding().code}"' in form_page

    response = client.post(
        "/credits/batches",
        data=batch_form(desk.team_id, title="本学期学分", semester=semester.code),
    )

    assert response.status_code == 302
    batch = db.session.scalar(select(CreditBatch))
    assert response.headers["Location"].endswith(f"/credits/batches/{batch.id}")
    assert (batch.semester, batch.period_start, batch.period_end) == (
        semester.code,
        semester.start,
        semester.end,
    )
    assert batch.team_id == desk.team_id
    assert "孙同学" in text(client.get(f"/credits/batches/{batch.id}"))


def test_a_coordinator_is_offered_only_their_teams(app, people, desk, admin):
    client = client_of(app, people["builder"])
    page = text(client.get("/credits/batches"))
    assert "图书馆志愿者队" in page and "外校队" not in page

    other_team = _db.session.scalar(select(type(desk.team)).where(type(desk.team).name == "外校队"))
    response = client.post(
        "/credits/batches",
        data=batch_form(other_team.id, title="越权"),
    )
    assert response.status_code == 400
    assert _db.session.scalar(select(CreditBatch)) is None
    assert "外校队" in text(client_of(app, admin).get("/credits/batches"))


def test_form_errors_are_shown_on_the_form_and_keep_the_input(app, people, desk):
    client = client_of(app, people["builder"])
    choose_english(client)

    no_period = client.post(
        "/credits/batches", data=batch_form(desk.team_id, period_start="", period_end="")
    )
    assert no_period.status_code == 400
    assert "Please choose a semester or give both dates." in text(no_period)
    assert 'value="十月学分"' in text(no_period)

    backwards = client.post(
        "/credits/batches",
        data=batch_form(desk.team_id, period_start="2025-10-31", period_end="2025-10-01"),
    )
    assert backwards.status_code == 400
    assert "The end date cannot be before the start date." in text(backwards)
    assert 'value="2025-10-31"' in text(backwards)

    nothing = client.post(
        "/credits/batches",
        data=batch_form(
            desk.team_id, title="去年学分", period_start="2020-01-01", period_end="2020-01-31"
        ),
    )
    assert nothing.status_code == 400
    assert "There are no pending credit records in this period and scope." in text(nothing)
    assert 'value="去年学分"' in text(nothing) and 'value="2020-01-01"' in text(nothing)
    assert _db.session.scalar(select(CreditBatch)) is None


def test_an_overlapping_batch_is_refused_on_the_form(app, people, desk):
    desk_batch(people, desk)
    client = client_of(app, people["builder"])

    response = client.post(
        "/credits/batches",
        data=batch_form(desk.team_id, title="重复"),
    )

    assert response.status_code == 409
    assert 'value="重复"' in text(response)
    assert len(_db.session.scalars(select(CreditBatch)).all()) == 1


# A batch's life --------------------------------------------------------------------------


def test_a_line_is_excluded_with_a_reason_and_put_back(app, people, desk):
    batch = desk_batch(people, desk)
    [item] = data.items_of(batch)
    client = client_of(app, people["builder"])

    missing = client.post(f"/credits/batches/{batch.id}/items/{item.id}/exclude", data={})
    assert missing.status_code == 302
    _db.session.refresh(item)
    assert item.claim_key is not None

    client.post(
        f"/credits/batches/{batch.id}/items/{item.id}/exclude", data={"reason": "本人申请暂缓"}
    )
    page = text(client.get(f"/credits/batches/{batch.id}"))
    assert "本人申请暂缓" in page
    _db.session.refresh(item)
    assert item.claim_key is None

    client.post(f"/credits/batches/{batch.id}/items/{item.id}/restore")
    _db.session.refresh(item)
    assert item.claim_key is not None and item.excluded_reason is None


def test_the_builder_cannot_approve_their_own_batch_but_a_colleague_can(app, people, desk):
    batch = desk_batch(people, desk)
    builder = client_of(app, people["builder"])
    page = text(builder.get(f"/credits/batches/{batch.id}"))
    assert 'data-testid="approval-note"' in page and 'data-testid="approve"' not in page

    builder.post(f"/credits/batches/{batch.id}/approve")
    _db.session.refresh(batch)
    assert batch.status == "draft"

    client_of(app, people["approver"]).post(f"/credits/batches/{batch.id}/approve")
    _db.session.refresh(batch)
    assert batch.status == "approved" and batch.approved_by_id == people["approver"].id


def test_an_exported_file_downloads_byte_for_byte_with_its_checksum(app, people, desk):
    batch = desk_batch(people, desk)
    data.approve(batch, people["approver"])
    _db.session.commit()
    client = client_of(app, people["builder"])
    template_id = export_templates.default_template().id

    client.post(f"/credits/batches/{batch.id}/export", data={"template_id": template_id})
    stored = _db.session.scalar(select(CreditExport).where(CreditExport.batch_id == batch.id))
    page = text(client.get(f"/credits/batches/{batch.id}"))
    download = client.get(f"/credits/batches/{batch.id}/download")

    assert stored is not None and stored.sha256 in page
    assert download.status_code == 200
    assert download.data == stored.content
    assert hashlib.sha256(download.data).hexdigest() == stored.sha256
    assert download.headers["X-Content-SHA256"] == stored.sha256
    assert download.headers["ETag"] == f'"{stored.sha256}"'
    assert download.mimetype == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert stored.filename in download.headers["Content-Disposition"]
    again = client.get(f"/credits/batches/{batch.id}/download")
    assert again.data == download.data
    listed = text(client.get("/credits/batches"))
    assert f"/credits/batches/{batch.id}/download" in listed


@pytest.mark.parametrize(
    ("file_type", "content_type"),
    [("csv_gb18030", "text/csv; charset=gb18030"), ("csv_utf8", "text/csv; charset=utf-8")],
)
def test_a_csv_file_declares_the_one_charset_it_is_written_in(
    app, people, desk, file_type, content_type
):
    batch = desk_batch(people, desk)
    data.approve(batch, people["approver"])
    template = export_templates.save_template(
        data.admin(),
        None,
        name="教务处 CSV",
        file_type=file_type,
        date_format="%Y-%m-%d",
        columns=[{"field": "name", "header": "姓名"}],
    )
    _db.session.commit()
    client = client_of(app, people["builder"])
    client.post(f"/credits/batches/{batch.id}/export", data={"template_id": template.id})

    download = client.get(f"/credits/batches/{batch.id}/download")

    assert text_download(download, content_type).lstrip("\ufeff").split("\r\n")[:2] == [
        "姓名",
        "李明",
    ]


def test_a_batch_not_exported_has_no_file(app, people, desk):
    batch = desk_batch(people, desk)

    response = client_of(app, people["builder"]).get(f"/credits/batches/{batch.id}/download")

    assert response.status_code == 404


def test_a_draft_is_discarded_and_its_records_are_pending_again(app, people, desk):
    batch = desk_batch(people, desk)
    client = client_of(app, people["builder"])

    response = client.post(f"/credits/batches/{batch.id}/discard")

    assert response.headers["Location"].endswith("/credits/batches")
    assert _db.session.scalar(select(CreditBatch)) is None
    assert 'data-status="pending"' in text(client_of(app, people["student"]).get("/credits/me"))


# Result files ----------------------------------------------------------------------------


def test_a_result_file_is_uploaded_and_its_report_shown(app, people, desk):
    batch = desk_batch(people, desk)
    data.sent(batch, people["approver"])
    _db.session.commit()
    [line] = data.line_numbers(batch)
    client = client_of(app, people["approver"])
    choose_english(client)
    upload = f"记录编号,结果,原因\n{line},通过,\nGCA99999999,通过,\n".encode()

    response = client.post(
        "/credits/results",
        data={"file": (io.BytesIO(upload), "结果.csv")},
        content_type="multipart/form-data",
    )

    assert response.status_code == 302
    report = text(client.get(response.headers["Location"]))
    assert re.search(r'data-testid="accepted-count">1<', report)
    assert re.search(r'data-testid="problem-count">1<', report)
    assert "GCA99999999" in report
    assert "结果.csv" in text(client.get("/credits/results"))

    other = client_of(app, people["stranger"])
    assert other.get(response.headers["Location"]).status_code == 404
    assert "结果.csv" not in text(other.get("/credits/results"))


def test_a_result_file_with_wrong_columns_is_refused_on_the_form(app, people):
    client = client_of(app, people["approver"])

    response = client.post(
        "/credits/results",
        data={"file": (io.BytesIO(b"a,b\n1,2\n"), "bad.csv")},
        content_type="multipart/form-data",
    )

    assert response.status_code == 400
    assert 'data-testid="file-error"' in text(response)
    assert client.post("/credits/results", data={}).status_code == 400


@pytest.mark.parametrize(
    "cells,max_rows,message",
    [
        ({"XFD2": None, "A1048576": None}, 50_000, None),
        ({}, 1, "The file has more than 1 rows."),
        ({"XFD3": "x"}, 50_000, "Row 3 has a value in column XFD; at most 200 columns"),
    ],
    ids=["whole-sheet-declared", "too-many-rows", "value-far-right"],
)
def test_a_hostile_result_workbook_is_read_by_its_content_or_refused_naming_the_limit(
    app, people, desk, monkeypatch, cells, max_rows, message
):
    batch = desk_batch(people, desk)
    data.sent(batch, people["approver"])
    _db.session.commit()
    [line] = data.line_numbers(batch)
    client = client_of(app, people["approver"])
    choose_english(client)
    monkeypatch.setitem(app.config, "IMPORT_MAX_ROWS", max_rows)
    count_cells_read(monkeypatch)
    rows = [["记录编号", "结果", "原因"], [line, "通过", ""], ["GCA99999999", "通过", ""]]
    workbook = hostile_xlsx(rows, dimension=WHOLE_SHEET, cells=cells)

    response = client.post(
        "/credits/results",
        data={"file": (io.BytesIO(workbook), "结果.xlsx")},
        content_type="multipart/form-data",
    )

    if message:
        assert response.status_code == 400 and message in text(response)
        assert _db.session.scalar(select(results.CreditResultUpload)) is None
    else:
        assert response.status_code == 302
        report = text(client.get(response.headers["Location"]))
        assert re.search(r'data-testid="accepted-count">1<', report)

"""Library-use import pages: access, upload and result, rejected rows (page and CSV),
re-upload, rollback, the template, bad files."""

from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import func, select

from app.accounts import services as accounts
from app.extensions import db as _db
from app.rewards.models import LibraryUse, LibraryUseImport
from tests import factories
from tests.common.spreadsheets import WHOLE_SHEET, count_cells_read, hostile_xlsx
from tests.helpers import page, text_download

HEADER = "学号,日期,月份,借阅次数,入馆次数,在馆分钟,电子资源次数"
# Dates well in the past, whatever day the tests run.
GOOD = "2023141001,2025-03-01,,2,1,120,3"
UNKNOWN = "2099999999,2025-03-01,,1,1,10,0"


def csv_bytes(*lines: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *lines]) + "\n").encode()


def upload(client, data: bytes, filename: str = "export.csv", **kwargs):
    return client.post(
        "/admin/library-use/",
        data={"file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
        **kwargs,
    )


def import_id(response) -> int:
    return int(re.search(r"/admin/library-use/(\d+)$", response.headers["Location"]).group(1))


def rejected_shown(response) -> int:
    return len(re.findall(r'data-testid="rejected-[0-9]+"', page(response)))


def stored_count() -> int:
    _db.session.expire_all()
    return _db.session.scalar(select(func.count(LibraryUse.id)))


@pytest.fixture
def admin_en(db, admin):
    accounts.set_locale(admin, "en")
    factories.person(student_number="2023141001", name="张三")
    db.session.commit()
    return admin


@pytest.mark.parametrize(
    "method,url",
    [
        ("get", "/admin/library-use/"),
        ("post", "/admin/library-use/"),
        ("get", "/admin/library-use/1"),
        ("get", "/admin/library-use/1/rejected.csv"),
        ("post", "/admin/library-use/1/rollback"),
        ("get", "/admin/library-use/template.csv"),
    ],
)
@pytest.mark.parametrize("who", [None, "student", "coordinator"])
def test_only_admins_reach_the_pages(client, login, db, admin, method, url, who):
    imp = LibraryUseImport(filename="x.csv", sha256="0" * 64, uploaded_by_id=admin.id)
    db.session.add(imp)
    db.session.commit()
    if who:
        person = factories.person(roles=[] if who == "student" else [who])
        db.session.commit()
        login(person)
    response = getattr(client, method)(url)
    assert response.status_code == (403 if who else 302)
    assert "x.csv" not in page(response)
    assert db.session.get(LibraryUseImport, imp.id).status == "applied"


def test_admin_uploads_sees_the_result_and_rejected_rows(client, login, db, admin_en):
    login(admin_en)
    assert "Library-use data" in page(client.get("/admin/library-use/"))
    response = upload(client, csv_bytes(GOOD, UNKNOWN, "2023141001,2025-03-02,,-1,1,1,1"))
    assert response.status_code == 302
    html = page(client.get(response.headers["Location"]))
    assert 'data-testid="count-stored">1<' in html
    assert 'data-testid="count-rejected">2<' in html
    assert "No person has the student number “2099999999”." in html
    assert "Loans is negative (-1)." in html
    assert stored_count() == 1
    listing = page(client.get("/admin/library-use/"))
    assert "export.csv" in listing and "3 rows: 1 stored, 0 already present, 2 rejected" in listing


def test_rejected_rows_download_as_a_csv_that_can_be_fixed_and_uploaded(
    client, login, db, admin_en
):
    login(admin_en)
    first = import_id(upload(client, csv_bytes(GOOD, UNKNOWN, "2023141001,2025-03-02,,x,1,1,1")))
    response = client.get(f"/admin/library-use/{first}/rejected.csv")
    text = text_download(response, "text/csv; charset=utf-8").lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:7] == HEADER.split(",")
    assert [row[:7] for row in rows[1:]] == [
        UNKNOWN.split(","),
        ["2023141001", "2025-03-02", "", "x", "1", "1", "1"],
    ]
    assert "not a whole number" in rows[2][8] and rows[2][9] == "not_a_number"
    fixed = text.replace(",x,", ",4,").encode("utf-8-sig")
    second = import_id(upload(client, fixed, "fixed.csv"))
    assert rejected_shown(client.get(f"/admin/library-use/{second}")) == 1
    assert stored_count() == 2


def test_the_same_file_again_changes_nothing_and_says_so(client, login, db, admin_en):
    login(admin_en)
    data = csv_bytes(GOOD)
    first = import_id(upload(client, data))
    again = upload(client, data, "copy.csv", follow_redirects=True)
    assert f"already imported (import #{first})" in page(again)
    assert again.request.path == f"/admin/library-use/{first}"
    assert db.session.scalar(select(func.count(LibraryUseImport.id))) == 1
    assert stored_count() == 1


def test_rollback_then_upload_again(client, login, db, admin_en):
    login(admin_en)
    data = csv_bytes(GOOD)
    first = import_id(upload(client, data))
    done = client.post(f"/admin/library-use/{first}/rollback", follow_redirects=True)
    assert f"Import #{first} was rolled back" in page(done)
    assert "Rolled back" in page(done) and 'data-testid="rollback"' not in page(done)
    assert stored_count() == 0
    twice = client.post(f"/admin/library-use/{first}/rollback", follow_redirects=True)
    assert "already been rolled back" in page(twice)
    second = import_id(upload(client, data))
    assert second != first and stored_count() == 1


def test_many_rejected_rows_are_paged(client, login, db, admin_en):
    login(admin_en)
    lines = [f"2099{n:06d},2025-03-01,,1,1,1,1" for n in range(60)]
    result = f"/admin/library-use/{import_id(upload(client, csv_bytes(*lines)))}"
    assert rejected_shown(client.get(result)) == 50
    assert rejected_shown(client.get(result + "?page=2")) == 10
    assert client.get(result + "?page=abc").status_code == 200


def test_the_template_has_the_headers(client, login, admin_en):
    login(admin_en)
    response = client.get("/admin/library-use/template.csv")
    assert response.get_data().decode("utf-8-sig").strip() == HEADER


@pytest.mark.parametrize(
    "data,message",
    [
        ("学号,日期,借阅次数\n2023141001,2025-03-01,1\n".encode(), "has no column"),
        (
            "student_number,date,loans,visits,minutes,e_sessions,note\n"
            "2023141001,2025-03-01,1,1,1,1,Zoë Müller\n".encode("latin-1"),
            "encoding",
        ),
        (b"", "The file is empty"),
    ],
)
def test_bad_files_get_a_clear_message_and_store_nothing(
    client, login, db, admin_en, data, message
):
    login(admin_en)
    response = upload(client, data)
    assert response.status_code == 400 and message in page(response)
    assert db.session.scalar(select(func.count(LibraryUseImport.id))) == 0


def test_a_file_over_the_size_limit_is_refused(client, login, app, admin_en, monkeypatch):
    login(admin_en)
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1024)
    assert upload(client, csv_bytes(*[GOOD] * 100)).status_code == 413


def test_an_unknown_import_is_not_found(client, login, admin_en):
    login(admin_en)
    assert client.get("/admin/library-use/999").status_code == 404
    assert client.post("/admin/library-use/999/rollback").status_code == 404


@pytest.mark.parametrize(
    "cells,max_rows,message",
    [
        ({"XFD2": None, "A1048576": None}, 200_000, None),
        ({}, 1, "The file has more than 1 rows."),
        ({"XFD3": "x"}, 200_000, "Row 3 has a value in column XFD; at most 200 columns"),
    ],
    ids=["whole-sheet-declared", "too-many-rows", "value-far-right"],
)
def test_a_hostile_workbook_is_read_by_its_content_or_refused_naming_the_limit(
    app, client, login, db, admin_en, monkeypatch, cells, max_rows, message
):
    login(admin_en)
    monkeypatch.setitem(app.config, "IMPORT_MAX_ROWS", max_rows)
    count_cells_read(monkeypatch)
    rows = [row.split(",") for row in (HEADER, GOOD, "2023141001,2025-03-02,,1,1,30,0")]
    response = upload(client, hostile_xlsx(rows, dimension=WHOLE_SHEET, cells=cells), "x.xlsx")
    if message:
        assert response.status_code == 400 and message in page(response)
        assert stored_count() == 0
    else:
        assert response.status_code == 302
        assert stored_count() == 2

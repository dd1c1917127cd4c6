"""Roster import: the preview row by row, confirming in one transaction, bad files."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import event, func, select

from app.accounts import services as accounts
from app.accounts.models import College, Major, User
from app.admin import roster, roster_plan
from app.audit.models import AuditEntry
from app.common.tabular import TableError
from app.errors import NotFound
from tests import factories
from tests.common.spreadsheets import WHOLE_SHEET, count_cells_read, hostile_xlsx
from tests.helpers import page

pytestmark = pytest.mark.usefixtures("english_messages")

HEADER = "学号,姓名,学院,专业,入学年份,人员类别,手机,邮箱"


def csv_bytes(*lines: str, encoding: str = "utf-8", header: str = HEADER) -> bytes:
    return ("\n".join([header, *lines]) + "\n").encode(encoding)


def xlsx_bytes(rows) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def people_count(db) -> int:
    return db.session.scalar(select(func.count(User.id)))


def by_line(plan: roster_plan.RosterPlan) -> dict[int, roster_plan.RosterRow]:
    return {row.line: row for row in plan.rows}


@pytest.fixture
def existing(db):
    college = factories.college("08", "计算机学院", majors=("软件工程", "人工智能"))
    person = factories.person(
        student_number="2023141001",
        name="张三",
        email="zhangsan@example.edu.cn",
        phone="13800000001",
        college_id=college.id,
        major_id=factories.major(college, "软件工程").id,
        enrolment_year=2023,
    )
    db.session.commit()
    return person


# The preview ------------------------------------------------------------------------------


def test_preview_says_what_would_be_created_updated_and_left_alone(db, existing):
    data = csv_bytes(
        "2023141001,张三,计算机学院,软件工程,2023,本科生,13800000001,zhangsan@example.edu.cn",
        "2024141002,李四,计算机学院,人工智能,2024级,本科生,,lisi@example.edu.cn",
        "2023141001x,王五,,,,,,",
    )
    plan = roster_plan.plan_import(data)
    rows = by_line(plan)
    assert rows[2].action == "unchanged"
    assert rows[3].action == "create" and rows[3].enrolment_year == 2024
    assert rows[4].action == "create"
    assert plan.counts == {"create": 2, "update": 0, "unchanged": 1, "reject": 0}
    assert people_count(db) == 1  # a preview writes nothing


def test_update_lists_changed_fields_and_blank_cells_keep_stored_values(db, existing):
    data = csv_bytes("2023141001,张三丰,数学学院,,,研究生,,")
    plan = roster_plan.plan_import(data)
    [row] = plan.rows
    assert row.action == "update"
    changes = {change.field: (change.old, change.new) for change in row.changes}
    assert changes == {
        "name": ("张三", "张三丰"),
        "user_type": ("undergraduate", "postgraduate"),
        "college": ("计算机学院", "数学学院"),
        "major": ("软件工程", None),  # the old major belongs to the old college
    }
    assert plan.new_colleges == ["数学学院"]
    assert any("数学学院" in note for note in row.notes)


def test_people_are_matched_by_number_in_any_case(db):
    factories.person(student_number="2024AB01", name="赵六")
    db.session.commit()
    [row] = roster_plan.plan_import(csv_bytes("2024ab01,赵六,,,,,,")).rows
    assert row.action == "unchanged" and row.student_number == "2024AB01"


BAD_ROWS = [
    # (cells after the number and name, the reason expected)
    ("12,短号,,,,,,", "not in the expected format"),
    ("2.02314E+09,科学计数,,,,,,", "scientific notation"),
    (",无学号,,,,,,", "number is missing"),
    ("2024000010,,,,,,,", "name is missing"),
    ("2024000011,类别错,,,,学生,,", "Unknown kind of person"),
    ("2024000012,年份错,,,1890,,,", "enrolment year"),
    ("2024000013,年份错,,,明年,,,", "enrolment year"),
    ('2024000014,=HYPERLINK("http://evil"),,,,,,', "formula"),
    ("2024000015,@SUM(A1),,,,,,", "formula"),
    ("2024000016,-2+3,,,,,,", "formula"),
    ("2024000017,加号,,,,,+cmd|' /C calc'!A0,", "formula"),
    ("2024000018,坏邮箱,,,,,,not-an-email", "not a valid email"),
    ("2024000019,坏电话,,,,,call me,", "not a valid phone"),
    ("2024000020,多一格,,,,,,,多余", "more cells than the header"),
    ("2024000021,只有专业,,软件工程,,,,", "major is given without a college"),
    ("2024000022,抢邮箱,,,,,,zhangsan@example.edu.cn", "already belongs to 2023141001"),
]


@pytest.mark.parametrize("line,reason", BAD_ROWS)
def test_each_kind_of_bad_row_is_rejected_with_its_reason(db, existing, line, reason):
    plan = roster_plan.plan_import(csv_bytes(line, "2024000099,正常,,,,,,"))
    bad, good = plan.rows
    assert bad.action == "reject"
    assert any(reason in message for message in bad.reasons), bad.reasons
    assert good.action == "create"


def test_a_file_with_every_kind_of_bad_row_imports_only_the_good_ones(db, existing, admin):
    lines = [line for line, _reason in BAD_ROWS] + [
        "2024000030,重复甲,,,,,,",
        "2024000030,重复乙,,,,,,",
        "2024000031,邮箱甲,,,,,,same@example.edu.cn",
        "2024000032,邮箱乙,,,,,,SAME@example.edu.cn",
        "2024000033,国际电话,,,,,+86 138 0000 3333,",
        "2024000034,正常,外国语学院,英语,2024,研究生,,ok@example.edu.cn",
    ]
    plan, token = roster.preview_import(csv_bytes(*lines), "roster.csv", actor=admin)
    rows = by_line(plan)
    duplicates = [row for row in plan.rows if row.name.startswith(("重复", "邮箱"))]
    assert [row.action for row in duplicates] == ["reject"] * 4
    assert "rows 18, 19" in duplicates[0].reasons[0]
    accepted = [row.student_number for row in plan.rows if row.action != "reject"]
    assert accepted == ["2024000033", "2024000034"]
    assert rows[22].phone == "+86 138 0000 3333"
    counts = roster.confirm_import(token, actor=admin)
    db.session.commit()
    assert counts["create"] == 2 and counts["reject"] == len(BAD_ROWS) + 4
    assert people_count(db) == 4  # admin, 张三 and the two good rows
    created = accounts.find_by_login("2024000034")
    assert created.user_type == "postgraduate" and created.enrolment_year == 2024
    assert created.college.name == "外国语学院" and created.major.name == "英语"
    assert created.must_change_password and created.role_names == set()


def test_missing_required_column_refuses_the_whole_file(db):
    with pytest.raises(TableError) as error:
        roster_plan.plan_import("姓名,学院\n张三,计算机学院\n".encode())
    assert "学号" in error.value.message


def test_gb18030_and_bom_files_read_the_same(db, existing):
    line = "2024141002,李四,计算机学院,人工智能,2024,本科生,,"
    for encoding in ("gb18030", "utf-8-sig", "utf-8"):
        plan = roster_plan.plan_import(csv_bytes(line, encoding=encoding))
        assert plan.encoding == encoding
        assert plan.rows[0].name == "李四" and plan.rows[0].college == "计算机学院"


def test_english_headers_and_kinds_are_accepted(db):
    data = csv_bytes(
        "2024000040,Li Lei,Staff,li@example.edu.cn",
        header="Student Number,Name,Type,E-mail",
    )
    [row] = roster_plan.plan_import(data).rows
    assert row.action == "create" and row.user_type == "staff"
    assert row.email == "li@example.edu.cn"


def test_xlsx_numbers_become_plain_student_numbers(db, admin):
    data = xlsx_bytes(
        [
            ["学号", "姓名", "入学年份", "手机"],
            [2024000050, "数字学号", 2024, 13800005555],
            [2.024000051e9, "浮点学号", 2024.0, None],
        ]
    )
    plan, token = roster.preview_import(data, "roster.xlsx", actor=admin)
    assert [row.student_number for row in plan.rows] == ["2024000050", "2024000051"]
    assert plan.file_format == "xlsx" and plan.rows[0].phone == "13800005555"
    roster.confirm_import(token, actor=admin)
    db.session.commit()
    assert accounts.find_by_login("2024000051").enrolment_year == 2024


def test_formula_cells_in_xlsx_are_rejected_not_evaluated(db):
    data = xlsx_bytes([["学号", "姓名"], ["2024000060", '=CONCAT("张","三")']])
    [row] = roster_plan.plan_import(data).rows
    assert row.action == "reject" and "formula" in row.reasons[0]


# Confirming -------------------------------------------------------------------------------


def test_confirm_creates_updates_and_audits_each_update_and_the_import(db, existing, admin):
    data = csv_bytes(
        "2023141001,张三,计算机学院,人工智能,2023,本科生,13900000001,",
        "2024141002,李四,新闻学院,新闻学,2024,本科生,,lisi@example.edu.cn",
    )
    plan, token = roster.preview_import(data, "名单.csv", actor=admin)
    assert plan.counts["update"] == 1 and plan.counts["create"] == 1
    counts = roster.confirm_import(token, actor=admin)
    db.session.commit()
    assert counts["colleges_created"] == 1 and counts["majors_created"] == 1
    db.session.expire_all()
    updated = accounts.get_person(existing.id)
    assert updated.phone == "13900000001" and updated.major.name == "人工智能"
    assert updated.email == "zhangsan@example.edu.cn"  # blank cell: kept
    college = db.session.scalar(select(College).where(College.name == "新闻学院"))
    assert college.code == "09"
    entries = list(db.session.scalars(select(AuditEntry).where(AuditEntry.actor_id == admin.id)))
    actions = {entry.action: entry for entry in entries}
    # The update of an existing person is audited on its own; new people by the import's entry.
    assert sorted(actions) == ["accounts.updated", "admin.roster_imported"]
    changed = actions["accounts.updated"].after
    assert changed == {"major_id": updated.major_id, "phone": "13900000001"}
    imported = actions["admin.roster_imported"]
    assert imported.after["file"] == "名单.csv"
    assert imported.after["create"] == 1 and imported.after["update"] == 1


def test_new_people_log_in_only_with_the_given_initial_password(db, admin):
    _plan, token = roster.preview_import(
        csv_bytes("2024000070,新人,,,,,,", "2024000071,新人二,,,,,,"), "a.csv", actor=admin
    )
    roster.confirm_import(token, actor=admin, initial_password="welcome-2026")
    db.session.commit()
    user = accounts.authenticate("2024000070", "welcome-2026")
    assert user.must_change_password

    _plan, token = roster.preview_import(csv_bytes("2024000072,无密码,,,,,,"), "b.csv", actor=admin)
    roster.confirm_import(token, actor=admin)
    db.session.commit()
    with pytest.raises(Exception, match="not correct"):
        accounts.authenticate("2024000072", "")


def test_a_weak_initial_password_is_refused_before_anything_is_written(db, admin):
    _plan, token = roster.preview_import(csv_bytes("2024000073,新人,,,,,,"), "a.csv", actor=admin)
    with pytest.raises(Exception, match="at least"):
        roster.confirm_import(token, actor=admin, initial_password="short")
    db.session.rollback()
    assert accounts.find_by_login("2024000073") is None


def test_confirm_refuses_everything_when_an_accepted_row_now_fails(db, existing, admin):
    data = csv_bytes(
        "2024000080,甲,,,,,,jia@example.edu.cn", "2024000081,乙,,,,,,yi@example.edu.cn"
    )
    plan, token = roster.preview_import(data, "a.csv", actor=admin)
    assert plan.counts["create"] == 2
    factories.person(student_number="2024000099", email="yi@example.edu.cn")  # meanwhile
    db.session.commit()
    with pytest.raises(roster.RosterChanged) as error:
        roster.confirm_import(token, actor=admin)
    db.session.rollback()
    assert "rows 3" in error.value.message
    assert by_line(error.value.plan)[3].action == "reject"
    assert accounts.find_by_login("2024000080") is None
    # Once the admin has seen the new preview, confirming imports the rest.
    roster.remember_rejections(token, error.value.plan)
    counts = roster.confirm_import(token, actor=admin)
    db.session.commit()
    assert counts["create"] == 1 and accounts.find_by_login("2024000080") is not None


def test_rows_rejected_in_the_preview_stay_skipped_even_if_now_valid(db, existing, admin):
    data = csv_bytes("2024000082,丙,,,,,,zhangsan@example.edu.cn")
    plan, token = roster.preview_import(data, "a.csv", actor=admin)
    assert plan.counts["reject"] == 1
    accounts.update_person(
        existing,
        accounts.PersonFields(**{**vars(accounts.person_fields(existing)), "email": None}),
        actor=admin,
    )
    db.session.commit()
    counts = roster.confirm_import(token, actor=admin)
    assert counts["create"] == 0 and accounts.find_by_login("2024000082") is None


def test_the_kept_upload_is_only_for_the_admin_who_sent_it(db, admin):
    other_admin = factories.person(roles=["admin"])
    db.session.commit()
    _plan, token = roster.preview_import(csv_bytes("2024000083,丁,,,,,,"), "a.csv", actor=admin)
    with pytest.raises(NotFound):
        roster.confirm_import(token, actor=other_admin)
    for bad in ("../../etc/passwd", "", "x" * 10):
        with pytest.raises(NotFound):
            roster.confirm_import(bad, actor=admin)


def test_a_tampered_upload_is_refused(app, db, admin):
    _plan, token = roster.preview_import(csv_bytes("2024000084,戊,,,,,,"), "a.csv", actor=admin)
    kept = Path(app.config["UPLOAD_DIR"]) / "roster" / f"{token}.upload"
    kept.write_bytes(csv_bytes("2024000085,己,,,,,,"))
    with pytest.raises(NotFound):
        roster.confirm_import(token, actor=admin)


def test_a_large_roster_is_checked_without_a_query_per_row(app, db, admin):
    for n in range(50):
        factories.person(student_number=f"2022{n:06d}", name="老生")
    factories.college("01", "文学与新闻学院", majors=("新闻学",))
    db.session.commit()
    lines = [f"2022{n:06d},老生,文学与新闻学院,新闻学,2022,本科生,," for n in range(50)]
    lines += [f"2025{n:06d},新生{n},文学与新闻学院,新闻学,2025,本科生,," for n in range(1200)]
    statements = []

    def count(*_args):
        statements.append(1)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        plan, token = roster.preview_import(csv_bytes(*lines), "big.csv", actor=admin)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(statements) < 20
    assert plan.counts == {"create": 1200, "update": 50, "unchanged": 0, "reject": 0}
    counts = roster.confirm_import(token, actor=admin)
    db.session.commit()
    assert counts["create"] == 1200 and people_count(db) == 1251
    assert db.session.scalar(select(func.count(Major.id))) == 1


# Through the pages -------------------------------------------------------------------------


def upload(client, data: bytes, filename: str = "roster.csv"):
    return client.post(
        "/admin/roster/",
        data={"file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


@pytest.fixture
def admin_en(db, admin):
    accounts.set_locale(admin, "en")
    db.session.commit()
    return admin


def test_admin_previews_then_confirms_through_the_pages(client, login, db, admin_en, existing):
    login(admin_en)
    assert "Roster import" in page(client.get("/admin/roster/"))
    data = csv_bytes(
        "2024141002,李四,计算机学院,人工智能,2024,本科生,,",
        "2024141003,=1+1,,,,,,",
    )
    preview = upload(client, data)
    html = page(preview)
    assert preview.status_code == 200
    assert 'data-testid="count-create">1<' in html and 'data-testid="count-reject">1<' in html
    assert "formula" in html
    assert people_count(db) == 2
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', html).group(1)
    done = client.post("/admin/roster/confirm", data={"token": token}, follow_redirects=True)
    assert "1 created" in page(done)
    db.session.expire_all()
    assert accounts.find_by_login("2024141002").name == "李四"
    again = client.post("/admin/roster/confirm", data={"token": token}, follow_redirects=True)
    assert "expired" in page(again)


@pytest.mark.parametrize(
    "data,filename,message",
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "photo.png", "binary data"),
        ("学号,姓名\n1,张\n".encode("utf-16"), "roster.csv", "UTF-16"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, "roster.xls", ".xls"),
        (b"PK\x03\x04garbage", "roster.xlsx", "damaged"),
        ("姓名,学院\n张三,计算机学院\n".encode(), "roster.csv", "学号"),
        ("student_number,name\n2024000001,Zoë Müller\n".encode("latin-1"), "r.csv", "encoding"),
        (b"", "empty.csv", "The file is empty"),
    ],
)
def test_bad_files_get_a_clear_message_and_change_nothing(
    app, client, login, db, admin_en, data, filename, message
):
    login(admin_en)
    kept = Path(app.config["UPLOAD_DIR"]) / "roster"
    before = set(kept.glob("*")) if kept.exists() else set()
    response = upload(client, data, filename)
    assert response.status_code == 200
    assert message in page(response)
    assert people_count(db) == 1
    assert (set(kept.glob("*")) if kept.exists() else set()) == before


def test_a_file_over_the_size_limit_is_refused(client, login, app, admin_en, monkeypatch):
    login(admin_en)
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1024)
    response = upload(client, csv_bytes(*[f"2024{n:06d},某人,,,,,," for n in range(200)]))
    assert response.status_code == 413


def test_a_changed_database_shows_the_new_preview_and_writes_nothing(client, login, db, admin_en):
    login(admin_en)
    html = page(upload(client, csv_bytes("2024000090,甲,,,,,,x@example.edu.cn")))
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', html).group(1)
    factories.person(email="x@example.edu.cn")
    db.session.commit()
    response = client.post("/admin/roster/confirm", data={"token": token})
    assert response.status_code == 409
    assert "changed since the preview" in page(response)
    assert accounts.find_by_login("2024000090") is None


NEW_PEOPLE = [
    HEADER.split(","),
    ["2024141002", "李四", "计算机学院", "人工智能", "2024", "本科生", "", ""],
    ["2024141003", "王五", "计算机学院", "软件工程", "2024", "本科生", "", ""],
]


@pytest.mark.parametrize(
    "cells,max_rows,message",
    [
        ({"XFD2": None, "A1048576": None}, 20_000, None),
        ({}, 1, "The file has more than 1 rows."),
        ({"XFD3": "x"}, 20_000, "Row 3 has a value in column XFD; at most 200 columns"),
    ],
    ids=["whole-sheet-declared", "too-many-rows", "value-far-right"],
)
def test_a_hostile_workbook_is_read_by_its_content_or_refused_naming_the_limit(
    app, client, login, db, admin_en, existing, monkeypatch, cells, max_rows, message
):
    login(admin_en)
    monkeypatch.setitem(app.config, "IMPORT_MAX_ROWS", max_rows)
    count_cells_read(monkeypatch)
    data = hostile_xlsx(NEW_PEOPLE, dimension=WHOLE_SHEET, cells=cells)
    before = people_count(db)
    html = page(upload(client, data, "roster.xlsx"))
    if message:
        assert message in html
    else:
        assert 'data-testid="count-create">2<' in html
    assert people_count(db) == before

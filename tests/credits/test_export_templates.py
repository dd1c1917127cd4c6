"""Export templates: validation, the seeded default, and saving (admin only, audited)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.credits import export_templates, exporter
from app.credits.exporter import ExportRow
from app.credits.models import CreditTemplate
from app.errors import Forbidden, InvalidInput
from tests import factories
from tests.credits import credits_data

ENGLISH = [
    {"field": "line_number", "header": "Record"},
    {"field": "student_number", "header": "Student number"},
    {"field": "hours", "header": "Hours"},
    {"field": "ended_on", "header": "Until"},
]


def save(actor, template_id=None, **changes) -> CreditTemplate:
    values = {
        "name": "Campus import",
        "file_type": "csv_gb18030",
        "date_format": "%Y/%m/%d",
        "columns": ENGLISH,
        "is_default": False,
        **changes,
    }
    return export_templates.save_template(actor, template_id, **values)


def test_the_seeded_default_has_the_designed_columns_in_order(db):
    template = export_templates.default_template()

    assert template.name == "第二课堂默认模板"
    assert template.is_default
    assert template.file_type == "xlsx"
    assert template.date_format == "%Y-%m-%d"
    assert [column["header"] for column in template.columns] == credits_data.DEFAULT_HEADERS
    assert [column["field"] for column in template.columns][:3] == [
        "student_number",
        "name",
        "college",
    ]


def test_seeding_twice_keeps_one_default_template(db):
    export_templates.seed_default_template()
    export_templates.seed_default_template()
    db.session.commit()

    assert len(export_templates.all_templates()) == 1
    assert export_templates.default_template().name == "第二课堂默认模板"


def test_seeding_leaves_an_edited_default_alone(db, admin):
    seeded = export_templates.default_template()
    save(admin, seeded.id, name="校团委导入", columns=ENGLISH, is_default=True)

    export_templates.seed_default_template()

    assert len(export_templates.all_templates()) == 1
    assert export_templates.default_template().columns == ENGLISH


def test_an_admin_creates_a_template_and_it_is_audited(db, admin):
    template = save(admin)

    assert template.id is not None
    assert template.columns == ENGLISH
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.object_type == "credit_template"))
    assert entry.action == "credits.template_created"
    assert entry.actor_id == admin.id


def test_making_a_template_the_default_takes_the_mark_from_the_others(db, admin):
    seeded = export_templates.default_template()

    mine = save(admin, is_default=True)

    assert export_templates.default_template() == mine
    assert not seeded.is_default
    assert export_templates.all_templates()[0] == mine


def test_the_default_cannot_simply_stop_being_the_default(db, admin):
    seeded = export_templates.default_template()

    with pytest.raises(InvalidInput) as error:
        save(admin, seeded.id, name=seeded.name, is_default=False)
    assert error.value.field == "is_default"


def test_editing_changes_the_template_and_audits_what_changed(db, admin):
    template = save(admin)

    save(admin, template.id, name="Campus import v2", file_type="xlsx")

    assert (template.name, template.file_type) == ("Campus import v2", "xlsx")
    entry = db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "credits.template_changed")
    )
    assert entry.before == {"name": "Campus import", "file_type": "csv_gb18030"}
    assert entry.after == {"name": "Campus import v2", "file_type": "xlsx"}


def test_only_an_admin_saves_templates(db):
    coordinator = factories.person(roles=["coordinator"])

    with pytest.raises(Forbidden):
        save(coordinator)


@pytest.mark.parametrize(
    ("changes", "field", "named"),
    [
        ({"name": "  "}, "name", None),
        ({"file_type": "pdf"}, "file_type", None),
        ({"date_format": "today"}, "date_format", None),
        ({"date_format": "%H:%M"}, "date_format", None),
        ({"date_format": "%Y-%m-%d" + "x" * 30}, "date_format", None),
        ({"columns": []}, "columns", None),
        ({"columns": [{"field": "password", "header": "密码"}]}, "columns", "password"),
        (
            {
                "columns": [
                    {"field": "name", "header": "姓名"},
                    {"field": "college", "header": "姓 名"},
                ]
            },
            "columns",
            "姓 名",
        ),
        (
            {"columns": [{"field": "name", "header": "Name"}, {"field": "note", "header": "NAME"}]},
            "columns",
            "NAME",
        ),
        ({"columns": [{"field": "name", "header": "=cmd"}]}, "columns", "=cmd"),
        ({"columns": [{"field": "name", "header": ""}]}, "columns", "name"),
        ({"columns": [{"field": "name", "header": "x" * 51}]}, "columns", None),
        ({"columns": ["name"]}, "columns", None),
    ],
)
def test_a_bad_template_is_refused_naming_the_problem(db, admin, changes, field, named):
    with pytest.raises(InvalidInput) as error:
        save(admin, **changes)

    assert error.value.field == field
    if named:
        assert named in error.value.message
    assert export_templates.all_templates() == []


def test_a_name_in_use_is_refused(db, admin):
    save(admin)

    with pytest.raises(InvalidInput) as error:
        save(admin, name=" Campus  import ")
    assert error.value.field == "name"


def test_columns_are_read_from_text_one_a_line():
    text = "student_number = 学号\n\nname: 姓名\nnote：备注 = 说明\n"

    columns = export_templates.parse_columns(text)

    assert columns == [
        {"field": "student_number", "header": "学号"},
        {"field": "name", "header": "姓名"},
        {"field": "note", "header": "备注 = 说明"},
    ]
    assert export_templates.parse_columns(export_templates.columns_text(columns)) == columns


@pytest.mark.parametrize(
    ("text", "line", "named"),
    [
        ("name = 姓名\n\nclass 班级", 3, None),
        ("name = 姓名\nsalary = 工资", 2, "salary"),
        ("name = 姓名\ncollege = 学院\nnote = 姓名", 3, "姓名"),
    ],
)
def test_errors_in_column_text_name_the_line(text, line, named):
    with pytest.raises(InvalidInput) as error:
        export_templates.parse_columns(text)

    assert str(line) in error.value.message
    if named:
        assert named in error.value.message


def test_a_saved_custom_template_renders_its_columns_in_gb18030(db, admin):
    template = save(
        admin,
        columns=export_templates.parse_columns(
            "line_number = Record\nstudent_number = Student number\nhours = Hours\nended_on = Until"
        ),
    )
    row = ExportRow(
        student_number="0012345",
        name="=1+1",
        college="计算机学院",
        class_name="",
        activity_name="值班",
        category="志愿公益",
        level="校级",
        role="志愿者",
        started_on=date(2026, 9, 1),
        ended_on=date(2026, 9, 30),
        hours=Decimal("2.00"),
        credits=Decimal("0.20"),
        recognised_on=date(2026, 10, 8),
        organiser="图书馆",
        line_number="GCA00000001",
        note="",
        major="",
        enrolment_year="2024",
        kind="新增",
    )

    content, count = exporter.render(template, [row])

    assert count == 1
    assert content.decode("gb18030").split("\r\n") == [
        "Record,Student number,Hours,Until",
        "GCA00000001,0012345,2.00,2026/09/30",
        "",
    ]


def test_a_first_template_that_is_not_the_default_leaves_room_for_the_seeded_one(db, admin):
    mine = save(admin)

    assert export_templates.default_template().name == "第二课堂默认模板"
    assert not mine.is_default

"""The admins' credit pages: conversion rules (in hours and credits, previewed on the current
semester before saving) and export templates (columns as "field = header" lines)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.common.time import utcnow
from app.credits import export_templates, rules
from app.credits.models import CreditRule, CreditTemplate
from app.extensions import db as _db
from tests.credits import batch_data as data
from tests.credits import credits_data
from tests.helpers import choose_english

SERVICE = "志愿公益"


def client_of(app, user):
    client = app.test_client()
    client.post("/login", data={"identifier": user.student_number, "password": "correct-horse-9"})
    choose_english(client)
    return client


def text(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture(autouse=True)
def seeded(db):
    data.seed()
    db.session.commit()


@pytest.fixture
def admin_client(app, admin):
    return client_of(app, admin)


def service_rule() -> CreditRule:
    return rules.rules_by_category()[SERVICE]


def rule_form(rule: CreditRule, action: str = "submit", **values) -> dict:
    fields = {
        "hours_per_credit": "10",
        "rounding_step": "0.1",
        "semester_cap": "4",
        "level": "校级",
        "active": "y",
        action: "1",
        **values,
    }
    return {f"rule{rule.id}-{name}": value for name, value in fields.items()}


def test_rules_are_shown_in_hours_per_credit_and_credits(admin_client):
    page = text(admin_client.get("/admin/credits/rules"))

    rule = service_rule()
    assert f'name="rule{rule.id}-hours_per_credit"' in page
    assert re.search(rf'name="rule{rule.id}-hours_per_credit"[^>]*value="10.00"', page)
    assert re.search(rf'name="rule{rule.id}-semester_cap"[^>]*value="4.00"', page)
    assert re.search(rf'name="rule{rule.id}-rounding_step"[^>]*value="0.10"', page)


def test_saving_a_rule_converts_hours_and_credits_to_minutes_and_hundredths(admin_client):
    rule = service_rule()

    response = admin_client.post(
        f"/admin/credits/rules/{rule.id}",
        data=rule_form(rule, hours_per_credit="7.5", rounding_step="0.25", semester_cap="3.5"),
    )

    assert response.status_code == 302
    _db.session.refresh(rule)
    assert (rule.minutes_per_credit, rule.rounding_step, rule.semester_cap) == (450, 25, 350)


def test_an_empty_cap_means_no_cap(admin_client):
    rule = service_rule()

    admin_client.post(f"/admin/credits/rules/{rule.id}", data=rule_form(rule, semester_cap=""))

    _db.session.refresh(rule)
    assert rule.semester_cap is None


def test_the_preview_shows_the_current_semester_before_and_after_without_saving(admin_client):
    desk = credits_data.task(credits_data.team())
    for name in ("甲", "乙"):
        data.served(credits_data.person(name), task=desk, starts_at=utcnow() - timedelta(hours=4))
    _db.session.commit()
    rule = service_rule()

    response = admin_client.post(
        f"/admin/credits/rules/{rule.id}",
        data=rule_form(rule, action="preview", hours_per_credit="5"),
    )

    assert response.status_code == 200
    shown = re.search(r'data-testid="rule-preview".*?</div>\s*</div>', text(response), re.S)
    assert shown is not None
    assert "Credits: 2.00 now, 4.00 with these values" in shown.group(0)
    assert "2 people" in shown.group(0)
    assert 'value="5.00"' in text(response) or 'value="5"' in text(response)
    _db.session.refresh(rule)
    assert rule.minutes_per_credit == 600


def test_bad_rule_values_are_shown_on_the_form_and_nothing_changes(admin_client):
    rule = service_rule()

    response = admin_client.post(
        f"/admin/credits/rules/{rule.id}",
        data=rule_form(rule, hours_per_credit="abc", rounding_step="0.125"),
    )

    assert response.status_code == 400
    assert "Use at most two decimals." in text(response)
    assert 'value="0.125"' in text(response)
    _db.session.refresh(rule)
    assert (rule.minutes_per_credit, rule.rounding_step) == (600, 10)


def test_an_admin_adds_a_category(admin_client):
    response = admin_client.post(
        "/admin/credits/rules/new",
        data={
            "category": "创新创业",
            "hours_per_credit": "8",
            "rounding_step": "0.5",
            "semester_cap": "",
            "level": "院级",
            "active": "y",
        },
    )

    assert response.status_code == 302
    added = rules.rules_by_category()["创新创业"]
    assert (added.minutes_per_credit, added.rounding_step, added.semester_cap) == (480, 50, None)
    assert added.level == "院级"
    missing = admin_client.post("/admin/credits/rules/new", data={"hours_per_credit": "8"})
    assert missing.status_code == 400
    assert "Please name the category." in text(missing)


def test_an_unknown_rule_is_not_found(admin_client):
    assert admin_client.post("/admin/credits/rules/999999", data={}).status_code == 404


# Export templates -------------------------------------------------------------------------


def test_the_template_list_shows_the_default_and_its_headers(admin_client):
    page = text(admin_client.get("/admin/credits/templates"))

    assert export_templates.DEFAULT_NAME in page
    assert "学号, 姓名, 学院" in page


def test_a_new_template_starts_from_the_default_columns_and_lists_the_fields(admin_client):
    page = text(admin_client.get("/admin/credits/templates/new"))

    assert "student_number = 学号" in page
    assert "enrolment_year" in page  # among the available fields


def test_an_admin_creates_a_template_from_field_lines(admin_client):
    response = admin_client.post(
        "/admin/credits/templates/new",
        data={
            "name": "学院版",
            "file_type": "csv_gb18030",
            "date_format": "%Y/%m/%d",
            "columns": "student_number = 学号\nname = 姓名\n\ncredits = 学分\n",
        },
    )

    assert response.status_code == 302
    saved = _db.session.scalar(select(CreditTemplate).where(CreditTemplate.name == "学院版"))
    assert saved.file_type == "csv_gb18030" and saved.date_format == "%Y/%m/%d"
    assert saved.columns == [
        {"field": "student_number", "header": "学号"},
        {"field": "name", "header": "姓名"},
        {"field": "credits", "header": "学分"},
    ]
    assert not saved.is_default


def test_unknown_fields_and_duplicate_headers_are_shown_on_the_form(admin_client):
    for columns in ("nickname = 昵称\n", "name = 姓名\nstudent_number = 姓名\n", "just text"):
        response = admin_client.post(
            "/admin/credits/templates/new",
            data={
                "name": "坏模板",
                "file_type": "xlsx",
                "date_format": "%Y-%m-%d",
                "columns": columns,
            },
        )
        assert response.status_code == 400, columns
        assert 'data-testid="columns-error"' in text(response), columns
        assert "坏模板" in text(response)
    assert _db.session.scalar(select(CreditTemplate).where(CreditTemplate.name == "坏模板")) is None


def test_an_admin_edits_a_template_and_makes_it_the_default(admin_client):
    default = export_templates.default_template()
    page = text(admin_client.get(f"/admin/credits/templates/{default.id}"))
    assert "line_number = 记录编号" in page
    admin_client.post(
        "/admin/credits/templates/new",
        data={
            "name": "简版",
            "file_type": "xlsx",
            "date_format": "%Y-%m-%d",
            "columns": "student_number = 学号\n",
        },
    )
    simple = _db.session.scalar(select(CreditTemplate).where(CreditTemplate.name == "简版"))

    response = admin_client.post(
        f"/admin/credits/templates/{simple.id}",
        data={
            "name": "简版",
            "file_type": "csv_utf8",
            "date_format": "%Y-%m-%d",
            "columns": "student_number = 学号\nname = 姓名\n",
            "is_default": "y",
        },
    )

    assert response.status_code == 302
    _db.session.refresh(simple)
    _db.session.refresh(default)
    assert simple.is_default and not default.is_default
    assert simple.file_type == "csv_utf8" and len(simple.columns) == 2
    assert admin_client.get("/admin/credits/templates/999999").status_code == 404

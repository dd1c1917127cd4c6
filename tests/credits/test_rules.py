"""Conversion rules: minutes to credits (hundredths), rounding, editing and the preview an
admin sees before saving."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.credits import rules
from app.credits.models import CreditRecord, CreditRule
from app.credits.rules import RuleValues
from app.errors import Forbidden, InvalidInput
from tests import factories
from tests.credits import credits_data as data

SERVICE = "志愿公益"
AUTUMN = datetime(2025, 10, 6, 2, 0)  # 10:00 in Shanghai, semester 2025-2026-1
IN_AUTUMN = datetime(2025, 11, 1, 4, 0)


@pytest.mark.parametrize(
    ("minutes", "per_credit", "step", "credits"),
    [
        (600, 600, 10, 100),  # ten hours: one credit
        (60, 600, 10, 10),
        (90, 600, 10, 20),  # 0.15 rounds half up to 0.2
        (84, 600, 10, 10),  # 0.14 → 0.1
        (150, 600, 50, 50),  # 0.25 → 0.5 with a step of a half
        (149, 600, 50, 0),
        (100, 600, 1, 17),  # 0.1667 → 0.17
        (0, 600, 10, 0),
        (300, 120, 100, 300),  # 2.5 credits to whole credits: 3
    ],
)
def test_minutes_convert_to_rounded_credits(minutes, per_credit, step, credits):
    assert rules.convert(minutes, RuleValues(per_credit, step, None, "校级")) == credits


def test_a_switched_off_rule_converts_to_nothing():
    assert rules.convert(600, RuleValues(600, 10, None, "校级", active=False)) == 0


def test_caps_keep_what_still_fits_in_order():
    assert rules.capped([150, 200, 100, 50], 400) == [150, 200, 50, 0]
    assert rules.capped([150, 200], None) == [150, 200]


def test_seeding_adds_the_default_rules_once_and_keeps_edits(admin, db):
    rules.seed_rules()
    rules.update_rule(admin, SERVICE, RuleValues(300, 10, 800, "院级"))
    rules.seed_rules()

    saved = rules.rules_by_category()
    assert sorted(saved) == sorted(["志愿公益", "技能培训", "文化艺术", "校外志愿"])
    assert saved["校外志愿"].active is False  # hours served elsewhere: off until an admin says
    assert (saved["技能培训"].minutes_per_credit, saved["技能培训"].semester_cap) == (600, 200)
    assert (saved["文化艺术"].rounding_step, saved["文化艺术"].level) == (10, "校级")
    assert (saved[SERVICE].minutes_per_credit, saved[SERVICE].level) == (300, "院级")


def test_an_admin_creates_a_rule_for_a_new_category_and_changes_it(admin, db):
    created = rules.update_rule(
        admin, " 创新创业 ", RuleValues(480, 50, None, "校级"), now=IN_AUTUMN
    )
    rules.update_rule(admin, "创新创业", RuleValues(480, 50, 300, "校级"), now=IN_AUTUMN)

    assert created.category == "创新创业"
    assert (created.minutes_per_credit, created.semester_cap) == (480, 300)
    assert created.updated_by_id == admin.id
    entries = db.session.scalars(
        select(AuditEntry).where(AuditEntry.object_type == "credit_rule").order_by(AuditEntry.id)
    ).all()
    assert [e.action for e in entries] == ["credits.rule_created", "credits.rule_changed"]
    assert entries[1].before == {"semester_cap": None}
    assert entries[1].after == {"semester_cap": 300}


@pytest.mark.parametrize(
    ("values", "field"),
    [
        (RuleValues(0, 10, 400, "校级"), "minutes_per_credit"),
        (RuleValues(-60, 10, 400, "校级"), "minutes_per_credit"),
        (RuleValues(None, 10, 400, "校级"), "minutes_per_credit"),
        (RuleValues(600, 0, 400, "校级"), "rounding_step"),
        (RuleValues(600, 10001, 400, "校级"), "rounding_step"),
        (RuleValues(600, 10, -1, "校级"), "semester_cap"),
        (RuleValues(600, 10, 400, "  "), "level"),
    ],
)
def test_bad_rule_values_name_the_field_and_change_nothing(admin, db, values, field):
    rules.seed_rules()

    with pytest.raises(InvalidInput) as error:
        rules.update_rule(admin, SERVICE, values)

    assert error.value.field == field
    rule = rules.rules_by_category()[SERVICE]
    assert (rule.minutes_per_credit, rule.rounding_step, rule.semester_cap) == (600, 10, 400)
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action.like("credits.%"))) is None


def test_an_empty_category_is_refused(admin, db):
    with pytest.raises(InvalidInput) as error:
        rules.update_rule(admin, "", RuleValues(600, 10, None, "校级"))
    assert error.value.field == "category"
    assert db.session.scalar(select(CreditRule)) is None


def test_only_an_admin_changes_rules(db):
    coordinator = factories.person(roles=["coordinator"], name="陈老师")
    with pytest.raises(Forbidden):
        rules.update_rule(coordinator, SERVICE, RuleValues(600, 10, None, "校级"))


def test_preview_shows_the_current_semester_under_both_rules_and_saves_nothing(admin, db):
    rules.seed_rules()  # 600 minutes a credit, to a tenth, at most 4 credits
    busy, quiet = data.person("忙碌的人"), data.person("安静的人")
    for day in range(6):  # 6 × 8 hours = 4.8 credits, capped at 4
        data.verified_attendance(busy, starts_at=AUTUMN.replace(day=6 + day), minutes=480)
    data.verified_attendance(quiet, starts_at=AUTUMN, minutes=120)  # 0.2
    data.verified_attendance(quiet, starts_at=datetime(2025, 3, 3, 2), minutes=600)  # spring
    data.synced(IN_AUTUMN)

    shown = rules.preview(SERVICE, RuleValues(300, 10, 600, "校级"), now=IN_AUTUMN)

    assert shown.records == 7
    assert shown.people == 2
    assert shown.credits_before == 400 + 20
    assert shown.credits_after == 600 + 40  # two hours a credit 9.6 → capped at 6
    assert (shown.people_capped_before, shown.people_capped_after) == (1, 1)
    assert "2025" in shown.semester_label
    looser = rules.preview(SERVICE, RuleValues(600, 10, None, "校级"), now=IN_AUTUMN)
    assert (looser.credits_after, looser.people_capped_after) == (480 + 20, 0)
    assert rules.rules_by_category()[SERVICE].semester_cap == 400
    stored = db.session.scalars(select(CreditRecord.credits).where(CreditRecord.user_id == busy.id))
    assert sum(stored) == 400


def test_preview_of_a_category_without_rule_starts_from_nothing(db):
    person = data.person()
    category_task = data.task(credit_category="创新创业")
    data.verified_attendance(person, task=category_task, starts_at=AUTUMN, minutes=600)
    data.synced(IN_AUTUMN)

    shown = rules.preview("创新创业", RuleValues(600, 10, None, "校级"), now=IN_AUTUMN)

    assert (shown.records, shown.credits_before, shown.credits_after) == (1, 0, 100)


def test_preview_refuses_bad_values(db):
    with pytest.raises(InvalidInput):
        rules.preview(SERVICE, RuleValues(0, 10, None, "校级"))

"""Approved hours served elsewhere are a Second Classroom credit source of their own
category, whose seeded rule is switched off: no credits until an admin switches it on."""

from __future__ import annotations

from sqlalchemy import select

from app.credits import records, rules
from app.credits.models import CreditRecord, CreditRule
from app.extensions import db
from tests.outside import outside_data
from tests.outside.outside_data import NOW


def _approved_claim():
    world = outside_data.world(people=1)
    claim = outside_data.claim(world.people[0], hours="5")
    from app.outside import services

    services.decide(claim, "approve", actor=world.boss, now=NOW)
    return world.people[0], claim


def _outside_record(person) -> CreditRecord:
    return db.session.scalar(
        select(CreditRecord).where(
            CreditRecord.user_id == person.id, CreditRecord.source == "outside"
        )
    )


def test_outside_hours_earn_no_credits_while_the_rule_is_off(db):
    rules.seed_rules()
    person, _claim = _approved_claim()
    records.sync_records(now=NOW, user_ids=[person.id])
    record = _outside_record(person)
    assert record is not None and record.minutes == 300
    assert record.credits == 0 and record.category == "校外志愿"


def test_outside_hours_earn_credits_once_an_admin_switches_the_rule_on(db, admin):
    rules.seed_rules()
    rule = db.session.scalar(select(CreditRule).where(CreditRule.category == "校外志愿"))
    assert rule.active is False
    rules.update_rule(admin, rule.category, rules.RuleValues(600, 10, 400, "校级"), now=NOW)
    person, _claim = _approved_claim()
    records.sync_records(now=NOW, user_ids=[person.id])
    assert _outside_record(person).credits == 50  # 5 h at ten hours a credit

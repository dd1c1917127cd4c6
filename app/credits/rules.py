"""Conversion rules: minutes → credits per category, rounding, per-semester caps.

Credits are integers in hundredths. A category without an active rule earns no credits
(its hours are still recorded), so switching a rule off never deletes anything.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from app.accounts.models import User
from app.audit import services as audit
from app.common.db import add_seeded
from app.common.rows import fields_of
from app.common.semesters import semester_of
from app.common.time import local_today, utcnow
from app.credits.models import CreditRecord, CreditRule
from app.errors import Forbidden, InvalidInput
from app.extensions import db

TEXT_MAX = 32  # category and level columns
RATE_MAX = 60 * 1000  # minutes per credit: at most a thousand hours a credit
STEP_MAX = 10000  # hundredths: a step of 100 credits
CAP_MAX = 1000000  # hundredths


@dataclass(frozen=True)
class RuleValues:
    minutes_per_credit: int
    rounding_step: int  # hundredths of a credit
    semester_cap: int | None  # hundredths of a credit; None = no cap
    level: str
    active: bool = True


@dataclass(frozen=True)
class RulePreview:
    semester_label: str
    records: int
    people: int
    credits_before: int  # hundredths, the current semester's total under the saved rule
    credits_after: int  # hundredths, under the proposed values
    people_capped_before: int
    people_capped_after: int


def default_category() -> str:
    """The category of service hours of a task that names none."""
    return current_app.config["CREDIT_DEFAULT_CATEGORY"]


def rules_by_category() -> dict[str, CreditRule]:
    """Every rule, active or not, by category (in category order)."""
    return {
        rule.category: rule
        for rule in db.session.scalars(select(CreditRule).order_by(CreditRule.category))
    }


def convert(minutes: int, rule: CreditRule | RuleValues) -> int:
    """Credits (hundredths) for this many minutes, rounded to the rule's step, before caps.

    minutes × 100 / minutes_per_credit, to the nearest multiple of the step, halves up, in
    integers so that no float ever decides a student's credit."""
    if not rule.active or minutes <= 0:
        return 0
    step = rule.rounding_step
    per_credit = rule.minutes_per_credit
    steps = (2 * minutes * 100 + per_credit * step) // (2 * per_credit * step)
    return steps * step


def capped(amounts: Iterable[int], cap: int | None) -> list[int]:
    """One person's credits of one semester and category, in chronological order, after the
    cap: each keeps what still fits under it."""
    if cap is None:
        return list(amounts)
    left = cap
    result = []
    for amount in amounts:
        kept = min(amount, left)
        result.append(kept)
        left -= kept
    return result


def _whole_number(value: object, *, field: str, low: int, high: int, message: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidInput(message, field=field)
    return value


def _text(value: object, *, field: str, message: str) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not text or len(text) > TEXT_MAX:
        raise InvalidInput(message, field=field)
    return text


def clean_values(values: RuleValues) -> RuleValues:
    """The values checked and trimmed; InvalidInput names the first bad field."""
    rate = _whole_number(
        values.minutes_per_credit,
        field="minutes_per_credit",
        low=1,
        high=RATE_MAX,
        message=_("Minutes per credit must be a whole number from 1 to %(max)d.", max=RATE_MAX),
    )
    step = _whole_number(
        values.rounding_step,
        field="rounding_step",
        low=1,
        high=STEP_MAX,
        message=_(
            "The rounding step must be a whole number of hundredths from 1 to %(max)d.",
            max=STEP_MAX,
        ),
    )
    cap = values.semester_cap
    if cap is not None:
        cap = _whole_number(
            cap,
            field="semester_cap",
            low=0,
            high=CAP_MAX,
            message=_("The semester cap must be empty or a number that is not negative."),
        )
    level = _text(
        values.level,
        field="level",
        message=_("Please give the level (at most %(max)d characters).", max=TEXT_MAX),
    )
    return RuleValues(rate, step, cap, level, bool(values.active))


def _snapshot(rule: CreditRule) -> dict:
    return fields_of(rule, "minutes_per_credit", "rounding_step", "semester_cap", "level", "active")


def update_rule(
    actor: User, category: str, values: RuleValues, *, now: datetime | None = None
) -> CreditRule:
    """Save the rule of a category (created when the category is new). Records follow at
    the next sync; lines already exported change only through adjustments."""
    if actor is None or not actor.has_role("admin"):
        raise Forbidden(_("Only admins can change credit rules."))
    now = now or utcnow()
    category = _text(
        category,
        field="category",
        message=_("Please give the category (at most %(max)d characters).", max=TEXT_MAX),
    )
    values = clean_values(values)
    rule = db.session.scalar(select(CreditRule).where(CreditRule.category == category))
    before = None if rule is None else _snapshot(rule)
    if rule is None:
        rule = CreditRule(category=category)
        db.session.add(rule)
    for name, value in asdict(values).items():
        setattr(rule, name, value)
    rule.updated_at, rule.updated_by_id = now, actor.id
    db.session.flush()
    if before is None:
        audit.record("credits.rule_created", rule, actor=actor, after=_snapshot(rule), now=now)
    else:
        audit.record_change(
            "credits.rule_changed",
            rule,
            actor=actor,
            before=before,
            after=_snapshot(rule),
            only_changed=True,
            now=now,
        )
    return rule


def _semester_totals(
    records: Sequence[CreditRecord], rule: CreditRule | RuleValues | None
) -> tuple[int, int]:
    """(total credits, people who reached the cap) of one category and semester."""
    by_person: dict[int, list[int]] = defaultdict(list)
    for record in records:
        by_person[record.user_id].append(0 if rule is None else convert(record.minutes, rule))
    cap = None if rule is None or not rule.active else rule.semester_cap
    total = capped_people = 0
    for amounts in by_person.values():
        kept = sum(capped(amounts, cap))
        total += kept
        capped_people += cap is not None and kept >= cap
    return total, capped_people


def preview(category: str, values: RuleValues, *, now: datetime | None = None) -> RulePreview:
    """What the current semester's records of this category are worth under the saved rule
    and under `values`, computed in memory; nothing is saved."""
    values = clean_values(values)
    semester = semester_of(local_today(now))
    records = list(
        db.session.scalars(
            select(CreditRecord)
            .where(
                CreditRecord.category == category,
                CreditRecord.semester == semester.code,
                CreditRecord.void.is_(False),
            )
            .order_by(CreditRecord.started_on, CreditRecord.source, CreditRecord.source_id)
        )
    )
    saved = db.session.scalar(select(CreditRule).where(CreditRule.category == category))
    before, capped_before = _semester_totals(records, saved)
    after, capped_after = _semester_totals(records, values)
    return RulePreview(
        semester_label=semester.label,
        records=len(records),
        people=len({record.user_id for record in records}),
        credits_before=before,
        credits_after=after,
        people_capped_before=capped_before,
        people_capped_after=capped_after,
    )


def default_rules() -> dict[str, RuleValues]:
    """The seeded rules: ten hours a credit, to a tenth; at most 4 credits of service and of
    contributions and 2 of training per semester. Hours served elsewhere have a rule of
    their own, switched off: they earn credits only once an admin switches it on."""
    config = current_app.config
    return {
        config["CREDIT_DEFAULT_CATEGORY"]: RuleValues(600, 10, 400, "校级"),
        config["CREDIT_TRAINING_CATEGORY"]: RuleValues(600, 10, 200, "校级"),
        config["CREDIT_CONTRIBUTION_CATEGORY"]: RuleValues(600, 10, 400, "校级"),
        config["CREDIT_OUTSIDE_CATEGORY"]: RuleValues(600, 10, 400, "校级", active=False),
    }


def seed_rules() -> None:
    """Add the default rules whose category has none; a rule that exists is left alone."""
    existing = set(db.session.scalars(select(CreditRule.category)))
    new_rules = [
        CreditRule(category=category, **asdict(values))
        for category, values in default_rules().items()
        if category not in existing
    ]
    if new_rules:
        add_seeded(*new_rules)

"""Properties of turning hours into Second Classroom credits (app.credits): for any minutes
and rule, credits are minutes × 100 / minutes-per-credit rounded to the rule's step with
halves up, in exact integers (hundredths) and decimals; more hours never earn fewer credits;
a person's credits of a semester and category never pass the cap; and a batch's total is the
sum of its lines, in the summary, in the records and in the file's decimal column."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from fractions import Fraction
from math import floor

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app.credits import batch_export, batches, records
from app.credits import rules as credit_rules
from app.credits.forms import hundredths_of
from app.credits.models import CreditBatchItem, CreditRecord, hundredths
from app.credits.rules import CAP_MAX, RATE_MAX, STEP_MAX, RuleValues
from app.recruitment.access import active_coordinators
from tests.credits import batch_data, credits_data

PROPERTY = settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
MINUTES = st.integers(0, 100_000)
RULES = st.builds(
    RuleValues,
    minutes_per_credit=st.integers(1, RATE_MAX),
    rounding_step=st.integers(1, STEP_MAX),
    semester_cap=st.none() | st.integers(0, CAP_MAX),
    level=st.just("校级"),
    active=st.just(True),
)
AMOUNTS = st.lists(st.integers(0, 5_000), max_size=30)
CAPS = st.none() | st.integers(0, 20_000)


def exact_credits(minutes: int, rule: RuleValues) -> int:
    """The rule as the README words it, in fractions: the nearest step, halves up."""
    steps = Fraction(minutes * 100, rule.minutes_per_credit) / rule.rounding_step
    return floor(steps + Fraction(1, 2)) * rule.rounding_step


# Conversion


@PROPERTY
@given(minutes=MINUTES, rule=RULES)
def test_credits_are_the_nearest_step_of_the_exact_amount(minutes, rule):
    credits = credit_rules.convert(minutes, rule)

    assert credits == exact_credits(minutes, rule)
    assert credits % rule.rounding_step == 0
    exact = Fraction(minutes * 100, rule.minutes_per_credit)
    assert abs(credits - exact) * 2 <= rule.rounding_step


@PROPERTY
@given(minutes=MINUTES, more=st.integers(0, 10_000), rule=RULES)
def test_more_minutes_never_earn_fewer_credits(minutes, more, rule):
    assert credit_rules.convert(minutes + more, rule) >= credit_rules.convert(minutes, rule)


@PROPERTY
@given(minutes=st.integers(-10_000, 100_000), rule=RULES)
def test_no_minutes_or_a_rule_switched_off_earn_nothing(minutes, rule):
    off = RuleValues(rule.minutes_per_credit, rule.rounding_step, rule.semester_cap, "校级", False)
    assert credit_rules.convert(minutes, off) == 0
    if minutes <= 0:
        assert credit_rules.convert(minutes, rule) == 0


# Caps


@PROPERTY
@given(amounts=AMOUNTS, cap=CAPS)
def test_the_cap_keeps_what_fits_in_date_order(amounts, cap):
    kept = credit_rules.capped(amounts, cap)

    assert len(kept) == len(amounts)
    assert all(0 <= part <= whole for part, whole in zip(kept, amounts, strict=True))
    expected_total = sum(amounts) if cap is None else min(sum(amounts), cap)
    assert sum(kept) == expected_total
    # Earlier service is kept whole until the cap is reached; nothing after that.
    running = 0
    for part, whole in zip(kept, amounts, strict=True):
        if cap is None or running + whole <= cap:
            assert part == whole
        running += whole


@PROPERTY
@given(amounts=AMOUNTS.filter(bool), cap=CAPS, data=st.data())
def test_more_credits_on_one_record_never_lower_the_capped_total(amounts, cap, data):
    at = data.draw(st.integers(0, len(amounts) - 1), label="record")
    more = data.draw(st.integers(0, 5_000), label="more")
    raised = [*amounts[:at], amounts[at] + more, *amounts[at + 1 :]]

    assert sum(credit_rules.capped(raised, cap)) >= sum(credit_rules.capped(amounts, cap))


# Exact decimals


@PROPERTY
@given(amounts=st.lists(st.integers(-(10**9), 10**9), max_size=50))
def test_decimal_credits_add_up_exactly(amounts):
    as_decimals = [hundredths(amount) for amount in amounts]

    assert sum(as_decimals, Decimal(0)) == hundredths(sum(amounts))
    assert all(
        hundredths_of(value) == amount for value, amount in zip(as_decimals, amounts, strict=True)
    )


# A batch


@pytest.fixture
def desk(db):
    """A team's desk task, its two coordinators and three volunteers, saved; each example
    then adds service in a transaction that is rolled back."""
    batch_data.seed()
    team = credits_data.team(name="图书馆志愿者队")
    task = credits_data.task(team, title="总服务台值班")
    batch_data.coordinator(team, "陈老师")
    batch_data.coordinator(team, "李老师")
    people = [credits_data.person(name) for name in ("李明", "王芳", "张伟")]
    db.session.commit()
    return {"team_id": team.id, "task": task, "people": people}


SERVICE = st.lists(
    st.tuples(st.integers(0, 2), st.integers(0, 29), st.integers(1, 900)),
    min_size=1,
    max_size=8,
)


@settings(PROPERTY, max_examples=15)
@given(service=SERVICE)
def test_a_batch_total_is_the_sum_of_its_lines(db, desk, service):
    try:
        for person, day, minutes in service:
            credits_data.verified_attendance(
                desk["people"][person],
                task=desk["task"],
                starts_at=batch_data.AUTUMN.replace(day=1) + timedelta(days=day, hours=person),
                minutes=minutes,
            )
        records.sync_records(now=batch_data.LATER)
        builder, _approver = active_coordinators(desk["team_id"])
        batch = batch_data.build(builder, team_id=desk["team_id"])

        items = list(
            db.session.scalars(select(CreditBatchItem).where(CreditBatchItem.batch_id == batch.id))
        )
        summary = batches.summaries([batch.id])[batch.id]
        all_records = list(db.session.scalars(select(CreditRecord)))
        rows = list(batch_export.export_rows(batch.id, recognised_on=batch_data.LATER.date()))

        assert summary.lines == len(items) == len(all_records) == len(service)
        assert summary.credits == sum(item.credits for item in items)
        assert summary.credits == sum(record.credits for record in all_records)
        assert summary.minutes == sum(minutes for _person, _day, minutes in service)
        assert sum((row.credits for row in rows), Decimal(0)) == summary.credit_amount
        # The default rule caps each person at 4 credits a semester (all of October is one).
        for person in {person for person, _day, _minutes in service}:
            person_id = desk["people"][person].id
            earned = sum(r.credits for r in all_records if r.user_id == person_id)
            assert earned <= 400
    finally:
        db.session.rollback()

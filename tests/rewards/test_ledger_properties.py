"""Properties of the points ledger (app.rewards.points), for any sequence of awards under
reused keys, admin adjustments either way, reversals and attempts to reverse twice or to
reverse a reversal: each key books exactly one entry, an entry is reversed at most once, a
balance is the sum of the person's entries, and the points leaderboard shows exactly the
people whose total is positive, with that total.

The README sets no floor under a balance (no-shows and adjustments take points away), so a
negative balance is allowed; it only keeps a person off the board. Each example runs in a
transaction that is rolled back."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from app.errors import InvalidInput
from app.rewards import boards, points
from app.rewards.models import LeaderboardEntry, PointEntry
from tests import factories

START = datetime(2026, 3, 2, 2, 0)
NOW = datetime(2026, 3, 20, 2, 0)
PEOPLE = 3

AWARD = st.tuples(
    st.just("award"),
    st.integers(0, PEOPLE - 1),
    st.integers(-50, 200),
    st.sampled_from([f"test:{n}" for n in range(5)]),
    st.integers(0, 14),
)
ADJUST = st.tuples(
    st.just("adjust"),
    st.integers(0, PEOPLE - 1),
    st.integers(-points.ADJUSTMENT_MAX, points.ADJUSTMENT_MAX).filter(bool),
)
REVERSE = st.tuples(st.just("reverse"), st.integers(0, 20))
OPERATIONS = st.lists(st.one_of(AWARD, ADJUST, REVERSE), min_size=1, max_size=12)


@dataclass
class Model:
    """What the ledger should hold, kept by the test alongside the service."""

    keys: set[str] = field(default_factory=set)
    entries: list[PointEntry] = field(default_factory=list)  # awards and adjustments
    reversed_ids: set[int] = field(default_factory=set)
    balances: dict[int, int] = field(default_factory=dict)

    def book(self, entry: PointEntry) -> None:
        self.balances[entry.user_id] = self.balances.get(entry.user_id, 0) + entry.points


@pytest.fixture
def people(db):
    admin = factories.person(roles=["admin"], name="管理员")
    volunteers = [factories.person(roles=["volunteer"], name=f"志愿者{n}") for n in range(PEOPLE)]
    db.session.commit()
    return admin, volunteers


def apply(operation: tuple, model: Model, admin, volunteers) -> None:
    kind, *args = operation
    if kind == "award":
        who, amount, key, day = args
        person = volunteers[who]
        entry = points.award(
            person.id, amount, kind="adjustment", key=key, occurred_at=START + timedelta(days=day)
        )
        assert (entry is None) == (key in model.keys)
        if entry is not None:
            model.keys.add(key)
            model.entries.append(entry)
            model.book(entry)
    elif kind == "adjust":
        who, amount = args
        entry = points.adjust(volunteers[who], amount, reason="核对后调整", actor=admin, now=NOW)
        assert entry.points == amount
        model.entries.append(entry)
        model.book(entry)
    elif model.entries:
        entry = model.entries[args[0] % len(model.entries)]
        reversal = points.reverse(entry, reason="撤销", actor=admin, now=NOW)
        assert (reversal is None) == (entry.id in model.reversed_ids)
        if reversal is not None:
            assert reversal.points == -entry.points and reversal.reverses_id == entry.id
            model.reversed_ids.add(entry.id)
            model.book(reversal)
            with pytest.raises(InvalidInput):
                points.reverse(reversal, reason="再撤销", actor=admin, now=NOW)


def check_ledger(db, model: Model, volunteers) -> None:
    for person in volunteers:
        entries = db.session.scalars(
            select(PointEntry.points).where(PointEntry.user_id == person.id)
        )
        assert points.balance(person.id) == sum(entries) == model.balances.get(person.id, 0)
    keys = db.session.execute(
        select(PointEntry.idempotency_key, func.count()).group_by(PointEntry.idempotency_key)
    ).all()
    assert all(count == 1 for _key, count in keys)
    assert {key for key, _count in keys} >= model.keys
    assert points.reversed_ids([entry.id for entry in model.entries]) == model.reversed_ids


def check_board(db, model: Model, volunteers) -> None:
    boards.rebuild(now=NOW)
    shown = dict(
        db.session.execute(
            select(LeaderboardEntry.user_id, LeaderboardEntry.value).where(
                LeaderboardEntry.metric == "points", LeaderboardEntry.period == "all"
            )
        ).all()
    )
    positive = {person.id: model.balances.get(person.id, 0) for person in volunteers}
    assert shown == {user_id: total for user_id, total in positive.items() if total > 0}
    month = boards.period_for("month", NOW)
    for person in volunteers:
        in_month = points.points_between(person.id, month.since, month.until)
        assert in_month == model.balances.get(person.id, 0)  # every entry is in March


@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(operations=OPERATIONS)
def test_any_sequence_of_awards_adjustments_and_reversals_keeps_the_ledger_whole(
    db, people, operations
):
    admin, volunteers = people
    model = Model()
    try:
        for operation in operations:
            apply(operation, model, admin, volunteers)
        check_ledger(db, model, volunteers)
        check_board(db, model, volunteers)
    finally:
        db.session.rollback()

"""The points ledger: exactly-once awards, reversals, rules, levels and the awarding job."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.errors import InvalidInput
from app.notifications.models import Notification
from app.rewards import defaults, levels, points
from app.rewards.models import Badge, Level, PointEntry, PointRule
from tests.rewards import rewards_data as data

NOW = data.START + timedelta(days=1)


def entries_of(user_id: int) -> list[PointEntry]:
    return list(
        points.db.session.scalars(
            select(PointEntry).where(PointEntry.user_id == user_id).order_by(PointEntry.id)
        )
    )


@pytest.fixture
def place(db):
    data.rules()
    return data.place()


# The ledger ----------------------------------------------------------------------------------


def test_an_award_is_booked_once_per_key(db):
    person = data.person()
    first = points.award(person.id, 5, kind="adjustment", key="test:1", occurred_at=NOW)
    again = points.award(person.id, 5, kind="adjustment", key="test:1", occurred_at=NOW)
    assert first is not None and again is None
    assert points.balance(person.id) == 5


def test_a_duplicate_key_leaves_the_callers_transaction_intact(db):
    person = data.person()
    points.award(person.id, 5, kind="adjustment", key="test:1", occurred_at=NOW)
    other = data.person(name="李四")
    points.award(person.id, 5, kind="adjustment", key="test:1", occurred_at=NOW)
    db.session.commit()
    assert db.session.get(type(other), other.id) is not None
    assert points.balance(person.id) == 5


def test_reversal_cancels_an_entry_once(db):
    person = data.person()
    entry = points.award(person.id, 30, kind="adjustment", key="test:1", occurred_at=NOW)
    reversal = points.reverse(entry, reason="录入错误", now=NOW)
    assert reversal.points == -30
    assert reversal.reverses_id == entry.id
    assert reversal.idempotency_key == f"reversal:{entry.id}"
    assert reversal.occurred_at == entry.occurred_at
    assert points.reverse(entry, reason="again", now=NOW) is None
    assert points.balance(person.id) == 0


def test_a_reversal_cannot_be_reversed(db):
    person = data.person()
    entry = points.award(person.id, 30, kind="adjustment", key="test:1", occurred_at=NOW)
    reversal = points.reverse(entry, reason="录入错误", now=NOW)
    with pytest.raises(InvalidInput):
        points.reverse(reversal, reason="undo", now=NOW)


# Rules and seeding ---------------------------------------------------------------------------


def test_seeding_is_idempotent_and_keeps_edits(db):
    first = defaults.seed_defaults()
    assert first["rules"] == len(defaults.DEFAULT_RULES)
    assert first["levels"] == len(levels.DEFAULT_LEVELS)
    rule = db.session.scalar(select(PointRule).where(PointRule.code == "verified_hour"))
    rule.points = 12
    assert defaults.seed_defaults() == {"rules": 0, "levels": 0, "badges": 0}
    assert points.rule_points("verified_hour").points == 12
    assert db.session.scalar(select(func.count(Level.id))) == len(levels.DEFAULT_LEVELS)
    assert db.session.scalar(select(func.count(Badge.id))) == first["badges"]


def test_default_rules(db):
    data.rules()
    assert points.rule_points("verified_hour").points == 10
    assert points.rule_points("verified_hour").unit == "hour"
    assert points.rule_points("training_completed").points == 20
    assert points.rule_points("contribution_published").points == 15
    assert points.rule_points("no_show").points == -10
    assert points.rule_points("nonexistent") is None


def test_a_switched_off_rule_awards_nothing(place):
    data.rules(verified_hour=10)
    points.rule_points("verified_hour").active = False
    person = data.member(place)
    data.worked(place, person, minutes=120)
    assert points.award_pending(now=NOW)["attendance"] == 0
    assert points.balance(person.id) == 0


def test_a_rule_change_applies_to_new_entries_only(place, admin):
    person = data.member(place)
    data.worked(place, person, minutes=60)
    points.award_pending(now=NOW)
    points.update_rule(
        points.rule_points("verified_hour"), points=20, active=True, actor=admin, now=NOW
    )
    data.worked(place, person, minutes=60, start=data.START + timedelta(days=2))
    points.award_pending(now=NOW + timedelta(days=3))
    assert [entry.points for entry in entries_of(person.id)] == [10, 20]
    audit = points.db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "rewards.rule_changed")
    )
    assert audit.before == {"points": 10} and audit.after == {"points": 20}


@pytest.mark.parametrize("value", [None, 10_001, -10_001])
def test_rule_points_must_be_sensible(place, admin, value):
    with pytest.raises(InvalidInput):
        points.update_rule(points.rule_points("no_show"), points=value, active=True, actor=admin)


# The awarding job: verified hours ------------------------------------------------------------


def test_verified_hours_earn_points_with_the_task_multiplier(db):
    data.rules()
    place = data.place(points_multiplier=1.5)
    person = data.member(place)
    record = data.worked(place, person, minutes=150)  # 2.5 h × 10 × 1.5 = 37.5 → 38
    counts = points.award_pending(now=NOW)
    assert counts["attendance"] == 1
    (entry,) = entries_of(person.id)
    assert entry.points == 38
    assert entry.kind == "verified_hour"
    assert entry.idempotency_key == points.attendance_key(record)
    assert entry.occurred_at == record.shift.starts_at
    assert (entry.source_type, entry.source_id) == ("attendance", record.id)
    assert "总服务台值班" in entry.note


def test_added_minutes_count_and_unverified_records_do_not(place):
    person = data.member(place)
    on = data.shift(place, hours=3)
    data.verified(on, person, minutes=60, added=30)
    other = data.member(place)
    pending = data.verified(data.shift(place, start=data.START + timedelta(days=1)), other)
    data.unverify(pending)
    points.award_pending(now=NOW)
    assert points.balance(person.id) == 15
    assert points.balance(other.id) == 0


def test_rerunning_the_job_awards_nothing_more(place):
    person = data.member(place)
    data.worked(
        place, person, minutes=180, verified_at=data.START + timedelta(hours=4, microseconds=123456)
    )
    first = points.award_pending(now=NOW)
    second = points.award_pending(now=NOW + timedelta(hours=1))
    assert first["attendance"] == 1
    assert second == {"attendance": 0, "training": 0, "no_show": 0, "reversed": 0, "notified": 0}
    assert points.balance(person.id) == 30


def test_an_unverified_record_is_reversed_and_rewarded_when_verified_again(place):
    person = data.member(place)
    record = data.worked(place, person, minutes=120)
    points.award_pending(now=NOW)
    data.unverify(record)
    assert points.award_pending(now=NOW + timedelta(hours=1))["reversed"] == 1
    assert points.balance(person.id) == 0
    record.scan_minutes = 60
    data.reverify(record, NOW + timedelta(hours=2))
    points.award_pending(now=NOW + timedelta(hours=3))
    assert [entry.points for entry in entries_of(person.id)] == [20, -20, 10]
    assert points.balance(person.id) == 10


def test_a_record_reverified_with_a_new_stamp_between_runs_is_rebooked(place):
    person = data.member(place)
    record = data.worked(place, person, minutes=120)
    points.award_pending(now=NOW)
    record.scan_minutes = 180
    data.reverify(record, NOW + timedelta(minutes=5))
    counts = points.award_pending(now=NOW + timedelta(hours=1))
    assert (counts["reversed"], counts["attendance"]) == (1, 1)
    assert points.balance(person.id) == 30


def test_an_undone_record_is_reversed(place):
    person = data.member(place)
    record = data.worked(place, person, minutes=120)
    points.award_pending(now=NOW)
    record.status = "undone"
    points.db.session.flush()
    points.award_pending(now=NOW + timedelta(hours=1))
    assert points.balance(person.id) == 0


def test_an_admin_reversal_of_an_hours_entry_sticks(place, admin):
    person = data.member(place)
    data.worked(place, person, minutes=120)
    points.award_pending(now=NOW)
    (entry,) = entries_of(person.id)
    points.reverse_by_admin(entry, reason="重复登记", actor=admin, now=NOW)
    assert points.award_pending(now=NOW + timedelta(hours=1))["attendance"] == 0
    assert points.balance(person.id) == 0


# Trainings and no-shows ----------------------------------------------------------------------


def test_a_completed_training_earns_points_once(place):
    person = data.member(place)
    record = data.trained(place, person)
    assert points.award_pending(now=NOW)["training"] == 1
    assert points.award_pending(now=NOW)["training"] == 0
    (entry,) = entries_of(person.id)
    assert (entry.points, entry.idempotency_key) == (20, f"training:{record.id}")
    assert entry.occurred_at == record.completed_at


def test_a_no_show_costs_points_and_an_excuse_gives_them_back(place):
    person = data.member(place)
    on = data.shift(place)
    signup = data.no_show(on, person)
    assert points.award_pending(now=NOW)["no_show"] == 1
    (entry,) = entries_of(person.id)
    assert (entry.points, entry.idempotency_key) == (-10, f"noshow:{signup.id}")
    assert entry.occurred_at == on.starts_at
    data.excuse(signup)
    assert points.award_pending(now=NOW + timedelta(hours=1))["reversed"] == 1
    assert points.award_pending(now=NOW + timedelta(hours=2))["reversed"] == 0
    assert points.balance(person.id) == 0


# Notifications -------------------------------------------------------------------------------


def test_each_person_gets_one_notification_per_run(place):
    person = data.member(place)
    data.worked(place, person, minutes=60)
    data.worked(place, person, minutes=120, start=data.START + timedelta(days=1))
    data.trained(place, person)
    counts = points.award_pending(now=NOW + timedelta(days=1))
    assert counts["notified"] == 1
    (notice,) = points.db.session.scalars(
        select(Notification).where(Notification.user_id == person.id)
    )
    assert notice.kind == "rewards.points"
    assert "50" in notice.title and notice.link == "/achievements"


# Balances ------------------------------------------------------------------------------------


def test_balance_equals_the_ledger_after_mixed_operations(place, admin):
    people = [data.member(place) for _ in range(3)]
    for n, person in enumerate(people):
        data.worked(place, person, minutes=60 * (n + 1), start=data.START + timedelta(days=n))
    data.trained(place, people[0])
    signup = data.no_show(data.shift(place, start=data.START + timedelta(days=5)), people[1])
    points.award_pending(now=NOW)
    points.adjust(people[2], -7, reason="迟到多次", actor=admin, now=NOW)
    data.excuse(signup)
    points.reverse_by_admin(entries_of(people[0].id)[0], reason="录入错误", actor=admin, now=NOW)
    points.award_pending(now=NOW + timedelta(hours=1))
    points.award_pending(now=NOW + timedelta(hours=2))
    balances = [points.balance(person.id) for person in people]
    assert balances == [20, 20, 23]
    for person in people:
        total = points.db.session.scalar(
            select(func.sum(PointEntry.points)).where(PointEntry.user_id == person.id)
        )
        assert points.balance(person.id) == total
        keys = [entry.idempotency_key for entry in entries_of(person.id)]
        assert len(keys) == len(set(keys))


# Levels --------------------------------------------------------------------------------------


def _levels(db):
    for minimum, name_zh, name_en in levels.DEFAULT_LEVELS:
        db.session.add(Level(min_points=minimum, name_zh=name_zh, name_en=name_en))
    db.session.flush()


@pytest.mark.parametrize(
    ("balance", "current", "upcoming", "missing"),
    [
        (0, 0, 100, 100),
        (99, 0, 100, 1),
        (100, 100, 300, 200),
        (2999, 1500, 3000, 1),
        (5000, 3000, None, 0),
    ],
)
def test_level_for_a_balance(db, balance, current, upcoming, missing):
    _levels(db)
    level, next_level, to_next = levels.level_for(balance)
    assert level.min_points == current
    assert (next_level.min_points if next_level else None) == upcoming
    assert to_next == missing


def test_a_negative_balance_is_below_every_level(db):
    _levels(db)
    level, next_level, to_next = levels.level_for(-10)
    assert level is None and next_level.min_points == 0 and to_next == 10


def test_progress_to_the_next_level(db):
    _levels(db)
    level, next_level, _missing = levels.level_for(200)
    assert levels.progress_percent(200, level, next_level) == 50
    top, none, _missing = levels.level_for(9999)
    assert levels.progress_percent(9999, top, none) == 100

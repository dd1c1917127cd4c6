"""Credit records: one per source, recomputed at each sync from the verified hours, the
completed trainings and the rules; a record never disappears and its revision goes up
only when something a file shows changes."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.credits import records, rules
from app.credits.models import CreditRecord
from app.credits.rules import RuleValues
from app.extensions import db as _db
from tests.credits import credits_data as data
from tests.helpers import race

AUTUMN = datetime(2025, 10, 6, 2, 0)  # 10:00 in Shanghai, semester 2025-2026-1
LATER = datetime(2025, 12, 1, 4, 0)
SPRING = datetime(2026, 3, 2, 2, 0)  # semester 2025-2026-2


@pytest.fixture(autouse=True)
def seeded(db):
    rules.seed_rules()  # 600 minutes a credit, to a tenth; caps 4 (service), 2 (training)


def the_record(source: str, source_id: int) -> CreditRecord:
    return _db.session.scalar(
        select(CreditRecord).where(
            CreditRecord.source == source, CreditRecord.source_id == source_id
        )
    )


def credits_of(person) -> list[int]:
    return [r.credits for r in sorted(records.records_of(person.id), key=lambda r: r.started_on)]


@pytest.mark.parametrize(
    ("source", "source_id", "number"),
    [
        ("attendance", 42, "GCA00000042"),
        ("training", 7, "GCT00000007"),
        ("contribution", 1, "GCC00000001"),
    ],
)
def test_record_numbers_are_stable_and_name_the_source(source, source_id, number):
    assert records.record_number_for(source, source_id) == number


def test_a_verified_attendance_becomes_a_record(app, db):
    person = data.person("李明")
    team = data.team(name="学生助理团", kind="student_assistants")
    desk = data.task(team, title="流通部夜间值班")
    late_night = datetime(2025, 10, 6, 15, 0)  # 23:00 to 01:00 local: two calendar days
    attendance = data.verified_attendance(person, task=desk, starts_at=late_night, minutes=120)

    counts = data.synced(LATER)

    record = the_record("attendance", attendance.id)
    assert counts == {"created": 1, "updated": 0, "voided": 0, "unchanged": 0}
    assert record.record_number == f"GCA{attendance.id:08d}"
    assert (record.user_id, record.team_id, record.task_id) == (person.id, team.id, desk.id)
    assert (record.category, record.activity_name, record.role) == (
        "志愿公益",
        "流通部夜间值班",
        "学生助理",
    )
    assert (str(record.started_on), str(record.ended_on)) == ("2025-10-06", "2025-10-07")
    assert record.semester == "2025-2026-1"
    assert (record.minutes, record.credits, record.revision, record.void) == (120, 20, 1, False)
    assert record.organiser == app.config["CREDIT_ORGANISER"]


def test_a_task_names_its_own_category_and_that_rule_applies(admin, db):
    person = data.person()
    reading = data.task(title="读书分享会", credit_category="文化艺术")
    rules.update_rule(admin, "文化艺术", RuleValues(300, 10, None, "院级"))
    shared = data.verified_attendance(person, task=reading, starts_at=AUTUMN, minutes=90)

    data.synced(LATER)

    record = the_record("attendance", shared.id)
    assert (record.category, record.minutes, record.credits) == ("文化艺术", 90, 30)


def test_added_minutes_count_once_verified_again(db):
    person = data.person()
    attendance = data.verified_attendance(person, starts_at=AUTUMN, minutes=120)
    data.synced(LATER)

    data.add_minutes_and_verify(attendance, 15, now=LATER)
    counts = data.synced(LATER + timedelta(hours=1))

    record = the_record("attendance", attendance.id)
    assert counts["updated"] == 1
    assert (record.minutes, record.credits, record.revision) == (135, 20, 2)


def test_the_semester_cap_keeps_the_earliest_service_and_a_new_semester_starts_afresh(db):
    person = data.person()
    desk = data.task()
    for week in range(5):  # five 10-hour weeks: 5 credits, at most 4 a semester
        data.verified_attendance(
            person, task=desk, starts_at=AUTUMN + timedelta(weeks=week), minutes=600
        )
    data.verified_attendance(person, task=desk, starts_at=SPRING, minutes=600)
    data.verified_attendance(data.person("另一位"), task=desk, starts_at=AUTUMN, minutes=600)

    data.synced(SPRING + timedelta(days=1))

    assert credits_of(person) == [100, 100, 100, 100, 0, 100]
    semesters = [
        r.semester for r in sorted(records.records_of(person.id), key=lambda r: r.started_on)
    ]
    assert semesters == ["2025-2026-1"] * 5 + ["2025-2026-2"]


def test_caps_count_per_category(db):
    person = data.person()
    desk = data.task()
    reading = data.task(title="读书分享会", credit_category="文化艺术")
    for week in range(5):
        data.verified_attendance(
            person, task=desk, starts_at=AUTUMN + timedelta(weeks=week), minutes=600
        )
    data.verified_attendance(
        person, task=reading, starts_at=AUTUMN + timedelta(weeks=6), minutes=600
    )

    data.synced(LATER)

    by_category = {}
    for record in records.records_of(person.id):
        by_category[record.category] = by_category.get(record.category, 0) + record.credits
    assert by_category == {"志愿公益": 400, "文化艺术": 100}


def test_a_completed_training_is_a_training_record(db):
    person = data.person()
    training = data.completed_training(person, starts_at=AUTUMN, minutes=180)

    counts = data.synced(LATER)

    record = the_record("training", training.id)
    assert counts["created"] == 1  # the training shift itself is not an attendance source
    assert record.record_number == f"GCT{training.id:08d}"
    assert (record.category, record.role, record.activity_name) == (
        "技能培训",
        "学员",
        "新志愿者岗前培训",
    )
    assert (record.minutes, record.credits, str(record.started_on)) == (180, 30, "2025-10-06")


def test_attendance_on_a_training_shift_counts_as_the_training_only(db):
    person = data.person()
    training_task = data.task(title="消防安全培训", kind="training")
    attendance = data.verified_attendance(person, task=training_task, starts_at=AUTUMN, minutes=60)

    data.synced(LATER)

    assert the_record("attendance", attendance.id) is None


def test_training_caps_are_their_own(db):
    person = data.person()
    for week in range(3):  # three 10-hour trainings: 3 credits, at most 2
        data.completed_training(person, starts_at=AUTUMN + timedelta(weeks=week), minutes=600)

    data.synced(LATER)

    assert credits_of(person) == [100, 100, 0]


def test_unverifying_voids_the_record_and_frees_room_under_the_cap(db):
    person = data.person()
    desk = data.task()
    attendances = [
        data.verified_attendance(
            person, task=desk, starts_at=AUTUMN + timedelta(weeks=week), minutes=600
        )
        for week in range(5)
    ]
    data.synced(LATER)
    first = the_record("attendance", attendances[0].id)
    number = first.record_number

    data.unverify(attendances[0], now=LATER)
    counts = data.synced(LATER + timedelta(days=1))

    assert counts == {"created": 0, "updated": 1, "voided": 1, "unchanged": 3}
    assert (first.void, first.minutes, first.credits, first.revision) == (True, 0, 0, 2)
    assert first.record_number == number
    assert first.updated_at == LATER + timedelta(days=1)
    assert credits_of(person) == [0, 100, 100, 100, 100]


def test_a_record_verified_again_comes_back_under_the_same_number(db):
    person = data.person()
    attendance = data.verified_attendance(person, starts_at=AUTUMN, minutes=600)
    data.synced(LATER)
    data.unverify(attendance, now=LATER)
    data.synced(LATER)

    data.add_minutes_and_verify(attendance, 15, now=LATER)
    data.synced(LATER + timedelta(days=1))

    record = the_record("attendance", attendance.id)
    assert (record.void, record.minutes, record.credits, record.revision) == (False, 615, 100, 3)
    assert _db.session.scalar(select(func.count(CreditRecord.id))) == 1


def test_syncing_again_changes_nothing(db):
    person = data.person()
    data.verified_attendance(person, starts_at=AUTUMN, minutes=120)
    data.completed_training(person, starts_at=AUTUMN, minutes=60)
    data.synced(LATER)

    counts = data.synced(LATER + timedelta(days=3))

    assert counts == {"created": 0, "updated": 0, "voided": 0, "unchanged": 2}
    assert {(r.revision, r.updated_at) for r in records.records_of(person.id)} == {(1, LATER)}


def test_a_rule_change_recomputes_credits_at_the_next_sync(admin, db):
    person = data.person()
    attendance = data.verified_attendance(person, starts_at=AUTUMN, minutes=120)
    data.synced(LATER)

    rules.update_rule(admin, "志愿公益", RuleValues(120, 10, None, "校级"))
    data.synced(LATER + timedelta(days=1))

    record = the_record("attendance", attendance.id)
    assert (record.credits, record.revision) == (100, 2)


def test_a_category_without_an_active_rule_records_hours_but_no_credits(admin, db):
    person = data.person()
    data.verified_attendance(
        person, task=data.task(credit_category="创新创业"), starts_at=AUTUMN, minutes=600
    )
    data.verified_attendance(person, starts_at=AUTUMN, minutes=600)
    rules.update_rule(admin, "志愿公益", RuleValues(600, 10, 400, "校级", active=False))

    data.synced(LATER)

    assert sorted((r.category, r.minutes, r.credits) for r in records.records_of(person.id)) == [
        ("创新创业", 600, 0),
        ("志愿公益", 600, 0),
    ]


def test_a_sync_for_some_people_leaves_the_others_alone(db):
    chosen, other = data.person("甲"), data.person("乙")
    data.verified_attendance(chosen, starts_at=AUTUMN, minutes=60)
    data.verified_attendance(other, starts_at=AUTUMN, minutes=60)

    counts = data.synced(LATER, user_ids=[chosen.id])

    assert counts["created"] == 1
    assert len(records.records_of(chosen.id)) == 1
    assert records.records_of(other.id) == []
    assert data.synced(LATER, user_ids=[]) == {
        "created": 0,
        "updated": 0,
        "voided": 0,
        "unchanged": 0,
    }


def test_a_person_sees_their_records_newest_first(db):
    person = data.person()
    older = data.verified_attendance(person, starts_at=AUTUMN, minutes=60)
    newer = data.verified_attendance(person, starts_at=AUTUMN + timedelta(days=20), minutes=60)
    data.verified_attendance(data.person("别人"), starts_at=AUTUMN, minutes=60)
    data.synced(LATER)

    assert [r.source_id for r in records.records_of(person.id)] == [newer.id, older.id]


def test_two_syncs_at_once_create_each_record_once(app, db):
    people = [data.person(f"并发{n}") for n in range(3)]
    desk = data.task()
    for week, person in enumerate(people * 2):
        data.verified_attendance(
            person, task=desk, starts_at=AUTUMN + timedelta(days=week), minutes=600
        )
    db.session.commit()

    counts: list[dict[str, int]] = []
    outcomes = race(app, lambda _n: counts.append(records.sync_records(now=LATER)), [1, 2])

    assert outcomes == ["ok", "ok"]
    assert sorted(c["created"] for c in counts) == [0, 6]
    db.session.expire_all()
    stored = db.session.scalars(select(CreditRecord)).all()
    assert len(stored) == 6
    assert {r.revision for r in stored} == {1}
    assert len({(r.source, r.source_id) for r in stored}) == 6


def test_records_another_sync_created_after_this_one_read_are_updated_not_doubled(db, monkeypatch):
    """What PostgreSQL does when two syncs race: the insert hits the unique source key, the
    savepoint rolls back, and the records the other sync made are updated instead."""
    person = data.person()
    first = data.verified_attendance(person, starts_at=AUTUMN, minutes=600)
    data.synced(LATER)
    second = data.verified_attendance(person, starts_at=AUTUMN + timedelta(days=1), minutes=600)
    data.add_minutes_and_verify(first, 15, now=LATER)
    monkeypatch.setattr(records, "_existing", lambda user_ids: {})  # read before the other

    counts = data.synced(LATER + timedelta(days=1))

    assert counts == {"created": 1, "updated": 1, "voided": 0, "unchanged": 0}
    assert the_record("attendance", first.id).minutes == 615
    assert the_record("attendance", second.id).minutes == 600
    assert db.session.scalar(select(func.count(CreditRecord.id))) == 2

"""Exactly-once check-in when many people scan at the same moment, each from "two phones",
when a retry races its original, and when walk-ins race for the last places (the suite's
SQLite file, or PostgreSQL when TEST_DATABASE_URL names one)."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from sqlalchemy import select

from app.accounts import services as accounts
from app.audit.models import AuditEntry
from app.checkin import attendance_verification, services, tokens
from app.checkin.models import Attendance, ScanLog
from app.common.time import utcnow
from app.extensions import db as _db
from app.rewards import points
from app.rewards.models import PointEntry
from app.shifts.models import Shift
from tests.checkin import attendance_data
from tests.checkin import checkin_data as data
from tests.helpers import race
from tests.rewards import rewards_data

PEOPLE = 20
SCANS_EACH = 3


def attendances(shift_id: int) -> list[Attendance]:
    _db.session.expire_all()
    return list(_db.session.scalars(select(Attendance).where(Attendance.shift_id == shift_id)))


def audit_entries(action: str) -> list[AuditEntry]:
    _db.session.expire_all()
    return list(_db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def scan_logs(shift_id: int) -> list[ScanLog]:
    return list(_db.session.scalars(select(ScanLog).where(ScanLog.shift_id == shift_id)))


def open_shift(*, capacity: int, walk_ins: bool = False):
    team = data.team()
    task = data.task(team, walk_ins_allowed=walk_ins)
    shift = data.shift(task, starts_in=timedelta(minutes=10), capacity=capacity)
    return team, shift


def test_many_people_scanning_at_once_from_two_phones_check_in_once_each(app, db):
    team, shift = open_shift(capacity=PEOPLE)
    people = []
    for _ in range(PEOPLE):
        person = data.member(team)
        data.signed_up(shift, person)
        people.append(person.id)
    shift_id = shift.id
    db.session.commit()
    code = tokens.kiosk_code(shift_id, now=utcnow())
    answers: list[tuple[int, str, bool]] = []

    def scan(argument: tuple[int, int]) -> None:
        user_id, phone = argument
        result = services.scan_kiosk_code(
            code, accounts.get_person(user_id), nonce=f"phone-{phone}", device=f"phone {phone}"
        )
        answers.append((user_id, result.outcome, result.replayed))

    arguments = [(user_id, phone) for user_id in people for phone in range(SCANS_EACH)]
    outcomes = race(app, scan, arguments)

    assert outcomes == ["ok"] * len(arguments), outcomes
    records = attendances(shift_id)
    assert sorted(r.user_id for r in records) == sorted(people)
    assert {r.status for r in records} == {"in"}
    per_person = Counter((user_id, outcome) for user_id, outcome, _replayed in answers)
    for user_id in people:
        assert per_person[(user_id, "checked_in")] == 1
        assert per_person[(user_id, "already_in")] == SCANS_EACH - 1
    logs = scan_logs(shift_id)
    assert len(logs) == PEOPLE * SCANS_EACH
    assert Counter((e.outcome, e.reason) for e in logs) == {
        ("ok", None): PEOPLE,
        ("refused", "already_in"): PEOPLE * (SCANS_EACH - 1),
    }
    by_id = {r.user_id: r.id for r in records}
    assert all(e.attendance_id == by_id[e.user_id] for e in logs)


def test_a_retry_racing_its_original_acts_once(app, db):
    team, shift = open_shift(capacity=2)
    person = data.member(team)
    data.signed_up(shift, person)
    person_id, shift_id = person.id, shift.id
    db.session.commit()
    code = tokens.kiosk_code(shift_id, now=utcnow())
    answers: list[tuple[str, bool]] = []

    def scan(_attempt: int) -> None:
        result = services.scan_kiosk_code(code, accounts.get_person(person_id), nonce="retry-1")
        answers.append((result.outcome, result.replayed))

    assert race(app, scan, list(range(6))) == ["ok"] * 6
    assert sorted(answers) == [("checked_in", False)] + [("checked_in", True)] * 5
    assert len(attendances(shift_id)) == 1
    assert [e.nonce for e in scan_logs(shift_id)] == ["retry-1"]


def test_walk_ins_racing_for_the_last_places_never_overfill_the_shift(app, db):
    team, shift = open_shift(capacity=5, walk_ins=True)
    signed_up = data.member(team)
    data.signed_up(shift, signed_up)
    walkers = [data.member(team).id for _ in range(10)]
    shift_id = shift.id
    db.session.commit()
    code = tokens.kiosk_code(shift_id, now=utcnow())
    answers: list[str] = []

    def scan(user_id: int) -> None:
        result = services.scan_kiosk_code(code, accounts.get_person(user_id))
        answers.append(result.reason)

    assert race(app, scan, walkers) == ["ok"] * len(walkers)
    assert Counter(answers) == {"walk_in": 4, "full": 6}
    assert len(attendances(shift_id)) == 4
    assert _db.session.get(Shift, shift_id).confirmed_count == 5


def test_kiosk_and_coordinator_checking_out_at_once_check_out_once(app, db):
    team, shift = open_shift(capacity=2)
    person = data.member(team)
    data.signed_up(shift, person)
    coordinator = data.coordinator(team)
    earlier = utcnow() - timedelta(minutes=10)
    services.check_in_by_hand(shift, person, actor=coordinator, now=earlier)
    person_id, coordinator_id, shift_id = person.id, coordinator.id, shift.id
    db.session.commit()
    answers: list[str] = []

    def check_out(way: str) -> None:
        now = utcnow()
        if way == "kiosk":
            code = tokens.kiosk_code(shift_id, now=now)
            result = services.scan_kiosk_code(
                code, accounts.get_person(person_id), action="out", now=now
            )
        else:
            code = tokens.personal_code(person_id, now=now)
            result = services.scan_personal_code(
                services.db.session.get(Shift, shift_id),
                code,
                actor=accounts.get_person(coordinator_id),
                action="out",
                now=now,
            )
        answers.append(result.outcome if result.outcome != "refused" else result.reason)

    assert race(app, check_out, ["kiosk", "personal", "kiosk", "personal"]) == ["ok"] * 4
    assert sorted(answers) == ["already_out"] * 3 + ["checked_out"]
    [record] = attendances(shift_id)
    assert record.status == "out" and record.checked_out_at is not None
    assert Counter(e.action for e in scan_logs(shift_id)) == {"check_in": 1, "check_out": 4}


def test_two_coordinators_verifying_all_at_once_verify_each_record_once(app, db):
    world = attendance_data.world(start=utcnow() - timedelta(hours=4), people=6)
    second_boss = data.coordinator(world.team, name="B老师")
    rewards_data.rules()
    ids = [
        attendance_data.record(
            world.shift, person, checked_out_at=world.shift.starts_at + timedelta(hours=2)
        ).id
        for person in world.people
    ]
    # Each coordinator presses twice (a double click): four presses at once.
    shift_id, bosses = world.shift.id, [world.boss.id, second_boss.id] * 2
    db.session.commit()
    counts: list[int] = []

    def press(boss_id: int) -> None:
        shift = _db.session.get(Shift, shift_id)
        counts.append(
            attendance_verification.verify_on_time(shift, actor=accounts.get_person(boss_id))
        )

    assert race(app, press, bosses) == ["ok"] * len(bosses)
    assert sorted(counts) == [0, 0, 0, len(ids)]  # the later presses found nothing left
    (entry,) = audit_entries("checkin.shift_verified")
    assert sorted(entry.after["attendance_ids"]) == sorted(ids)
    records = attendances(shift_id)
    assert {(r.verified_by_id, r.verified_at) for r in records} == {
        (entry.actor_id, entry.created_at)
    }

    points.award_pending()
    _db.session.commit()
    keys = list(_db.session.scalars(select(PointEntry.idempotency_key)))
    assert sorted(keys) == sorted(points.attendance_key(record) for record in records)


def test_two_coordinators_verifying_one_record_at_once_verify_it_once(app, db):
    world = attendance_data.world(start=utcnow() - timedelta(hours=4), people=1)
    second_boss = data.coordinator(world.team, name="B老师")
    record_id = attendance_data.record(
        world.shift, world.people[0], checked_out_at=world.shift.starts_at + timedelta(hours=2)
    ).id
    bosses = [world.boss.id, second_boss.id] * 2  # each presses twice
    db.session.commit()

    def press(boss_id: int) -> None:
        record = _db.session.get(Attendance, record_id)
        attendance_verification.verify(record, actor=accounts.get_person(boss_id))

    assert sorted(race(app, press, bosses)) == ["conflict"] * 3 + ["ok"]
    (entry,) = audit_entries("checkin.attendance_verified")
    record = _db.session.get(Attendance, record_id)
    assert (record.verified_by_id, record.verified_at) == (entry.actor_id, entry.created_at)

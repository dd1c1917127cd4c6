"""Exactly-once when people type the kiosk's six digits and scan its QR code at the same
moment, from two phones each (the suite's SQLite file, or PostgreSQL when TEST_DATABASE_URL
names one)."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from app.accounts import services as accounts
from app.checkin import services, tokens, typed
from app.checkin.models import Attendance, ScanLog
from app.common.time import utcnow
from app.extensions import db as _db
from tests.checkin import checkin_data as data
from tests.checkin.test_concurrency import open_shift
from tests.helpers import race

PEOPLE = 8


def test_a_typed_code_and_a_kiosk_scan_racing_check_in_once(app, db):
    team, shift = open_shift(capacity=PEOPLE)
    people = []
    for _ in range(PEOPLE):
        person = data.member(team)
        data.signed_up(shift, person)
        people.append(person.id)
    shift_id = shift.id
    db.session.commit()
    now = utcnow()
    qr = tokens.kiosk_code(shift_id, now=now)
    digits = typed.current_typed_code(shift, now=now)
    answers: list[tuple[int, str]] = []

    def scan(argument: tuple[int, str]) -> None:
        user_id, way = argument
        person = accounts.get_person(user_id)
        if way == "typed":
            result = typed.scan_typed_code(digits, person, nonce=f"typed-{user_id}", now=now)
        else:
            result = services.scan_kiosk_code(qr, person, nonce=f"qr-{user_id}", now=now)
        answers.append((user_id, result.outcome))

    arguments = [(user_id, way) for user_id in people for way in ("typed", "qr")]
    outcomes = race(app, scan, arguments)

    assert outcomes == ["ok"] * len(arguments), outcomes
    _db.session.expire_all()
    records = list(_db.session.scalars(select(Attendance).where(Attendance.shift_id == shift_id)))
    assert sorted(r.user_id for r in records) == sorted(people)
    per_person = Counter(answers)
    for user_id in people:
        assert per_person[(user_id, "checked_in")] == 1
        assert per_person[(user_id, "already_in")] == 1
    logs = list(_db.session.scalars(select(ScanLog).where(ScanLog.shift_id == shift_id)))
    assert len(logs) == 2 * PEOPLE and not [log for log in logs if log.reason == "wrong_code"]

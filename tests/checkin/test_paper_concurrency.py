"""A paper sheet saved twice at the same moment (a double submit, or two coordinators)
writes each record and its audit entry once (the suite's SQLite file, or PostgreSQL when
TEST_DATABASE_URL names one)."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from sqlalchemy import select

from app.accounts import services as accounts
from app.audit.models import AuditEntry
from app.checkin import paper_entry
from app.checkin.models import Attendance
from app.common.time import to_local, utcnow
from app.extensions import db as _db
from app.shifts.models import Shift
from tests.checkin import attendance_data
from tests.helpers import race

SAVES = 4


def test_the_same_sheet_saved_at_once_writes_each_record_once(app, db):
    start = utcnow().replace(second=0, microsecond=0) - timedelta(hours=3)
    built = attendance_data.world(start=start, hours_long=2, people=3)
    shift_id, boss_id = built.shift.id, built.boss.id
    people = [person.id for person in built.people]
    db.session.commit()
    lines = [
        paper_entry.PaperLine(
            key=f"p{person}",
            user_id=person,
            present=True,
            checked_in=f"{to_local(start):%H:%M}",
            checked_out=f"{to_local(start + timedelta(minutes=90)):%H:%M}",
        )
        for person in people
    ]

    def save(_index: int) -> None:
        shift = _db.session.get(Shift, shift_id)
        paper_entry.enter_paper_sheet(shift, lines, actor=accounts.get_person(boss_id))

    outcomes = race(app, save, list(range(SAVES)))

    assert set(outcomes) <= {"ok", "conflict"}, outcomes
    assert "ok" in outcomes
    _db.session.expire_all()
    records = list(_db.session.scalars(select(Attendance).where(Attendance.shift_id == shift_id)))
    assert sorted(record.user_id for record in records) == sorted(people)
    assert all(record.from_paper and record.scan_minutes == 90 for record in records)
    entries = _db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "checkin.paper_entered")
    )
    assert Counter(entry.object_id for entry in entries) == Counter(str(r.id) for r in records)

"""Queued uploads from two offline devices arriving while the volunteer scans the kiosk, all
at once: one record, at the earliest real scan time (the suite's SQLite file, or PostgreSQL
when TEST_DATABASE_URL names one)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.accounts import services as accounts
from app.checkin import offline, services, tokens
from app.checkin.models import Attendance
from app.common.time import utcnow
from app.extensions import db as _db
from app.shifts.models import Shift
from tests.checkin import checkin_data as data
from tests.checkin.offline_data import queued
from tests.helpers import race


def test_two_devices_uploading_while_the_kiosk_is_scanned_make_one_record(app, db):
    team = data.team()
    boss = data.coordinator(team)
    task = data.task(team)
    shift = data.shift(task, starts_in=timedelta(minutes=10), capacity=2)
    person = data.member(team)
    data.signed_up(shift, person)
    now = utcnow().replace(microsecond=0)
    devices = [offline.issue_device(shift, actor=boss, now=now) for _ in range(2)]
    earliest = now - timedelta(minutes=2)
    uploads = [
        (devices[0].id, [queued(devices[0], person.id, earliest)]),
        (devices[1].id, [queued(devices[1], person.id, now - timedelta(minutes=1))]),
    ]
    ids = {"shift": shift.id, "person": person.id, "boss": boss.id}
    db.session.commit()
    code = tokens.kiosk_code(ids["shift"], now=utcnow())

    def act(argument) -> None:
        shift = _db.session.get(Shift, ids["shift"])
        if argument == "kiosk":
            services.scan_kiosk_code(code, accounts.get_person(ids["person"]), nonce="kiosk-1")
            return
        device_id, scans = argument
        offline.apply_offline_scans(
            shift,
            device_id,
            scans,
            actor=accounts.get_person(ids["boss"]),
            device_clock=None,
            now=utcnow(),
        )

    assert race(app, act, [*uploads, "kiosk"]) == ["ok"] * 3
    _db.session.expire_all()
    records = list(
        _db.session.scalars(select(Attendance).where(Attendance.shift_id == ids["shift"]))
    )
    assert len(records) == 1
    assert records[0].status == "in"
    assert records[0].checked_in_at == earliest

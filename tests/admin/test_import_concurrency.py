"""A long roster import and people using the site at the same moment, on the suite's
database (a SQLite file, or PostgreSQL when TEST_DATABASE_URL names one), with real threads:
logins, shift sign-ups and check-ins all go through while the import runs, none of them
answers 500 or fails, and every one of their writes is there afterwards."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import func, select

from app.accounts import services as accounts
from app.accounts.models import LoginDay, User
from app.admin import roster
from app.checkin import services as checkin
from app.checkin import tokens
from app.checkin.models import Attendance
from app.common.time import utcnow
from app.extensions import db as _db
from app.shifts import signups
from app.shifts.models import Shift, ShiftSignup
from tests import factories
from tests.admin.test_roster import csv_bytes
from tests.checkin import checkin_data as data

ROWS = 600
CHUNK = 30
EACH = 6  # people per kind of write


def imported_so_far() -> int:
    with _db.engine.connect() as connection:
        query = select(func.count(User.id)).where(User.student_number.like("2026%"))
        return connection.execute(query).scalar_one()


def test_people_log_in_sign_up_and_check_in_while_a_long_import_runs(app, db, admin):
    app.config["IMPORT_CHUNK_ROWS"] = CHUNK
    try:
        _run(app, db, admin)
    finally:
        app.config["IMPORT_CHUNK_ROWS"] = 500


def _run(app, db, admin) -> None:
    team = data.team()
    kiosk_shift = data.shift(data.task(team), starts_in=timedelta(minutes=10), capacity=EACH)
    open_shift = data.shift(data.task(team), starts_in=timedelta(days=2), capacity=EACH)
    scanners = [data.member(team) for _ in range(EACH)]
    for person in scanners:
        data.signed_up(kiosk_shift, person)
    joiners = [data.member(team).id for _ in range(EACH)]
    loggers = [factories.person(student_number=f"2019{n:06d}") for n in range(EACH)]
    scanner_ids, kiosk_id, open_id = [p.id for p in scanners], kiosk_shift.id, open_shift.id
    logger_numbers = [person.student_number for person in loggers]
    with app.test_request_context():
        lines = [f"2026{n:06d},新生{n},文学院,汉语言,2026,本科生,," for n in range(ROWS)]
        _plan, token = roster.preview_import(csv_bytes(*lines), "big.csv", actor=admin)
    admin_id = admin.id
    db.session.commit()
    code = tokens.kiosk_code(kiosk_id, now=utcnow())

    first_chunk = threading.Event()
    others_done = threading.Semaphore(0)
    outcomes: dict[str, object] = {}
    partway: list[int] = []  # imported people each writer saw right after its own commit

    def note(name: str, outcome: object) -> None:
        outcomes[name] = outcome
        count = imported_so_far()
        if 0 < count < ROWS:
            partway.append(count)

    def importer() -> None:
        chunks = 0

        def checkpoint(_done: int, _total: int) -> None:
            nonlocal chunks
            _db.session.commit()
            chunks += 1
            if chunks == 1:  # the others start now; let half of them finish before going on
                first_chunk.set()
                for _ in range(EACH * 3 // 2):
                    others_done.acquire(timeout=30)

        with app.test_request_context():
            try:
                counts = roster.confirm_import(
                    token, actor=accounts.get_person(admin_id), checkpoint=checkpoint
                )
                _db.session.commit()
                outcomes["import"] = counts["create"]
            except Exception as error:  # reported by the assertion
                _db.session.rollback()
                outcomes["import"] = repr(error)
            finally:
                first_chunk.set()

    def writer(name: str, work) -> None:
        first_chunk.wait(timeout=30)
        with app.app_context():
            try:
                outcome = work()
                _db.session.commit()
            except Exception as error:
                _db.session.rollback()
                outcome = repr(error)
            note(name, outcome)
        others_done.release()

    def log_in(number: str):
        response = app.test_client().post(
            "/login", data={"identifier": number, "password": factories.PASSWORD}
        )
        return response.status_code

    def sign_up(user_id: int):
        shift = _db.session.get(Shift, open_id)
        return signups.sign_up(shift, accounts.get_person(user_id)).status

    def check_in(user_id: int):
        return checkin.scan_kiosk_code(
            code, accounts.get_person(user_id), nonce=f"n{user_id}", device="phone"
        ).outcome

    threads = [threading.Thread(target=importer)]
    threads += [
        threading.Thread(target=writer, args=(f"login {n}", lambda n=n: log_in(n)))
        for n in logger_numbers
    ]
    threads += [
        threading.Thread(target=writer, args=(f"sign-up {u}", lambda u=u: sign_up(u)))
        for u in joiners
    ]
    threads += [
        threading.Thread(target=writer, args=(f"check-in {u}", lambda u=u: check_in(u)))
        for u in scanner_ids
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert outcomes.pop("import") == ROWS
    logins = {name: value for name, value in outcomes.items() if name.startswith("login")}
    assert set(logins.values()) == {302}, logins
    assert {v for n, v in outcomes.items() if n.startswith("sign-up")} == {"confirmed"}, outcomes
    assert {v for n, v in outcomes.items() if n.startswith("check-in")} == {"checked_in"}, outcomes
    # The others did not wait for the whole import: at least half got through between chunks.
    assert len(partway) >= EACH * 3 // 2, partway

    db.session.expire_all()
    assert imported_so_far() == ROWS
    signed = db.session.scalars(select(ShiftSignup.user_id).where(ShiftSignup.shift_id == open_id))
    assert sorted(signed) == sorted(joiners)
    present = db.session.scalars(select(Attendance.user_id).where(Attendance.shift_id == kiosk_id))
    assert sorted(present) == sorted(scanner_ids)
    logged = {
        user.student_number
        for user in db.session.scalars(
            select(User).join(LoginDay, LoginDay.user_id == User.id).distinct()
        )
    }
    assert set(logger_numbers) <= logged

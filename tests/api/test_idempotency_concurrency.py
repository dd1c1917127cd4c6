"""One Idempotency-Key sent by several requests at the same moment (a client retrying while
its first try is still running): exactly one sign-up is written and every request gets its
answer (the suite's SQLite file, or PostgreSQL when TEST_DATABASE_URL names one)."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from app.api.models import ApiIdempotencyKey
from app.audit.models import AuditEntry
from app.extensions import db as _db
from app.shifts.models import ShiftSignup
from tests.api.conftest import bearer
from tests.shifts import signup_data as data

TRIES = 6


def post_together(app, url: str, headers: dict, tries: int, json: dict | None = None) -> list:
    """POST `url` (with the JSON body `json`, if any) from `tries` threads released at once,
    each a client of its own."""
    barrier = threading.Barrier(tries)
    answers: list = [None] * tries

    def run(index: int) -> None:
        client = app.test_client()
        barrier.wait()
        answers[index] = client.post(url, headers=headers, json=json)

    threads = [threading.Thread(target=run, args=(index,)) for index in range(tries)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def test_racing_requests_with_one_key_sign_up_once_and_share_the_answer(app, db, make_token):
    team = data.team()
    shift = data.shift(data.task(team), capacity=3)
    volunteer = data.member(team)
    db.session.commit()
    secret = make_token(volunteer, scopes=["shifts:write"])
    headers = bearer(secret, **{"Idempotency-Key": "retry-1"})

    answers = post_together(app, f"/api/v1/shifts/{shift.id}/signup", headers, TRIES)

    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [201] * TRIES, [answer.get_data(as_text=True) for answer in answers]
    assert len({answer.get_data() for answer in answers}) == 1
    replayed = [answer for answer in answers if answer.headers.get("Idempotent-Replayed")]
    assert len(replayed) == TRIES - 1
    _db.session.expire_all()
    assert _db.session.scalar(select(func.count(ShiftSignup.id))) == 1
    audited = select(func.count(AuditEntry.id)).where(AuditEntry.action == "shifts.signed_up")
    assert _db.session.scalar(audited) == 1
    assert _db.session.scalar(select(func.count(ApiIdempotencyKey.id))) == 1

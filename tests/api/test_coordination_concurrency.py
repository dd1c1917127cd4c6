"""Two coordinators acting on one record through the API at the same moment (the suite's
SQLite file, or PostgreSQL when TEST_DATABASE_URL names one): one verification, one decision;
the other is told 409, and nothing is written twice."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.extensions import db as _db
from tests.api.conftest import bearer
from tests.checkin import attendance_data
from tests.recruitment import recruiting

START = datetime(2026, 3, 2, 6, 0)


def post_together(app, url: str, bodies_and_headers: list[tuple[dict, dict]]) -> list:
    """POST `url` from one thread per (body, headers), released at once, each a client."""
    barrier = threading.Barrier(len(bodies_and_headers))
    answers: list = [None] * len(bodies_and_headers)

    def run(index: int) -> None:
        body, headers = bodies_and_headers[index]
        client = app.test_client()
        barrier.wait()
        answers[index] = client.post(url, json=body, headers=headers)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(bodies_and_headers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def _audited(action: str) -> int:
    _db.session.expire_all()
    query = select(func.count(AuditEntry.id)).where(AuditEntry.action == action)
    return _db.session.scalar(query)


def _two_coordinators(db, make_token):
    world = attendance_data.world(start=START)
    second = recruiting.coordinator(world.team, name="第二位老师")
    record = attendance_data.record(
        world.shift, world.people[0], checked_out_at=START + timedelta(hours=2)
    )
    application = recruiting.apply(recruiting.campaign(world.team))
    db.session.commit()
    scopes = ("coordination:write",)
    tokens = [bearer(make_token(person, scopes=scopes)) for person in (world.boss, second)]
    return record.id, application.id, tokens


def test_two_coordinators_verifying_at_once_verify_once(app, db, make_token):
    record_id, _application_id, tokens = _two_coordinators(db, make_token)
    answers = post_together(
        app, f"/api/v1/attendance/{record_id}/verify", [({}, headers) for headers in tokens]
    )
    assert sorted(answer.status_code for answer in answers) == [200, 409]
    assert _audited("checkin.attendance_verified") == 1


def test_two_coordinators_accepting_at_once_decide_once(app, db, make_token):
    _record_id, application_id, tokens = _two_coordinators(db, make_token)
    body = {"decision": "accepted"}
    answers = post_together(
        app, f"/api/v1/applications/{application_id}/decide", [(body, h) for h in tokens]
    )
    assert sorted(answer.status_code for answer in answers) == [200, 409]
    assert _audited("recruitment.application_decided") == 1

"""The coordinator's scanner: the page, its JSON endpoint with genuine, forged and expired
personal codes, retries, and the typed-code fallback."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.checkin import tokens
from app.checkin.models import Attendance, ScanLog
from app.common.time import utcnow
from app.extensions import db
from tests.checkin import attendance_data


@pytest.fixture
def world(db):
    """A shift starting in ten minutes: its check-in window is open."""
    built = attendance_data.world(start=utcnow().replace(microsecond=0) + timedelta(minutes=10))
    db.session.commit()
    return built


def scan_url(world) -> str:
    return f"/attendance/shifts/{world.shift.id}/scanner/scan"


def code_of(person, *, ago: timedelta = timedelta(0)) -> str:
    return tokens.personal_code(person.id, now=utcnow() - ago)


def records_of(person) -> int:
    db.session.expire_all()
    return db.session.scalar(
        select(func.count(Attendance.id)).where(Attendance.user_id == person.id)
    )


def test_the_scanner_page_loads_the_vendored_reader_and_our_script(client, login, world):
    login(world.boss)
    text = client.get(f"/attendance/shifts/{world.shift.id}/scanner").get_data(as_text=True)
    assert "vendor/jsqr-1.4.0/jsQR.js" in text
    assert "js/attendance-scanner.js" in text
    assert 'data-testid="code-form"' in text
    assert client.get("/static/vendor/jsqr-1.4.0/jsQR.js").status_code == 200
    assert client.get("/static/js/attendance-scanner.js").status_code == 200


def test_a_genuine_personal_code_checks_the_person_in(client, login, world):
    person = world.people[0]
    login(world.boss)
    response = client.post(scan_url(world), json={"code": code_of(person), "nonce": "n" * 16})
    body = response.get_json()
    assert response.status_code == 200
    assert body["outcome"] == "checked_in"
    assert body["name"] == person.name
    assert body["time"]
    assert records_of(person) == 1
    log = db.session.scalar(select(ScanLog).where(ScanLog.user_id == person.id))
    assert (log.method, log.actor_id, log.outcome) == ("personal", world.boss.id, "ok")


def test_a_code_inside_a_url_is_read_too(client, login, world):
    person = world.people[1]
    login(world.boss)
    body = client.post(
        scan_url(world), json={"code": f"https://lib.example/me/{code_of(person)}"}
    ).get_json()
    assert body["outcome"] == "checked_in"


def test_a_forged_code_is_refused_and_logged(client, login, world):
    person = world.people[0]
    number, window, _signature = code_of(person).split(".")
    login(world.boss)
    body = client.post(
        scan_url(world), json={"code": f"{number}.{window}.AAAAAAAAAAAAAAAA"}
    ).get_json()
    assert body["outcome"] == "refused"
    assert body["reason"] == "forged"
    assert records_of(person) == 0
    refused = db.session.scalar(
        select(ScanLog).where(ScanLog.shift_id == world.shift.id, ScanLog.outcome == "refused")
    )
    assert refused.reason == "forged"


def test_an_expired_code_is_refused(client, login, world):
    person = world.people[0]
    login(world.boss)
    body = client.post(
        scan_url(world), json={"code": code_of(person, ago=timedelta(minutes=5))}
    ).get_json()
    assert (body["outcome"], body["reason"]) == ("refused", "expired")
    assert records_of(person) == 0


def test_a_retry_with_the_same_nonce_gets_the_first_answer(client, login, world):
    person = world.people[0]
    login(world.boss)
    payload = {"code": code_of(person), "nonce": "retry-nonce-0001"}
    first = client.post(scan_url(world), json=payload).get_json()
    again = client.post(scan_url(world), json=payload).get_json()
    assert first["outcome"] == again["outcome"] == "checked_in"
    assert again["replayed"] is True
    assert records_of(person) == 1


def test_a_scan_without_a_code_is_a_clear_400(client, login, world):
    login(world.boss)
    response = client.post(scan_url(world), data={"code": ""})
    assert response.status_code == 400
    assert "error" in response.get_json()


def test_another_teams_coordinator_cannot_scan_for_the_shift(client, login, world):
    person = world.people[0]
    login(world.other_boss)
    response = client.post(scan_url(world), json={"code": code_of(person)})
    assert response.status_code == 404
    assert records_of(person) == 0


def test_a_typed_code_works_without_a_camera(client, login, world):
    person = world.people[2]
    login(world.boss)
    response = client.post(
        f"/attendance/shifts/{world.shift.id}/scanner",
        data={"code": code_of(person), "nonce": "typed-nonce-0001"},
    )
    assert response.status_code == 200
    assert person.name in response.get_data(as_text=True)
    assert records_of(person) == 1

"""Checking in through the API: the kiosk's QR code or its typed six digits, the same
answers and refusals as the check-in pages, exactly once per nonce."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.checkin import tokens, typed
from app.checkin.models import Attendance, ScanLog
from app.common.time import utcnow
from tests.api.conftest import bearer
from tests.checkin import checkin_data as data
from tests.checkin.test_concurrency import open_shift


@pytest.fixture
def kiosk(db, make_token):
    team, shift = open_shift(capacity=3)
    volunteer = data.member(team)
    data.signed_up(shift, volunteer)
    stranger = data.member(team)
    db.session.commit()
    return {
        "shift": shift,
        "volunteer": bearer(make_token(volunteer, scopes=["checkin:write"])),
        "stranger": bearer(make_token(stranger, scopes=["checkin:write"])),
        "read_only": bearer(make_token(volunteer, scopes=["shifts:read"])),
    }


def check_in(client, headers, **body):
    return client.post("/api/v1/checkin", headers=headers, json=body)


def attendances(db) -> int:
    return db.session.scalar(select(func.count(Attendance.id)))


def test_the_kiosk_code_checks_in_once_per_nonce(client, kiosk, db):
    code = tokens.kiosk_code(kiosk["shift"].id, now=utcnow())
    first = check_in(client, kiosk["volunteer"], code=code, nonce="tap-1")
    assert first.status_code == 200
    assert first.json["data"]["outcome"] == "checked_in"
    assert first.json["data"]["shift_id"] == kiosk["shift"].id
    again = check_in(client, kiosk["volunteer"], code=code, nonce="tap-1")
    assert again.json["data"]["outcome"] == "checked_in" and again.json["data"]["replayed"]
    other_tap = check_in(client, kiosk["volunteer"], code=code, nonce="tap-2")
    assert other_tap.json["data"]["outcome"] == "already_in"
    assert attendances(db) == 1


def test_the_typed_code_checks_in_like_the_page(client, kiosk, db):
    digits = typed.current_typed_code(kiosk["shift"], now=utcnow())
    answer = check_in(client, kiosk["volunteer"], typed_code=digits, nonce="t1")
    assert answer.json["data"]["outcome"] == "checked_in"
    assert answer.json["data"]["attendance"]["status"] == "in"


def test_refusals_are_the_pages_and_are_logged(client, kiosk, db):
    code = tokens.kiosk_code(kiosk["shift"].id, now=utcnow())
    stranger = check_in(client, kiosk["stranger"], code=code, nonce="s1")
    assert stranger.status_code == 200
    assert stranger.json["data"]["outcome"] == "refused"
    assert stranger.json["data"]["reason"] == "not_signed_up"
    forged = check_in(client, kiosk["volunteer"], code=code[:-3] + "abc", nonce="f1")
    assert forged.json["data"]["reason"] in ("forged", "malformed")
    wrong = check_in(client, kiosk["volunteer"], typed_code="000000", nonce="w1")
    digits = typed.current_typed_code(kiosk["shift"], now=utcnow())
    if digits != "000000":
        assert wrong.json["data"]["reason"] == "wrong_code"
    assert attendances(db) == 0
    assert db.session.scalar(select(func.count(ScanLog.id))) == 3


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"nonce": "n"}, 400, "code"),
        ({"code": "x", "typed_code": "123456", "nonce": "n"}, 400, "code"),
        ({"typed_code": "123456", "action": "out", "nonce": "n"}, 400, "action"),
        ({"typed_code": "12345", "nonce": "n"}, 422, "typed_code"),
        ({"code": "x"}, 422, "nonce"),
        ({"code": "x", "nonce": "has space"}, 422, "nonce"),
        ({"code": "x", "nonce": "n", "action": "sideways"}, 422, "action"),
    ],
)
def test_bad_check_in_bodies_name_the_field(client, kiosk, db, body, status, field):
    answer = check_in(client, kiosk["volunteer"], **body)
    assert answer.status_code == status, answer.json
    assert field in [error["field"] for error in answer.json["errors"]]
    assert db.session.scalar(select(func.count(ScanLog.id))) == 0


def test_checking_in_needs_the_checkin_scope(client, kiosk):
    assert client.post("/api/v1/checkin", json={"code": "x", "nonce": "n"}).status_code == 401
    refused = check_in(client, kiosk["read_only"], code="x", nonce="n")
    assert refused.status_code == 403 and refused.json["code"] == "insufficient_scope"

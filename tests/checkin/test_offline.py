"""Scanning offline: the bundle a device keeps, and queued scans applied exactly once, in
time order, at their real times; forged, expired and out-of-window scans refused with
nothing written."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.checkin import offline, services, tokens
from app.checkin.models import Attendance, ScanLog
from app.common.time import utcnow
from app.errors import DomainError
from app.extensions import db
from tests.checkin import attendance_data
from tests.checkin.offline_data import ms, queued


@pytest.fixture
def world(db):
    """A shift starting in ten minutes: its check-in window is open."""
    built = attendance_data.world(start=utcnow().replace(microsecond=0) + timedelta(minutes=10))
    db.session.commit()
    return built


@pytest.fixture
def device(world):
    issued = offline.issue_device(world.shift, actor=world.boss, now=utcnow())
    db.session.commit()
    return issued


def upload(world, device, scans, *, clock=None, now=None):
    now = now or utcnow()
    result = offline.apply_offline_scans(
        world.shift,
        device.id,
        scans,
        actor=world.boss,
        device_clock=ms(now) if clock is None else clock,
        now=now,
    )
    db.session.commit()
    return result


def records(world) -> list[Attendance]:
    db.session.expire_all()
    return list(db.session.scalars(select(Attendance).where(Attendance.shift_id == world.shift.id)))


def logs() -> int:
    return db.session.scalar(select(func.count(ScanLog.id)))


def test_a_device_checks_a_personal_code_with_the_day_key_alone(world, device):
    person = world.people[0]
    now = utcnow().replace(microsecond=0)
    code = tokens.personal_code(person.id, now=now)
    subject, window, signature = code.split(".")
    bundle = offline.bundle(world.shift, device, now=now)
    listed = {row["id"]: row for row in bundle["roster"]}
    key = listed[person.id]["keys"][str(int(window) * bundle["period"] // 86400)]
    message = f"checkin:personal:{subject}:{window}".encode()
    digest = hmac.new(key.encode(), message, hashlib.sha256).digest()[:10]
    assert base64.b32encode(digest).decode().rstrip("=") == signature
    assert tokens.read_personal_code(code, now=now).subject_id == person.id


def test_the_bundle_holds_keys_for_the_shifts_list_only(world, device):
    bundle = offline.bundle(world.shift, device, now=utcnow())
    assert {row["id"] for row in bundle["roster"]} == {p.id for p in world.people}
    assert world.boss.id not in {row["id"] for row in bundle["roster"]}
    assert bundle["key"] == device.key
    assert bundle["expires"] == ms(device.expires_at)


def test_three_queued_scans_are_applied_at_their_real_times_and_a_replay_changes_nothing(
    world, device
):
    now = utcnow().replace(microsecond=0)
    times = [now - timedelta(minutes=3), now - timedelta(minutes=2), now - timedelta(minutes=1)]
    scans = [queued(device, p.id, t) for p, t in zip(world.people, times, strict=True)]
    first = upload(world, device, list(reversed(scans)))
    assert [a["outcome"] for a in first.answers] == ["applied"] * 3
    # applied in time order
    assert [a["nonce"] for a in first.answers] == [s["nonce"] for s in scans]
    got = {r.user_id: r.checked_in_at for r in records(world)}
    assert got == {p.id: t for p, t in zip(world.people, times, strict=True)}
    before = logs()
    again = upload(world, device, scans)
    assert [a["outcome"] for a in again.answers] == ["already_applied"] * 3
    assert logs() == before
    assert len(records(world)) == 3


@pytest.mark.parametrize(
    "spoil, reason",
    [
        (lambda s: {**s, "user": s["user"] + 1}, "tampered"),
        (lambda s: {**s, "sig": "0" * 64}, "tampered"),
        (lambda s: {**s, "at": "soon"}, "malformed"),
        (lambda s: "junk", "malformed"),
    ],
)
def test_a_tampered_scan_is_refused_and_writes_nothing(world, device, spoil, reason):
    scan = queued(device, world.people[0].id, utcnow())
    before = logs()
    answer = upload(world, device, [spoil(scan)]).answers[0]
    assert (answer["outcome"], answer["reason"]) == ("refused", reason)
    assert logs() == before
    assert records(world) == []


def test_scans_out_of_time_or_off_the_list_are_refused(world, device):
    now = utcnow().replace(microsecond=0)
    scans = [
        queued(device, world.people[0].id, now + timedelta(minutes=10)),
        queued(device, world.people[1].id, now - timedelta(hours=5)),
        queued(device, world.boss.id, now),
    ]
    answers = upload(world, device, scans, now=now).answers
    assert [a["reason"] for a in answers] == ["future", "outside_window", "not_on_list"]
    assert records(world) == []


def test_another_shifts_key_an_expired_key_and_a_revoked_key_are_refused(world, device):
    other = attendance_data.world(
        start=world.shift.starts_at, team_names=("另一队", "又一队"), people=1
    )
    stranger = offline.issue_device(other.shift, actor=other.boss, now=utcnow())
    db.session.commit()
    scan = queued(stranger, world.people[0].id, utcnow())
    assert upload(world, stranger, [scan]).answers[0]["reason"] == "wrong_shift"
    late = device.expires_at + timedelta(seconds=1)
    scan = queued(device, world.people[0].id, utcnow())
    assert upload(world, device, [scan], now=late).answers[0]["reason"] == "device_expired"
    offline.revoke_device(world.shift, device.id, actor=world.boss, now=utcnow())
    db.session.commit()
    assert upload(world, device, [scan]).answers[0]["reason"] == "device_revoked"
    assert records(world) == []


def test_an_upload_over_the_cap_refuses_the_rest_and_applies_the_first(world, device, monkeypatch):
    monkeypatch.setattr(offline, "MAX_BATCH", 2)
    now = utcnow().replace(microsecond=0)
    scans = [queued(device, p.id, now) for p in world.people] + ["x"] * 50
    answers = upload(world, device, scans, now=now).answers
    assert sum(a["outcome"] == "applied" for a in answers) == 2
    assert sum(a.get("reason") == "too_many" for a in answers) == 51
    assert len(records(world)) == 2


def test_the_earliest_real_scan_wins_a_check_in_made_online_meanwhile(world, device):
    person = world.people[0]
    now = utcnow().replace(microsecond=0)
    services.scan_personal_code(
        world.shift, tokens.personal_code(person.id, now=now), actor=world.boss, now=now
    )
    db.session.commit()
    earlier = now - timedelta(minutes=1)
    answer = upload(world, device, [queued(device, person.id, earlier)], now=now).answers[0]
    assert (answer["outcome"], answer["reason"]) == ("already_in", "earlier_kept")
    (record,) = records(world)
    assert record.checked_in_at == earlier
    assert [log.user_id for log in offline.conflicts(world.shift)] == [person.id]


def test_two_devices_admitting_one_person_keep_one_record_at_the_earliest_time(world, device):
    second = offline.issue_device(world.shift, actor=world.boss, now=utcnow())
    db.session.commit()
    person = world.people[0]
    now = utcnow().replace(microsecond=0)
    late, early = now - timedelta(seconds=30), now - timedelta(minutes=1)
    assert upload(world, second, [queued(second, person.id, late)]).answers[0]["outcome"] == (
        "applied"
    )
    answer = upload(world, device, [queued(device, person.id, early)]).answers[0]
    assert answer["outcome"] == "already_in"
    (record,) = records(world)
    assert record.checked_in_at == early


def test_a_sign_up_cancelled_since_is_refused_without_walk_ins_and_listed(world, device):
    person = world.people[0]
    world.signups[0].status = "cancelled"
    db.session.commit()
    answer = upload(world, device, [queued(device, person.id, utcnow())]).answers[0]
    assert (answer["outcome"], answer["reason"]) == ("refused", "not_signed_up")
    assert records(world) == []
    assert [log.reason for log in offline.conflicts(world.shift)] == ["not_signed_up"]


def test_a_device_clock_off_is_reported_and_scan_times_corrected(world, device):
    now = utcnow().replace(microsecond=0)
    ahead = timedelta(minutes=5)
    scan = queued(device, world.people[0].id, now + ahead - timedelta(minutes=1))
    result = upload(world, device, [scan], clock=ms(now + ahead), now=now)
    assert result.clock_off and result.skew_seconds == 300
    (record,) = records(world)
    assert record.checked_in_at == now - timedelta(minutes=1)


def test_another_teams_coordinator_cannot_upload(world, device):
    with pytest.raises(DomainError):
        offline.apply_offline_scans(
            world.shift, device.id, [], actor=world.other_boss, device_clock=0, now=utcnow()
        )


def test_the_sheet_lists_offline_conflicts_and_a_device_can_be_revoked(
    client, login, world, device
):
    person = world.people[0]
    world.signups[0].status = "cancelled"
    db.session.commit()
    upload(world, device, [queued(device, person.id, utcnow())])
    login(world.boss)
    sheet = client.get(f"/attendance/shifts/{world.shift.id}").get_data(as_text=True)
    assert sheet.count('data-testid="offline-conflict"') == 1
    assert person.student_number in sheet.split('data-testid="offline-conflicts"')[1]
    assert sheet.count('data-testid="revoke-device"') == 1
    client.post(f"/attendance/shifts/{world.shift.id}/devices/{device.id}/revoke")
    db.session.expire_all()
    assert device.revoked_at is not None
    scan = queued(device, world.people[1].id, utcnow())
    assert upload(world, device, [scan]).answers[0]["reason"] == "device_revoked"


def test_the_upload_endpoint_answers_per_scan_and_reports_a_clock_off(client, login, world, device):
    login(world.boss)
    now = utcnow().replace(microsecond=0)
    scans = [queued(device, world.people[0].id, now), "junk"]
    url = f"/attendance/shifts/{world.shift.id}/offline-scans"
    clock = ms(now + timedelta(minutes=10))
    body = client.post(url, json={"device": device.id, "clock": clock, "scans": scans}).get_json()
    assert [a["outcome"] for a in body["answers"]] == ["refused", "applied"]
    assert body["clock_off"] and body["clock_message"]
    assert client.post(url, json={"device": device.id, "scans": "x"}).status_code == 400
    assert client.post(url, data="not json").status_code == 400


def test_reopening_the_scanner_keeps_its_device_and_refreshes_the_roster(client, login, world):
    login(world.boss)
    url = f"/attendance/shifts/{world.shift.id}/offline-device"
    first = client.post(url, json={}).get_json()
    newcomer = attendance_data.checkin_data.member(world.team, name="新来的")
    attendance_data.checkin_data.signed_up(world.shift, newcomer)
    db.session.commit()
    again = client.post(url, json={"device": first["device"]}).get_json()
    assert (again["device"], again["key"]) == (first["device"], first["key"])
    assert newcomer.id in {row["id"] for row in again["roster"]}
    offline.revoke_device(world.shift, first["device"], actor=world.boss, now=utcnow())
    db.session.commit()
    assert (
        client.post(url, json={"device": first["device"]}).get_json()["device"] != first["device"]
    )

"""Scanning offline: the coordinator's scanner, opened online, receives a bundle for one
shift (its roster, its window, each listed person's day keys to check personal codes on the
device, and a device key); scans made without a network are queued on the device, each
signed with the device key, and uploaded later.

`apply_offline_scans` verifies each queued scan (the device's signature, the key neither
expired nor revoked, the key's shift, the time within the shift's window and not in the
future, the person on the shift's list) and applies the genuine ones in time order through
the live scanner's path (`services.scan_queued`) at the scan's real time; the nonce makes a
second upload of the same scan a replay that changes nothing. A scan refused here writes
nothing.

The conflict rule: the earliest real scan time wins a check-in. Scans are applied in time
order within an upload; when the person is already checked in (online meanwhile, or by
another device's upload) at a later time than this scan, the record keeps the earlier time
(lateness recomputed) and the scan is listed as a conflict on the attendance sheet; a later
duplicate is "already in". A sign-up cancelled since the scan follows the live rule: a
walk-in when the task takes walk-ins, else refused ("not signed up") and listed.

Clock skew: the device sends its clock with each upload; when it is off the server's by more
than `SKEW_TOLERANCE`, the answer says so and every scan time of that upload is corrected by
the measured difference.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import or_, select, update

from app.accounts.models import User
from app.audit import services as audit
from app.checkin import services as engine
from app.checkin import tokens
from app.checkin.models import Attendance, ScanLog, ScannerDevice
from app.checkin.windows import checkout_closes_at, is_late, opens_at
from app.errors import InvalidInput, NotFound
from app.extensions import db
from app.recruitment.access import require_team_manager
from app.shifts.models import Shift, ShiftSignup

MAX_BATCH = 200  # scans per upload; the rest are refused ("too_many") and sent again
SKEW_TOLERANCE = timedelta(seconds=60)
FUTURE_TOLERANCE = timedelta(seconds=60)
DEVICE_PREFIX = "offline:"
NONCE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


@dataclass
class Upload:
    answers: list[dict] = field(default_factory=list)
    skew_seconds: int = 0
    clock_off: bool = False


# The device and its bundle -------------------------------------------------------------------


def issue_device(shift: Shift, *, actor, now: datetime) -> ScannerDevice:
    """A new device key for this shift, valid until its check-out closes."""
    require_team_manager(actor, shift.task.team_id)
    device = ScannerDevice(
        shift_id=shift.id,
        user_id=actor.id,
        key=secrets.token_hex(32),
        created_at=now,
        expires_at=checkout_closes_at(shift),
    )
    db.session.add(device)
    db.session.flush()
    audit.record(
        "checkin.device_issued", device, actor=actor, after={"shift_id": shift.id}, now=now
    )
    return device


def device_for(shift: Shift, device_id: object, *, actor, now: datetime) -> ScannerDevice:
    """The device this page already holds a key for, when it is this coordinator's, of this
    shift and still valid (its bundle is refreshed, its queued scans stay valid); else a
    new one."""
    require_team_manager(actor, shift.task.team_id)
    device = db.session.get(ScannerDevice, device_id) if isinstance(device_id, int) else None
    if (
        device is not None
        and device.user_id == actor.id
        and not _device_refusal(device, shift, now)
    ):
        return device
    return issue_device(shift, actor=actor, now=now)


def revoke_device(shift: Shift, device_id: int, *, actor, now: datetime) -> ScannerDevice:
    require_team_manager(actor, shift.task.team_id)
    device = db.session.get(ScannerDevice, device_id)
    if device is None or device.shift_id != shift.id:
        raise NotFound(_("This device is not known."))
    if device.revoked_at is None:
        device.revoked_at = now
        audit.record("checkin.device_revoked", device, actor=actor, now=now)
    db.session.flush()
    return device


def devices_of(shift: Shift) -> list[ScannerDevice]:
    return list(
        db.session.scalars(
            select(ScannerDevice)
            .where(ScannerDevice.shift_id == shift.id)
            .order_by(ScannerDevice.id)
        )
    )


def _listed_ids(shift: Shift) -> set[int]:
    """Everyone the device may hold a key for: a sign-up of any status, or a record."""
    signed = select(ShiftSignup.user_id).where(ShiftSignup.shift_id == shift.id)
    recorded = select(Attendance.user_id).where(Attendance.shift_id == shift.id)
    return set(db.session.scalars(signed)) | set(db.session.scalars(recorded))


def _days(shift: Shift) -> list[int]:
    first = tokens.window_day(tokens.window_of(opens_at(shift)))
    last = tokens.window_day(tokens.window_of(checkout_closes_at(shift)))
    return list(range(first, last + 1))


def _ms(moment: datetime) -> int:
    return int(moment.replace(tzinfo=UTC).timestamp() * 1000)


def _roster(shift: Shift) -> list[dict]:
    signups = {
        s.user_id: s.status
        for s in db.session.scalars(select(ShiftSignup).where(ShiftSignup.shift_id == shift.id))
    }
    records = {
        a.user_id: a
        for a in db.session.scalars(select(Attendance).where(Attendance.shift_id == shift.id))
    }
    people = db.session.scalars(select(User).where(User.id.in_(set(signups) | set(records))))
    days = _days(shift)
    return [
        {
            "id": person.id,
            "name": person.name,
            "number": person.student_number or "",
            "signup": signups.get(person.id, ""),
            "status": records[person.id].status if person.id in records else "",
            "keys": {str(day): tokens.personal_day_key(person.id, day) for day in days},
        }
        for person in sorted(people, key=lambda p: p.name)
    ]


def bundle(shift: Shift, device: ScannerDevice, *, now: datetime) -> dict:
    """What the device needs to scan this shift offline. Day keys are given for the people
    on the shift's list only: another person's code cannot be checked offline."""
    return {
        "shift": shift.id,
        "device": device.id,
        "key": device.key,
        "expires": _ms(device.expires_at),
        "opens": _ms(opens_at(shift)),
        "starts": _ms(shift.starts_at),
        "ends": _ms(shift.ends_at),
        "closes": _ms(checkout_closes_at(shift)),
        "walk_ins": bool(shift.task.walk_ins_allowed),
        "period": tokens.code_period(),
        "issued": _ms(now),
        "roster": _roster(shift),
    }


# The upload ----------------------------------------------------------------------------------


def signature(key: str, nonce: str, user_id: int, action: str, at_ms: int) -> str:
    """The device's signature of one queued scan (hex HMAC-SHA256)."""
    message = f"{nonce}|{user_id}|{action}|{at_ms}".encode()
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()


@dataclass
class _Queued:
    nonce: str
    user_id: int
    action: str
    at_ms: int
    sig: str


def _read(raw: object) -> _Queued | None:
    if not isinstance(raw, dict):
        return None
    nonce, user, action = raw.get("nonce"), raw.get("user"), raw.get("action")
    at, sig = raw.get("at"), raw.get("sig")
    ints = all(isinstance(v, int) and not isinstance(v, bool) for v in (user, at))
    if not (ints and isinstance(nonce, str) and NONCE.match(nonce)):
        return None
    if action not in engine.ACTIONS or not isinstance(sig, str) or len(sig) > 128:
        return None
    if not (0 < user < 2**31 and 0 < at < 2**42):
        return None
    return _Queued(nonce, user, action, at, sig)


def _refusal(nonce: object, reason: str) -> dict:
    return {
        "nonce": nonce if isinstance(nonce, str) else "",
        "outcome": "refused",
        "reason": reason,
    }


def _device_refusal(device: ScannerDevice | None, shift: Shift, now: datetime) -> str | None:
    if device is None:
        return "unknown_device"
    if device.shift_id != shift.id:
        return "wrong_shift"
    if device.revoked_at is not None:
        return "device_revoked"
    if now > device.expires_at:
        return "device_expired"
    return None


def _scan_refusal(
    scan: _Queued, at: datetime, shift: Shift, device: ScannerDevice, listed: set[int], now
) -> str | None:
    expected = signature(device.key, scan.nonce, scan.user_id, scan.action, scan.at_ms)
    if not hmac.compare_digest(expected, scan.sig.lower()):
        return "tampered"
    if at > now + FUTURE_TOLERANCE:
        return "future"
    if at < opens_at(shift) or at > checkout_closes_at(shift):
        return "outside_window"
    if scan.user_id not in listed:
        return "not_on_list"
    return None


def _keep_earliest(record: Attendance, shift: Shift, at: datetime) -> bool:
    """The earliest real scan wins a check-in: move a later check-in time back to `at`."""
    table = Attendance.__table__
    moved = db.session.execute(
        update(table)
        .where(table.c.id == record.id, table.c.status == "in", table.c.checked_in_at > at)
        .values(checked_in_at=at, late=is_late(shift, at))
    ).rowcount
    db.session.expire(record)
    return moved == 1


def _answer(scan: _Queued, result: engine.ScanResult, shift: Shift, at: datetime) -> dict:
    answer = {"nonce": scan.nonce, "reason": result.reason, "result": result.outcome}
    if result.replayed:
        answer["outcome"] = "already_applied"
    elif result.outcome in ("checked_in", "checked_out"):
        answer["outcome"] = "applied"
    elif result.outcome == "already_in":
        answer["outcome"] = "already_in"
        if _keep_earliest(result.attendance, shift, at):
            answer["reason"] = "earlier_kept"
    else:
        answer["outcome"] = "refused"
    return answer


def _measure_skew(device_clock: object, now: datetime) -> timedelta:
    if not isinstance(device_clock, int) or isinstance(device_clock, bool):
        return timedelta(0)
    try:
        return timedelta(milliseconds=device_clock - _ms(now))
    except OverflowError:
        return timedelta(0)


def apply_offline_scans(
    shift: Shift,
    device_id: object,
    scans: object,
    *,
    actor,
    device_clock: object,
    now: datetime,
) -> Upload:
    """Verify and apply one upload of queued scans (see the module's docstring); an
    answer per scan, in the order applied (refused ones first)."""
    require_team_manager(actor, shift.task.team_id)
    if not isinstance(scans, list):
        raise InvalidInput(_("The upload holds no list of scans."))
    upload = Upload()
    skew = _measure_skew(device_clock, now)
    upload.skew_seconds = int(skew.total_seconds())
    upload.clock_off = abs(skew) > SKEW_TOLERANCE
    correction = skew if upload.clock_off else timedelta(0)
    device = db.session.get(ScannerDevice, device_id) if isinstance(device_id, int) else None
    refused_device = _device_refusal(device, shift, now)
    listed = _listed_ids(shift)
    ready: list[tuple[datetime, _Queued]] = []
    for index, raw in enumerate(scans):
        scan = _read(raw)
        reason = refused_device or (None if scan is not None else "malformed")
        if index >= MAX_BATCH:
            reason = "too_many"
        if reason is None:
            at = datetime.fromtimestamp(scan.at_ms / 1000, UTC).replace(tzinfo=None) - correction
            reason = _scan_refusal(scan, at, shift, device, listed, now)
        if reason is not None:
            upload.answers.append(
                _refusal(raw.get("nonce") if isinstance(raw, dict) else "", reason)
            )
            continue
        ready.append((at, scan))
    ready.sort(key=lambda pair: (pair[0], pair[1].nonce))
    people = {p.id: p for p in db.session.scalars(select(User).where(User.id.in_(listed)))}
    for at, scan in ready:
        result = engine.scan_queued(
            shift,
            people[scan.user_id],
            actor=actor,
            nonce=scan.nonce,
            device=f"{DEVICE_PREFIX}{device.id}",
            at=at,
            action=scan.action,
        )
        upload.answers.append(_answer(scan, result, shift, at))
    return upload


def conflicts(shift: Shift) -> list[ScanLog]:
    """Uploaded scans the coordinator should look at: duplicates and refusals, oldest first
    (each with `person` loaded)."""
    rows = list(
        db.session.scalars(
            select(ScanLog)
            .where(
                ScanLog.shift_id == shift.id,
                ScanLog.device.like(f"{DEVICE_PREFIX}%"),
                or_(ScanLog.outcome == "refused", ScanLog.reason == "already_in"),
            )
            .order_by(ScanLog.at)
        )
    )
    for row in rows:
        row.person = db.session.get(User, row.user_id) if row.user_id else None
    return rows

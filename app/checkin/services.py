"""The check-in engine: scans of the kiosk's code by a volunteer's phone, of a volunteer's
personal code by a coordinator's scanner, and check-ins by hand. When check-in is open and
the job that closes forgotten check-outs are in `windows.py`; what a scan answers is in
`scan_messages.py`.

The rules: check-in is open from `task.checkin_opens_minutes` before the start to the end,
check-out until `CHECKOUT_GRACE` after the end (later, a coordinator corrects the record);
later than `task.late_after_minutes` after the start is late. Only people with a confirmed
sign-up check in, unless the task takes walk-ins: then others may while the shift has room,
and the sign-up engine gives a walk-in a place and a confirmed sign-up (`confirm_walk_in`),
so capacity and the waitlist stay right (undoing the check-in keeps the sign-up).

Exactly-once: one attendance row per (shift, person) in the schema, a status changed only
by a conditional UPDATE (`... WHERE status = 'in'`), and a client's retry nonce unique per
person in the scan log. Each scan runs in one savepoint that acts and logs: when a
concurrent request with the same nonce logged first, the savepoint rolls back and the first
answer is replayed. On SQLite the write lock is taken first (`begin_write_transaction`),
which serialises scans; on PostgreSQL the unique indexes make the loser wait and fail.
Every scan writes exactly one scan log row, refused ones included; a replay writes none.
Services only flush; the caller commits once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from app.accounts.models import User
from app.audit import services as audit
from app.checkin import tokens
from app.checkin.models import Attendance, ScanLog
from app.checkin.scan_messages import refusal_message, success_message
from app.checkin.scanlog import log_scan
from app.checkin.tokens import CodeError
from app.checkin.windows import (
    attendance_of,
    check_out,
    checkout_closes_at,
    is_late,
    opens_at,
)
from app.common.db import begin_write_transaction
from app.common.time import utcnow
from app.errors import Conflict, InvalidInput
from app.extensions import db
from app.recruitment.access import require_team_manager
from app.shifts import signups
from app.shifts.eligibility import shift_eligibility
from app.shifts.models import Shift, ShiftSignup

# A code first read by a client (before logging in, or on the page offering check-out) is
# judged at that moment when the client uses it again within this time.
READ_GRACE = timedelta(minutes=5)
# "auto" on a coordinator's scanner checks out only a check-in at least this old, so a
# scanner reading one code twice does not check the person straight out again.
AUTO_OUT_AFTER = timedelta(minutes=2)
NONCE_MAX = 64
ACTIONS = ("auto", "in", "out")


@dataclass
class ScanResult:
    outcome: str  # "checked_in" | "checked_out" | "already_in" | "refused"
    # A refusal code (see `_REFUSALS`), or a note on success ("late", "walk_in").
    reason: str | None
    message: str
    shift: Shift | None
    person: User | None
    attendance: Attendance | None
    replayed: bool = False


@dataclass
class Scan:
    """One scan request: how it came in and what it asks for."""

    method: str  # kiosk | personal | manual
    action: str  # auto | in | out
    now: datetime
    actor_id: int | None = None
    nonce: str | None = None
    device: str = ""
    ip: str = ""


@dataclass
class _Answer:
    result: ScanResult
    tried: str  # what the scan did or tried, for the log: check_in or check_out


# Answers -------------------------------------------------------------------------------------


def _done(outcome: str, shift: Shift, person: User, attendance: Attendance, tried: str):
    reason = None
    if outcome == "checked_in":
        reason = "late" if attendance.late else ("walk_in" if attendance.walk_in else None)
    result = ScanResult(
        outcome=outcome,
        reason=reason,
        message=success_message(outcome, attendance),
        shift=shift,
        person=person,
        attendance=attendance,
    )
    return _Answer(result, tried)


def refused(
    reason: str,
    tried: str,
    *,
    shift: Shift | None = None,
    person: User | None = None,
    attendance: Attendance | None = None,
    detail: str = "",
) -> _Answer:
    message = refusal_message(reason, shift, attendance, tried)
    result = ScanResult(
        outcome="refused",
        reason=reason,
        message=f"{message} {detail}".strip(),
        shift=shift,
        person=person,
        attendance=attendance,
    )
    return _Answer(result, tried)


def replay(user_id: int | None, nonce: str | None) -> ScanResult | None:
    """The first answer to this (person, nonce), when there was one."""
    if user_id is None or not nonce:
        return None
    entry = db.session.scalar(
        select(ScanLog).where(ScanLog.user_id == user_id, ScanLog.nonce == nonce)
    )
    if entry is None:
        return None
    shift = db.session.get(Shift, entry.shift_id) if entry.shift_id else None
    person = db.session.get(User, user_id)
    attendance = db.session.get(Attendance, entry.attendance_id) if entry.attendance_id else None
    if entry.outcome == "ok" and attendance is not None:
        outcome = "checked_out" if entry.action == "check_out" else "checked_in"
        answer = _done(outcome, shift, person, attendance, entry.action)
    elif entry.reason == "already_in" and attendance is not None:
        answer = _done("already_in", shift, person, attendance, entry.action)
    else:
        answer = refused(
            entry.reason or "malformed",
            entry.action,
            shift=shift,
            person=person,
            attendance=attendance,
        )
    answer.result.replayed = True
    return answer.result


def _log(answer: _Answer, scan: Scan, *, person_id: int | None) -> None:
    result = answer.result
    ok = result.outcome in ("checked_in", "checked_out")
    reason = result.reason if result.outcome != "already_in" else "already_in"
    log_scan(
        method=scan.method,
        action=answer.tried,
        outcome="ok" if ok else "refused",
        reason=reason,
        shift_id=result.shift.id if result.shift is not None else None,
        user_id=person_id,
        actor_id=scan.actor_id,
        attendance_id=result.attendance.id if result.attendance is not None else None,
        nonce=scan.nonce,
        device=scan.device,
        ip=scan.ip,
        now=scan.now,
    )


def run_scan(scan: Scan, person_id: int | None, decide: Callable[[], _Answer]) -> ScanResult:
    """Decide and log in one savepoint; a concurrent request that logged the same nonce
    first wins, and its answer is replayed."""
    try:
        with db.session.begin_nested():
            answer = decide()
            _log(answer, scan, person_id=person_id)
    except IntegrityError:
        first = replay(person_id, scan.nonce)
        if first is None:
            raise Conflict(_("This scan is being handled. Please try again.")) from None
        return first
    return answer.result


def clean_action(action: str, nonce: str | None) -> str | None:
    if action not in ACTIONS:
        raise InvalidInput(_("Unknown check-in action."))
    return (nonce or "").strip()[:NONCE_MAX] or None


# The rules -----------------------------------------------------------------------------------


class _Lost(Exception):
    """Another request changed the record first: roll the savepoint back."""


class _Full(Exception):
    """No place left for a walk-in."""


def _start(
    shift: Shift,
    person: User,
    record: Attendance | None,
    signup: ShiftSignup,
    scan: Scan,
    *,
    walk_in: bool,
) -> Attendance:
    """A new check-in: a new record, or the undone one reused."""
    values = {
        "signup_id": signup.id,
        "walk_in": walk_in,
        "status": "in",
        "checked_in_at": scan.now,
        "checked_out_at": None,
        "late": is_late(shift, scan.now),
        "check_in_method": scan.method,
        "check_out_method": None,
        "scan_minutes": None,
        "auto_closed": False,
        "added_minutes": 0,
        "added_evidence": "",
        "verified_at": None,
        "verified_by_id": None,
    }
    if record is None:
        record = Attendance(shift_id=shift.id, user_id=person.id, created_at=scan.now, **values)
        db.session.add(record)
        db.session.flush()
        return record
    table = Attendance.__table__
    changed = db.session.execute(
        update(table).where(table.c.id == record.id, table.c.status == "undone").values(**values)
    ).rowcount
    if changed != 1:
        raise _Lost
    db.session.expire(record)
    return record


def _walk_in_refusal(shift: Shift, person: User, scan: Scan) -> str | None:
    """Why this person may not walk in (their sign-up eligibility, the timing aside)."""
    before_start = min(scan.now, shift.starts_at - timedelta(seconds=1))
    eligibility = shift_eligibility(shift, person, now=before_start)
    return None if eligibility.ok else " ".join(eligibility.reasons)


def _check_in(shift: Shift, person: User, record: Attendance | None, scan: Scan) -> _Answer:
    state = record.status if record is not None else None
    if state == "in":
        return _done("already_in", shift, person, record, "check_in")
    if state == "out":
        return refused("already_out", "check_in", shift=shift, person=person, attendance=record)
    signup = signups.confirmed_signup(shift, person.id)
    if signup is None and not shift.task.walk_ins_allowed:
        return refused("not_signed_up", "check_in", shift=shift, person=person)
    if not opens_at(shift) <= scan.now < shift.ends_at:
        return refused("outside_window", "check_in", shift=shift, person=person)
    if signup is None:
        refusal = _walk_in_refusal(shift, person, scan)
        if refusal:
            return refused("not_eligible", "check_in", shift=shift, person=person, detail=refusal)
    walk_in = signup is None or (record is not None and record.walk_in)
    try:
        with db.session.begin_nested():
            if signup is None:
                signup = signups.confirm_walk_in(shift, person, now=scan.now)
                if signup is None:
                    raise _Full
            record = _start(shift, person, record, signup, scan, walk_in=walk_in)
    except _Full:
        return refused("full", "check_in", shift=shift, person=person)
    except (IntegrityError, _Lost):
        # A concurrent scan of the same person checked them in first.
        current = attendance_of(shift.id, person.id)
        if current is None or current.status == "undone":
            raise Conflict(_("This check-in is being handled. Please try again.")) from None
        return _check_in(shift, person, current, scan)
    return _done("checked_in", shift, person, record, "check_in")


def _check_out(shift: Shift, person: User, record: Attendance | None, scan: Scan) -> _Answer:
    if record is None or record.status == "undone":
        return refused("not_checked_in", "check_out", shift=shift, person=person)
    if record.status == "out":
        return refused("already_out", "check_out", shift=shift, person=person, attendance=record)
    if scan.now > checkout_closes_at(shift):
        return refused("outside_window", "check_out", shift=shift, person=person, attendance=record)
    if check_out(record, shift, scan.now, check_out_method=scan.method) is None:
        return _check_out(shift, person, attendance_of(shift.id, person.id), scan)
    return _done("checked_out", shift, person, record, "check_out")


def _wants_out(record: Attendance | None, scan: Scan) -> bool:
    if scan.action != "auto":
        return scan.action == "out"
    if record is None or record.status != "in" or scan.method == "kiosk":
        return False
    return scan.now - record.checked_in_at >= AUTO_OUT_AFTER


def apply_scan(shift: Shift, person: User, scan: Scan) -> _Answer:
    tried = "check_out" if scan.action == "out" else "check_in"
    if shift.status == "cancelled":
        return refused("cancelled", tried, shift=shift, person=person)
    if not person.active:
        inactive = _("The account is not active.")
        return refused("not_eligible", tried, shift=shift, person=person, detail=inactive)
    record = attendance_of(shift.id, person.id)
    if _wants_out(record, scan):
        return _check_out(shift, person, record, scan)
    return _check_in(shift, person, record, scan)


def _tried(action: str) -> str:
    return "check_out" if action == "out" else "check_in"


# Scans ---------------------------------------------------------------------------------------


def _judged_at(now: datetime, read_at: datetime | None) -> datetime:
    if read_at is not None and timedelta(0) <= now - read_at <= READ_GRACE:
        return read_at
    return now


def scan_kiosk_code(
    code: str,
    person: User,
    *,
    action: str = "auto",
    nonce: str | None = None,
    device: str = "",
    ip: str = "",
    now: datetime | None = None,
    read_at: datetime | None = None,
) -> ScanResult:
    """A volunteer's phone opened the kiosk's code. "auto" checks in, or answers
    "already_in" when the person is in (the page then offers check-out).

    `read_at`: when this client first read the code (the view keeps it in the signed
    session); within `READ_GRACE` the code is judged at that moment, so logging in first or
    tapping check-out a minute later does not turn it "expired".
    """
    scan = Scan(
        "kiosk", action, now or utcnow(), nonce=clean_action(action, nonce), device=device, ip=ip
    )
    begin_write_transaction()
    first = replay(person.id, scan.nonce)
    if first is not None:
        return first

    def decide() -> _Answer:
        try:
            read = tokens.read_kiosk_code(code, now=_judged_at(scan.now, read_at))
        except CodeError as error:
            shift = db.session.get(Shift, error.subject_id) if error.subject_id else None
            return refused(error.reason, _tried(action), shift=shift, person=person)
        shift = db.session.get(Shift, read.subject_id)
        if shift is None:
            return refused("forged", _tried(action), person=person)
        return apply_scan(shift, person, scan)

    return run_scan(scan, person.id, decide)


def _personal_code_refusal(shift: Shift, code: str, error: CodeError, now: datetime) -> str:
    """A kiosk's code held up to the scanner names a shift: another one is "wrong_shift"."""
    if error.reason != "forged":
        return error.reason
    try:
        kiosk = tokens.read_kiosk_code(code, now=now)
    except CodeError:
        return error.reason
    return "wrong_shift" if kiosk.subject_id != shift.id else "malformed"


def scan_personal_code(
    shift: Shift,
    code: str,
    *,
    actor,
    action: str = "auto",
    nonce: str | None = None,
    device: str = "",
    ip: str = "",
    now: datetime | None = None,
) -> ScanResult:
    """A coordinator's scanner read a volunteer's personal code. "auto" checks in when the
    person is not in, out when they are (and checked in `AUTO_OUT_AFTER` ago)."""
    require_team_manager(actor, shift.task.team_id)
    scan = Scan(
        "personal",
        action,
        now or utcnow(),
        actor_id=actor.id,
        nonce=clean_action(action, nonce),
        device=device,
        ip=ip,
    )
    begin_write_transaction()
    try:
        person_id = tokens.read_personal_code(code, now=scan.now).subject_id
        failure = None
    except CodeError as error:
        person_id = error.subject_id if error.reason == "expired" else None
        failure = _personal_code_refusal(shift, code, error, scan.now)
    person = db.session.get(User, person_id) if person_id else None
    if person is None:
        person_id = None
    first = replay(person_id, scan.nonce)
    if first is not None:
        return first

    def decide() -> _Answer:
        if failure is not None or person is None:
            return refused(failure or "forged", _tried(action), shift=shift, person=person)
        return apply_scan(shift, person, scan)

    return run_scan(scan, person_id, decide)


def check_in_by_hand(
    shift: Shift, person: User, *, actor, action: str = "auto", now: datetime | None = None
) -> ScanResult:
    """A coordinator checks a person in or out from the attendance sheet (method "manual",
    audited). "auto" as on the scanner."""
    require_team_manager(actor, shift.task.team_id)
    scan = Scan(
        "manual", action, now or utcnow(), actor_id=actor.id, nonce=clean_action(action, None)
    )
    begin_write_transaction()
    result = run_scan(scan, person.id, lambda: apply_scan(shift, person, scan))
    if result.outcome in ("checked_in", "checked_out"):
        audit.record(
            f"checkin.{result.outcome}_by_hand",
            result.attendance,
            actor=actor,
            after={"shift_id": shift.id, "user_id": person.id, "status": result.outcome},
            now=scan.now,
        )
    return result


def scan_queued(
    shift: Shift,
    person: User,
    *,
    actor,
    nonce: str,
    device: str,
    at: datetime,
    action: str = "auto",
) -> ScanResult:
    """A personal code scanned offline at `at`, uploaded later (see `offline.py`): the same
    path as a live scan at that time; its nonce makes a second upload a replay."""
    require_team_manager(actor, shift.task.team_id)
    scan = Scan(
        "personal", action, at, actor_id=actor.id, nonce=clean_action(action, nonce), device=device
    )
    begin_write_transaction()
    first = replay(person.id, scan.nonce)
    if first is not None:
        return first
    return run_scan(scan, person.id, lambda: apply_scan(shift, person, scan))

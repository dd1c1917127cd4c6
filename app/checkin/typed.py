"""The six-digit code a volunteer types instead of scanning the kiosk's QR code.

Six digits cannot name a shift on their own: the server looks for the shift among the few
the typing person could check into now (a confirmed place or a task taking walk-ins, check-in
open) whose code of the current or the previous window matches, and then checks in through
the kiosk scan's rules (`services.apply_scan`), nonces and scan log (method "kiosk").

Guessing is limited by the scan log: a wrong code is logged as "wrong_code" against each
shift it could have been meant for, and a person with `CHECKIN_TYPED_PERSON_LIMIT` wrong
codes within `CHECKIN_TYPED_PERSON_MINUTES`, or a shift with `CHECKIN_TYPED_SHIFT_LIMIT`
wrong codes in the current code window, is refused ("too_many_guesses") without the code
being compared. On SQLite the write lock serialises the counting; on PostgreSQL two guesses
at the same moment may both be counted as under the limit, a few guesses at most.
"""

from __future__ import annotations

import hmac
import re
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import func, or_, select

from app.accounts.models import User
from app.checkin import tokens
from app.checkin.models import ScanLog
from app.checkin.scanlog import log_scan
from app.checkin.services import (
    Scan,
    ScanResult,
    apply_scan,
    clean_action,
    refused,
    replay,
    run_scan,
)
from app.checkin.windows import opens_at
from app.common.db import begin_write_transaction
from app.common.time import utcnow
from app.extensions import db
from app.shifts.models import Shift, ShiftSignup, Task

DIGITS = re.compile(r"[0-9]{6}")
WRONG = "wrong_code"
LIMITED = "too_many_guesses"
# How far ahead a shift may start and still have check-in open (its task's opening minutes).
OPENING_HORIZON = timedelta(days=1)
CANDIDATES_MAX = 20


def shift_key(shift: Shift) -> bytes:
    """The shift's kiosk key: its check-in window runs from opening to the scheduled end."""
    return tokens.kiosk_key_of(shift.id)


def typed_code(shift: Shift, window: int) -> str:
    return tokens.typed_code_from_key(shift_key(shift), window)


def current_typed_code(shift: Shift, *, now: datetime) -> str:
    return typed_code(shift, tokens.window_of(now))


def open_shifts_for(person: User, *, now: datetime) -> list[Shift]:
    """The shifts `person` could be checking into now: confirmed or walk-in, check-in open."""
    placed = select(ShiftSignup.shift_id).where(
        ShiftSignup.user_id == person.id, ShiftSignup.status == "confirmed"
    )
    shifts = db.session.scalars(
        select(Shift)
        .join(Task, Task.id == Shift.task_id)
        .where(
            Shift.status != "cancelled",
            Shift.starts_at <= now + OPENING_HORIZON,
            Shift.ends_at > now,
            or_(Shift.id.in_(placed), Task.walk_ins_allowed.is_(True)),
        )
        .order_by(Shift.starts_at, Shift.id)
        .limit(CANDIDATES_MAX)
    ).all()
    return [shift for shift in shifts if opens_at(shift) <= now]


def _wrong_since(since: datetime, *conditions) -> int:
    return db.session.scalar(
        select(func.count(ScanLog.id)).where(
            ScanLog.reason == WRONG, ScanLog.at >= since, *conditions
        )
    )


def _person_limited(person: User, now: datetime) -> bool:
    config = current_app.config
    since = now - timedelta(minutes=config["CHECKIN_TYPED_PERSON_MINUTES"])
    return _wrong_since(since, ScanLog.user_id == person.id) >= config["CHECKIN_TYPED_PERSON_LIMIT"]


def _window_start(now: datetime) -> datetime:
    seconds = tokens.window_of(now) * tokens.code_period()
    return datetime.fromtimestamp(seconds, UTC).replace(tzinfo=None)


def _shift_limited(shift: Shift, now: datetime) -> bool:
    wrong = _wrong_since(_window_start(now), ScanLog.shift_id == shift.id)
    return wrong >= current_app.config["CHECKIN_TYPED_SHIFT_LIMIT"]


def _matching(shifts: list[Shift], digits: str, now: datetime) -> Shift | None:
    for shift in shifts:
        key = shift_key(shift)
        for window in tokens.accepted_windows(now):
            if hmac.compare_digest(digits, tokens.typed_code_from_key(key, window)):
                return shift
    return None


def scan_typed_code(
    digits: str,
    person: User,
    *,
    nonce: str | None = None,
    device: str = "",
    ip: str = "",
    now: datetime | None = None,
) -> ScanResult:
    """Check `person` in with the six digits typed from the kiosk. Never checks out: the
    kiosk's QR code (or the coordinator) does that."""
    scan = Scan(
        "kiosk", "in", now or utcnow(), nonce=clean_action("in", nonce), device=device, ip=ip
    )
    digits = (digits or "").strip()
    begin_write_transaction()
    first = replay(person.id, scan.nonce)
    if first is not None:
        return first
    candidates = open_shifts_for(person, now=scan.now) if DIGITS.fullmatch(digits) else []
    missed: list[Shift] = []

    def decide():
        if not DIGITS.fullmatch(digits):
            return refused("malformed", "check_in", person=person)
        if _person_limited(person, scan.now):
            return refused(LIMITED, "check_in", person=person)
        if not candidates:
            return refused("no_shift_open", "check_in", person=person)
        guessable = [shift for shift in candidates if not _shift_limited(shift, scan.now)]
        shift = _matching(guessable, digits, scan.now)
        if shift is not None:
            return apply_scan(shift, person, scan)
        if not guessable:
            return refused(LIMITED, "check_in", shift=candidates[0], person=person)
        missed.extend(guessable)
        return refused(WRONG, "check_in", shift=guessable[0], person=person)

    result = run_scan(scan, person.id, decide)
    for shift in missed[1:] if not result.replayed else []:
        # The wrong code counts against every shift it could have been meant for.
        log_scan(
            method="kiosk",
            action="check_in",
            outcome="refused",
            reason=WRONG,
            shift_id=shift.id,
            user_id=person.id,
            device=device,
            ip=ip,
            now=scan.now,
        )
    return result

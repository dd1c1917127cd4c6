"""Rotating signed codes: the kiosk's code names a shift, a personal code names a person.

A code is `<id>.<window>.<signature>`: the window is the number of `CHECKIN_CODE_SECONDS`
periods since the epoch, the signature an HMAC over kind, id and window with the app's
secret. A code is valid in its own window and the next one, so a code shown just before it
changes still works, and a screenshot sent to a friend stops working within a minute.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import current_app

from app.checkin.windows import opens_at
from app.common.time import utcnow
from app.extensions import db
from app.shifts.models import Shift

SIGNATURE_BYTES = 10  # 16 base32 characters
NUMBER = re.compile(r"[0-9]{1,20}")


class CodeError(Exception):
    """A code that cannot be accepted; `reason` is the scan log's reason code."""

    def __init__(self, reason: str, *, subject_id: int | None = None):
        super().__init__(reason)
        self.reason = reason  # "malformed", "forged" or "expired"
        self.subject_id = subject_id  # the id the code claims, when it could be read


@dataclass(frozen=True)
class Code:
    subject_id: int
    window: int


def _period() -> int:
    return max(5, int(current_app.config.get("CHECKIN_CODE_SECONDS", 30)))


def code_period() -> int:
    """Seconds between two codes."""
    return _period()


def window_of(now: datetime) -> int:
    return int(now.replace(tzinfo=UTC).timestamp()) // _period()


def seconds_left(now: datetime) -> int:
    """Seconds until the code shown at `now` is replaced."""
    period = _period()
    return period - int(now.replace(tzinfo=UTC).timestamp()) % period


def window_day(window: int) -> int:
    """The UTC day (days since the epoch) a window starts in: personal day keys change daily."""
    return window * _period() // 86400


def personal_day_key(user_id: int, day: int) -> str:
    """k_u = HMAC(secret, "personal", user, day), hex: with it alone a device checks this
    person's codes of that day (the offline scanner holds it for the roster only)."""
    key = current_app.config["SECRET_KEY"].encode()
    message = f"checkin:personal-day:{user_id}:{day}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def _signature(kind: str, subject_id: int, window: int) -> str:
    if kind == "kiosk":
        return kiosk_signature(kiosk_key_of(subject_id), window)
    # Two steps, so the offline scanner can check a code with the day key only.
    key = personal_day_key(subject_id, window_day(window)).encode()
    message = f"checkin:{kind}:{subject_id}:{window}".encode()
    digest = hmac.new(key, message, hashlib.sha256).digest()[:SIGNATURE_BYTES]
    return base64.b32encode(digest).decode().rstrip("=")


def make_code(kind: str, subject_id: int, *, now: datetime) -> str:
    window = window_of(now)
    return f"{subject_id}.{window}.{_signature(kind, subject_id, window)}"


def read_code(kind: str, code: str, *, now: datetime) -> Code:
    """The code's subject when it is genuine and current, else `CodeError`."""
    parts = (code or "").strip().split(".")
    # ASCII only: str.isdigit() takes "²" (which int() refuses) and 5,000 digits (which
    # int() refuses too), and comparing a non-ASCII signature raises TypeError.
    numbers = len(parts) == 3 and all(NUMBER.fullmatch(part) for part in parts[:2])
    if not numbers or not parts[2].isascii():
        raise CodeError("malformed")
    subject_id, window, signature = int(parts[0]), int(parts[1]), parts[2].upper()
    if subject_id > 2**31 or not hmac.compare_digest(
        signature, _signature(kind, subject_id, window)
    ):
        raise CodeError("forged", subject_id=subject_id if subject_id <= 2**31 else None)
    if window not in (window_of(now), window_of(now) - 1):
        raise CodeError("expired", subject_id=subject_id)
    return Code(subject_id=subject_id, window=window)


def kiosk_code(shift_id: int, *, now: datetime) -> str:
    return make_code("kiosk", shift_id, now=now)


def read_kiosk_code(code: str, *, now: datetime) -> Code:
    return read_code("kiosk", code, now=now)


def personal_code(user_id: int, *, now: datetime) -> str:
    return make_code("personal", user_id, now=now)


def read_personal_code(code: str, *, now: datetime) -> Code:
    return read_code("personal", code, now=now)


# The kiosk key and the typed code ------------------------------------------------------------
#
# A kiosk key is an HMAC of the app's secret over one shift and its check-in window, so a
# leaked key derives codes for that shift's window only. The six-digit code typed on a phone
# is derived from the key and the code window; it names a shift only among the few the
# typing person could check into now (see `typed.py`).

TYPED_DIGITS = 6


def _seconds(moment: datetime) -> int:
    return int(moment.replace(tzinfo=UTC).timestamp())


def kiosk_key(shift_id: int, opens: datetime, closes: datetime) -> bytes:
    """The key of one shift's check-in window, from `opens` to `closes` (UTC)."""
    secret = current_app.config["SECRET_KEY"].encode()
    message = f"checkin:kiosk-key:{shift_id}:{_seconds(opens)}:{_seconds(closes)}".encode()
    return hmac.new(secret, message, hashlib.sha256).digest()


def typed_code_from_key(key: bytes, window: int) -> str:
    """The six digits for `window`: the first four bytes of HMAC(key, "typed:<window>")."""
    digest = hmac.new(key, f"typed:{window}".encode(), hashlib.sha256).digest()
    return str(int.from_bytes(digest[:4], "big") % 10**TYPED_DIGITS).zfill(TYPED_DIGITS)


def accepted_windows(now: datetime) -> tuple[int, int]:
    """The windows whose codes are accepted at `now`: the current and the previous one."""
    return window_of(now), window_of(now) - 1


def kiosk_signature(key: bytes, window: int) -> str:
    """The signature of the kiosk's QR code for `window`, made from the shift's kiosk key, so
    a kiosk that lost its connection derives the same codes (static/js/checkin-live.js)."""
    digest = hmac.new(key, f"kiosk:{window}".encode(), hashlib.sha256).digest()
    return base64.b32encode(digest[:SIGNATURE_BYTES]).decode().rstrip("=")


def kiosk_key_of(shift_id: int) -> bytes:
    """The shift's kiosk key, over its check-in window (opening to the scheduled end: a leaked
    key makes codes for that window only); a shift that does not exist gets a key of its id
    alone (its codes are then refused as naming no shift)."""
    shift = db.session.get(Shift, shift_id) if 0 < shift_id < 2**31 else None
    if shift is None:
        epoch = datetime(1970, 1, 1)
        return kiosk_key(shift_id, epoch, epoch)
    return kiosk_key(shift.id, opens_at(shift), shift.ends_at)


def code_is_current(code: str, *, now: datetime | None = None) -> bool:
    """Whether `code` is a genuine kiosk code that is still accepted at `now`."""
    try:
        read_kiosk_code(code, now=now or utcnow())
    except CodeError:
        return False
    return True

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


def period_seconds() -> int:
    """How long one code lives before the next one replaces it."""
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
    if kind == "personal":
        # Two steps, so the offline scanner can check a code with the day key only.
        key = personal_day_key(subject_id, window_day(window)).encode()
    else:
        key = current_app.config["SECRET_KEY"].encode()
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

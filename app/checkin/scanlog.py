"""The append-only scan log: one row per scan, accepted or refused."""

from __future__ import annotations

from datetime import datetime

from app.checkin.models import ScanLog
from app.common.time import utcnow
from app.extensions import db

REASON_MAX = 32
DEVICE_MAX = 200


def log_scan(
    *,
    method: str,
    action: str,
    outcome: str,
    reason: str | None = None,
    shift_id: int | None = None,
    user_id: int | None = None,
    actor_id: int | None = None,
    attendance_id: int | None = None,
    nonce: str | None = None,
    device: str = "",
    ip: str = "",
    now: datetime | None = None,
) -> ScanLog:
    """Add a scan log row (flushed with the caller's transaction)."""
    entry = ScanLog(
        at=now or utcnow(),
        method=method,
        action=action,
        outcome=outcome,
        reason=(reason or None) and reason[:REASON_MAX],
        shift_id=shift_id,
        user_id=user_id,
        actor_id=actor_id,
        attendance_id=attendance_id,
        nonce=nonce or None,
        device=(device or "")[:DEVICE_MAX],
        ip=(ip or "")[:64],
    )
    db.session.add(entry)
    return entry

"""Queued offline scans as a device makes them: signed with the device's key."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from app.checkin import offline
from app.checkin.models import ScannerDevice


def ms(moment: datetime) -> int:
    return int(moment.replace(tzinfo=UTC).timestamp() * 1000)


def queued(
    device: ScannerDevice, person_id: int, at: datetime, *, action: str = "auto", nonce=None
) -> dict:
    nonce = nonce or secrets.token_hex(8)
    at_ms = ms(at)
    return {
        "nonce": nonce,
        "user": person_id,
        "action": action,
        "at": at_ms,
        "sig": offline.signature(device.key, nonce, person_id, action, at_ms),
    }

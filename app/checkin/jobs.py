"""Scheduled jobs of the check-in feature: thin callers of its services."""

from __future__ import annotations

from datetime import datetime

from app.checkin import windows


def close_forgotten_checkouts(*, now: datetime) -> dict[str, int]:
    return {"closed": windows.close_forgotten_checkouts(now=now)}

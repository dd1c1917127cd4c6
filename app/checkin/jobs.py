"""Scheduled jobs of the check-in feature: thin callers of its services."""

from __future__ import annotations

from datetime import datetime

from app.checkin import services


def close_forgotten_checkouts(*, now: datetime) -> dict[str, int]:
    return {"closed": services.close_forgotten_checkouts(now=now)}

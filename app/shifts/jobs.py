"""Scheduled jobs of the shifts feature: thin callers of its services."""

from __future__ import annotations

from datetime import datetime

from app.shifts import services


def send_reminders(*, now: datetime) -> dict[str, int]:
    return {"reminded": services.send_reminders(now=now)}

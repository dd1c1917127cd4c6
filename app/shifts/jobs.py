"""Scheduled jobs of the shifts feature: thin callers of its services."""

from __future__ import annotations

from datetime import datetime

from app.shifts import offers, reliability, reminders


def send_reminders(*, now: datetime) -> dict[str, int]:
    return {"reminded": reminders.send_reminders(now=now)}


def expire_offers(*, now: datetime) -> dict[str, int]:
    return offers.expire_offers(now=now)


def mark_no_shows(*, now: datetime) -> dict[str, int]:
    return {"no_shows": reliability.mark_no_shows(now=now)}

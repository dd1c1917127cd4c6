"""Scheduled job of the credits feature: a thin caller of its services."""

from __future__ import annotations

from datetime import datetime

from app.credits import defaults, records


def sync_records(*, now: datetime) -> dict[str, int]:
    defaults.seed_defaults()
    return records.sync_records(now=now)

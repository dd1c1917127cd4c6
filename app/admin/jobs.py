"""Scheduled job of the admin feature: a thin caller of its services."""

from __future__ import annotations

from datetime import datetime

from app.admin import datahub


def pull_datahub(*, now: datetime) -> dict[str, int]:
    return datahub.pull_due(now=now)

"""Scheduled job of the engagement feature: a thin caller of its services."""

from __future__ import annotations

from datetime import datetime

from app.engagement import services


def score_everyone(*, now: datetime) -> dict[str, int]:
    return services.score_day(now=now)

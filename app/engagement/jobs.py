"""Scheduled job of the engagement feature: a thin caller of its services."""

from __future__ import annotations

from datetime import datetime

from app.engagement import aggregate_refresh, services


def score_everyone(*, now: datetime) -> dict[str, int]:
    counts = services.score_day(now=now)
    # The dashboards and portraits read figures counted after the day's scores.
    return {**counts, **aggregate_refresh.refresh(now=now)}

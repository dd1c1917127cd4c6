"""Scheduled jobs of service star levels: thin callers of its services."""

from __future__ import annotations

from datetime import datetime

from app.stars import services


def evaluate(*, now: datetime) -> dict[str, int]:
    return {"levels": services.evaluate(now=now)}

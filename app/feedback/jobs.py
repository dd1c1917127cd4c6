"""Scheduled jobs of the feedback feature: thin callers of its services."""

from __future__ import annotations

from datetime import datetime

from app.feedback import services


def ask(*, now: datetime) -> dict[str, int]:
    return {"asked": services.ask_recent(now=now)}

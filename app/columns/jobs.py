"""Scheduled job of the columns feature: a thin caller of its services."""

from __future__ import annotations

from datetime import datetime

from app.columns import catalogue, contributions, media


def publish_due(*, now: datetime) -> dict[str, int]:
    catalogue.seed_columns()
    return contributions.publish_due(now=now)


def prune_media(*, now: datetime) -> dict[str, int]:
    return media.prune_unattached(now=now)

"""Scheduled job of the columns feature: a thin caller of its services."""

from __future__ import annotations

from datetime import datetime

from app.columns import catalogue, editorial, media


def publish_due(*, now: datetime) -> dict[str, int]:
    catalogue.seed_columns()
    return editorial.publish_due(now=now)


def prune_media(*, now: datetime) -> dict[str, int]:
    return media.prune_unattached(now=now)

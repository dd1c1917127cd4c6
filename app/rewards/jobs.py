"""Scheduled jobs of the rewards feature: thin callers of its services."""

from __future__ import annotations

from datetime import datetime

from app.rewards import badge_awarding, badge_creation, boards, defaults, points


def award_points(*, now: datetime) -> dict[str, int]:
    defaults.seed_defaults()  # a fresh install has its rules before the first award
    return points.award_pending(now=now)


def evaluate_badges(*, now: datetime) -> dict[str, int]:
    defaults.seed_defaults()
    known = badge_awarding.Known()  # each rule's values read once for both
    badge_creation.backfill_pending(now=now, known=known)
    return badge_awarding.evaluate_all(now=now, known=known)


def backfill_badges(*, now: datetime) -> dict[str, int]:
    return badge_creation.backfill_pending(now=now)


def monthly_stars(*, now: datetime) -> dict[str, int]:
    defaults.seed_defaults()
    return badge_awarding.award_monthly_stars(now=now)


def build_leaderboards(*, now: datetime) -> dict[str, int]:
    return boards.rebuild(now=now)

"""Seeding the rewards data from code: points rules, levels and badges.

`seed_defaults()` inserts what is missing (rules and badges by code, levels by threshold)
and never changes a row an administrator may have edited, so it is safe to run on every
deploy.
"""

from __future__ import annotations

from sqlalchemy import select

from app.common.db import add_seeded
from app.extensions import db
from app.rewards import points
from app.rewards.badges_catalogue import DEFAULT_BADGES
from app.rewards.levels import DEFAULT_LEVELS
from app.rewards.models import Badge, Level, PointRule

# (code, points, unit)
DEFAULT_RULES: tuple[tuple[str, int, str], ...] = (
    (points.VERIFIED_HOUR, 10, "hour"),
    (points.TRAINING_COMPLETED, 20, "event"),
    (points.CONTRIBUTION_PUBLISHED, 15, "event"),
    (points.NO_SHOW, -10, "event"),
    (points.COMMENDATION, 5, "event"),
    (points.OUTSIDE_HOUR, 10, "hour"),
)
# Rules seeded switched off: an administrator decides whether they count.
OFF_BY_DEFAULT = frozenset({points.OUTSIDE_HOUR})


def seed_defaults() -> dict[str, int]:
    """Insert the missing default rules, levels and badges; returns how many of each."""
    rules = set(db.session.scalars(select(PointRule.code)))
    new_rules = [
        PointRule(code=code, points=value, unit=unit, active=code not in OFF_BY_DEFAULT)
        for code, value, unit in DEFAULT_RULES
        if code not in rules
    ]
    thresholds = set(db.session.scalars(select(Level.min_points)))
    new_levels = [
        Level(min_points=minimum, name_zh=name_zh, name_en=name_en)
        for minimum, name_zh, name_en in DEFAULT_LEVELS
        if minimum not in thresholds
    ]
    badges = set(db.session.scalars(select(Badge.code)))
    new_badges = [
        Badge(**{**values, "params": dict(values["params"])})
        for values in DEFAULT_BADGES
        if values["code"] not in badges
    ]
    new_rows = [*new_rules, *new_levels, *new_badges]
    if not new_rows or not add_seeded(*new_rows):
        return {"rules": 0, "levels": 0, "badges": 0}
    return {"rules": len(new_rules), "levels": len(new_levels), "badges": len(new_badges)}

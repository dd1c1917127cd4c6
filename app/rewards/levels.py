"""Levels: a name reached at a points threshold (rows seeded from `DEFAULT_LEVELS`)."""

from __future__ import annotations

from flask_babel import get_locale
from sqlalchemy import select

from app.extensions import db
from app.rewards.models import Level

# (min_points, Chinese name, English name)
DEFAULT_LEVELS: tuple[tuple[int, str, str], ...] = (
    (0, "新芽", "Sprout"),
    (100, "书苗", "Seedling"),
    (300, "书叶", "Leaf"),
    (800, "书枝", "Branch"),
    (1500, "书树", "Tree"),
    (3000, "书林", "Forest"),
)


def all_levels() -> list[Level]:
    return list(db.session.scalars(select(Level).order_by(Level.min_points)))


def level_for(points: int) -> tuple[Level | None, Level | None, int]:
    """The level a balance has reached, the next one (None at the top) and how many points
    are still missing to it (0 at the top). Below the lowest threshold there is no level."""
    current = None
    for level in all_levels():
        if level.min_points > points:
            return current, level, level.min_points - points
        current = level
    return current, None, 0


def progress_percent(points: int, current: Level | None, upcoming: Level | None) -> int:
    """How far from this level's threshold to the next one (100 at the top)."""
    if upcoming is None:
        return 100
    floor = current.min_points if current is not None else 0
    span = upcoming.min_points - floor
    return max(0, min(100, (points - floor) * 100 // span)) if span > 0 else 0


def level_name(level: Level | None) -> str:
    """The level's name in the reader's language."""
    if level is None:
        return ""
    locale = get_locale()
    return level.name_zh if locale is None or locale.language == "zh" else level.name_en

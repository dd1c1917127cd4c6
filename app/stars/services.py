"""Service star levels: thresholds, a person's level, and the evaluation that records and
announces each level reached once.

Levels follow the current hours: a level shown anywhere is computed from today's verified
library hours plus approved outside hours, so hours taken back (a verification undone)
lower it. What stays is the record that a level was once reached (`StarLevelReached`),
which keeps a person from being told twice; the public list of new star volunteers shows
only people who still hold the level.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from app.accounts.models import User
from app.checkin import hours
from app.common.db import add_once
from app.common.names import mask_name
from app.common.time import local_day, utcnow
from app.extensions import db
from app.notifications import services as notifications
from app.notifications.kinds import STAR_LEVEL_REACHED
from app.outside import services as outside
from app.stars.models import TOP_LEVEL, StarLevelReached

DEFAULT_THRESHOLDS = (100, 300, 600, 1000, 1500)
NEW_STARS_DAYS = 90
LINK = "/hours#stars"


@dataclass(frozen=True)
class Stars:
    level: int  # 0 below one star
    minutes: int  # library plus outside
    library_minutes: int
    outside_minutes: int
    next_hours: int | None  # the next level's threshold in hours; None at the top

    @property
    def missing_hours(self) -> float:
        """Hours still missing to the next level (0 at the top)."""
        if self.next_hours is None:
            return 0
        return max(0.0, round(self.next_hours - self.minutes / 60, 2))


def thresholds() -> tuple[int, ...]:
    """Hours for one to five stars, from STAR_LEVEL_HOURS (checked at start-up by config:
    five increasing whole numbers)."""
    return tuple(current_app.config["STAR_LEVEL_HOURS"])


def level_of(minutes: int) -> int:
    return sum(1 for hours_needed in thresholds() if minutes >= hours_needed * 60)


def totals(user_ids: list[int] | None = None) -> dict[int, tuple[int, int]]:
    """(library minutes, outside minutes) per person, in two grouped queries."""
    library = hours.verified_minutes_by_user(user_ids)
    elsewhere = outside.approved_minutes_by_user(user_ids)
    return {
        user_id: (library.get(user_id, 0), elsewhere.get(user_id, 0))
        for user_id in set(library) | set(elsewhere)
    }


def levels(user_ids: list[int] | None = None) -> dict[int, int]:
    """Each person's current star level (people below one star left out), from the same
    totals as `stars_of`: what a star-level badge is judged by."""
    found = {
        user_id: level_of(library + elsewhere)
        for user_id, (library, elsewhere) in totals(user_ids).items()
    }
    return {user_id: level for user_id, level in found.items() if level}


def stars_of(user_id: int, *, known: tuple[int, int] | None = None) -> Stars:
    """The person's stars; `known`: their (library, outside) minutes, when the page read
    them already with its other figures."""
    library, elsewhere = known or totals([user_id]).get(user_id, (0, 0))
    minutes = library + elsewhere
    level = level_of(minutes)
    upcoming = thresholds()[level] if level < TOP_LEVEL else None
    return Stars(level, minutes, library, elsewhere, upcoming)


def _reached(user_id: int, level: int) -> StarLevelReached | None:
    return db.session.scalar(
        select(StarLevelReached).where(
            StarLevelReached.user_id == user_id, StarLevelReached.level == level
        )
    )


def evaluate(user_ids: list[int] | None = None, *, now: datetime | None = None) -> int:
    """Record every level people hold and never held before, and tell them once per level
    , even when two evaluations run at once: the row is the claim,
    under a unique (person, level). Returns how many levels this call recorded."""
    now = now or utcnow()
    known = {
        (user_id, level)
        for user_id, level in db.session.execute(
            select(StarLevelReached.user_id, StarLevelReached.level)
        )
    }
    recorded = 0
    for user_id, (library, elsewhere) in sorted(totals(user_ids).items()):
        minutes = library + elsewhere
        new = [
            level
            for level in range(1, level_of(minutes) + 1)
            if (user_id, level) not in known and _record(user_id, level, minutes, now)
        ]
        recorded += len(new)
        for level in new:
            _tell(user_id, level, now)
    return recorded


def _record(user_id: int, level: int, minutes: int, now: datetime) -> bool:
    row = StarLevelReached(user_id=user_id, level=level, minutes=minutes, reached_at=now)
    return add_once(row, existing=lambda: _reached(user_id, level)) is None


def _tell(user_id: int, level: int, now: datetime) -> None:
    user = db.session.get(User, user_id)
    if user is None or not user.active:
        return
    notifications.notify(
        user,
        STAR_LEVEL_REACHED.id,
        context={"level": level, "hours": thresholds()[level - 1]},
        link=LINK,
        now=now,
        dedupe_key=f"stars:{user_id}:{level}",
    )


@dataclass(frozen=True)
class NewStar:
    name: str  # masked
    level: int
    reached_on: str


def new_stars(*, now: datetime | None = None, limit: int = 50) -> list[NewStar]:
    """People who reached a level in the last NEW_STARS_DAYS and still hold it, newest
    first, with masked names; people hidden from public boards and inactive accounts are
    left out."""
    now = now or utcnow()
    rows = list(
        db.session.execute(
            select(StarLevelReached, User)
            .join(User, User.id == StarLevelReached.user_id)
            .where(
                StarLevelReached.reached_at >= now - timedelta(days=NEW_STARS_DAYS),
                User.hide_from_boards.is_(False),
                User.active.is_(True),
            )
            .order_by(StarLevelReached.reached_at.desc(), StarLevelReached.id.desc())
            .limit(limit * TOP_LEVEL)
        )
    )
    current = totals(sorted({user.id for _row, user in rows}))
    shown: list[NewStar] = []
    for row, user in rows:
        if level_of(sum(current.get(user.id, (0, 0)))) >= row.level:
            shown.append(
                NewStar(mask_name(user.name), row.level, local_day(row.reached_at).isoformat())
            )
    return shown[:limit]

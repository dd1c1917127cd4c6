"""Badge test data: the default badges, verified service in a given month, and library-use
rows written directly (so badge tests do not depend on the CSV import)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select

from app.accounts.models import User
from app.extensions import db
from app.notifications.models import Notification
from app.rewards.badges_catalogue import DEFAULT_BADGES
from app.rewards.models import MONTH_ROW_DAY, Badge, BadgeAward, LibraryUse, LibraryUseImport
from tests import factories
from tests.rewards import rewards_data

# 12:00 on 2 November 2026 in Shanghai: October has ended, November has begun.
NOW = datetime(2026, 11, 2, 4, 0)
OCTOBER = "2026-10"
# A Monday in October (09:00 in Shanghai).
OCTOBER_MONDAY = datetime(2026, 10, 5, 1, 0)


def seed() -> dict[str, Badge]:
    """The default badges, by code."""
    badges = {spec["code"]: Badge(**spec) for spec in DEFAULT_BADGES}
    db.session.add_all(badges.values())
    db.session.flush()
    return badges


def person(name: str = "张三", **fields) -> User:
    return factories.person(roles=["volunteer"], name=name, **fields)


def served(place: rewards_data.Place, who: User, minutes: int, *, start: datetime):
    """A verified shift of `minutes` starting at `start` (UTC)."""
    return rewards_data.worked(place, who, minutes=minutes, start=start)


def _import() -> LibraryUseImport:
    found = db.session.scalar(select(LibraryUseImport).where(LibraryUseImport.filename == "t"))
    if found is None:
        found = LibraryUseImport(filename="t", sha256="0" * 64, status="applied")
        db.session.add(found)
        db.session.flush()
    return found


def reading(
    who: User,
    month: str = OCTOBER,
    *,
    loans: int = 0,
    visits: int = 0,
    minutes: int = 0,
    e_sessions: int = 0,
    day: date | None = None,
) -> LibraryUse:
    """One day's (or, without `day`, the whole month's) library use of `who`."""
    row = LibraryUse(
        user_id=who.id,
        month=month,
        day=day or MONTH_ROW_DAY,
        loans=loans,
        visits=visits,
        minutes=minutes,
        e_sessions=e_sessions,
        import_id=_import().id,
    )
    db.session.add(row)
    db.session.flush()
    return row


def awards(badge: Badge, period: str | None = None) -> list[BadgeAward]:
    """The badge's awards (of one period when given), freshly read, by user id."""
    db.session.expire_all()
    query = select(BadgeAward).where(BadgeAward.badge_id == badge.id)
    if period is not None:
        query = query.where(BadgeAward.period == period)
    return list(db.session.scalars(query.order_by(BadgeAward.user_id)))


def holders(badge: Badge, period: str | None = None) -> set[int]:
    """Who holds the badge now (not revoked)."""
    return {award.user_id for award in awards(badge, period) if award.revoked_at is None}


def notifications_of(user: User, kind: str) -> int:
    return db.session.scalar(
        select(func.count(Notification.id)).where(
            Notification.user_id == user.id, Notification.kind == kind
        )
    )

"""A person's badges: their awards, their progress towards the next lifetime badges, and an
award's public page and credential."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from app.errors import NotFound
from app.extensions import db
from app.rewards.badge_rules import RULES, active_badges, badge_group, evidence_value
from app.rewards.models import Badge, BadgeAward


def badges_of(user_id: int, *, include_revoked: bool = False) -> list[BadgeAward]:
    """A person's awards, latest first (revoked ones only when asked)."""
    query = (
        select(BadgeAward)
        .where(BadgeAward.user_id == user_id)
        .options(joinedload(BadgeAward.badge))
        .order_by(BadgeAward.awarded_at.desc(), BadgeAward.id.desc())
    )
    if not include_revoked:
        query = query.where(BadgeAward.revoked_at.is_(None))
    return list(db.session.scalars(query))


def held_by(user_ids: list[int], *, shown_only: bool = False) -> dict[int, list[BadgeAward]]:
    """Each person's awards not taken back (as `badges_of` lists them), in one query; with
    `shown_only`, without the awards their holder hid from others."""
    if not user_ids:
        return {}
    query = (
        select(BadgeAward)
        .where(BadgeAward.user_id.in_(user_ids), BadgeAward.revoked_at.is_(None))
        .options(joinedload(BadgeAward.badge))
        .order_by(BadgeAward.awarded_at.desc(), BadgeAward.id.desc())
    )
    if shown_only:
        query = query.where(BadgeAward.hidden.is_(False))
    held: dict[int, list[BadgeAward]] = {}
    for award in db.session.scalars(query):
        held.setdefault(award.user_id, []).append(award)
    return held


def count_of(user_id: int):
    """How many awards `badges_of` lists, as a scalar subquery to read with other figures."""
    return (
        select(func.count(BadgeAward.id))
        .where(BadgeAward.user_id == user_id, BadgeAward.revoked_at.is_(None))
        .scalar_subquery()
    )


@dataclass(frozen=True)
class BadgeProgress:
    """The next badge of one lifetime criterion, and how far the person is from it."""

    badge: Badge
    current: float
    target: int

    @property
    def percent(self) -> int:
        return max(0, min(100, int(self.current * 100 // self.target))) if self.target else 100

    @property
    def reached(self) -> bool:
        """Earned but not yet awarded: the nightly job awards it (rewards.evaluate_badges)."""
        return self.current >= self.target

    @property
    def remaining(self) -> float:
        return max(0, evidence_value(self.target - self.current))


def next_badges(user_id: int, *, earned: list[BadgeAward] | None = None) -> list[BadgeProgress]:
    """For each lifetime criterion (and parameter set), the lowest threshold not yet
    earned. Criteria without data are left out. `earned`: the person's `badges_of`, when
    the page read them already."""
    held = {award.badge_id for award in (badges_of(user_id) if earned is None else earned)}
    upcoming: dict[tuple[str, str], Badge] = {}
    for badge in sorted(active_badges(RULES), key=lambda badge: badge.threshold):
        if badge.id not in held and badge_group(badge) not in upcoming:
            upcoming[badge_group(badge)] = badge
    progress = []
    for badge in sorted(upcoming.values(), key=lambda badge: (badge.sort_order, badge.id)):
        values = RULES[badge.criterion].values(badge, [user_id])
        if values is not None:
            current = evidence_value(values.get(user_id, 0))
            progress.append(BadgeProgress(badge, current, badge.threshold))
    return progress


def find_award(public_id: str) -> BadgeAward | None:
    return db.session.scalar(
        select(BadgeAward)
        .where(BadgeAward.public_id == public_id)
        .options(joinedload(BadgeAward.badge), joinedload(BadgeAward.user))
    )


def public_award(public_id: str, viewer_id: int | None) -> BadgeAward:
    """An award's public page: the holder always sees it; others only while it is neither
    hidden nor revoked and the holder's account is active."""
    award = find_award(public_id)
    if award is not None and viewer_id is not None and award.user_id == viewer_id:
        return award
    if award is None or award.hidden or award.revoked_at is not None or not award.user.active:
        raise NotFound(_("No such badge."))
    return award


def credential_award(public_id: str, viewer_id: int | None) -> BadgeAward:
    """The award behind an Open Badges credential: as the page, but never a revoked one."""
    award = public_award(public_id, viewer_id)
    if award.revoked_at is not None:
        raise NotFound(_("This badge was taken back."))
    return award


def set_hidden(public_id: str, user_id: int, hidden: bool) -> BadgeAward:
    """The holder hides their award's public page from others, or shows it again."""
    award = find_award(public_id)
    if award is None or award.user_id != user_id:
        raise NotFound(_("No such badge."))
    award.hidden = hidden
    db.session.flush()
    return award

"""Awarding badges: lifetime badges evaluated (awarded, revoked, reinstated) and monthly
stars named, with their notifications and audit entries.

Exactly-once: an award is unique per (badge, person, period) in the schema, and awards are
written with INSERT … ON CONFLICT DO NOTHING, RETURNING the rows really inserted, so two
evaluations at once (threads or processes) never award twice and only the new awards are
notified. On SQLite the write lock is taken first (`begin_write_transaction`), which
serialises evaluations; on PostgreSQL the conflict clause settles a race.

A revocable badge whose criterion no longer holds (hours corrected downwards) is revoked with
a reason, and reinstated when the criterion holds again. Monthly stars are decided once per
month: when a month already has awards of a star badge, a rerun leaves it alone, so a late
data import never adds an eleventh star.
"""

from __future__ import annotations

import contextlib
import secrets
from datetime import datetime
from typing import Any, NamedTuple

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from app.accounts.models import User
from app.audit import services as audit
from app.common.db import (
    begin_write_transaction,
    chunks,
    in_chunks,
    insert_ignoring_conflicts,
    short_write,
    update_if,
    write_chunk,
)
from app.common.time import utcnow
from app.errors import InvalidInput
from app.extensions import db
from app.notifications import services as notifications
from app.notifications.batches import Prepared, prepare_many, send
from app.notifications.kinds import BADGE_AWARDED, BADGE_REVOKED
from app.notifications.services import Notice
from app.rewards.badge_rules import (
    RULES,
    active_badges,
    badge_group,
    evidence_value,
    student_numbers,
)
from app.rewards.models import Badge, BadgeAward
from app.rewards.star_rules import STAR_RULES, month_of, previous_month

LIFETIME = ""  # the period of a lifetime badge's award
INSERT_CHUNK = 500
REVOKED_REASON = "criterion_no_longer_met"
REVOKED_REASONS = {
    REVOKED_REASON: _l("The criterion no longer holds, for example after hours were corrected.")
}


def _insert_statement():
    return insert_ignoring_conflicts(
        BadgeAward.__table__, ["badge_id", "user_id", "period"]
    ).returning(BadgeAward.id, BadgeAward.user_id, BadgeAward.public_id)


def _insert_awards(
    badge: Badge, period: str, evidence: dict[int, dict[str, Any]], *, now: datetime
) -> list[Inserted]:
    """Insert the awards that do not exist yet and notify their holders in one batch,
    rendered before the write lock is taken; returns those this call inserted."""
    rows = [
        {
            "badge_id": badge.id,
            "user_id": user_id,
            "period": period,
            "awarded_at": now,
            "evidence": facts,
            "public_id": secrets.token_urlsafe(16),
            "hidden": False,
            "revoked_reason": "",
            "revoked_at": None,
        }
        for user_id, facts in evidence.items()
    ]
    if not rows:
        return []
    prepared = _prepare_notices(badge, period, rows, now=now)
    db.session.flush()
    begin_write_transaction()
    inserted: list[Inserted] = []
    for part in chunks(rows, INSERT_CHUNK):
        inserted.extend(Inserted(*row) for row in db.session.execute(_insert_statement(), part))
    inserted.sort()
    send(prepared.keyed({row.user_id: f"badges.awarded:{row.id}" for row in inserted}))
    return inserted


class Inserted(NamedTuple):
    """An award just inserted: what notifying its holder needs."""

    id: int
    user_id: int
    public_id: str


def _prepare_notices(
    badge: Badge, period: str, rows: list[dict[str, Any]], *, now: datetime
) -> Prepared:
    """The holders of the awards about to be inserted told as `_notify_awarded` tells
    one, rendered now (reads only); their dedupe keys come once the awards have ids."""
    people = {user.id: user for (user,) in in_chunks(User.id, [r["user_id"] for r in rows], User)}
    notices = [
        Notice(
            people[row["user_id"]],
            context={
                "badge_name": in_language(badge, "name", people[row["user_id"]].locale),
                "period": period,
            },
            link=award_path(Inserted(0, row["user_id"], row["public_id"])),
        )
        for row in rows
    ]
    return prepare_many(BADGE_AWARDED.id, notices, now=now)


def _awards(ids: list[int]) -> list[BadgeAward]:
    found: list[BadgeAward] = []
    for start in range(0, len(ids), INSERT_CHUNK):
        found.extend(
            db.session.scalars(
                select(BadgeAward)
                .where(BadgeAward.id.in_(ids[start : start + INSERT_CHUNK]))
                .options(joinedload(BadgeAward.user), joinedload(BadgeAward.badge))
                .order_by(BadgeAward.id)
            )
        )
    return found


def award_path(award: BadgeAward | Inserted) -> str:
    return f"/badges/{award.public_id}"


def in_language(badge: Badge, field: str, language: str | None) -> str:
    text = getattr(badge, f"{field}_en" if language == "en" else f"{field}_zh")
    return text or getattr(badge, f"{field}_zh")


def _notify_awarded(award: BadgeAward, *, now: datetime, dedupe_key: str) -> None:
    notifications.notify(
        award.user,
        BADGE_AWARDED.id,
        context={
            "badge_name": in_language(award.badge, "name", award.user.locale),
            "period": award.period,
        },
        link=award_path(award),
        now=now,
        dedupe_key=dedupe_key,
    )


def _revoke(awards: list[BadgeAward], values: dict[int, float], *, now: datetime) -> int:
    ids = [award.id for award in awards]
    if not ids:
        return 0
    revoked = set(
        db.session.scalars(
            update(BadgeAward)
            .where(BadgeAward.id.in_(ids), BadgeAward.revoked_at.is_(None))
            .values(revoked_at=now, revoked_reason=REVOKED_REASON)
            .returning(BadgeAward.id)
            .execution_options(synchronize_session=False)
        )
    )
    for award in awards:
        if award.id not in revoked:
            continue
        db.session.expire(award, ["revoked_at", "revoked_reason"])
        audit.record(
            "badges.award_revoked",
            award,
            actor=None,
            before={"revoked_at": None},
            after={"revoked_at": now.isoformat(), "value": values.get(award.user_id, 0)},
            note=REVOKED_REASON,
            now=now,
        )
        notifications.notify(
            award.user,
            BADGE_REVOKED.id,
            context={"badge_name": in_language(award.badge, "name", award.user.locale)},
            link="/badges/mine",
            now=now,
            dedupe_key=f"badges.revoked:{award.id}:{now.isoformat()}",
        )
    return len(revoked)


def _reinstate(awards: list[BadgeAward], values: dict[int, float], *, now: datetime) -> int:
    count = 0
    for award in awards:
        revoked_at = award.revoked_at
        value = evidence_value(values[award.user_id])
        if not update_if(
            award,
            BadgeAward.revoked_at == revoked_at,
            revoked_at=None,
            revoked_reason="",
            evidence={"value": value},
        ):
            continue
        count += 1
        audit.record(
            "badges.award_reinstated",
            award,
            actor=None,
            before={"revoked_at": revoked_at.isoformat()},
            after={"revoked_at": None, "value": value},
            now=now,
        )
        _notify_awarded(
            award, now=now, dedupe_key=f"badges.reinstated:{award.id}:{revoked_at.isoformat()}"
        )
    return count


class Held(NamedTuple):
    """A lifetime award as the evaluation compares it."""

    id: int
    user_id: int
    revoked_at: datetime | None


def _lifetime_awards(badge: Badge) -> dict[int, Held]:
    """Holders of the badge by person: plain rows, however many (the ORM objects are loaded
    only for the few awards that change, `_loaded`)."""
    query = select(BadgeAward.id, BadgeAward.user_id, BadgeAward.revoked_at).where(
        BadgeAward.badge_id == badge.id, BadgeAward.period == LIFETIME
    )
    return {row.user_id: Held(*row) for row in db.session.execute(query)}


def _loaded(held: list[Held]) -> list[BadgeAward]:
    return _awards(sorted(row.id for row in held))


def evaluate_badge(
    badge: Badge,
    *,
    now: datetime | None = None,
    values: dict[int, float] | None = None,
    chunk: int | None = None,
    numbers: dict[int, str] | None = None,
) -> dict[str, int]:
    """Award a lifetime badge to everyone qualifying who lacks it; revoke it (when
    revocable) from holders who no longer qualify; give it back to those who qualify again.
    `values` are the rule's values and `numbers` the active accounts' student numbers when
    the caller has them already. With `chunk`, the changes are committed `chunk` people at a
    time (the nightly job: short write locks); without, they stay in the caller's one
    transaction."""
    now = now or utcnow()
    if chunk is None:
        begin_write_transaction()
    if values is None:
        values = RULES[badge.criterion].values(badge)
    if values is None:
        return {"awarded": 0, "revoked": 0, "reinstated": 0}
    numbers = student_numbers() if numbers is None else numbers
    qualifying = {
        user_id: value
        for user_id, value in values.items()
        if value >= badge.threshold and user_id in numbers
    }
    held = _lifetime_awards(badge)
    new = [
        (user_id, {"value": evidence_value(value)})
        for user_id, value in qualifying.items()
        if user_id not in held
    ]
    lapsed = [
        award
        for user_id, award in held.items()
        if award.revoked_at is None and user_id not in qualifying and user_id in numbers
    ]
    returning = [
        award for user_id, award in held.items() if award.revoked_at and user_id in qualifying
    ]
    counts = {"awarded": 0, "revoked": 0, "reinstated": 0}
    for part in _parts(new, chunk):
        with _part(chunk):
            awarded = _insert_awards(badge, LIFETIME, dict(part), now=now)
        counts["awarded"] += len(awarded)
    if badge.revocable:
        for part in _parts(lapsed, chunk):
            with _part(chunk):
                counts["revoked"] += _revoke(_loaded(part), values, now=now)
    for part in _parts(returning, chunk):
        with _part(chunk):
            counts["reinstated"] += _reinstate(_loaded(part), values, now=now)
    return counts


def chunk_size() -> int:
    """People per short transaction of the badge jobs: a quarter of JOB_WRITE_CHUNK, since
    each award also writes its notification (in-app, email and WeChat outboxes; batched)."""
    return max(1, write_chunk() // 4)


class Known:
    """What one run of the badge jobs reads once, outside any write transaction: each
    rule's values per badge group, the active accounts' student numbers."""

    def __init__(self) -> None:
        self._values: dict[tuple[str, str], dict[int, float] | None] = {}
        self._numbers: dict[int, str] | None = None

    def values(self, badge: Badge) -> dict[int, float] | None:
        if badge_group(badge) not in self._values:
            self._values[badge_group(badge)] = RULES[badge.criterion].values(badge)
            db.session.commit()  # ends the read
        return self._values[badge_group(badge)]

    def numbers(self) -> dict[int, str]:
        if self._numbers is None:
            self._numbers = student_numbers()
            db.session.commit()
        return self._numbers


def _parts(items: list, chunk: int | None) -> list[list]:
    if not items:
        return []
    return list(chunks(items, chunk)) if chunk else [items]


def _part(chunk: int | None):
    """A committed short write when chunked; else part of the caller's transaction."""
    return short_write() if chunk else contextlib.nullcontext()


def evaluate_all(*, now: datetime | None = None, known: Known | None = None) -> dict[str, int]:
    """The nightly job: every active lifetime badge, over all history.

    Commits as it goes, unlike other services, so that the web keeps answering (SQLite has
    one writer at a time): each rule's values are read outside any write transaction, and
    the changes written `chunk_size()` people per short transaction. A rerun, or two runs
    at once, add nothing twice. `known`: what the job's backfill read already."""
    now = now or utcnow()
    db.session.commit()
    known = known or Known()
    counts = {"awarded": 0, "revoked": 0, "reinstated": 0}
    for badge in active_badges(RULES):
        values = known.values(badge)
        if values is None:
            continue
        found = evaluate_badge(
            badge, now=now, values=values, chunk=chunk_size(), numbers=known.numbers()
        )
        for key, value in found.items():
            counts[key] += value
    return counts


def _month_awarded(badge: Badge, period: str) -> bool:
    return (
        db.session.scalar(
            select(BadgeAward.id)
            .where(BadgeAward.badge_id == badge.id, BadgeAward.period == period)
            .limit(1)
        )
        is not None
    )


def award_star(badge: Badge, period: str, *, now: datetime | None = None) -> list[BadgeAward]:
    """Name a month's stars of `badge` unless that month already has them."""
    now = now or utcnow()
    month = month_of(period)
    if month.until > now:
        raise InvalidInput(_("Stars are named only for a month that has ended."), field="month")
    begin_write_transaction()
    if _month_awarded(badge, period):
        return []
    places, population = STAR_RULES[badge.criterion].ranking(badge, month)
    evidence = {
        place.user_id: {"rank": place.rank, "value": place.value, "of": population, **place.details}
        for place in places
    }
    return _awards([row.id for row in _insert_awards(badge, period, evidence, now=now)])


def award_monthly_stars(*, now: datetime | None = None, month: str | None = None) -> dict[str, int]:
    """The monthly job: Service Star and Reading Star of the local month just ended (or of
    `month`); counts of stars named, by badge code."""
    now = now or utcnow()
    period = month or previous_month(now)
    begin_write_transaction()
    return {
        badge.code: len(award_star(badge, period, now=now)) for badge in active_badges(STAR_RULES)
    }

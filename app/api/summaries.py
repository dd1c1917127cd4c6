"""Students' volunteer summaries for the campus data hub (数据中台), pulled through the API
(`resources/hub.py`, scope hub:read) or pushed by webhook as `summary.changed`
(`hub_jobs.publish_summaries`).

A summary holds what the person's own pages show (My hours, achievements, My engagement),
read through those features' services: verified library hours, approved outside hours,
the star level, the badges held, the engagement segment. What leaves the library follows
the person's privacy settings (README, "What leaves the library"):

- anonymised people are never summarised;
- hours always go (they are the campus's record of service, the same hours the Second
  Classroom credit files carry);
- a person who hides from public boards (`hide_from_boards`) keeps their star level,
  badges and segment in the library: those fields are sent as null ("withheld");
- a badge its holder hid from others is never sent.

No names or contact details: the hub knows students by their number.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, func, select, update

from app import hooks
from app.accounts.anonymise import not_anonymised
from app.accounts.models import User
from app.api import cursors
from app.api.models import HubSummaryState
from app.common.db import insert_ignoring_conflicts
from app.engagement.mine import latest_segments
from app.errors import NotFound
from app.extensions import db
from app.rewards.badges import held_by
from app.stars import services as stars

EVENT = "summary.changed"
BATCH = 500


@dataclass(frozen=True)
class HeldBadge:
    code: str
    name_zh: str
    name_en: str
    period: str
    awarded_at: datetime


@dataclass(frozen=True)
class Summary:
    person_id: int
    student_number: str
    library_minutes: int
    outside_minutes: int
    withheld: bool  # the person hides from public boards: no stars, badges, segment
    star_level: int | None
    badges: tuple[HeldBadge, ...] | None
    segment: str | None
    updated_at: datetime

    @property
    def empty(self) -> bool:
        """Nothing to tell yet: no hours, no level, no badge, never scored."""
        return not (
            self.library_minutes
            or self.outside_minutes
            or self.star_level
            or self.badges
            or self.segment
        )


def summaries_of(people: list[tuple[User, datetime]]) -> list[Summary]:
    """The summaries of (person, updated_at) pairs, in five queries whatever their number."""
    ids = [user.id for user, _changed in people]
    totals = stars.totals(ids)
    shown = [user.id for user, _changed in people if not user.hide_from_boards]
    badges = held_by(shown, shown_only=True)
    segments = latest_segments(shown)
    found = []
    for user, changed_at in people:
        library, outside = totals.get(user.id, (0, 0))
        withheld = bool(user.hide_from_boards)
        found.append(
            Summary(
                person_id=user.id,
                student_number=user.student_number,
                library_minutes=library,
                outside_minutes=outside,
                withheld=withheld,
                star_level=None if withheld else stars.level_of(library + outside),
                badges=None if withheld else _held(badges.get(user.id, [])),
                segment=None if withheld else segments.get(user.id),
                updated_at=changed_at,
            )
        )
    return found


def _held(awards: list) -> tuple[HeldBadge, ...]:
    return tuple(
        HeldBadge(
            award.badge.code,
            award.badge.name_zh,
            award.badge.name_en,
            award.period,
            award.awarded_at,
        )
        for award in awards
    )


def _iso(value: datetime) -> str:
    return value.isoformat(timespec="seconds") + "Z"


def summary_json(summary: Summary) -> dict[str, Any]:
    """A summary as the API and the webhook send it."""
    badges = None
    if summary.badges is not None:
        badges = [
            {
                "id": badge.code,
                "name": {"zh": badge.name_zh, "en": badge.name_en},
                "period": badge.period or None,
                "awarded_at": _iso(badge.awarded_at),
            }
            for badge in summary.badges
        ]
    return {
        "student_number": summary.student_number,
        "person_id": summary.person_id,
        "library_hours": {
            "minutes": summary.library_minutes,
            "hours": round(summary.library_minutes / 60, 2),
        },
        "outside_hours": {
            "minutes": summary.outside_minutes,
            "hours": round(summary.outside_minutes / 60, 2),
        },
        "withheld": summary.withheld,
        "star_level": summary.star_level,
        "badges": badges,
        "segment": summary.segment,
        "updated_at": _iso(summary.updated_at),
    }


def digest_of(summary: Summary) -> str:
    """The SHA-256 of what the summary says, its time left out."""
    facts = summary_json(replace(summary, updated_at=datetime.min))
    text = json.dumps(facts, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# Pulling ---------------------------------------------------------------------------------------


def _changed_at():
    return func.coalesce(HubSummaryState.changed_at, User.created_at)


def _people(since: datetime | None = None) -> Select:
    changed_at = _changed_at()
    query = (
        select(User, changed_at)
        .outerjoin(HubSummaryState, HubSummaryState.user_id == User.id)
        .where(not_anonymised())
    )
    if since is not None:
        query = query.where(changed_at >= since)
    return query


def summaries_since(
    since: datetime | None, *, after: tuple[datetime, int] | None, limit: int
) -> list[Summary]:
    """Up to `limit` summaries changed at or after `since` (all without), oldest change
    first, from just past the (changed_at, person id) `after`."""
    query = _people(since)
    if after is not None:
        query = query.where(cursors.after((_changed_at(), User.id), after))
    rows = db.session.execute(query.order_by(_changed_at(), User.id).limit(limit)).all()
    return summaries_of([(user, changed_at) for user, changed_at in rows])


def summary_of_number(student_number: str) -> Summary:
    """The summary of the person with this student number; NotFound for nobody (or for an
    anonymised person, who has none)."""
    row = db.session.execute(_people().where(User.student_number == student_number)).first()
    if row is None:
        raise NotFound(_("No student with this number."))
    return summaries_of([(row[0], row[1])])[0]


# Pushing ---------------------------------------------------------------------------------------


def _batches() -> Iterator[list[tuple[User, datetime]]]:
    last_id = 0
    while True:
        rows = db.session.execute(
            _people().where(User.id > last_id).order_by(User.id).limit(BATCH)
        ).all()
        if not rows:
            return
        yield [(user, changed_at) for user, changed_at in rows]
        last_id = rows[-1][0].id


def publish_changed(*, now: datetime) -> dict[str, int]:
    """Publish `summary.changed` for each person whose summary differs from the one last
    recorded, once: the new digest is written with a conditional UPDATE (or an insert that
    ignores a conflict), and only the writer that changed it publishes. A person seen for the
    first time with nothing to tell is recorded without an event. Flush only."""
    counts = {"published": 0, "skipped": 0}
    for people in _batches():
        ids = [user.id for user, _changed in people]
        known = dict(
            db.session.execute(
                select(HubSummaryState.user_id, HubSummaryState.digest).where(
                    HubSummaryState.user_id.in_(ids)
                )
            ).all()
        )
        for summary in summaries_of(people):
            digest = digest_of(summary)
            old = known.get(summary.person_id)
            if old == digest or not _record(summary.person_id, old, digest, now):
                continue
            if old is None and summary.empty:
                counts["skipped"] += 1
                continue
            hooks.publish(EVENT, summary_json(replace(summary, updated_at=now)), now=now)
            counts["published"] += 1
    return counts


def _record(user_id: int, old: str | None, digest: str, now: datetime) -> bool:
    """Write the new digest; False when another run wrote it first."""
    if old is None:
        statement = insert_ignoring_conflicts(HubSummaryState, ["user_id"]).values(
            user_id=user_id, digest=digest, changed_at=now
        )
    else:
        statement = (
            update(HubSummaryState)
            .where(HubSummaryState.user_id == user_id, HubSummaryState.digest == old)
            .values(digest=digest, changed_at=now)
            .execution_options(synchronize_session=False)
        )
    # RETURNING, not rowcount: an ignored insert's rowcount is not reliable on every driver.
    return db.session.scalar(statement.returning(HubSummaryState.id)) is not None


def forget(user: User) -> None:
    """An anonymised person's state goes: the hub is told nothing more of them."""
    db.session.execute(HubSummaryState.__table__.delete().where(HubSummaryState.user_id == user.id))

"""An administrator creates a badge from one of the lifetime rule kinds, and the backfill
that gives it to everyone already qualifying.

The kinds offered are the lifetime rules of `badge_rules.RULES` that have a label in
`KIND_LABELS`: a new rule kind becomes creatable by adding its rule to
`RULES`, its name to `models.CRITERION_TYPES` (a migration for the check constraint) and its
label here.

A new badge is not awarded in the request: with 100,000 people that is one set-based query
and thousands of inserts and notifications. It is created with `backfilled_at` empty
("backfill pending"), and the `rewards.backfill_badges` job (every few minutes, also run by
the nightly evaluation) evaluates it through `badge_awarding.evaluate_badge`, which inserts
awards in chunks exactly once, then marks it done.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.audit import services as audit
from app.common.db import lock_for_transaction, update_if
from app.common.time import utcnow
from app.errors import InvalidInput
from app.extensions import db
from app.rewards import badge_awarding, badge_images
from app.rewards.badge_admin import BadgeChanges, checked_fields, refuse_taken_names, snapshot
from app.rewards.badge_rules import RULES
from app.rewards.models import Badge

KIND_LABELS = {
    "hours_total": _l("Verified hours of service"),
    "shifts_total": _l("Verified shifts"),
    "weekly_streak": _l("Weeks in a row with a verified shift"),
    "contributions": _l("Published contributions"),
    "star_level": _l("Star volunteer level reached (1 to 5)"),
    "books_borrowed": _l("Books borrowed from the library"),
}


def creatable_kinds() -> dict[str, str]:
    """Rule kinds an administrator may create a badge from, with their labels."""
    return {kind: str(label) for kind, label in KIND_LABELS.items() if kind in RULES}


def lifetime_kinds() -> set[str]:
    """Criteria a backfill applies to (monthly stars are named per month instead)."""
    return set(RULES)


def _next_sort_order() -> int:
    highest = db.session.scalar(select(func.max(Badge.sort_order)))
    return (highest or 0) + 1


def create_badge(
    criterion: str,
    changes: BadgeChanges,
    image_upload=None,
    *,
    actor,
    now: datetime | None = None,
) -> Badge:
    """A new lifetime badge (audited), pending its backfill. Everything is checked before
    the image is stored, and the image is removed again when the badge is not written."""
    now = now or utcnow()
    if criterion not in creatable_kinds():
        raise InvalidInput(_("Please choose how the badge is earned."), field="criterion")
    fields = checked_fields(changes, criterion)
    refuse_taken_names(fields["name_zh"], fields["name_en"])
    image = badge_images.store(image_upload)
    try:
        badge = Badge(
            code=f"custom_{secrets.token_hex(6)}",
            criterion=criterion,
            image=image,
            sort_order=_next_sort_order(),
            created_at=now,
            backfilled_at=None,
            **fields,
        )
        db.session.add(badge)
        db.session.flush()
        audit.record(
            "badges.badge_created",
            badge,
            actor=actor,
            after={**snapshot(badge), "criterion": criterion, "image": bool(image)},
            now=now,
        )
    except Exception:
        badge_images.discard(image)
        raise
    return badge


def pending_backfill() -> list[Badge]:
    return list(
        db.session.scalars(
            select(Badge)
            .where(Badge.active, Badge.backfilled_at.is_(None), Badge.criterion.in_(list(RULES)))
            .order_by(Badge.id)
        )
    )


def backfill_pending(
    *, now: datetime | None = None, known: badge_awarding.Known | None = None
) -> dict[str, int]:
    """Give each active lifetime badge still pending its backfill to everyone who qualifies
    (exactly once: `evaluate_badge` skips awards that exist), then mark it done.

    Commits as it goes (a job: a new badge, or a first run, may award thousands): the
    awards in short transactions of `badge_awarding.chunk_size()` people, then the mark.
    `known`: what the job reads once for its backfill and its evaluation."""
    now = now or utcnow()
    db.session.commit()
    known = known or badge_awarding.Known()
    counts = {"backfilled": 0, "awarded": 0}
    for badge in pending_backfill():
        values = known.values(badge)
        result = {"awarded": 0}
        if values is not None:
            result = badge_awarding.evaluate_badge(
                badge,
                now=now,
                values=values,
                chunk=badge_awarding.chunk_size(),
                numbers=known.numbers(),
            )
        lock_for_transaction("badges.backfill")
        if update_if(badge, Badge.backfilled_at.is_(None), backfilled_at=now):
            counts["backfilled"] += 1
        db.session.commit()
        counts["awarded"] += result["awarded"]
    return counts

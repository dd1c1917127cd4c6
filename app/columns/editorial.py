"""The editors' side of the contribution workflow: the review queue, requesting changes,
approving, publishing (now or by the job when due), rejecting, unpublishing and featuring.
The allowed steps are listed in `contributions.py`.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from app import hooks
from app.accounts.models import User
from app.columns import catalogue
from app.columns.contribution_fields import clean_comment
from app.columns.contributions import (
    audit_step,
    decided,
    move,
    notify,
    record_event,
)
from app.columns.models import (
    Contribution,
)
from app.common.db import get_or_not_found
from app.common.time import to_local, utcnow
from app.errors import Conflict, Forbidden, NotFound
from app.extensions import db
from app.notifications.kinds import (
    CHANGES_REQUESTED,
    CONTRIBUTION_FEATURED,
    CONTRIBUTION_PUBLISHED,
    CONTRIBUTION_REJECTED,
    CONTRIBUTION_SCHEDULED,
    CONTRIBUTION_UNPUBLISHED,
)
from app.rewards import defaults, points

# Editors -------------------------------------------------------------------------------------


def review_queue(editor: User) -> list[Contribution]:
    """Submitted contributions of the editor's columns, oldest first, then the approved
    ones waiting for their publication time, soonest first."""
    column_ids = catalogue.edited_column_ids(editor)
    if column_ids == set():
        return []
    query = select(Contribution)
    if column_ids is not None:
        query = query.where(Contribution.column_id.in_(column_ids))
    waiting = db.session.scalars(
        query.where(Contribution.status == "submitted").order_by(
            Contribution.submitted_at, Contribution.id
        )
    )
    scheduled = db.session.scalars(
        query.where(Contribution.status == "approved").order_by(
            Contribution.publish_at, Contribution.id
        )
    )
    return [*waiting, *scheduled]


RECENT_LIMIT = 20


def recently_published(editor: User, *, limit: int = RECENT_LIMIT) -> list[Contribution]:
    """The newest published contributions of the editor's columns: where an editor goes to
    feature one or take it down."""
    column_ids = catalogue.edited_column_ids(editor)
    if column_ids == set():
        return []
    query = select(Contribution).where(Contribution.status == "published")
    if column_ids is not None:
        query = query.where(Contribution.column_id.in_(column_ids))
    order = (Contribution.published_at.desc(), Contribution.id.desc())
    return list(db.session.scalars(query.order_by(*order).limit(limit)))


def get_for_review(editor: User, contribution_id: int) -> Contribution:
    """A contribution the person edits (any status but draft); Forbidden otherwise."""
    contribution = get_or_not_found(Contribution, contribution_id, _("No such contribution."))
    if not catalogue.is_editor(editor, contribution.column):
        raise Forbidden(_("Only the editors of this column can review its contributions."))
    if contribution.status == "draft":
        raise NotFound(_("No such contribution."))
    return contribution


def _review(
    editor: User,
    contribution_id: int,
    comment: str,
    missing: str,
    allowed: tuple[str, ...],
    status: str,
    refusal: str,
    *,
    now: datetime,
    **changes,
) -> tuple[Contribution, str]:
    """An editor's decision that needs a comment for the author: the contribution moved to
    `status` (from one of `allowed`, else Conflict with `refusal`) and the cleaned comment."""
    contribution = get_for_review(editor, contribution_id)
    comment = clean_comment(comment, field_name="comment", missing=missing)
    move(
        contribution,
        allowed,
        status,
        refusal,
        review_note=comment,
        reviewed_by_id=editor.id,
        updated_at=now,
        **changes,
    )
    return contribution, comment


def request_changes(
    editor: User, contribution_id: int, comment: str, *, now: datetime | None = None
) -> Contribution:
    now = now or utcnow()
    contribution, comment = _review(
        editor,
        contribution_id,
        comment,
        _("Tell the author what to change."),
        ("submitted",),
        "changes_requested",
        _("Changes can only be requested for a contribution waiting for review."),
        now=now,
    )
    return decided(contribution, "changes_requested", editor, now, comment, CHANGES_REQUESTED)


def approve(
    editor: User,
    contribution_id: int,
    *,
    publish_at: datetime | None = None,
    now: datetime | None = None,
) -> Contribution:
    """Approve a submitted contribution: published at once, or at `publish_at` when that
    is in the future. On an approved one this moves its time or, without a time, publishes
    it now; an unpublished one is published again."""
    now = now or utcnow()
    contribution = get_for_review(editor, contribution_id)
    later = publish_at is not None and publish_at > now
    if contribution.status in ("approved", "unpublished") and not later:
        return publish_now(editor, contribution_id, now=now)
    move(
        contribution,
        ("submitted", "approved", "unpublished"),
        "approved",
        _("Only a contribution waiting for review can be approved."),
        publish_at=publish_at if later else None,
        reviewed_by_id=editor.id,
        review_note=None,
        updated_at=now,
    )
    record_event(contribution, "approved", editor, now)
    if not later:
        return _publish(contribution, editor, now)
    when = f"{to_local(publish_at):%Y-%m-%d %H:%M}"
    decided(contribution, "scheduled", editor, now, when, CONTRIBUTION_SCHEDULED, when=when)
    return contribution


def publish_now(editor: User, contribution_id: int, *, now: datetime | None = None) -> Contribution:
    """Publish an approved (scheduled) or unpublished contribution at once."""
    now = now or utcnow()
    contribution = get_for_review(editor, contribution_id)
    if contribution.status not in ("approved", "unpublished"):
        raise Conflict(_("Only an approved or unpublished contribution can be published now."))
    return _publish(contribution, editor, now)


def _publish(
    contribution: Contribution, actor: User | None, now: datetime, *, only_if=()
) -> Contribution:
    """Publish and award the points (stamped to the second: the points key holds it)."""
    move(
        contribution,
        ("approved", "unpublished"),
        "published",
        _("Only an approved contribution can be published."),
        only_if=only_if,
        published_at=now.replace(microsecond=0),
        publish_at=None,
        updated_at=now,
    )
    _award_points(contribution)
    published = {
        "contribution_id": contribution.id,
        "column_id": contribution.column_id,
        "author_id": contribution.author_id,
        "published_at": contribution.published_at.isoformat() + "Z",
    }
    hooks.publish("contribution.published", published, now=now)
    return decided(contribution, "published", actor, now, "", CONTRIBUTION_PUBLISHED)


def points_key(contribution: Contribution) -> str:
    return f"contribution:{contribution.id}:{contribution.published_at:%Y%m%d%H%M%S}"


def _award_points(contribution: Contribution) -> None:
    # On a fresh site the rules are seeded by the first rewards job; a contribution published
    # before that earns the default points too (a missing rule is not a switched-off one).
    defaults.seed_defaults()
    rule = points.rule_points(points.CONTRIBUTION_PUBLISHED)
    if rule is None:
        return
    points.award(
        contribution.author_id,
        rule.points,
        kind=points.CONTRIBUTION_PUBLISHED,
        key=points_key(contribution),
        occurred_at=contribution.published_at,
        source_type="contribution",
        source_id=contribution.id,
        now=contribution.published_at,
    )


def reject(
    editor: User, contribution_id: int, reason: str, *, now: datetime | None = None
) -> Contribution:
    now = now or utcnow()
    contribution, reason = _review(
        editor,
        contribution_id,
        reason,
        _("Tell the author why it is rejected."),
        ("submitted", "changes_requested"),
        "rejected",
        _("Only a contribution under review can be rejected."),
        now=now,
    )
    return decided(contribution, "rejected", editor, now, reason, CONTRIBUTION_REJECTED)


def unpublish(
    editor: User, contribution_id: int, reason: str, *, now: datetime | None = None
) -> Contribution:
    """Take a published contribution offline and reverse the points its publication gave."""
    now = now or utcnow()
    contribution, reason = _review(
        editor,
        contribution_id,
        reason,
        _("Tell the author why it is taken offline."),
        ("published",),
        "unpublished",
        _("Only a published contribution can be unpublished."),
        now=now,
        featured=False,
    )
    entry = points.entry_for_key(points_key(contribution))
    if entry is not None:
        points.reverse(entry, reason=reason, actor=editor, now=now)
    return decided(contribution, "unpublished", editor, now, reason, CONTRIBUTION_UNPUBLISHED)


def set_featured(
    editor: User, contribution_id: int, featured: bool, *, now: datetime | None = None
) -> Contribution:
    now = now or utcnow()
    contribution = get_for_review(editor, contribution_id)
    if contribution.status != "published":
        raise Conflict(_("Only a published contribution can be featured."))
    if contribution.featured == featured:
        return contribution
    contribution.featured = featured
    contribution.updated_at = now
    db.session.flush()
    action = "featured" if featured else "unfeatured"
    record_event(contribution, action, editor, now)
    audit_step("columns.contribution_featured", contribution, editor, now, featured=featured)
    if featured:
        notify(contribution.author, CONTRIBUTION_FEATURED, contribution, now)
    return contribution


def publish_due(*, now: datetime | None = None) -> dict[str, int]:
    """Publish the approved contributions whose time has come. Safe to run twice and
    alongside an editor's "publish now": whichever comes second skips it."""
    now = now or utcnow()
    due = list(
        db.session.scalars(
            select(Contribution.id)
            .where(Contribution.status == "approved", Contribution.publish_at <= now)
            .order_by(Contribution.publish_at, Contribution.id)
        )
    )
    published = 0
    for contribution_id in due:
        contribution = db.session.get(Contribution, contribution_id)
        try:
            _publish(contribution, None, now, only_if=(Contribution.publish_at <= now,))
        except Conflict:
            continue
        published += 1
    return {"due": len(due), "published": published}

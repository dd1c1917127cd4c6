"""Contributions and their editorial workflow.

Allowed steps (anything else is a Conflict):

    draft → submitted                    author
    changes_requested → submitted        author, after editing
    submitted → changes_requested        editor, with a comment
    submitted → approved                 editor; scheduled when publish_at is in the future
    approved → published                 the job at publish_at, or an editor's "publish now"
    submitted → published                editor approving without a schedule
    submitted | changes_requested → rejected    editor, with a reason
    published → unpublished              editor, with a reason
    unpublished → published              editor publishing again

Every status change is one conditional UPDATE (`... WHERE status IN (expected)`), so two
requests (or the job and an editor) racing for the same step change it once: the loser
gets a Conflict, the job skips it. Publishing awards points under a key holding the
publication time, so a contribution published again earns them again under a new key, and
unpublishing reverses the entry of the publication it ends.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from app.accounts.models import User, UserRole
from app.audit import services as audit
from app.columns import catalogue
from app.columns.models import (
    ContentColumn,
    Contribution,
    ContributionEvent,
    ContributionLink,
    MediaFile,
)
from app.common.db import begin_write_transaction
from app.common.time import to_local, utcnow
from app.errors import Conflict, Forbidden, InvalidInput, NotFound
from app.extensions import db
from app.notifications import kinds
from app.notifications import services as notifications
from app.rewards import defaults, points

TITLE_MAX = 120
BODY_MAX = 20_000
COMMENT_MAX = 2_000
LINKS_MAX = 20
LINK_TITLE_MAX = 200
LINK_URL_MAX = 500
CALL_NUMBER_MAX = 64
URL_PATTERN = re.compile(r"^https?://[^\s<>\"]+$", re.IGNORECASE)
EDITABLE_STATUSES = ("draft", "changes_requested")
OWN_LINK = "/contribute/{id}"
REVIEW_LINK = "/editorial/{id}"

SUBMITTED = kinds.register(
    "columns.submitted", _l("A contribution to a column I edit awaits review"), email_default=True
)
CHANGES_REQUESTED = kinds.register(
    "columns.changes_requested",
    _l("An editor asked me to change a contribution"),
    email_default=True,
)
SCHEDULED = kinds.register(
    "columns.scheduled", _l("My contribution was approved for a later date"), email_default=False
)
PUBLISHED = kinds.register(
    "columns.published", _l("My contribution was published"), email_default=True
)
REJECTED = kinds.register(
    "columns.rejected", _l("My contribution was rejected"), email_default=True
)
UNPUBLISHED = kinds.register(
    "columns.unpublished", _l("My contribution was taken offline"), email_default=True
)
FEATURED = kinds.register(
    "columns.featured", _l("My contribution was featured"), email_default=False
)

audit.describe_actions(
    {
        "columns.contribution_submitted": _l("Contribution submitted"),
        "columns.changes_requested": _l("Changes to a contribution requested"),
        "columns.contribution_approved": _l("Contribution approved"),
        "columns.contribution_published": _l("Contribution published"),
        "columns.contribution_rejected": _l("Contribution rejected"),
        "columns.contribution_unpublished": _l("Contribution unpublished"),
        "columns.contribution_featured": _l("Contribution featured or no longer featured"),
    }
)


@dataclass(frozen=True)
class LinkFields:
    title: str
    url: str = ""
    call_number: str = ""


@dataclass(frozen=True)
class ContributionFields:
    title: str
    body: str = ""
    show_full_name: bool = False
    links: list[LinkFields] = field(default_factory=list)
    media_id: int | None = None
    cover_id: int | None = None


# Validation ----------------------------------------------------------------------------------


def _clean_title(title: str | None) -> str:
    title = (title or "").strip()
    if not 1 <= len(title) <= TITLE_MAX:
        raise InvalidInput(
            _("The title must have 1 to %(max)d characters.", max=TITLE_MAX), field="title"
        )
    return title


def _clean_body(body: str | None) -> str:
    body = (body or "").strip()
    if len(body) > BODY_MAX:
        raise InvalidInput(
            _("The text may have at most %(max)d characters.", max=BODY_MAX), field="body"
        )
    return body


def _clean_link(link: LinkFields, number: int) -> LinkFields:
    title = (link.title or "").strip()
    url = (link.url or "").strip()
    call_number = (link.call_number or "").strip()
    if not 1 <= len(title) <= LINK_TITLE_MAX:
        raise InvalidInput(
            _(
                "Resource %(number)d needs a title of at most %(max)d characters.",
                number=number,
                max=LINK_TITLE_MAX,
            ),
            field="links",
        )
    if url and (len(url) > LINK_URL_MAX or not URL_PATTERN.match(url)):
        raise InvalidInput(
            _(
                "The address of resource %(number)d must start with http:// or https:// and "
                "have at most %(max)d characters.",
                number=number,
                max=LINK_URL_MAX,
            ),
            field="links",
        )
    if len(call_number) > CALL_NUMBER_MAX:
        raise InvalidInput(
            _(
                "The call number of resource %(number)d may have at most %(max)d characters.",
                number=number,
                max=CALL_NUMBER_MAX,
            ),
            field="links",
        )
    return LinkFields(title=title, url=url, call_number=call_number)


def _clean_links(column: ContentColumn, links: list[LinkFields]) -> list[LinkFields]:
    if not links:
        return []
    if not column.accepts_links:
        raise InvalidInput(_("This column does not take links to resources."), field="links")
    if len(links) > LINKS_MAX:
        raise InvalidInput(
            _("A contribution may recommend at most %(max)d resources.", max=LINKS_MAX),
            field="links",
        )
    return [_clean_link(link, number) for number, link in enumerate(links, start=1)]


def accepted_media_kinds(column: ContentColumn) -> set[str]:
    return {kind for kind in ("audio", "video") if getattr(column, f"accepts_{kind}")}


def _owned_media(author: User, media_id: int | None, kinds_allowed: set[str], field_name: str):
    if media_id is None:
        return None
    media = db.session.get(MediaFile, media_id)
    if media is None or media.owner_id != author.id:
        raise InvalidInput(_("That file is not one of your uploads."), field=field_name)
    if media.kind not in kinds_allowed:
        raise InvalidInput(_("This column does not take that kind of file."), field=field_name)
    return media


def _check_files(author: User, column: ContentColumn, fields: ContributionFields) -> None:
    _owned_media(author, fields.media_id, accepted_media_kinds(column), "media_id")
    _owned_media(author, fields.cover_id, {"image"}, "cover_id")


def _validated(
    author: User, column: ContentColumn, fields: ContributionFields
) -> ContributionFields:
    """The fields cleaned, or InvalidInput naming the first wrong one."""
    clean = ContributionFields(
        title=_clean_title(fields.title),
        body=_clean_body(fields.body),
        show_full_name=bool(fields.show_full_name),
        links=_clean_links(column, list(fields.links or [])),
        media_id=fields.media_id,
        cover_id=fields.cover_id,
    )
    _check_files(author, column, clean)
    return clean


def _clean_comment(text: str | None, *, field_name: str, missing: str) -> str:
    text = (text or "").strip()
    if not text:
        raise InvalidInput(missing, field=field_name)
    if len(text) > COMMENT_MAX:
        raise InvalidInput(
            _("The comment may have at most %(max)d characters.", max=COMMENT_MAX),
            field=field_name,
        )
    return text


# Authors -------------------------------------------------------------------------------------


def _apply(contribution: Contribution, fields: ContributionFields) -> None:
    contribution.title = fields.title
    contribution.body = fields.body
    contribution.show_full_name = fields.show_full_name
    contribution.media_id = fields.media_id
    contribution.cover_id = fields.cover_id
    contribution.links = [
        ContributionLink(
            position=position, title=link.title, url=link.url, call_number=link.call_number
        )
        for position, link in enumerate(fields.links)
    ]


def _event(
    contribution: Contribution, action: str, actor: User | None, now: datetime, comment: str = ""
) -> None:
    db.session.add(
        ContributionEvent(
            contribution_id=contribution.id,
            actor_id=getattr(actor, "id", None),
            action=action,
            comment=comment,
            created_at=now,
        )
    )


def create_draft(
    author: User, column_id: int, fields: ContributionFields, *, now: datetime | None = None
) -> Contribution:
    now = now or utcnow()
    column = catalogue.get_column_by_id(column_id, active_only=True)
    clean = _validated(author, column, fields)
    contribution = Contribution(
        column_id=column.id, author_id=author.id, status="draft", created_at=now, updated_at=now
    )
    _apply(contribution, clean)
    db.session.add(contribution)
    db.session.flush()
    _event(contribution, "created", author, now)
    db.session.flush()
    return contribution


def update_draft(
    author: User, contribution_id: int, fields: ContributionFields, *, now: datetime | None = None
) -> Contribution:
    """Change a draft or a contribution sent back for changes (else Conflict)."""
    now = now or utcnow()
    contribution = get_own(author, contribution_id)
    if contribution.status not in EDITABLE_STATUSES:
        raise Conflict(
            _("This contribution can no longer be edited: it is being reviewed or was decided.")
        )
    clean = _validated(author, contribution.column, fields)
    _apply(contribution, clean)
    contribution.updated_at = now
    db.session.flush()
    return contribution


def get_own(author: User, contribution_id: int) -> Contribution:
    """The author's own contribution; another person's is NotFound, as if it did not exist."""
    contribution = db.session.get(Contribution, contribution_id)
    if contribution is None or contribution.author_id != getattr(author, "id", None):
        raise NotFound(_("No such contribution."))
    return contribution


def my_contributions(author: User) -> list[Contribution]:
    """The author's contributions, newest first."""
    return list(
        db.session.scalars(
            select(Contribution)
            .where(Contribution.author_id == author.id)
            .order_by(Contribution.created_at.desc(), Contribution.id.desc())
        )
    )


def _move(
    contribution: Contribution,
    expected: tuple[str, ...],
    status: str,
    refusal: str,
    *,
    only_if=(),
    **values,
) -> None:
    """Change the status with one conditional UPDATE; Conflict with `refusal` when it is
    not (or no longer, because someone else was quicker) one of `expected`. `only_if`:
    more conditions the row must meet at that moment."""
    if contribution.status not in expected:
        raise Conflict(refusal)
    begin_write_transaction()
    changed = db.session.execute(
        update(Contribution)
        .where(Contribution.id == contribution.id, Contribution.status.in_(expected), *only_if)
        .values(status=status, **values)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.expire(contribution)
    if changed != 1:
        raise Conflict(_("This contribution was changed meanwhile. Please reload the page."))


def _editors_to_tell(column: ContentColumn) -> list[User]:
    """The column's editors, or the admins when it has none (they edit every column)."""
    editors = [editor for editor in catalogue.editors_of(column) if editor.active]
    if editors:
        return editors
    return list(
        db.session.scalars(
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role == "admin", User.active.is_(True))
            .order_by(User.id)
        )
    )


def submit(author: User, contribution_id: int, *, now: datetime | None = None) -> Contribution:
    """Send a draft (or a changed one) to the column's editors."""
    now = now or utcnow()
    contribution = get_own(author, contribution_id)
    _move(
        contribution,
        EDITABLE_STATUSES,
        "submitted",
        _("Only a draft or a contribution sent back for changes can be submitted."),
        submitted_at=now,
        updated_at=now,
    )
    _event(contribution, "submitted", author, now)
    _audit("columns.contribution_submitted", contribution, author, now)
    for editor in _editors_to_tell(contribution.column):
        if editor.id != author.id:
            _notify(editor, SUBMITTED, contribution, now, link=REVIEW_LINK)
    return contribution


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
    contribution = db.session.get(Contribution, contribution_id)
    if contribution is None:
        raise NotFound(_("No such contribution."))
    if not catalogue.is_editor(editor, contribution.column):
        raise Forbidden(_("Only the editors of this column can review its contributions."))
    if contribution.status == "draft":
        raise NotFound(_("No such contribution."))
    return contribution


def request_changes(
    editor: User, contribution_id: int, comment: str, *, now: datetime | None = None
) -> Contribution:
    now = now or utcnow()
    contribution = get_for_review(editor, contribution_id)
    comment = _clean_comment(
        comment, field_name="comment", missing=_("Tell the author what to change.")
    )
    _move(
        contribution,
        ("submitted",),
        "changes_requested",
        _("Changes can only be requested for a contribution waiting for review."),
        review_note=comment,
        reviewed_by_id=editor.id,
        updated_at=now,
    )
    return _decided(contribution, "changes_requested", editor, now, comment, CHANGES_REQUESTED)


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
    _move(
        contribution,
        ("submitted", "approved", "unpublished"),
        "approved",
        _("Only a contribution waiting for review can be approved."),
        publish_at=publish_at if later else None,
        reviewed_by_id=editor.id,
        review_note=None,
        updated_at=now,
    )
    _event(contribution, "approved", editor, now)
    if not later:
        return _publish(contribution, editor, now)
    when = f"{to_local(publish_at):%Y-%m-%d %H:%M}"
    _decided(contribution, "scheduled", editor, now, when, SCHEDULED, when=when)
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
    _move(
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
    return _decided(contribution, "published", actor, now, "", PUBLISHED)


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
    contribution = get_for_review(editor, contribution_id)
    reason = _clean_comment(
        reason, field_name="comment", missing=_("Tell the author why it is rejected.")
    )
    _move(
        contribution,
        ("submitted", "changes_requested"),
        "rejected",
        _("Only a contribution under review can be rejected."),
        review_note=reason,
        reviewed_by_id=editor.id,
        updated_at=now,
    )
    return _decided(contribution, "rejected", editor, now, reason, REJECTED)


def unpublish(
    editor: User, contribution_id: int, reason: str, *, now: datetime | None = None
) -> Contribution:
    """Take a published contribution offline and reverse the points its publication gave."""
    now = now or utcnow()
    contribution = get_for_review(editor, contribution_id)
    reason = _clean_comment(
        reason, field_name="comment", missing=_("Tell the author why it is taken offline.")
    )
    _move(
        contribution,
        ("published",),
        "unpublished",
        _("Only a published contribution can be unpublished."),
        review_note=reason,
        reviewed_by_id=editor.id,
        featured=False,
        updated_at=now,
    )
    entry = points.entry_for_key(points_key(contribution))
    if entry is not None:
        points.reverse(entry, reason=reason, actor=editor, now=now)
    return _decided(contribution, "unpublished", editor, now, reason, UNPUBLISHED)


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
    _event(contribution, action, editor, now)
    _audit("columns.contribution_featured", contribution, editor, now, featured=featured)
    if featured:
        _notify(contribution.author, FEATURED, contribution, now)
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


# Shared steps --------------------------------------------------------------------------------


def _audit(
    action: str,
    contribution: Contribution,
    actor: User | None,
    now: datetime,
    *,
    note: str | None = None,
    **extra,
) -> None:
    audit.record(
        action,
        actor=actor,
        object_type="contribution",
        object_id=contribution.id,
        after={"status": contribution.status, "column_id": contribution.column_id, **extra},
        note=note or None,
        now=now,
    )


def _decided(
    contribution: Contribution,
    action: str,
    actor: User | None,
    now: datetime,
    comment: str,
    kind: kinds.Kind,
    *,
    link: str = OWN_LINK,
    **extra,
) -> Contribution:
    """After a decision: the history event, the audit entry, the author told."""
    _event(contribution, action, actor, now, comment)
    audit_action = {
        "changes_requested": "columns.changes_requested",
        "scheduled": "columns.contribution_approved",
    }.get(action, f"columns.contribution_{action}")
    _audit(audit_action, contribution, actor, now, note=comment)
    _notify(contribution.author, kind, contribution, now, link=link, comment=comment, **extra)
    db.session.flush()
    return contribution


def _notify(
    user: User,
    kind: kinds.Kind,
    contribution: Contribution,
    now: datetime,
    *,
    link: str = OWN_LINK,
    **extra,
) -> None:
    notifications.notify(
        user,
        kind.id,
        context={
            "title": contribution.title,
            "column": contribution.column.name,
            "author": contribution.author.name,
            **extra,
        },
        link=link.format(id=contribution.id),
        now=now,
    )

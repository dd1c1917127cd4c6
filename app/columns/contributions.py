"""Contributions and their editorial workflow: the steps shared by authors and editors, and
the authors' side. The editors' side is in `editorial.py`, checking what an author sends in
`contribution_fields.py`.

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

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from app.accounts.models import User, UserRole
from app.audit import services as audit
from app.columns import catalogue
from app.columns.contribution_fields import ContributionFields, validated_fields
from app.columns.models import (
    ContentColumn,
    Contribution,
    ContributionEvent,
    ContributionLink,
)
from app.common.db import begin_write_transaction, update_if
from app.common.rows import set_fields
from app.common.time import utcnow
from app.errors import Conflict, NotFound
from app.extensions import db
from app.notifications import kinds
from app.notifications import services as notifications
from app.notifications.kinds import CONTRIBUTION_SUBMITTED

EDITABLE_STATUSES = ("draft", "changes_requested")
OWN_LINK = "/contribute/{id}"
REVIEW_LINK = "/editorial/{id}"


# Authors -------------------------------------------------------------------------------------


def _apply(contribution: Contribution, fields: ContributionFields) -> None:
    set_fields(contribution, fields, but=("links",))
    contribution.links = [
        ContributionLink(
            position=position, title=link.title, url=link.url, call_number=link.call_number
        )
        for position, link in enumerate(fields.links)
    ]


def record_event(
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
    clean = validated_fields(author, column, fields)
    contribution = Contribution(
        column_id=column.id, author_id=author.id, status="draft", created_at=now, updated_at=now
    )
    _apply(contribution, clean)
    db.session.add(contribution)
    db.session.flush()
    record_event(contribution, "created", author, now)
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
    clean = validated_fields(author, contribution.column, fields)
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


def move(
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
    if not update_if(
        contribution, Contribution.status.in_(expected), *only_if, status=status, **values
    ):
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
    move(
        contribution,
        EDITABLE_STATUSES,
        "submitted",
        _("Only a draft or a contribution sent back for changes can be submitted."),
        submitted_at=now,
        updated_at=now,
    )
    record_event(contribution, "submitted", author, now)
    audit_step("columns.contribution_submitted", contribution, author, now)
    for editor in _editors_to_tell(contribution.column):
        if editor.id != author.id:
            notify(editor, CONTRIBUTION_SUBMITTED, contribution, now, link=REVIEW_LINK)
    return contribution


# Shared steps --------------------------------------------------------------------------------


def audit_step(
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
        contribution,
        actor=actor,
        after={"status": contribution.status, "column_id": contribution.column_id, **extra},
        note=note or None,
        now=now,
    )


def decided(
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
    record_event(contribution, action, actor, now, comment)
    audit_action = {
        "changes_requested": "columns.changes_requested",
        "scheduled": "columns.contribution_approved",
    }.get(action, f"columns.contribution_{action}")
    audit_step(audit_action, contribution, actor, now, note=comment)
    notify(contribution.author, kind, contribution, now, link=link, comment=comment, **extra)
    db.session.flush()
    return contribution


def notify(
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

"""Readers' comments on published contributions: writing one (the author is told), the
thread a contribution page shows (newest last), an editor hiding a comment with a reason
and closing or reopening a post to comments, and comments as engagement activity.

`Contribution.comment_count` counts the shown comments; it moves only by an UPDATE that
adds or takes one in the database, and a comment is hidden once (an UPDATE that happens
only while it is still shown), so editors and readers acting at once never lose a count.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import Select, literal, select
from sqlalchemy.orm import selectinload

from app.accounts.models import User
from app.audit import services as audit
from app.columns import catalogue, reading
from app.columns.contributions import notify
from app.columns.models import Contribution, ContributionComment
from app.common.db import get_or_not_found, update_if
from app.common.names import mask_name
from app.common.text import clean_line, clean_text
from app.common.time import utcnow
from app.errors import Conflict, Forbidden, NotFound
from app.extensions import db
from app.notifications.kinds import CONTRIBUTION_COMMENTED

MAX_COMMENT_LENGTH = 2000
MAX_REASON_LENGTH = 500
EXCERPT_LENGTH = 200


def add_comment(
    reader: User, contribution_id: int, body: str | None, *, now: datetime | None = None
) -> ContributionComment:
    """The reader comments on a published contribution that is open to comments; its
    author is told unless they wrote the comment themselves."""
    contribution = reading.published_by_id(contribution_id)
    if contribution.comments_closed:
        raise Conflict(_("Comments on this contribution are closed."))
    text = clean_text(
        body,
        field="body",
        limit=MAX_COMMENT_LENGTH,
        missing=_("Please write a comment."),
        too_long=_("A comment can be at most %(n)d characters long.", n=MAX_COMMENT_LENGTH),
    )
    now = now or utcnow()
    comment = ContributionComment(
        contribution_id=contribution.id, author_id=reader.id, body=text, created_at=now
    )
    db.session.add(comment)
    reading.add_to_count(contribution, Contribution.comment_count, 1)
    if contribution.author_id != reader.id:
        notify(
            contribution.author,
            CONTRIBUTION_COMMENTED,
            contribution,
            now,
            link=f"/columns/{contribution.column.code}/{{id}}#comments",  # notify fills the id
            reader=mask_name(reader.name),
            excerpt=reading.excerpt(text, EXCERPT_LENGTH),
        )
    return comment


def thread(contribution: Contribution, *, with_hidden: bool = False) -> list[ContributionComment]:
    """The contribution's comments, oldest first (newest last); hidden ones only for its
    editors (`with_hidden`)."""
    query = (
        select(ContributionComment)
        .options(selectinload(ContributionComment.author))
        .where(ContributionComment.contribution_id == contribution.id)
    )
    if not with_hidden:
        query = query.where(ContributionComment.hidden_at.is_(None))
    query = query.order_by(ContributionComment.created_at, ContributionComment.id)
    return list(db.session.scalars(query))


def get_comment(contribution_id: int, comment_id: int) -> ContributionComment:
    """A comment on this published contribution (NotFound otherwise)."""
    comment = get_or_not_found(ContributionComment, comment_id, _("This comment does not exist."))
    if comment.contribution_id != reading.published_by_id(contribution_id).id:
        raise NotFound(_("This comment does not exist."))
    return comment


def require_moderator(user: User, contribution_id: int) -> Contribution:
    """The published contribution, when `user` edits its column (Forbidden otherwise)."""
    contribution = reading.published_by_id(contribution_id)
    if not catalogue.is_editor(user, contribution.column):
        raise Forbidden(_("Only the editors of this column can moderate its comments."))
    return contribution


def hide_comment(
    editor: User, comment_id: int, reason: str | None, *, now: datetime | None = None
) -> ContributionComment:
    """An editor of the column hides a comment, with a reason (audited); hiding a hidden
    one changes nothing."""
    comment = get_or_not_found(ContributionComment, comment_id, _("This comment does not exist."))
    contribution = require_moderator(editor, comment.contribution_id)
    why = clean_line(
        reason,
        field="reason",
        limit=MAX_REASON_LENGTH,
        missing=_("Please give a reason for hiding this comment."),
    )
    now = now or utcnow()
    hidden = update_if(
        comment,
        ContributionComment.hidden_at.is_(None),
        hidden_at=now,
        hidden_by_id=editor.id,
        hidden_reason=why,
    )
    if hidden:
        reading.add_to_count(contribution, Contribution.comment_count, -1)
        audit.record("columns.comment_hidden", comment, actor=editor, note=why, now=now)
    return comment


def set_comments_closed(
    editor: User, contribution_id: int, closed: bool, *, now: datetime | None = None
) -> Contribution:
    """An editor of the column closes a post to new comments, or opens it again (audited
    when it changes)."""
    contribution = require_moderator(editor, contribution_id)
    if update_if(
        contribution, Contribution.comments_closed.is_(not closed), comments_closed=closed
    ):
        audit.record(
            "columns.comments_closed",
            contribution,
            actor=editor,
            before={"comments_closed": not closed},
            after={"comments_closed": closed},
            now=now,
        )
    return contribution


def can_moderate(user: User, contribution: Contribution) -> bool:
    return user.is_authenticated and catalogue.is_editor(user, contribution.column)


def comment_activity() -> Select:
    """Comments as engagement activity (a reader's participation): (user_id, at, amount 1).
    A comment an editor hid does not count."""
    return select(
        ContributionComment.author_id.label("user_id"),
        ContributionComment.created_at.label("at"),
        literal(1.0).label("amount"),
    ).where(ContributionComment.hidden_at.is_(None))

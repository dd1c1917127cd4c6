"""What readers see: published contributions, likes, daily views, feeds.

Likes and views are rows with a unique key (one like per person, one view per person per
local day) inserted in a savepoint; the counters on the contribution move only when a row
was inserted, by an UPDATE that adds one in the database, so readers acting at the same
moment never lose or double a count.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import Select, delete, select, update
from sqlalchemy.orm import InstrumentedAttribute

from app.accounts.models import User
from app.columns.models import ContentColumn, Contribution, ContributionLike, ContributionView
from app.common.db import add_once, begin_write_transaction
from app.common.markdown import render_markdown
from app.common.names import mask_name
from app.common.time import local_today, utcnow
from app.errors import NotFound
from app.extensions import db

PUBLISHED = "published"
EXCERPT_LENGTH = 120
FEED_LENGTH = 20


def published_query(column: ContentColumn) -> Select:
    """Select of the column's published contributions, featured first, then newest."""
    return (
        select(Contribution)
        .where(Contribution.column_id == column.id, Contribution.status == PUBLISHED)
        .order_by(
            Contribution.featured.desc(),
            Contribution.published_at.desc(),
            Contribution.id.desc(),
        )
    )


def latest(column: ContentColumn, limit: int = 3) -> list[Contribution]:
    """The column's most recently published contributions, newest first."""
    query = (
        select(Contribution)
        .where(Contribution.column_id == column.id, Contribution.status == PUBLISHED)
        .order_by(Contribution.published_at.desc(), Contribution.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(query))


def feed_entries(column: ContentColumn, limit: int = FEED_LENGTH) -> list[Contribution]:
    """The contributions a column's feed carries: the newest published ones."""
    return latest(column, limit)


def get_published(column: ContentColumn, contribution_id: int) -> Contribution:
    """A published contribution of `column` (NotFound otherwise: drafts, submissions and
    withdrawn ones do not exist for readers)."""
    contribution = published_by_id(contribution_id)
    if contribution.column_id != column.id:
        raise _not_found()
    return contribution


def published_by_id(contribution_id: int) -> Contribution:
    contribution = db.session.get(Contribution, contribution_id)
    if contribution is None or contribution.status != PUBLISHED:
        raise _not_found()
    return contribution


def _not_found() -> NotFound:
    return NotFound(_("This contribution does not exist or is not published."))


def author_name(contribution: Contribution) -> str:
    """The author as readers see them: the full name when they chose so, else masked."""
    name = contribution.author.name
    return name if contribution.show_full_name else mask_name(name)


def excerpt(body: str | None, length: int = EXCERPT_LENGTH) -> str:
    """The start of a Markdown body as plain text, for cards and summaries."""
    text = render_markdown(body).striptags()
    if len(text) <= length:
        return text
    return text[: length - 1].rstrip() + "…"


def _insert(row: ContributionLike | ContributionView) -> bool:
    """Insert `row` in a savepoint; False when its unique key is already taken (by this
    person earlier, or by a concurrent request that committed first)."""
    return add_once(row, existing=lambda: True) is None


def add_to_count(contribution: Contribution, column: InstrumentedAttribute, step: int) -> None:
    db.session.execute(
        update(Contribution)
        .where(Contribution.id == contribution.id)
        .values({column: column + step})
        .execution_options(synchronize_session=False)
    )
    db.session.expire(contribution, [column.key])


def record_view(user: User, contribution: Contribution, *, now: datetime | None = None) -> bool:
    """Count the person's view once per local day; True when this one counted."""
    day = local_today(now)
    view = ContributionView(contribution_id=contribution.id, user_id=user.id, day=day)
    if not _insert(view):
        return False
    add_to_count(contribution, Contribution.view_count, 1)
    return True


def like(user: User, contribution_id: int, *, now: datetime | None = None) -> Contribution:
    """The person likes a published contribution; liking it again changes nothing."""
    contribution = published_by_id(contribution_id)
    row = ContributionLike(
        contribution_id=contribution.id, user_id=user.id, created_at=now or utcnow()
    )
    if _insert(row):
        add_to_count(contribution, Contribution.like_count, 1)
    return contribution


def unlike(user: User, contribution_id: int) -> Contribution:
    """The person takes their like back; without one this changes nothing."""
    contribution = published_by_id(contribution_id)
    begin_write_transaction()
    removed = db.session.execute(
        delete(ContributionLike).where(
            ContributionLike.contribution_id == contribution.id,
            ContributionLike.user_id == user.id,
        )
    ).rowcount
    if removed:
        add_to_count(contribution, Contribution.like_count, -1)
    return contribution


def liked_ids(user: User, contribution_ids: list[int]) -> set[int]:
    """Which of these contributions the person likes."""
    if not contribution_ids:
        return set()
    query = select(ContributionLike.contribution_id).where(
        ContributionLike.user_id == user.id,
        ContributionLike.contribution_id.in_(contribution_ids),
    )
    return set(db.session.scalars(query))

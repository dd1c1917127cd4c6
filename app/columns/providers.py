"""What the columns feature tells other features: published contributions per person (for
badges) and as Second Classroom credit sources. Registered at app start.

Both read everyone at once in one query (the badge job and the credit sync ask for all
people), never one query per person.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from flask import current_app
from sqlalchemy import func, select

from app.columns.models import ContentColumn, Contribution
from app.credits import sources
from app.credits.sources import CreditSource
from app.extensions import db
from app.rewards import badges

SOURCE = "contribution"
ACTIVITY_NAME_MAX = 200


def published_counts(
    column_code: str | None = None, user_ids: list[int] | None = None
) -> dict[int, int]:
    """{author id: published contributions}, in one column (by code) or in all."""
    query = (
        select(Contribution.author_id, func.count(Contribution.id))
        .where(Contribution.status == "published")
        .group_by(Contribution.author_id)
    )
    if column_code:
        query = query.join(ContentColumn, ContentColumn.id == Contribution.column_id).where(
            ContentColumn.code == column_code
        )
    if user_ids is not None:
        query = query.where(Contribution.author_id.in_(list(user_ids)))
    return dict(db.session.execute(query).all())


def credit_sources(user_ids: Iterable[int] | None = None) -> Iterator[CreditSource]:
    """One credit source per published contribution; an unpublished one stops counting, so
    the next sync voids its record."""
    config = current_app.config
    query = (
        select(Contribution, ContentColumn)
        .join(ContentColumn, ContentColumn.id == Contribution.column_id)
        .where(Contribution.status == "published", Contribution.published_at.is_not(None))
        .order_by(Contribution.id)
    )
    if user_ids is not None:
        query = query.where(Contribution.author_id.in_(list(user_ids)))
    role = config["CREDIT_ROLE_NAMES"].get(SOURCE, SOURCE)
    for contribution, column in db.session.execute(query):
        day = sources.local_day(contribution.published_at)
        yield CreditSource(
            source=SOURCE,
            source_id=contribution.id,
            user_id=contribution.author_id,
            team_id=None,
            task_id=None,
            category=column.credit_category or config["CREDIT_CONTRIBUTION_CATEGORY"],
            activity_name=f"{column.name}：{contribution.title}"[:ACTIVITY_NAME_MAX],
            role=role,
            started_on=day,
            ended_on=day,
            minutes=column.credit_minutes,
        )


badges.register_contribution_provider(published_counts)
sources.register_source(SOURCE, credit_sources)

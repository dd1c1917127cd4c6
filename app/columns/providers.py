"""What the columns feature tells other features: published contributions per person (for
badges) and as Second Classroom credit sources, connected by `app.wiring.wire_hooks`.

Both read everyone at once in one query (the badge job and the credit sync ask for all
people), never one query per person.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime

from flask import current_app
from sqlalchemy import Select, func, literal, select

from app import hooks
from app.columns.models import ContentColumn, Contribution
from app.common.time import local_day
from app.credits.sources import CreditSource
from app.extensions import db

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


def publication_activity() -> Select:
    """Published contributions as engagement activity: (user_id, at = publication, amount 1)."""
    return select(
        Contribution.author_id.label("user_id"),
        Contribution.published_at.label("at"),
        literal(1.0).label("amount"),
    ).where(Contribution.status == "published", Contribution.published_at.is_not(None))


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
        day = local_day(contribution.published_at)
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


def connect_hooks() -> None:
    hooks.CONTRIBUTIONS.connect(published_counts)
    hooks.CREDIT_SOURCES.connect(credit_sources)


def column_activity(since: datetime, until: datetime) -> list[tuple[str, int, int]]:
    """Per active column, in their order: (name, contributions submitted, contributions
    published) in [since, until), for the engagement dashboard."""
    submitted = (
        select(Contribution.column_id, func.count().label("n"))
        .where(Contribution.submitted_at >= since, Contribution.submitted_at < until)
        .group_by(Contribution.column_id)
        .subquery()
    )
    published = (
        select(Contribution.column_id, func.count().label("n"))
        .where(
            Contribution.status == "published",
            Contribution.published_at >= since,
            Contribution.published_at < until,
        )
        .group_by(Contribution.column_id)
        .subquery()
    )
    query = (
        select(
            ContentColumn.name,
            func.coalesce(submitted.c.n, 0),
            func.coalesce(published.c.n, 0),
        )
        .outerjoin(submitted, submitted.c.column_id == ContentColumn.id)
        .outerjoin(published, published.c.column_id == ContentColumn.id)
        .where(ContentColumn.active.is_(True))
        .order_by(ContentColumn.position, ContentColumn.id)
    )
    return [(name, int(sent), int(out)) for name, sent, out in db.session.execute(query)]


def published_between(since: datetime, until: datetime) -> Select:
    """Contributions published in [since, until): (user_id, at = publication, title), for
    annual reports and group portraits."""
    return select(
        Contribution.author_id.label("user_id"),
        Contribution.published_at.label("at"),
        Contribution.title.label("title"),
    ).where(
        Contribution.status == "published",
        Contribution.published_at >= since,
        Contribution.published_at < until,
    )

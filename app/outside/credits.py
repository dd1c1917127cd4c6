"""Approved hours served elsewhere as a Second Classroom credit source, in a category of
their own (CREDIT_OUTSIDE_CATEGORY). Its seeded rule is switched off, and a category
without an active rule earns no credits, so they count only where an admin says so."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from flask import current_app
from sqlalchemy import select

from app import hooks
from app.credits.sources import CreditSource
from app.extensions import db
from app.outside.models import OutsideClaim


def credit_sources(user_ids: Iterable[int] | None = None) -> Iterator[CreditSource]:
    query = select(OutsideClaim).where(OutsideClaim.status == "approved").order_by(OutsideClaim.id)
    if user_ids is not None:
        query = query.where(OutsideClaim.user_id.in_(list(user_ids)))
    category = current_app.config["CREDIT_OUTSIDE_CATEGORY"]
    role = current_app.config["CREDIT_ROLE_NAMES"].get("volunteer_team", "志愿者")
    for claim in db.session.scalars(query):
        yield CreditSource(
            source="outside",
            source_id=claim.id,
            user_id=claim.user_id,
            team_id=None,
            task_id=None,
            category=category,
            activity_name=claim.organiser,
            role=role,
            started_on=claim.served_on,
            ended_on=claim.served_on,
            minutes=claim.approved_minutes or 0,
        )


def connect_hooks() -> None:
    hooks.CREDIT_SOURCES.connect(credit_sources)

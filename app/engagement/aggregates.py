"""The stored figures of the engagement dashboard and group portraits: one row per
dashboard scope or portrait, replaced by each refresh (`aggregate_refresh`). The pages read
these rows instead of counting over everyone's activity."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import delete, func, select

from app.common.db import lock_for_transaction
from app.engagement.models import EngagementAggregate
from app.extensions import db


def dashboard_key(scope_key: str) -> str:
    """The key of a dashboard scope: "dashboard:all", "dashboard:team:3"."""
    return f"dashboard:{scope_key}"


def portrait_key(group_scope: str, year: int) -> str:
    """The key of a portrait: "portrait:college:5:2026"."""
    return f"portrait:{group_scope}:{year}"


def stored(key: str) -> EngagementAggregate | None:
    return db.session.scalar(select(EngagementAggregate).where(EngagementAggregate.key == key))


def last_computed_at() -> datetime | None:
    return db.session.scalar(select(func.max(EngagementAggregate.computed_at)))


def replace_all(figures: dict[str, dict], *, day: date, now: datetime) -> int:
    """Store `figures` by key, replacing what an earlier refresh stored; keys no longer
    computed (a team gone, last year's portraits) are dropped. The caller commits."""
    lock_for_transaction("engagement.aggregates")  # a concurrent refresh writes before or after
    table = EngagementAggregate
    rows = {row.key: row for row in db.session.scalars(select(table))}
    for key, values in figures.items():
        row = rows.get(key)
        if row is None:
            db.session.add(table(key=key, day=day, computed_at=now, figures=values))
        else:
            row.day, row.computed_at, row.figures = day, now, values
    db.session.execute(delete(table).where(table.key.not_in(list(figures))))
    db.session.flush()
    return len(figures)

"""Refreshing the engagement aggregates: every dashboard scope the page offers (everyone,
each team) and this year's portrait of every college, team and cohort, counted by the
pages' own live computations and stored for them to read. Run by the nightly scoring job
after it scores the day, and by an admin's "refresh now"."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from app.accounts import services as accounts
from app.audit import services as audit
from app.common.db import short_write
from app.common.time import local_today, utcnow
from app.engagement import aggregates, dashboard, group_portraits
from app.engagement.report_years import current_year
from app.extensions import db
from app.recruitment.models import Team


def _dashboard_scopes() -> list[dashboard.Scope]:
    teams = db.session.execute(select(Team.id, Team.name).order_by(Team.id)).all()
    return [
        dashboard.Scope("all", _("Everyone"), None),
        *(dashboard.Scope(f"team:{team_id}", name, (team_id,)) for team_id, name in teams),
    ]


def _groups() -> list[group_portraits.Group]:
    people = accounts.person_groups().subquery()
    years = db.session.scalars(
        select(people.c.enrolment_year).where(people.c.enrolment_year.is_not(None)).distinct()
    )
    teams = db.session.execute(select(Team.id, Team.name).order_by(Team.id)).all()
    return [
        *(group_portraits.Group("college", c.id, c.name) for c in accounts.colleges()),
        *(group_portraits.Group("team", team_id, name) for team_id, name in teams),
        *(group_portraits.Group("cohort", int(year), str(year)) for year in sorted(years)),
    ]


def count_all(*, now: datetime) -> dict[str, dict]:
    """Every aggregate's figures by key, counted live. Reads only: the caller makes sure no
    write of its own is open meanwhile, so nobody waits for the database while it counts."""
    year = current_year(now)
    figures = {
        aggregates.dashboard_key(scope.key): dashboard.live_figures(scope, now=now)
        for scope in _dashboard_scopes()
    }
    for group in _groups():
        figures[aggregates.portrait_key(group.scope, year)] = group_portraits.live_figures(
            group, year
        )
    return figures


def refresh(*, now: datetime | None = None) -> dict[str, int]:
    """Count and store every aggregate (the nightly job, after the day's scores). Like the
    scoring it commits: whatever the caller wrote is committed first, every figure is
    counted with no write transaction open (on SQLite the web keeps writing while it
    counts), and the results are stored in one short write transaction at the end."""
    now = now or utcnow()
    db.session.commit()  # nothing of the caller's holds the write lock while counting
    figures = count_all(now=now)
    db.session.commit()  # ends the read, so the write below starts from a fresh snapshot
    with short_write():
        stored = aggregates.replace_all(figures, day=local_today(now), now=now)
    return {"aggregates": stored}


def refresh_now(*, actor, now: datetime | None = None) -> dict[str, int]:
    """An admin's "refresh now" (audited), in the request's one transaction: every figure
    is counted before anything is written, so the write lock is taken only for storing
    them and the audit entry."""
    now = now or utcnow()
    figures = count_all(now=now)
    counts = {"aggregates": aggregates.replace_all(figures, day=local_today(now), now=now)}
    audit.record(
        "engagement.aggregates_refreshed",
        audit.Subject("engagement_aggregates", "all"),
        actor=actor,
        after=counts,
        now=now,
    )
    return counts

"""Daily engagement snapshots: one row per person and day (score, segment, the figures it
came from and the reason in data), the day's run, segment counts per group (for trends),
and the nudges coordinators sent to people at risk.

Rerunning a day replaces that day's rows (`UNIQUE (day, user_id)`); older days are thinned
to one a week by the job, so a year of trends stays small.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.common.db import sql_in
from app.common.time import utcnow
from app.extensions import db

SEGMENTS = ("core", "active", "new", "at_risk", "dormant")


class EngagementScore(db.Model):
    __tablename__ = "engagement_scores"
    __table_args__ = (
        sa.UniqueConstraint("day", "user_id"),
        sa.Index("ix_engagement_scores_user_day", "user_id", "day"),
        sa.CheckConstraint(sql_in("segment", SEGMENTS), name="segment"),
        sa.CheckConstraint("score >= 0 AND score <= 100", name="score_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(sa.Date)  # local day the score is for
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    score: Mapped[int] = mapped_column(sa.Integer)
    segment: Mapped[str] = mapped_column(sa.String(16))
    # The three parts of the score, each 0–1, as computed (for "why this score").
    recency: Mapped[float] = mapped_column(sa.Float, default=0.0)
    frequency: Mapped[float] = mapped_column(sa.Float, default=0.0)
    volume: Mapped[float] = mapped_column(sa.Float, default=0.0)
    # Days since the last activity of any kind (None: none in the lookback).
    idle_days: Mapped[int | None] = mapped_column(sa.Integer)
    # Figures of the scoring window (the last 13 weeks).
    active_weeks: Mapped[int] = mapped_column(sa.Integer, default=0)
    service_minutes: Mapped[int] = mapped_column(sa.Integer, default=0)
    shifts: Mapped[int] = mapped_column(sa.Integer, default=0)
    contributions: Mapped[int] = mapped_column(sa.Integer, default=0)
    reading: Mapped[float] = mapped_column(sa.Float, default=0.0)
    login_days: Mapped[int] = mapped_column(sa.Integer, default=0)
    # Why this segment, as data rendered in the reader's language: ("gap", {"kind":
    # "service", "days": 41, "cadence": "weekly"}).
    reason: Mapped[str] = mapped_column(sa.String(24))
    reason_params: Mapped[dict] = mapped_column(sa.JSON, default=dict)


class EngagementDay(db.Model):
    """One scoring run's day: when it ran, how many people, and the settings it used."""

    __tablename__ = "engagement_days"

    day: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    computed_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)
    people: Mapped[int] = mapped_column(sa.Integer, default=0)
    settings: Mapped[dict] = mapped_column(sa.JSON, default=dict)


class SegmentCount(db.Model):
    """People per segment on a day in a group ("all", "team:3", "college:5", "cohort:2024"),
    with their service minutes and contributions of the scoring window: the dashboard's
    figures per group, read without going through everyone's rows."""

    __tablename__ = "engagement_segment_counts"
    __table_args__ = (
        sa.UniqueConstraint("day", "scope", "segment"),
        sa.Index("ix_engagement_segment_counts_scope_day", "scope", "day"),
        sa.CheckConstraint(sql_in("segment", SEGMENTS), name="segment"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(sa.Date)
    scope: Mapped[str] = mapped_column(sa.String(32))
    segment: Mapped[str] = mapped_column(sa.String(16))
    people: Mapped[int] = mapped_column(sa.Integer)
    service_minutes: Mapped[int] = mapped_column(sa.Integer, default=0)
    contributions: Mapped[int] = mapped_column(sa.Integer, default=0)


class EngagementNudge(db.Model):
    """A message a coordinator sent to a team member at risk (one row per person)."""

    __tablename__ = "engagement_nudges"
    __table_args__ = (sa.Index("ix_engagement_nudges_user_sent", "user_id", "sent_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    team_id: Mapped[int] = mapped_column(sa.ForeignKey("teams.id"), index=True)
    sent_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    sent_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)
    message: Mapped[str] = mapped_column(sa.Text)

    user = relationship("User", foreign_keys=[user_id])


class ReportShare(db.Model):
    """A public link to one person's annual report, made by them and revocable."""

    __tablename__ = "engagement_report_shares"
    __table_args__ = (sa.UniqueConstraint("user_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    year: Mapped[int] = mapped_column(sa.Integer)
    token: Mapped[str] = mapped_column(sa.String(32), unique=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(sa.DateTime)

    user = relationship("User")


class EngagementAggregate(db.Model):
    """The figures of one dashboard scope or group portrait as the last refresh computed
    them (after the nightly scoring, or an admin's "refresh now"): the pages read these
    instead of counting over everyone's activity. Keyed "dashboard:all",
    "dashboard:team:3", "portrait:college:5:2026"; the latest refresh replaces the row."""

    __tablename__ = "engagement_aggregates"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(64), unique=True)
    day: Mapped[date] = mapped_column(sa.Date)  # the local day the figures count up to
    computed_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)
    figures: Mapped[dict] = mapped_column(sa.JSON, default=dict)

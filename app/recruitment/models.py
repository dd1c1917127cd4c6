"""Teams and their coordinators, recruitment campaigns with questions, applications and
their review notes, team memberships, and volunteer profiles.

Invariants in the schema: one application per (campaign, person), one membership per
(team, person), one coordinator grant per (team, person); a campaign's `accepted_count`
never exceeds its quota (a check constraint, kept by a conditional UPDATE in the services).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.common.db import sql_in
from app.common.time import utcnow
from app.extensions import db

TEAM_KINDS = ("volunteer_team", "student_assistants", "special_role")
SELECTION_MODES = ("review", "first_come", "lottery")
QUESTION_KINDS = ("short_text", "long_text", "single_choice", "multiple_choice", "availability")
APPLICATION_STATUSES = (
    "submitted",
    "shortlisted",
    "accepted",
    "rejected",
    "waitlisted",
    "withdrawn",
)
MEMBERSHIP_STATUSES = ("active", "paused", "alumni")
# The weekly availability grid: days by parts of the day.
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_PARTS = ("morning", "afternoon", "evening")


class Team(db.Model):
    __tablename__ = "teams"
    audit_type: ClassVar[str] = "team"
    __table_args__ = (sa.CheckConstraint(sql_in("kind", TEAM_KINDS), name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(32), default="volunteer_team")
    description: Mapped[str] = mapped_column(sa.Text, default="")
    # Members need the onboarding training before their first shift (the shifts feature
    # sets Membership.onboarded when they complete it).
    requires_onboarding: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)
    # Limits per person over all the team's tasks (None = no limit), counted like a task's
    # own limits (app/shifts/rush.py); a sign-up must keep within both.
    max_per_week: Mapped[int | None] = mapped_column(sa.Integer)
    max_per_month: Mapped[int | None] = mapped_column(sa.Integer)
    max_future: Mapped[int | None] = mapped_column(sa.Integer)

    coordinators: Mapped[list[TeamCoordinator]] = relationship(
        back_populates="team", cascade="all, delete-orphan"
    )


class TeamCoordinator(db.Model):
    """A coordinator's scope: the teams they run. Admins run every team."""

    __tablename__ = "team_coordinators"
    __table_args__ = (sa.UniqueConstraint("team_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(sa.ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    granted_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)

    team: Mapped[Team] = relationship(back_populates="coordinators")
    user = relationship("User")


class Campaign(db.Model):
    __tablename__ = "campaigns"
    audit_type: ClassVar[str] = "campaign"
    __table_args__ = (
        sa.CheckConstraint(sql_in("selection_mode", SELECTION_MODES), name="selection_mode"),
        sa.CheckConstraint("quota > 0", name="quota_positive"),
        sa.CheckConstraint("accepted_count >= 0 AND accepted_count <= quota", name="within_quota"),
        sa.CheckConstraint("closes_at > opens_at", name="closes_after_opening"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(sa.ForeignKey("teams.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")  # Markdown
    quota: Mapped[int] = mapped_column(sa.Integer)
    accepted_count: Mapped[int] = mapped_column(sa.Integer, default=0)
    opens_at: Mapped[datetime] = mapped_column(sa.DateTime)
    closes_at: Mapped[datetime] = mapped_column(sa.DateTime, index=True)
    selection_mode: Mapped[str] = mapped_column(sa.String(16), default="review")
    # Empty lists mean "anyone": user types, college ids, enrolment years.
    eligible_user_types: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    eligible_college_ids: Mapped[list[int]] = mapped_column(sa.JSON, default=list)
    eligible_years: Mapped[list[int]] = mapped_column(sa.JSON, default=list)
    consent_text: Mapped[str] = mapped_column(sa.Text, default="")
    published: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    # The lottery, when selection_mode == "lottery": drawn once, after closing.
    lottery_seed: Mapped[str | None] = mapped_column(sa.String(64))
    lottery_drawn_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)

    team: Mapped[Team] = relationship()
    questions: Mapped[list[CampaignQuestion]] = relationship(
        back_populates="campaign",
        order_by="CampaignQuestion.position",
        cascade="all, delete-orphan",
    )


class CampaignQuestion(db.Model):
    __tablename__ = "campaign_questions"
    __table_args__ = (sa.CheckConstraint(sql_in("kind", QUESTION_KINDS), name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        sa.ForeignKey("campaigns.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(sa.Integer, default=0)
    kind: Mapped[str] = mapped_column(sa.String(16))
    label: Mapped[str] = mapped_column(sa.String(300))
    help_text: Mapped[str] = mapped_column(sa.String(500), default="")
    required: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    options: Mapped[list[str]] = mapped_column(sa.JSON, default=list)  # choice questions

    campaign: Mapped[Campaign] = relationship(back_populates="questions")


class Application(db.Model):
    __tablename__ = "applications"
    audit_type: ClassVar[str] = "application"
    __table_args__ = (
        sa.UniqueConstraint("campaign_id", "user_id"),
        sa.CheckConstraint(sql_in("status", APPLICATION_STATUSES), name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaigns.id"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(sa.String(16), default="submitted", index=True)
    # {question id (as a string): answer}; text for text questions, a list for multiple
    # choice, {"mon": ["morning", ...], ...} for availability.
    answers: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    consented_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    submitted_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    # Lottery draw position (1 = first drawn), recorded with the draw.
    lottery_rank: Mapped[int | None] = mapped_column(sa.Integer)

    campaign: Mapped[Campaign] = relationship()
    user = relationship("User", foreign_keys=[user_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])
    notes: Mapped[list[ApplicationNote]] = relationship(
        back_populates="application",
        order_by="ApplicationNote.created_at",
        cascade="all, delete-orphan",
    )


class ApplicationNote(db.Model):
    """A coordinator's note on an application; never shown to the applicant."""

    __tablename__ = "application_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)

    application: Mapped[Application] = relationship(back_populates="notes")
    author = relationship("User")


class Membership(db.Model):
    __tablename__ = "memberships"
    audit_type: ClassVar[str] = "membership"
    __table_args__ = (
        sa.UniqueConstraint("team_id", "user_id"),
        sa.CheckConstraint(sql_in("status", MEMBERSHIP_STATUSES), name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(sa.ForeignKey("teams.id"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(sa.String(16), default="active")
    joined_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)
    status_changed_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)
    application_id: Mapped[int | None] = mapped_column(sa.ForeignKey("applications.id"))
    # Set by the shifts feature when the member completes the team's onboarding training.
    onboarded: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    onboarded_at: Mapped[datetime | None] = mapped_column(sa.DateTime)

    team: Mapped[Team] = relationship()
    user = relationship("User")


class VolunteerProfile(db.Model):
    """What a volunteer offers: skills and the weekly grid of when they are usually free."""

    __tablename__ = "volunteer_profiles"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    skills: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    availability: Mapped[dict[str, list[str]]] = mapped_column(sa.JSON, default=dict)
    introduction: Mapped[str] = mapped_column(sa.String(1000), default="")
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)


MEMBER_NOTE_KINDS = ("note", "commendation")


class MemberNote(db.Model):
    """What a team's coordinators write about a member: a private note (never shown to the
    member or to other teams) or a commendation, which the member sees and may bring
    points."""

    __tablename__ = "member_notes"
    audit_type: ClassVar[str] = "member_note"
    __table_args__ = (sa.CheckConstraint(sql_in("kind", MEMBER_NOTE_KINDS), name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(sa.ForeignKey("teams.id"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(16))
    body: Mapped[str] = mapped_column(sa.Text)
    points: Mapped[int] = mapped_column(sa.Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    # The one-time token of the form that wrote it: a form posted twice writes it once.
    form_token: Mapped[str | None] = mapped_column(sa.String(64), unique=True)

    team: Mapped[Team] = relationship()
    user = relationship("User", foreign_keys=[user_id])
    author = relationship("User", foreign_keys=[author_id])

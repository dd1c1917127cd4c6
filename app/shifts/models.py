"""Tasks (岗位), their shifts (one-off or generated from a weekly series), sign-ups with a
first-come waitlist, completed trainings, and personal calendar feed tokens.

Invariants in the schema: a shift's `confirmed_count` never exceeds its capacity (a check
constraint, kept by a conditional UPDATE in the services); one sign-up row per (shift,
person); a sign-up's `ticket` is unique per shift and orders the waitlist first come, first
served (tickets come from the shift's `ticket_counter`, incremented atomically).
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import ClassVar

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.common.db import sql_in
from app.common.time import utcnow
from app.extensions import db

TASK_KINDS = ("service", "training", "event")
WAITLIST_MODES = ("automatic", "offer")
SHIFT_STATUSES = ("scheduled", "cancelled")
SIGNUP_STATUSES = ("confirmed", "waitlisted", "offered", "cancelled")
HANDOVER_STATUSES = ("open", "pending", "completed", "withdrawn", "refused", "expired")


class Task(db.Model):
    __tablename__ = "tasks"
    audit_type: ClassVar[str] = "task"
    __table_args__ = (
        sa.CheckConstraint(sql_in("kind", TASK_KINDS), name="kind"),
        sa.CheckConstraint(sql_in("waitlist_mode", WAITLIST_MODES), name="waitlist_mode"),
        sa.CheckConstraint("default_capacity > 0", name="capacity_positive"),
        sa.CheckConstraint("points_multiplier >= 0", name="multiplier_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(sa.ForeignKey("teams.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    location: Mapped[str] = mapped_column(sa.String(200), default="")
    kind: Mapped[str] = mapped_column(sa.String(16), default="service")
    # An onboarding training: completing it sets the team membership's `onboarded`.
    is_onboarding: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    # Training tasks (ids) a person must have completed, and skills they must list.
    required_training_ids: Mapped[list[int]] = mapped_column(sa.JSON, default=list)
    required_skills: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    default_capacity: Mapped[int] = mapped_column(sa.Integer, default=4)
    points_multiplier: Mapped[float] = mapped_column(sa.Float, default=1.0)
    # Second Classroom module category of its hours; None = the default (CREDIT_DEFAULT_CATEGORY).
    credit_category: Mapped[str | None] = mapped_column(sa.String(32))
    # Self-cancellation closes this many hours before the start.
    cancel_deadline_hours: Mapped[int] = mapped_column(sa.Integer, default=12)
    waitlist_mode: Mapped[str] = mapped_column(sa.String(16), default="automatic")
    offer_hours: Mapped[int] = mapped_column(sa.Integer, default=2)  # for waitlist_mode "offer"
    swap_needs_approval: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    # Limits per person on this task's shifts (None = no limit), counting the person's
    # confirmed, offered and waitlisted places (app/shifts/rush.py): shifts in one local week
    # (Monday to Sunday) and one calendar month of the shift, and places held in the future.
    max_per_week: Mapped[int | None] = mapped_column(sa.Integer)
    max_per_month: Mapped[int | None] = mapped_column(sa.Integer)
    max_future: Mapped[int | None] = mapped_column(sa.Integer)
    # Fair when oversubscribed: sign-ups in the first `draw_minutes` after a shift's opening
    # are draw entries, drawn together (app/shifts/draws.py); None = first come, first served.
    draw_minutes: Mapped[int | None] = mapped_column(sa.Integer)
    # Check-in rules (the check-in feature reads them): the window opens this many minutes
    # before the start; later than `late_after_minutes` after the start is late; people not
    # signed up may check in while there is room; scan hours are capped at the scheduled
    # length plus the tolerance and rounded to the step.
    checkin_opens_minutes: Mapped[int] = mapped_column(sa.Integer, default=30)
    late_after_minutes: Mapped[int] = mapped_column(sa.Integer, default=5)
    walk_ins_allowed: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    # Where the task happens (optional): a phone check-in then reports its distance.
    place_latitude: Mapped[float | None] = mapped_column(sa.Float)
    place_longitude: Mapped[float | None] = mapped_column(sa.Float)
    place_radius_m: Mapped[int | None] = mapped_column(sa.Integer)
    hours_tolerance_minutes: Mapped[int] = mapped_column(sa.Integer, default=15)
    hours_rounding_minutes: Mapped[int] = mapped_column(sa.Integer, default=15)
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)

    team = relationship("Team")


class ShiftSeries(db.Model):
    """A weekly pattern ("Mon/Wed 14:00–17:00 from … to …") that generated shifts."""

    __tablename__ = "shift_series"
    audit_type: ClassVar[str] = "shift_series"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(sa.ForeignKey("tasks.id"), index=True)
    weekdays: Mapped[list[int]] = mapped_column(sa.JSON)  # 0 = Monday … 6 = Sunday
    start_time: Mapped[time] = mapped_column(sa.Time)  # local time
    end_time: Mapped[time] = mapped_column(sa.Time)
    first_date: Mapped[date] = mapped_column(sa.Date)
    last_date: Mapped[date] = mapped_column(sa.Date)
    skipped_dates: Mapped[list[str]] = mapped_column(sa.JSON, default=list)  # ISO dates
    capacity: Mapped[int] = mapped_column(sa.Integer)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)

    task: Mapped[Task] = relationship()


class Shift(db.Model):
    __tablename__ = "shifts"
    audit_type: ClassVar[str] = "shift"
    __table_args__ = (
        sa.CheckConstraint(sql_in("status", SHIFT_STATUSES), name="status"),
        sa.CheckConstraint("capacity > 0", name="capacity_positive"),
        sa.CheckConstraint(
            "confirmed_count >= 0 AND confirmed_count <= capacity", name="within_capacity"
        ),
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(sa.ForeignKey("tasks.id"), index=True)
    series_id: Mapped[int | None] = mapped_column(sa.ForeignKey("shift_series.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(sa.DateTime, index=True)  # UTC
    ends_at: Mapped[datetime] = mapped_column(sa.DateTime)
    capacity: Mapped[int] = mapped_column(sa.Integer)
    confirmed_count: Mapped[int] = mapped_column(sa.Integer, default=0)
    ticket_counter: Mapped[int] = mapped_column(sa.Integer, default=0)
    status: Mapped[str] = mapped_column(sa.String(16), default="scheduled")
    cancel_reason: Mapped[str | None] = mapped_column(sa.String(500))
    note: Mapped[str] = mapped_column(sa.String(500), default="")
    # Volunteers may sign up themselves from then on (UTC); None = open at once.
    signup_opens_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    # The draw of its entries (task's `draw_minutes`): when it ran and its recorded seed.
    drawn_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    draw_seed: Mapped[str | None] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)

    task: Mapped[Task] = relationship()
    series: Mapped[ShiftSeries | None] = relationship()


DRAW_ENTRY_STATUSES = ("entered", "cancelled", "drawn")


class ShiftDrawEntry(db.Model):
    """A request made in a shift's draw window: equal to the others made in it, and given
    a place or a waitlist ticket by the draw, in the drawn order (`rank`)."""

    __tablename__ = "shift_draw_entries"
    audit_type: ClassVar[str] = "shift_draw_entry"
    __table_args__ = (
        sa.UniqueConstraint("shift_id", "user_id"),
        sa.CheckConstraint(sql_in("status", DRAW_ENTRY_STATUSES), name="status"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shift_id: Mapped[int] = mapped_column(sa.ForeignKey("shifts.id"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(sa.String(16), default="entered")
    entered_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)
    rank: Mapped[int | None] = mapped_column(sa.Integer)  # 1 = drawn first
    decided_at: Mapped[datetime | None] = mapped_column(sa.DateTime)

    shift: Mapped[Shift] = relationship()
    user = relationship("User")


class ShiftSignup(db.Model):
    __tablename__ = "shift_signups"
    audit_type: ClassVar[str] = "shift_signup"
    __table_args__ = (
        sa.UniqueConstraint("shift_id", "user_id"),
        sa.UniqueConstraint("shift_id", "ticket"),
        sa.CheckConstraint(sql_in("status", SIGNUP_STATUSES), name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shift_id: Mapped[int] = mapped_column(sa.ForeignKey("shifts.id"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(sa.String(16))
    # Arrival order on this shift (a new ticket each time the person signs up again).
    ticket: Mapped[int] = mapped_column(sa.Integer)
    signed_up_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    # For waitlist mode "offer": the place is held for this person until then.
    offer_expires_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    late_cancellation: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    # Past the deadline, "I can't make it" asks the coordinator to release the place.
    release_requested_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    # Set by the job after the shift ends when a confirmed person never checked in; a
    # coordinator may excuse it (which clears it, audited, and sets `no_show_excused_at`).
    no_show_at: Mapped[datetime | None] = mapped_column(sa.DateTime, index=True)
    # When a coordinator excused the no-show: the job never marks this sign-up again.
    no_show_excused_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    assigned_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    shift: Mapped[Shift] = relationship()
    user = relationship("User", foreign_keys=[user_id])


class ShiftHandover(db.Model):
    """A confirmed volunteer offers their place; another eligible volunteer takes it over.

    `open` until someone takes it (then `completed`, or `pending` when the task needs a
    coordinator's approval, then `completed` or `refused`); the offerer may withdraw an open
    offer; offers left open when the shift starts expire.
    """

    __tablename__ = "shift_handovers"
    audit_type: ClassVar[str] = "shift_handover"
    __table_args__ = (sa.CheckConstraint(sql_in("status", HANDOVER_STATUSES), name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shift_id: Mapped[int] = mapped_column(sa.ForeignKey("shifts.id"), index=True)
    signup_id: Mapped[int] = mapped_column(sa.ForeignKey("shift_signups.id"), index=True)
    from_user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    to_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(sa.String(16), default="open")
    note: Mapped[str] = mapped_column(sa.String(500), default="")
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)
    taken_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    decided_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    shift: Mapped[Shift] = relationship()
    signup: Mapped[ShiftSignup] = relationship()
    from_user = relationship("User", foreign_keys=[from_user_id])
    to_user = relationship("User", foreign_keys=[to_user_id])


class SignupPause(db.Model):
    """Self sign-up in a team paused after too many no-shows in a semester, until lifted."""

    __tablename__ = "signup_pauses"
    audit_type: ClassVar[str] = "signup_pause"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    team_id: Mapped[int] = mapped_column(sa.ForeignKey("teams.id"), index=True)
    semester: Mapped[str] = mapped_column(sa.String(16))  # Semester.code, e.g. "2026-2027-1"
    no_shows: Mapped[int] = mapped_column(sa.Integer)
    paused_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)
    lifted_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    lifted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    lift_note: Mapped[str] = mapped_column(sa.String(500), default="")

    user = relationship("User", foreign_keys=[user_id])
    team = relationship("Team")


class TrainingRecord(db.Model):
    """A completed training (a shift of a training task), once per (person, task)."""

    __tablename__ = "training_records"
    __table_args__ = (sa.UniqueConstraint("user_id", "task_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    task_id: Mapped[int] = mapped_column(sa.ForeignKey("tasks.id"))
    shift_id: Mapped[int | None] = mapped_column(sa.ForeignKey("shifts.id"))
    completed_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)

    task: Mapped[Task] = relationship()


class CalendarFeed(db.Model):
    """A person's secret iCalendar feed address; revoking replaces the token."""

    __tablename__ = "calendar_feeds"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)

"""Points, levels, badges, leaderboard snapshots and imported library-use data.

The points ledger is append-only: every entry carries an idempotency key under a unique
constraint (`attendance:{id}`, `training:{record}`, `noshow:{signup}`, `reversal:{id}`,
`adjustment:{uuid}` …), so a rerun job or a replayed request never awards twice, and a
correction is a reversing entry. A balance is the sum of a person's entries.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.common.db import sql_in
from app.common.time import utcnow
from app.extensions import db

RULE_UNITS = ("event", "hour")
CRITERION_TYPES = (
    "hours_total",  # verified hours ≥ threshold
    "shifts_total",  # attended shifts (verified) ≥ threshold
    "weekly_streak",  # consecutive weeks with a verified shift ≥ threshold
    "contributions",  # published contributions (optionally of one column) ≥ threshold
    "star_level",  # current star level (library plus approved outside hours) ≥ threshold
    "books_borrowed",  # books borrowed, over all imported library-use rows ≥ threshold
    "service_star_month",  # top `threshold` by verified hours in a month
    "reading_star_month",  # top K (threshold) or top P% (params) readers of a month
)
BOARD_METRICS = ("points", "hours", "reading")
BOARD_PERIODS = ("week", "month", "semester", "all")
IMPORT_STATUSES = ("applied", "rolled_back")
MONTH_ROW_DAY = date(1900, 1, 1)


class PointRule(db.Model):
    """How many points an event is worth (admin-editable; a change applies to new events)."""

    __tablename__ = "point_rules"
    audit_type: ClassVar[str] = "point_rule"
    audit_key: ClassVar[str] = "code"
    __table_args__ = (sa.CheckConstraint(sql_in("unit", RULE_UNITS), name="unit"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # verified_hour, training_completed, contribution_published, no_show, …
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    points: Mapped[int] = mapped_column(sa.Integer)  # per event, or per hour (negative: penalty)
    unit: Mapped[str] = mapped_column(sa.String(8), default="event")
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))


class PointEntry(db.Model):
    """One line of the ledger; never updated or deleted."""

    __tablename__ = "point_entries"
    audit_type: ClassVar[str] = "point_entry"
    __table_args__ = (
        sa.Index("ix_point_entries_user_occurred", "user_id", "occurred_at"),
        sa.Index("ix_point_entries_occurred", "occurred_at"),
        sa.Index("ix_point_entries_created", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    points: Mapped[int] = mapped_column(sa.Integer)
    # What earned it: a rule code, "adjustment" or "reversal".
    kind: Mapped[str] = mapped_column(sa.String(40))
    idempotency_key: Mapped[str] = mapped_column(sa.String(120), unique=True)
    # The thing it is for (a link on the achievements page): ("attendance", 12), …
    source_type: Mapped[str | None] = mapped_column(sa.String(40))
    source_id: Mapped[int | None] = mapped_column(sa.Integer)
    # Shown with the entry: e.g. the task and date, or an admin's reason.
    note: Mapped[str] = mapped_column(sa.String(500), default="")
    # When the event happened (periods and leaderboards go by this), and when it was booked.
    occurred_at: Mapped[datetime] = mapped_column(sa.DateTime)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    # The entry this one reverses (a reversal's key is `reversal:{id}`, so at most one).
    reverses_id: Mapped[int | None] = mapped_column(sa.ForeignKey("point_entries.id"))

    user = relationship("User", foreign_keys=[user_id])


class Level(db.Model):
    """A level reached at a points threshold (seeded, admin-editable)."""

    __tablename__ = "levels"

    id: Mapped[int] = mapped_column(primary_key=True)
    min_points: Mapped[int] = mapped_column(sa.Integer, unique=True)
    name_zh: Mapped[str] = mapped_column(sa.String(40))
    name_en: Mapped[str] = mapped_column(sa.String(40))


class Badge(db.Model):
    __tablename__ = "badges"
    audit_type: ClassVar[str] = "badge"
    __table_args__ = (sa.CheckConstraint(sql_in("criterion", CRITERION_TYPES), name="criterion"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name_zh: Mapped[str] = mapped_column(sa.String(80))
    name_en: Mapped[str] = mapped_column(sa.String(80))
    description_zh: Mapped[str] = mapped_column(sa.String(500), default="")
    description_en: Mapped[str] = mapped_column(sa.String(500), default="")
    # The icon's file under static/badges/ (an SVG).
    icon: Mapped[str] = mapped_column(sa.String(80), default="badge.svg")
    # An uploaded image (re-encoded PNG under UPLOAD_DIR/badges/) shown instead of the icon.
    image: Mapped[str] = mapped_column(sa.String(64), default="")
    criterion: Mapped[str] = mapped_column(sa.String(32))
    threshold: Mapped[int] = mapped_column(sa.Integer)
    # Criterion details: {"column": "audio"}, {"top_percent": 5, "min_loans": 2, …}
    params: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    # Taken back when the criterion stops holding (e.g. hours reversed below the threshold).
    revocable: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    sort_order: Mapped[int] = mapped_column(sa.Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)
    # When the badge was first given to everyone already qualifying; None: backfill pending.
    backfilled_at: Mapped[datetime | None] = mapped_column(sa.DateTime)


class BadgeAward(db.Model):
    """A badge earned, once per (badge, person, period); period is "" for lifetime badges
    and "2026-10" for a month's stars."""

    __tablename__ = "badge_awards"
    audit_type: ClassVar[str] = "badge_award"
    __table_args__ = (sa.UniqueConstraint("badge_id", "user_id", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    badge_id: Mapped[int] = mapped_column(sa.ForeignKey("badges.id"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    period: Mapped[str] = mapped_column(sa.String(16), default="")
    awarded_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)
    # Why, in data: {"hours": 104.5}, {"rank": 2, "score": 87.5, "of": 50000}
    evidence: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    # The public page's address part (unguessable).
    public_id: Mapped[str] = mapped_column(sa.String(32), unique=True)
    hidden: Mapped[bool] = mapped_column(sa.Boolean, default=False)  # the holder hid it
    revoked_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    revoked_reason: Mapped[str] = mapped_column(sa.String(500), default="")

    badge: Mapped[Badge] = relationship()
    user = relationship("User")


class LeaderboardEntry(db.Model):
    """A snapshot row: one person's value on one board (metric × period), kept up to date by
    a job; pages read these instead of summing the ledger, and count ranks as they read
    (through the board-order index), so a build writes only the people whose value changed."""

    __tablename__ = "leaderboard_entries"
    __table_args__ = (
        sa.UniqueConstraint("metric", "period", "user_id"),
        # The board's order (walked backwards by value): a page's top rows, and the count
        # of those ahead of someone as three ranges.
        sa.Index("ix_leaderboard_order", "metric", "period", "value", "reached_at", "user_id"),
        # A college's board in the same order: its top rows and ranks cost what everyone's
        # do, however large the college.
        sa.Index(
            "ix_leaderboard_college_order",
            "metric",
            "period",
            "college_id",
            "value",
            "reached_at",
            "user_id",
        ),
        sa.CheckConstraint(sql_in("metric", BOARD_METRICS), name="metric"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    metric: Mapped[str] = mapped_column(sa.String(16))
    # "week:2026-11-23", "month:2026-11", "semester:2026-2027-1", "all"
    period: Mapped[str] = mapped_column(sa.String(32))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    # The person's college when the board was last built (each build brings it up to date):
    # the key of the college's board. No foreign key: a copy, not the affiliation itself.
    college_id: Mapped[int | None] = mapped_column(sa.Integer)
    value: Mapped[int] = mapped_column(sa.Integer)  # points, minutes, or reading score × 100
    # When the person reached this value (their last non-zero contribution): ties go to
    # whoever got there first.
    reached_at: Mapped[datetime] = mapped_column(sa.DateTime)
    built_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)


class BoardBuild(db.Model):
    """When one board (metric × period) was last built, and what the build had seen: the
    watermark the next incremental build starts from."""

    __tablename__ = "leaderboard_builds"
    __table_args__ = (
        sa.UniqueConstraint("metric", "period"),
        sa.CheckConstraint(sql_in("metric", BOARD_METRICS), name="metric"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    metric: Mapped[str] = mapped_column(sa.String(16))
    period: Mapped[str] = mapped_column(sa.String(32))
    built_at: Mapped[datetime] = mapped_column(sa.DateTime)  # the build's `now`
    # The wall clock when the build began reading, and the last ledger line it had seen:
    # the next build recomputes the people with a ledger line after either.
    read_at: Mapped[datetime] = mapped_column(sa.DateTime)
    point_mark: Mapped[int] = mapped_column(sa.Integer, default=0)
    # A digest of who was hidden from others (ranks depend on it) and of what the board is
    # summed from besides the ledger (attendances, a month's library use): a board whose
    # inputs are unchanged is left as it is.
    inputs_digest: Mapped[str] = mapped_column(sa.String(64), default="")


class LibraryUseImport(db.Model):
    """One uploaded CSV from the library system; re-uploading the same bytes is a no-op,
    and an import can be rolled back as a whole."""

    __tablename__ = "library_use_imports"
    audit_type: ClassVar[str] = "library_use_import"
    __table_args__ = (sa.CheckConstraint(sql_in("status", IMPORT_STATUSES), name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(sa.String(255))
    sha256: Mapped[str] = mapped_column(sa.String(64), index=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)
    rows_total: Mapped[int] = mapped_column(sa.Integer, default=0)
    rows_accepted: Mapped[int] = mapped_column(sa.Integer, default=0)
    # [{"line": 7, "reason": "unknown_student", "detail": "2023999999"}, …]
    rejected: Mapped[list] = mapped_column(sa.JSON, default=list)
    status: Mapped[str] = mapped_column(sa.String(16), default="applied")
    rolled_back_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    rolled_back_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))


class LibraryUse(db.Model):
    """A reader's library use for one day or one month, as the library system exported it."""

    __tablename__ = "library_uses"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "month", "day"),
        sa.CheckConstraint(
            "loans >= 0 AND visits >= 0 AND minutes >= 0 AND e_sessions >= 0",
            name="not_negative",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    month: Mapped[str] = mapped_column(sa.String(7), index=True)  # "2026-10"
    # The day of a daily row; a whole-month row has `MONTH_ROW_DAY` (a NULL would escape the
    # unique constraint).
    day: Mapped[date] = mapped_column(sa.Date)
    loans: Mapped[int] = mapped_column(sa.Integer, default=0)
    visits: Mapped[int] = mapped_column(sa.Integer, default=0)
    minutes: Mapped[int] = mapped_column(sa.Integer, default=0)
    e_sessions: Mapped[int] = mapped_column(sa.Integer, default=0)
    import_id: Mapped[int] = mapped_column(sa.ForeignKey("library_use_imports.id"), index=True)


class IssuerKey(db.Model):
    """A key the Open Badges credentials are signed with. The key in use has `slot`
    "current" (unique: two workers generating one at once keep the first); a replaced key
    keeps its row with `slot` None, so its public part stays published and credentials
    signed with it still verify. A key from the environment is recorded public part only
    (`private_pem` empty)."""

    __tablename__ = "issuer_keys"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(primary_key=True)
    kid: Mapped[str] = mapped_column(sa.String(64), unique=True)
    slot: Mapped[str | None] = mapped_column(sa.String(16), unique=True)
    public_jwk: Mapped[dict] = mapped_column(sa.JSON)
    private_pem: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)

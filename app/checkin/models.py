"""Attendance (one record per person and shift), the append-only scan log, and issued
service certificates.

Exactly-once in the schema: one attendance row per (shift, person); a client's retry nonce
is unique per person in the scan log, so a replayed request finds the first answer instead
of acting twice. Hours are kept in whole minutes, in two sources: `scan_minutes` from the
scans (capped and rounded at check-out) and `added_minutes` a coordinator added with
evidence. Only verified records count for points, credits and certificates.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.common.db import sql_in
from app.common.time import utcnow
from app.extensions import db

ATTENDANCE_STATUSES = ("in", "out", "undone")
SCAN_METHODS = ("kiosk", "personal", "manual")
SCAN_OUTCOMES = ("ok", "refused")


class Attendance(db.Model):
    __tablename__ = "attendances"
    audit_type: ClassVar[str] = "attendance"
    __table_args__ = (
        sa.UniqueConstraint("shift_id", "user_id"),
        sa.CheckConstraint(sql_in("status", ATTENDANCE_STATUSES), name="status"),
        sa.CheckConstraint("scan_minutes IS NULL OR scan_minutes >= 0", name="scan_minutes"),
        sa.CheckConstraint("added_minutes >= 0", name="added_minutes"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shift_id: Mapped[int] = mapped_column(sa.ForeignKey("shifts.id"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    # The sign-up this attendance fulfils; None for a walk-in.
    signup_id: Mapped[int | None] = mapped_column(sa.ForeignKey("shift_signups.id"))
    walk_in: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    status: Mapped[str] = mapped_column(sa.String(16), default="in")
    checked_in_at: Mapped[datetime] = mapped_column(sa.DateTime)
    checked_out_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    late: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    check_in_method: Mapped[str] = mapped_column(sa.String(16))
    check_out_method: Mapped[str | None] = mapped_column(sa.String(16))
    # Minutes credited from the scans, set at check-out (capped, rounded).
    scan_minutes: Mapped[int | None] = mapped_column(sa.Integer)
    # Closed by the job at the scheduled end because nobody checked out: flagged for review.
    auto_closed: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    # Minutes a coordinator added with evidence (capped at the shift's length in total).
    added_minutes: Mapped[int] = mapped_column(sa.Integer, default=0)
    added_evidence: Mapped[str] = mapped_column(sa.Text, default="")
    # A coordinator changed a time, the minutes or the status (reason in the audit log).
    corrected: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    # Entered by a coordinator from the paper sign-in sheet (times as written on it).
    from_paper: Mapped[bool] = mapped_column(sa.Boolean, default=False, server_default=sa.false())
    # A phone check-in on a task with a place: "inside", "outside" or "no_position" (flagged
    # for the coordinator, never refused), and the distance in metres when known.
    place_check: Mapped[str | None] = mapped_column(sa.String(16))
    place_distance_m: Mapped[int | None] = mapped_column(sa.Integer)
    verified_at: Mapped[datetime | None] = mapped_column(sa.DateTime, index=True)
    verified_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)

    shift = relationship("Shift")
    user = relationship("User", foreign_keys=[user_id])

    @property
    def total_minutes(self) -> int:
        return (self.scan_minutes or 0) + self.added_minutes


class ScanLog(db.Model):
    """Every scan, accepted or refused, never updated or deleted: it answers "why can't I
    check in?" from data."""

    __tablename__ = "scan_logs"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "nonce"),
        sa.CheckConstraint(sql_in("method", SCAN_METHODS), name="method"),
        sa.CheckConstraint(sql_in("outcome", SCAN_OUTCOMES), name="outcome"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow, index=True)
    # The shift the token named (None when the token could not be read at all).
    shift_id: Mapped[int | None] = mapped_column(sa.ForeignKey("shifts.id"), index=True)
    # The person checking in or out (None when unknown, e.g. a forged personal code).
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    # Who operated the scan when not the person themself (a coordinator's scanner).
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    method: Mapped[str] = mapped_column(sa.String(16))
    # What the scan did or tried: check_in, check_out, undo.
    action: Mapped[str] = mapped_column(sa.String(16))
    outcome: Mapped[str] = mapped_column(sa.String(16))
    # Why it was refused (or a note on an accepted one, e.g. "late", "walk_in").
    reason: Mapped[str | None] = mapped_column(sa.String(32))
    attendance_id: Mapped[int | None] = mapped_column(sa.ForeignKey("attendances.id"))
    # The client's retry key: a retried request with the same nonce replays this answer.
    nonce: Mapped[str | None] = mapped_column(sa.String(64))
    device: Mapped[str] = mapped_column(sa.String(200), default="")
    ip: Mapped[str] = mapped_column(sa.String(64), default="")


class Certificate(db.Model):
    """A service certificate (志愿服务证明) as issued: the content is frozen, and the PDF's
    digest lets the public verification page tell a genuine file from an altered one."""

    __tablename__ = "certificates"
    audit_type: ClassVar[str] = "certificate"
    audit_key: ClassVar[str] = "number"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(32), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    period_start: Mapped[date] = mapped_column(sa.Date)
    period_end: Mapped[date] = mapped_column(sa.Date)
    total_minutes: Mapped[int] = mapped_column(sa.Integer)
    # What the certificate says: name, student number, teams, service lines, issuer …
    content: Mapped[dict] = mapped_column(sa.JSON)
    pdf_sha256: Mapped[str] = mapped_column(sa.String(64))
    issued_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(sa.DateTime)

    user = relationship("User")


class ScannerDevice(db.Model):
    """A coordinator's device allowed to scan one shift offline: it signs each queued scan
    with `key`, which the server accepts until `expires_at` (the shift's check-out close)
    unless the device was revoked."""

    __tablename__ = "scanner_devices"
    audit_type: ClassVar[str] = "scanner_device"

    id: Mapped[int] = mapped_column(primary_key=True)
    shift_id: Mapped[int] = mapped_column(sa.ForeignKey("shifts.id"), index=True)
    # The coordinator who opened the scanner on the device.
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    key: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(sa.DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(sa.DateTime)

    user = relationship("User")

"""Threads between a volunteer and their team's coordinators, and the messages in them.

A thread belongs to one team and one volunteer (and, when it answers one, to an
announcement). Its `status` says whose turn it is: `waiting` (the volunteer wrote last),
`answered` (a coordinator wrote last, or marked it answered), `closed` (nothing more can be
added). `read_at` is when a coordinator of the team first opened it since the volunteer last
wrote: the team's coordinators share one inbox, so one of them reading it is enough.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.common.db import sql_in
from app.common.time import utcnow
from app.extensions import db

STATUSES = ("waiting", "answered", "closed")
SUBJECT_LENGTH = 80
BODY_LENGTH = 2000


class MessageThread(db.Model):
    __tablename__ = "message_threads"
    audit_type: ClassVar[str] = "message_thread"
    __table_args__ = (
        sa.CheckConstraint(sql_in("status", STATUSES), name="status"),
        sa.Index("ix_message_threads_team_status", "team_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(sa.ForeignKey("teams.id"))
    volunteer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    announcement_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("announcements.id"), index=True
    )
    subject: Mapped[str] = mapped_column(sa.String(SUBJECT_LENGTH))
    status: Mapped[str] = mapped_column(sa.String(16), default="waiting")
    read_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    last_message_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(sa.DateTime)

    team = relationship("Team")
    volunteer = relationship("User")
    announcement = relationship("Announcement")


class Message(db.Model):
    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(sa.ForeignKey("message_threads.id"), index=True)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    # True when a coordinator (or an admin) of the team wrote it, for the thread's state.
    from_coordinator: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)

    thread: Mapped[MessageThread] = relationship()
    author = relationship("User")

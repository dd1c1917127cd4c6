"""People, their roles, and the colleges and majors they belong to."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import date, datetime
from typing import ClassVar

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.common.time import utcnow
from app.extensions import db

ROLES = ("volunteer", "coordinator", "editor", "admin")
# Who runs shifts, teams, attendance, credits and reports: coordinators, and admins with them.
COORDINATOR_ROLES = ("coordinator", "admin")
USER_TYPES = ("undergraduate", "postgraduate", "staff", "other")
LOCALES = ("zh", "en")


def new_session_token() -> str:
    return secrets.token_urlsafe(24)


class College(db.Model):
    __tablename__ = "colleges"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    name: Mapped[str] = mapped_column(sa.String(100), unique=True)

    majors: Mapped[list[Major]] = relationship(
        back_populates="college", order_by="Major.name", cascade="all, delete-orphan"
    )


class Major(db.Model):
    __tablename__ = "majors"
    __table_args__ = (sa.UniqueConstraint("college_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    college_id: Mapped[int] = mapped_column(sa.ForeignKey("colleges.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))

    college: Mapped[College] = relationship(back_populates="majors")


class User(UserMixin, db.Model):
    __tablename__ = "users"
    audit_type: ClassVar[str] = "user"
    __table_args__ = (
        sa.CheckConstraint(
            "user_type IN ('undergraduate', 'postgraduate', 'staff', 'other')", name="user_type"
        ),
        sa.CheckConstraint("locale IN ('zh', 'en')", name="locale"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    student_number: Mapped[str] = mapped_column(sa.String(32), unique=True)
    email: Mapped[str | None] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(64))
    nickname: Mapped[str | None] = mapped_column(sa.String(64))
    phone: Mapped[str | None] = mapped_column(sa.String(32))
    user_type: Mapped[str] = mapped_column(sa.String(16), default="undergraduate")
    college_id: Mapped[int | None] = mapped_column(sa.ForeignKey("colleges.id"), index=True)
    major_id: Mapped[int | None] = mapped_column(sa.ForeignKey("majors.id"), index=True)
    enrolment_year: Mapped[int | None]
    locale: Mapped[str] = mapped_column(sa.String(8), default="zh")
    hide_from_boards: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    password_hash: Mapped[str] = mapped_column(sa.String(256))
    must_change_password: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    # No longer read: each device's login is a `LoginSession` now. Kept (unique, random) until
    # a later migration drops the column.
    session_token: Mapped[str] = mapped_column(
        sa.String(64), unique=True, default=new_session_token
    )
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(sa.DateTime)

    college: Mapped[College | None] = relationship()
    major: Mapped[Major | None] = relationship()
    roles: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    # The device token of the login this object was loaded by or started with: what the
    # session and remember cookies carry (see `app.accounts.sessions`). Not stored.
    login_token = None
    login_session = None
    # Numbers every page shows (`hooks.PAGE_COUNTS`), read with the person on page requests:
    # {label: number}; empty when they were not read. Not stored.
    page_counts: dict[str, int] = {}

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        if not self.login_token:
            raise RuntimeError("Start a login session (sessions.start_session) before login_user.")
        return self.login_token

    def __eq__(self, other: object) -> bool:
        # UserMixin compares `get_id()`, which is a device's login now: the same person is
        # the same person on any device.
        if not isinstance(other, User):
            return NotImplemented
        return self is other or (self.id is not None and self.id == other.id)

    def __ne__(self, other: object) -> bool:
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    __hash__ = UserMixin.__hash__

    @property
    def role_names(self) -> set[str]:
        return {role.role for role in self.roles}

    def has_role(self, role: str) -> bool:
        return role in self.role_names

    def has_any_role(self, roles: Iterable[str]) -> bool:
        return not self.role_names.isdisjoint(roles)

    @property
    def display_name(self) -> str:
        return self.nickname or self.name

    def __repr__(self) -> str:
        return f"<User {self.student_number}>"


class UserRole(db.Model):
    __tablename__ = "user_roles"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "role"),
        sa.CheckConstraint("role IN ('volunteer', 'coordinator', 'editor', 'admin')", name="role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(sa.String(16))
    granted_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)

    user: Mapped[User] = relationship(back_populates="roles")


class LoginDay(db.Model):
    """A (local) day on which the person used the site while logged in: logging in, or the
    first page of the day on a remembered phone. Engagement scoring counts these days."""

    __tablename__ = "login_days"
    __table_args__ = (sa.UniqueConstraint("user_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(sa.Date)


class SsoSession(db.Model):
    """A login through the campus CAS server, by its ticket's digest: the server's single
    logout names the ticket, and this finds whom to log out."""

    __tablename__ = "sso_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_sha256: Mapped[str] = mapped_column(sa.String(64), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)


class LoginSession(db.Model):
    """One device's login. The session and remember cookies carry a random token; the row
    keeps only its digest. Logging out ends the row, so a copied cookie stops working while
    the person's other devices stay logged in."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_sha256: Mapped[str] = mapped_column(sa.String(64), unique=True)
    # "Chrome on Android": enough to recognise a device in the list, no more.
    device: Mapped[str] = mapped_column(sa.String(64), default="")
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(sa.DateTime)

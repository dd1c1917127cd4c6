"""What can earn Second Classroom credits, read from other features through their services:
verified attendances (checkin), completed trainings (shifts), and sources other features
register (published contributions, from the columns feature)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date

from flask import current_app
from sqlalchemy import Select, select

from app import hooks
from app.checkin.models import Attendance
from app.common.time import local_day
from app.extensions import db
from app.recruitment.models import Team
from app.shifts.models import Shift, Task, TrainingRecord


@dataclass(frozen=True)
class CreditSource:
    source: str  # one of models.CREDIT_SOURCES
    source_id: int
    user_id: int
    team_id: int | None
    task_id: int | None
    category: str
    activity_name: str
    role: str
    started_on: date  # local calendar days
    ended_on: date
    minutes: int


SourceProvider = Callable[[Iterable[int] | None], Iterable[CreditSource]]


def all_sources(user_ids: Iterable[int] | None = None) -> Iterator[CreditSource]:
    """Every source that counts now, for these people (None = everyone)."""
    ids = None if user_ids is None else sorted(set(user_ids))
    if ids == []:
        return
    for provider in list(hooks.CREDIT_SOURCES.providers):
        yield from provider(ids)


def _for_people(query: Select, column, user_ids: Iterable[int] | None) -> Select:
    return query if user_ids is None else query.where(column.in_(list(user_ids)))


def _role(team_kind: str) -> str:
    return current_app.config["CREDIT_ROLE_NAMES"].get(team_kind, team_kind)


# The rule for what counts is the one of app/checkin/hours.py (verified, not undone, scans
# plus additions), written here as one joined query for everyone: the sync reads thousands
# of people at once, and hours.verified_attendances answers one person per query.
def verified_attendances(user_ids: Iterable[int] | None = None) -> Iterator[CreditSource]:
    """Verified attendances on shifts of tasks other than trainings (those are trainings)."""
    query = (
        select(
            Attendance.id,
            Attendance.user_id,
            Attendance.scan_minutes,
            Attendance.added_minutes,
            Shift.starts_at,
            Shift.ends_at,
            Task.id,
            Task.title,
            Task.credit_category,
            Team.id,
            Team.kind,
        )
        .join(Shift, Shift.id == Attendance.shift_id)
        .join(Task, Task.id == Shift.task_id)
        .join(Team, Team.id == Task.team_id)
        .where(
            Attendance.verified_at.is_not(None),
            Attendance.status != "undone",
            Task.kind != "training",
        )
        .order_by(Attendance.id)
    )
    default_category = current_app.config["CREDIT_DEFAULT_CATEGORY"]
    for row in db.session.execute(_for_people(query, Attendance.user_id, user_ids)):
        (attendance_id, user_id, scanned, added, starts_at, ends_at) = row[:6]
        (task_id, title, category, team_id, team_kind) = row[6:]
        yield CreditSource(
            source="attendance",
            source_id=attendance_id,
            user_id=user_id,
            team_id=team_id,
            task_id=task_id,
            category=category or default_category,
            activity_name=title,
            role=_role(team_kind),
            started_on=local_day(starts_at),
            ended_on=local_day(ends_at),
            minutes=(scanned or 0) + (added or 0),
        )


def completed_trainings(user_ids: Iterable[int] | None = None) -> Iterator[CreditSource]:
    """Completed trainings, worth the training shift's scheduled length (0 when the record
    names no shift: nothing says how long it was)."""
    query = (
        select(
            TrainingRecord.id,
            TrainingRecord.user_id,
            TrainingRecord.completed_at,
            Shift.starts_at,
            Shift.ends_at,
            Task.id,
            Task.title,
            Task.credit_category,
            Task.team_id,
        )
        .join(Task, Task.id == TrainingRecord.task_id)
        .outerjoin(Shift, Shift.id == TrainingRecord.shift_id)
        .order_by(TrainingRecord.id)
    )
    training_category = current_app.config["CREDIT_TRAINING_CATEGORY"]
    role = _role("training")
    for row in db.session.execute(_for_people(query, TrainingRecord.user_id, user_ids)):
        (record_id, user_id, completed_at, starts_at, ends_at) = row[:5]
        (task_id, title, category, team_id) = row[5:]
        minutes = int((ends_at - starts_at).total_seconds() // 60) if starts_at else 0
        yield CreditSource(
            source="training",
            source_id=record_id,
            user_id=user_id,
            team_id=team_id,
            task_id=task_id,
            category=category or training_category,
            activity_name=title,
            role=role,
            started_on=local_day(starts_at or completed_at),
            ended_on=local_day(ends_at or completed_at),
            minutes=max(0, minutes),
        )


def connect_hooks() -> None:
    """The built-in sources; other features (columns) connect their own."""
    hooks.CREDIT_SOURCES.connect(verified_attendances)
    hooks.CREDIT_SOURCES.connect(completed_trainings)

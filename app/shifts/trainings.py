"""Completed trainings: a training shift's people, once it has started, are recorded as
trained (and onboarded when it is the team's onboarding training).

Until check-in exists, the coordinator confirms completion for everyone confirmed on the
shift; the check-in feature will call `record_completion` per attendee instead.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app import hooks
from app.accounts.models import User
from app.audit import services as audit
from app.common.time import utcnow
from app.errors import InvalidInput
from app.extensions import db
from app.recruitment import membership, profiles
from app.recruitment.access import require_team_manager
from app.shifts.models import Shift, ShiftSignup, Task, TrainingRecord
from app.shifts.queries import coming_shifts


def record_completion(shift: Shift, user_id: int, *, actor, now: datetime) -> bool:
    """Record that the person completed this training; False when it was recorded before."""
    task = shift.task
    exists = db.session.scalar(
        select(TrainingRecord.id).where(
            TrainingRecord.user_id == user_id, TrainingRecord.task_id == task.id
        )
    )
    if exists:
        return False
    db.session.add(
        TrainingRecord(user_id=user_id, task_id=task.id, shift_id=shift.id, completed_at=now)
    )
    if task.is_onboarding:
        member = membership.find_membership(task.team_id, user_id)
        if member is not None:
            membership.mark_onboarded(member, now=now, actor=actor)
    audit.record(
        "shifts.training_completed",
        audit.Subject(User.audit_type, user_id),
        actor=actor,
        after={"task_id": task.id, "shift_id": shift.id},
        now=now,
    )
    return True


def complete_training_shift(shift: Shift, *, actor, now: datetime | None = None) -> int:
    """Everyone confirmed on a started training shift completed it; returns how many were
    newly recorded. Safe to repeat."""
    now = now or utcnow()
    require_team_manager(actor, shift.task.team_id)
    if shift.task.kind != "training":
        raise InvalidInput(_("Only a training shift can be marked as completed."))
    if shift.status != "scheduled" or shift.starts_at > now:
        raise InvalidInput(_("A training can be marked as completed once it has started."))
    people = db.session.scalars(
        select(ShiftSignup.user_id).where(
            ShiftSignup.shift_id == shift.id, ShiftSignup.status == "confirmed"
        )
    ).all()
    return sum(record_completion(shift, user_id, actor=actor, now=now) for user_id in people)


def next_onboarding_shifts(team_ids: list[int], *, now: datetime) -> dict[int, Shift]:
    """Per team, the soonest scheduled onboarding training shift not started yet (team id ->
    shift), in one query (for a new member's home page)."""
    if not team_ids:
        return {}
    shifts = db.session.scalars(
        coming_shifts(team_ids, now).where(Task.is_onboarding.is_(True)).limit(50)
    )
    soonest: dict[int, Shift] = {}
    for shift in shifts:
        soonest.setdefault(shift.task.team_id, shift)
    return soonest


def _completed_trainings(user_id: int) -> list[profiles.CompletedTraining]:
    query = (
        select(TrainingRecord)
        .where(TrainingRecord.user_id == user_id)
        .options(joinedload(TrainingRecord.task).joinedload(Task.team))
    )
    return [
        profiles.CompletedTraining(
            title=record.task.title,
            completed_at=record.completed_at,
            team=record.task.team.name if record.task.team else None,
        )
        for record in db.session.scalars(query)
    ]


def connect_hooks() -> None:
    hooks.TRAININGS.connect(_completed_trainings)

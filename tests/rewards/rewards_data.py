"""Rewards test data: people, a team with a task and shifts, and verified attendance rows
written directly (so rewards tests do not depend on the scan engine)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from app.accounts.models import User
from app.checkin.models import Attendance
from app.extensions import db
from app.recruitment.models import Team
from app.rewards.defaults import DEFAULT_RULES
from app.rewards.models import PointRule
from app.shifts.models import Shift, ShiftSignup, Task, TrainingRecord
from tests import factories
from tests.checkin import attendance_data, checkin_data

# A Monday morning in term (UTC): shifts in tests start around here.
START = datetime(2026, 10, 12, 1, 0)


@dataclass
class Place:
    team: Team
    boss: User
    task: Task


def person(*, name: str = "志愿者", **fields) -> User:
    """A volunteer with no team."""
    return factories.person(roles=["volunteer"], name=name, **fields)


def place(*, name: str = "阅览室志愿者队", **task_fields) -> Place:
    """A team with a coordinator and one task (e.g. points_multiplier=1.5)."""
    team = checkin_data.team(name=name)
    boss = checkin_data.coordinator(team, name="陈老师")
    task = checkin_data.task(team, **task_fields)
    return Place(team, boss, task)


def member(of: Place, *, name: str | None = None) -> User:
    return checkin_data.member(of.team, name=name)


def shift(of: Place, *, start: datetime = START, hours: float = 3, capacity: int = 5) -> Shift:
    return checkin_data.shift(
        of.task, starts_in=timedelta(0), hours=hours, capacity=capacity, now=start
    )


def signed_up(on: Shift, who: User) -> ShiftSignup:
    return checkin_data.signed_up(on, who)


def verified(
    on: Shift,
    who: User,
    *,
    minutes: int | None = None,
    added: int = 0,
    verified_at: datetime | None = None,
) -> Attendance:
    """A checked-out, verified record of `minutes` scan minutes (the whole shift when not
    given) plus `added` minutes; verified an hour after the shift ends unless told."""
    record = attendance_data.record(
        on,
        who,
        checked_out_at=on.ends_at,
        walk_in=True,
        verified_at=verified_at or on.ends_at + timedelta(hours=1),
        added_minutes=added,
    )
    if minutes is not None:
        record.scan_minutes = minutes
    db.session.flush()
    return record


def worked(
    of: Place,
    who: User,
    *,
    minutes: int = 180,
    start: datetime = START,
    verified_at: datetime | None = None,
) -> Attendance:
    """A fresh shift of the place's task that `who` worked `minutes` of, verified."""
    on = shift(of, start=start, hours=max(minutes, 60) / 60)
    return verified(on, who, minutes=minutes, verified_at=verified_at)


def unverify(record: Attendance) -> None:
    record.verified_at = None
    record.verified_by_id = None
    db.session.flush()


def reverify(record: Attendance, at: datetime) -> None:
    record.verified_at = at
    db.session.flush()


def no_show(on: Shift, who: User, *, at: datetime | None = None) -> ShiftSignup:
    """`who` signed up for the shift and was recorded as not having come."""
    signup = signed_up(on, who)
    signup.no_show_at = at or on.ends_at + timedelta(hours=1)
    db.session.flush()
    return signup


def excuse(signup: ShiftSignup, *, at: datetime | None = None) -> None:
    signup.no_show_excused_at = at or signup.no_show_at
    signup.no_show_at = None
    db.session.flush()


def trained(of: Place, who: User, *, at: datetime = START) -> TrainingRecord:
    """`who` completed a training task of the place's team."""
    training = checkin_data.task(of.team, title="新志愿者培训", kind="training")
    record = TrainingRecord(user_id=who.id, task_id=training.id, completed_at=at)
    db.session.add(record)
    db.session.flush()
    return record


def rules(**points_by_code: int) -> dict[str, PointRule]:
    """The default points rules, with some points changed (e.g. no_show=-5)."""
    existing = {rule.code: rule for rule in db.session.scalars(db.select(PointRule))}
    for code, value, unit in DEFAULT_RULES:
        if code not in existing:
            existing[code] = PointRule(code=code, points=value, unit=unit)
            db.session.add(existing[code])
    for code, value in points_by_code.items():
        existing[code].points = value
    db.session.flush()
    return existing

"""Attendance test data for the coordinator's pages: a team with a coordinator, another
team's coordinator, a shift with confirmed members, and records written directly (so these
tests do not depend on the scan engine)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from app.accounts.models import User
from app.checkin import hours
from app.checkin.models import Attendance
from app.extensions import db
from app.recruitment.models import Team
from app.shifts.models import Shift, ShiftSignup, Task
from tests.checkin import checkin_data


@dataclass
class World:
    team: Team
    boss: User
    other_boss: User
    task: Task
    shift: Shift
    people: list[User]
    signups: list[ShiftSignup]


def world(
    *,
    start: datetime,
    hours_long: float = 3,
    people: int = 3,
    team_names: tuple[str, str] = ("阅览室志愿者队", "古籍修复队"),
    **task_fields,
) -> World:
    """A team (阅览室志愿者队) whose coordinator runs a shift starting at `start`, with
    `people` confirmed members; another team and its coordinator. Tests sharing one live
    server give other `team_names` (a team's name is unique)."""
    team = checkin_data.team(name=team_names[0])
    other = checkin_data.team(name=team_names[1])
    boss = checkin_data.coordinator(team, name="A队老师")
    other_boss = checkin_data.coordinator(other, name="B队老师")
    task = checkin_data.task(team, **task_fields)
    shift = checkin_data.shift(
        task, starts_in=timedelta(0), hours=hours_long, capacity=max(people, 1), now=start
    )
    members = [checkin_data.member(team, name=f"志愿者{n}") for n in range(1, people + 1)]
    signups = [checkin_data.signed_up(shift, person) for person in members]
    db.session.flush()
    return World(team, boss, other_boss, task, shift, members, signups)


def record(
    shift: Shift,
    person: User,
    *,
    checked_in_at: datetime | None = None,
    checked_out_at: datetime | None = None,
    late: bool = False,
    walk_in: bool = False,
    method: str = "kiosk",
    **fields,
) -> Attendance:
    """An attendance row as the engine would leave it: "out" with credited minutes when a
    check-out time is given, else "in"."""
    checked_in_at = checked_in_at or shift.starts_at
    signup = db.session.scalar(
        db.select(ShiftSignup).where(
            ShiftSignup.shift_id == shift.id, ShiftSignup.user_id == person.id
        )
    )
    created = Attendance(
        shift_id=shift.id,
        user_id=person.id,
        signup_id=None if walk_in or signup is None else signup.id,
        walk_in=walk_in,
        status="out" if checked_out_at else "in",
        checked_in_at=checked_in_at,
        checked_out_at=checked_out_at,
        late=late,
        check_in_method=method,
        check_out_method=method if checked_out_at else None,
        scan_minutes=(
            hours.credited_minutes(shift, checked_in_at, checked_out_at) if checked_out_at else None
        ),
        **fields,
    )
    db.session.add(created)
    db.session.flush()
    return created

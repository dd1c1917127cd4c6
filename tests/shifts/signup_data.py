"""Building sign-up test data: a team with members, tasks and shifts."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

from app.common.time import utcnow
from app.extensions import db
from app.recruitment import membership as members
from app.shifts.models import Shift, Task
from tests import factories
from tests.recruitment import recruiting

_numbers = itertools.count(1)


def team(**kwargs):
    return recruiting.team(**kwargs)


def member(for_team, *, name: str | None = None, onboarded: bool = True):
    person = factories.person(roles=["volunteer"], name=name or f"志愿者{next(_numbers)}")
    membership = members.join_team(for_team.id, person.id)
    membership.onboarded = onboarded
    db.session.flush()
    return person


def task(for_team, **fields) -> Task:
    """A task row of the team with `fields` as given. A raw row on purpose: the service
    (`tasks.create_task`) needs an acting coordinator, whose account and audit entry would
    show up in the many tests that count people or audit entries."""
    values = {"title": "总服务台值班", "location": "江安图书馆一楼", "default_capacity": 2}
    values.update(fields)
    created = Task(team_id=for_team.id, **values)
    db.session.add(created)
    db.session.flush()
    return created


def shift(
    for_task: Task,
    *,
    starts_in: timedelta = timedelta(days=2),
    hours: float = 3,
    capacity: int = 2,
    now: datetime | None = None,
) -> Shift:
    """A shift `starts_in` from now (negative: already started or over). A raw row on
    purpose: `shift_edits.create_shift` refuses a shift that crosses local midnight, which a start
    relative to the clock often does, and needs an acting coordinator."""
    start = (now or utcnow()).replace(microsecond=0) + starts_in
    created = Shift(
        task_id=for_task.id,
        starts_at=start,
        ends_at=start + timedelta(hours=hours),
        capacity=capacity,
    )
    db.session.add(created)
    db.session.flush()
    return created

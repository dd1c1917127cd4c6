"""Announcement test data: a team with a coordinator, a task, a shift with confirmed and
waitlisted sign-ups."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from app.accounts.models import User
from app.announcements import jobs, services
from app.announcements.services import Draft
from app.common.time import utcnow
from app.extensions import db
from app.notifications.models import Notification
from app.recruitment.models import Team
from app.shifts import signups
from app.shifts.models import Shift, Task
from tests.helpers import notifications_of
from tests.recruitment import recruiting
from tests.shifts import signup_data as data


@dataclass
class Place:
    team: Team
    coordinator: User
    task: Task
    shift: Shift
    confirmed: list[User]
    waitlisted: list[User]


def place(*, confirmed: int = 2, waitlisted: int = 1) -> Place:
    team = data.team()
    coordinator = recruiting.coordinator(team)
    task = data.task(team)
    shift = data.shift(task, capacity=confirmed)
    people = [data.member(team) for _ in range(confirmed + waitlisted)]
    for person in people:
        signups.sign_up(shift, person)
    db.session.flush()
    return Place(team, coordinator, task, shift, people[:confirmed], people[confirmed:])


def to_shift(where: Place, **fields) -> services.Announcement:
    values = {"audience": "shift", "target_id": where.shift.id, "title": "明天值班请提前到"}
    values |= {"body": "请 **提前十分钟** 到总服务台。"} | fields
    return services.write(where.coordinator, Draft(**values))


def announcements_of(person: User, kind: str = "system.announcement") -> list[Notification]:
    return notifications_of(person, kind)


def send(now: datetime | None = None) -> dict[str, int]:
    counts = jobs.send_due(now=now or utcnow())
    db.session.commit()
    return counts

"""The coordinator's desk on the home page: today's shifts of the teams they run, with who is
in and who is missing, and what waits for them.

What waits comes from the features through `hooks.WAITING` (each feature counts its own
items), so the desk knows no feature's rules and a new feature adds itself by connecting a
provider. Every part is a fixed number of queries, whatever the teams' size.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy import select
from sqlalchemy.orm import joinedload, lazyload

from app import hooks
from app.accounts.models import COORDINATOR_ROLES, User
from app.checkin.models import Attendance
from app.checkin.presence import ATTENDED_STATUSES
from app.common.time import local_today, utc_of_local, utcnow
from app.extensions import db
from app.recruitment.access import ASK, managed_team_ids
from app.recruitment.models import Team
from app.shifts.models import Shift, ShiftSignup, Task

SHIFTS_SHOWN = 12


@dataclass
class TodayShift:
    """One of today's shifts as the coordinator sees it on the home page."""

    shift: Shift
    team_name: str
    expected: int  # confirmed places
    checked_in: list[User] = field(default_factory=list)  # in now
    checked_out: list[User] = field(default_factory=list)  # came and left
    missing: list[User] = field(default_factory=list)  # confirmed, not come after the start
    started: bool = False

    @property
    def arrived(self) -> int:
        return len(self.checked_in) + len(self.checked_out)


@dataclass
class Desk:
    shifts: list[TodayShift]
    more_shifts: bool  # more of today's shifts than shown
    waiting: list[hooks.Waiting]

    @property
    def waiting_total(self) -> int:
        return sum(item.count for item in self.waiting)


def runs_teams(user) -> bool:
    """Whether the home page shows `user` the coordinator's desk."""
    return user.has_any_role(COORDINATOR_ROLES)


def _todays_shifts(team_ids: set[int] | None, now: datetime) -> list[tuple[Shift, str]]:
    """Today's shifts with their team's name, in one query."""
    today = local_today(now)
    since = utc_of_local(today, time.min)
    until = utc_of_local(today + timedelta(days=1), time.min)
    query = (
        select(Shift, Team.name)
        .join(Task, Task.id == Shift.task_id)
        .join(Team, Team.id == Task.team_id)
        .where(Shift.starts_at >= since, Shift.starts_at < until, Shift.status != "cancelled")
        .options(joinedload(Shift.task))
        .order_by(Shift.starts_at, Shift.id)
        .limit(SHIFTS_SHOWN + 1)
    )
    if team_ids is not None:
        query = query.where(Task.team_id.in_(team_ids))
    return [(shift, name) for shift, name in db.session.execute(query)]


_CAME, _SIGNED = 1, 2


def _people(ids: list[int]):
    """The people of the shifts `ids` in one query: who came (`_CAME`, with the record's
    status, in order of arrival), then who is confirmed (`_SIGNED`, in sign-up order). The
    people's roles are not read: the desk shows their names."""
    no_int = sa.cast(sa.null(), sa.Integer)
    came = select(
        sa.literal(_CAME).label("kind"),
        Attendance.shift_id.label("shift_id"),
        Attendance.user_id.label("user_id"),
        Attendance.status.label("status"),
        no_int.label("ticket"),
        Attendance.checked_in_at.label("arrived_at"),
        Attendance.id.label("record_id"),
    ).where(Attendance.shift_id.in_(ids), Attendance.status.in_(ATTENDED_STATUSES))
    signed = select(
        sa.literal(_SIGNED),
        ShiftSignup.shift_id,
        ShiftSignup.user_id,
        sa.cast(sa.null(), sa.String),
        ShiftSignup.ticket,
        sa.cast(sa.null(), sa.DateTime),
        no_int,
    ).where(ShiftSignup.shift_id.in_(ids), ShiftSignup.status == "confirmed")
    both = sa.union_all(came, signed).subquery()
    return db.session.execute(
        select(User, both.c.kind, both.c.shift_id, both.c.status)
        .join(both, both.c.user_id == User.id)
        .options(lazyload(User.roles))
        .order_by(both.c.kind, both.c.ticket, both.c.arrived_at, both.c.record_id)
    )


def _presence(shifts: list[tuple[Shift, str]], now: datetime) -> list[TodayShift]:
    """Each shift with its confirmed people sorted by whether they came: one query."""
    rows = {
        shift.id: TodayShift(shift, name, 0, started=now >= shift.starts_at)
        for shift, name in shifts
    }
    came: set[tuple[int, int]] = set()
    for person, kind, shift_id, status in _people(list(rows)):
        row = rows[shift_id]
        if kind == _CAME:
            (row.checked_in if status == "in" else row.checked_out).append(person)
            came.add((shift_id, person.id))
            continue
        row.expected += 1
        if row.started and (shift_id, person.id) not in came:
            row.missing.append(person)
    return list(rows.values())


def waiting_for(
    user, *, now: datetime | None = None, team_ids: set[int] | object | None = ASK
) -> list[hooks.Waiting]:
    """What the features say waits for `user`, kinds with nothing waiting left out."""
    now = now or utcnow()
    asking = hooks.DeskOf(user, managed_team_ids(user, team_ids))
    given = [item for provider in hooks.WAITING.providers for item in provider(asking, now)]
    items = _counted_together(given)
    return [item for item in items if item.count > 0]


def _counted_together(given: list) -> list[hooks.Waiting]:
    """The providers' `Counted` items selected in one statement, in the order given."""
    counted = [item for item in given if isinstance(item, hooks.Counted)]
    columns = [column for item in counted for column in item.columns]
    values = tuple(db.session.execute(select(*columns)).one()) if columns else ()
    items: list[hooks.Waiting] = []
    for item in given:
        if isinstance(item, hooks.Counted):
            taken, values = values[: len(item.columns)], values[len(item.columns) :]
            items.extend(item.make(taken))
        else:
            items.append(item)
    return items


def desk(user, *, now: datetime | None = None) -> Desk:
    """Today's shifts of the teams `user` runs (every team for an admin) and what waits."""
    now = now or utcnow()
    team_ids = managed_team_ids(user)
    shifts = _todays_shifts(team_ids, now) if team_ids is None or team_ids else []
    return Desk(
        shifts=_presence(shifts[:SHIFTS_SHOWN], now) if shifts else [],
        more_shifts=len(shifts) > SHIFTS_SHOWN,
        waiting=waiting_for(user, now=now, team_ids=team_ids),
    )

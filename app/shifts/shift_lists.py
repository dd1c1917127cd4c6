"""The volunteer's lists: my shifts (upcoming, past, waitlist places) and the open shifts
to sign up for, with their filters.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from app.common.time import from_local_date, utcnow
from app.extensions import db
from app.recruitment import membership as members
from app.shifts import rush
from app.shifts.eligibility import Eligibility, check_eligibility, person_of, training_titles
from app.shifts.models import Shift, ShiftDrawEntry, ShiftSignup, Task
from app.shifts.queries import coming_shifts, signups_of
from app.shifts.signups import ACTIVE_STATUSES, self_cancel_refusal


@dataclass
class MyShifts:
    running: list[ShiftSignup]  # started and not yet ended ("In progress")
    upcoming: list[ShiftSignup]  # not started yet
    past: list[ShiftSignup]
    positions: dict[int, int]  # signup id -> waitlist place


def _positions(signups: list[ShiftSignup]) -> dict[int, int]:
    """Waitlist places of the given sign-ups, in one query."""
    waiting = [s for s in signups if s.status == "waitlisted"]
    if not waiting:
        return {}
    tickets: dict[int, list[int]] = defaultdict(list)
    rows = db.session.execute(
        select(ShiftSignup.shift_id, ShiftSignup.ticket).where(
            ShiftSignup.shift_id.in_({s.shift_id for s in waiting}),
            ShiftSignup.status == "waitlisted",
        )
    )
    for shift_id, ticket in rows:
        tickets[shift_id].append(ticket)
    return {
        s.id: sum(1 for ticket in tickets[s.shift_id] if ticket < s.ticket) + 1 for s in waiting
    }


def my_shifts(user, *, now: datetime | None = None) -> MyShifts:
    now = now or utcnow()
    query = signups_of(user.id)
    current = list(
        db.session.scalars(
            query.where(Shift.ends_at >= now, ShiftSignup.status.in_(ACTIVE_STATUSES)).order_by(
                Shift.starts_at
            )
        )
    )
    running = [signup for signup in current if signup.shift.starts_at <= now]
    upcoming = [signup for signup in current if signup.shift.starts_at > now]
    past = list(
        db.session.scalars(
            query.where(Shift.ends_at < now, ShiftSignup.status == "confirmed")
            .order_by(Shift.starts_at.desc())
            .limit(200)
        )
    )
    return MyShifts(running=running, upcoming=upcoming, past=past, positions=_positions(current))


@dataclass
class OpenShift:
    shift: Shift
    eligibility: Eligibility
    waitlist_count: int
    signup: ShiftSignup | None = None
    position: int = 0
    cancel_refusal: str | None = None
    entry: ShiftDrawEntry | None = None  # the person's entry in the shift's sign-up draw
    draw_time: str = ""  # local hh:mm the draw is made, for a shift with a draw window

    @property
    def full(self) -> bool:
        return self.shift.confirmed_count >= self.shift.capacity


def open_shifts(
    user,
    *,
    now: datetime | None = None,
    week=None,
    task_id: int | None = None,
    location: str | None = None,
    memberships: list | None = None,
    where: tuple = (),
    limit: int = 500,
) -> list[OpenShift]:
    """Upcoming scheduled shifts of the person's active teams, with fill, the person's own
    sign-up and whether they may sign up; a fixed number of queries, not one per shift.
    `week` is a local date: shifts from that day for seven days; `memberships`: the
    person's, when the page has them already; `where`: more conditions on `Shift`/`Task`
    (the API's dates, team and cursor) and `limit` the most shifts, in (start, id) order."""
    now = now or utcnow()
    person = person_of(user, memberships=memberships)
    team_ids = [tid for tid, m in person.memberships.items() if m.status == "active"]
    if not team_ids:
        return []
    query = coming_shifts(team_ids, now)
    if week is not None:
        start = from_local_date(week)
        query = query.where(Shift.starts_at >= start, Shift.starts_at < start + timedelta(days=7))
    if task_id:
        query = query.where(Task.id == task_id)
    if location:
        query = query.where(Task.location == location)
    shifts = list(db.session.scalars(query.where(*where).limit(limit)).unique())
    if not shifts:
        return []
    ids = [shift.id for shift in shifts]
    mine = {
        s.shift_id: s
        for s in db.session.scalars(
            select(ShiftSignup).where(
                ShiftSignup.user_id == user.id,
                ShiftSignup.shift_id.in_(ids),
                ShiftSignup.status.in_(ACTIVE_STATUSES),
            )
        )
    }
    waiting = dict(
        db.session.execute(
            select(ShiftSignup.shift_id, func.count(ShiftSignup.id))
            .where(ShiftSignup.shift_id.in_(ids), ShiftSignup.status == "waitlisted")
            .group_by(ShiftSignup.shift_id)
        ).all()
    )
    positions = _positions(list(mine.values()))
    entries = _entries(user.id, [s.id for s in shifts if rush.draw_closes_at(s)])
    titles = training_titles(
        tid for shift in shifts for tid in shift.task.required_training_ids or []
    )
    rows = []
    for shift in shifts:
        signup = mine.get(shift.id)
        rows.append(
            OpenShift(
                shift=shift,
                eligibility=check_eligibility(shift, person, titles, now),
                waitlist_count=waiting.get(shift.id, 0),
                signup=signup,
                position=positions.get(signup.id, 0) if signup else 0,
                cancel_refusal=self_cancel_refusal(signup, now=now) if signup else None,
                entry=entries.get(shift.id),
                draw_time=rush.draw_time(shift) if shift.drawn_at is None else "",
            )
        )
    return rows


def _entries(user_id: int, shift_ids: list[int]) -> dict[int, ShiftDrawEntry]:
    """The person's waiting draw entries on these shifts (no query when none has a draw)."""
    if not shift_ids:
        return {}
    return {
        entry.shift_id: entry
        for entry in db.session.scalars(
            select(ShiftDrawEntry).where(
                ShiftDrawEntry.user_id == user_id,
                ShiftDrawEntry.shift_id.in_(shift_ids),
                ShiftDrawEntry.status == "entered",
            )
        )
    }


def filter_choices(
    user, *, memberships: list | None = None
) -> tuple[list[tuple[int, str]], list[str]]:
    """The tasks and locations of the person's active teams, for the filters."""
    if memberships is None:
        memberships = members.memberships_of(user.id)
    team_ids = [m.team_id for m in memberships if m.status == "active"]
    if not team_ids:
        return [], []
    tasks = list(
        db.session.scalars(
            select(Task)
            .where(Task.team_id.in_(team_ids), Task.active.is_(True))
            .order_by(Task.title)
        )
    )
    locations = sorted({task.location for task in tasks if task.location})
    return [(task.id, task.title) for task in tasks], locations

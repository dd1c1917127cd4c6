"""The volunteer's lists: my shifts (upcoming, past, waitlist places) and the open shifts
to sign up for, with their filters.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from dataclasses import dataclass, fields
from datetime import datetime, timedelta

from sqlalchemy import Select, bindparam, func, select

from app.common.time import from_local_date, utcnow
from app.extensions import db
from app.recruitment import membership as members
from app.shifts import rush
from app.shifts.eligibility import Eligibility, check_eligibility, person_of, training_titles
from app.shifts.models import Shift, ShiftDrawEntry, ShiftSignup, Task
from app.shifts.queries import coming_shift_columns, signups_of
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


# The most shifts a list shows.
LIST_LIMIT = 500


@dataclass(frozen=True, slots=True)
class ListedTask:
    """What the list (its cards, eligibility, the draw) reads of a shift's task."""

    id: int
    team_id: int
    title: str
    location: str
    description: str
    active: bool
    is_onboarding: bool
    required_training_ids: list[int] | None
    required_skills: list[str] | None
    draw_minutes: int | None
    cancel_deadline_hours: int | None


@dataclass(frozen=True, slots=True)
class ListedShift:
    """What the list reads of a shift: its columns, read without loading the object."""

    id: int
    task_id: int
    series_id: int | None
    starts_at: datetime
    ends_at: datetime
    capacity: int
    confirmed_count: int
    status: str
    note: str
    signup_opens_at: datetime | None
    drawn_at: datetime | None
    task: ListedTask


_TASK_FIELDS = [each.name for each in fields(ListedTask)]
_SHIFT_FIELDS = [each.name for each in fields(ListedShift) if each.name != "task"]
_LISTED_COLUMNS = [getattr(Shift, name) for name in _SHIFT_FIELDS] + [
    getattr(Task, name).label(f"task_{name}") for name in _TASK_FIELDS
]
# How many wait on a shift, the last column of the list's statement (one round trip fewer than
# counting them for the listed shifts after).
_WAITING = (
    select(func.count(ShiftSignup.id))
    .where(ShiftSignup.shift_id == Shift.id, ShiftSignup.status == "waitlisted")
    .correlate(Shift)
    .scalar_subquery()
    .label("waiting")
)


def _listed(rows) -> tuple[list[ListedShift], dict[int, int]]:
    """Shifts from their column rows, one `ListedTask` per task, and how many wait on
    each (the rows' last column)."""
    tasks: dict[int, ListedTask] = {}
    shifts = []
    waiting = {}
    width = len(_SHIFT_FIELDS)
    for row in rows:
        task = tasks.get(row.task_id)
        if task is None:
            task = tasks[row.task_id] = ListedTask(*row[width:-1])
        shifts.append(ListedShift(*row[:width], task=task))
        if row[-1]:
            waiting[row.id] = row[-1]
    return shifts, waiting


@dataclass
class OpenShift:
    shift: ListedShift
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
    known_titles: dict[int, str] | None = None,
) -> list[OpenShift]:
    """Upcoming scheduled shifts of the person's active teams, with fill, the person's own
    sign-up and whether they may sign up; a fixed number of queries, not one per shift.
    `week` is a local date: shifts from that day for seven days; `memberships`: the
    person's, when the page has them already; `where`: more conditions on `Shift`/`Task`
    (the API's dates, team and cursor) and `limit` the most shifts, in (start, id) order;
    `known_titles`: task titles the page read already (its filter's), not asked again."""
    now = now or utcnow()
    person = person_of(user, memberships=memberships)
    team_ids = [tid for tid, m in person.memberships.items() if m.status == "active"]
    if not team_ids:
        return []
    query = _shifts_query(week is not None, bool(task_id), bool(location))
    if where or limit != LIST_LIMIT:
        query = query.where(*where).limit(limit)
    shifts, waiting = _listed(
        db.session.execute(query, _filters(team_ids, now, week, task_id, location))
    )
    if not shifts:
        return []
    ids = {"user_id": user.id, "ids": [shift.id for shift in shifts]}
    # with their shifts: whether they may still be cancelled reads them
    mine = {s.shift_id: s for s in db.session.scalars(_mine_query(), ids)}
    positions = _positions(list(mine.values()))
    entries = _entries(user.id, [s.id for s in shifts if rush.draw_closes_at(s)])
    titles = _titles(shifts, known_titles or {})
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


def _titles(shifts: list[ListedShift], known: dict[int, str]) -> dict[int, str]:
    """The titles of the trainings the listed shifts require (a query only for those the
    page does not know: the filter lists its teams' tasks)."""
    needed = {tid for shift in shifts for tid in shift.task.required_training_ids or []}
    titles = {tid: known[tid] for tid in needed if tid in known}
    titles.update(training_titles(needed - titles.keys()))
    return titles


def _filters(team_ids: list[int], now: datetime, week, task_id, location) -> dict:
    """The bound values of `_shifts_query`."""
    values = {"team_ids": team_ids, "now": now, "task_id": task_id, "location": location}
    if week is not None:
        values["week_start"] = start = from_local_date(week)
        values["week_end"] = start + timedelta(days=7)
    return values


# The list's statements are built once per shape (every list page asks, and building one
# costs about as much as running it on SQLite): the person, the time and the filters are
# bound parameters.


@functools.cache
def _shifts_query(week: bool, task: bool, location: bool) -> Select:
    team_ids = bindparam("team_ids", expanding=True)
    query = coming_shift_columns([*_LISTED_COLUMNS, _WAITING], team_ids, bindparam("now"))
    if week:
        query = query.where(
            Shift.starts_at >= bindparam("week_start"), Shift.starts_at < bindparam("week_end")
        )
    if task:
        query = query.where(Task.id == bindparam("task_id"))
    if location:
        query = query.where(Task.location == bindparam("location"))
    return query.limit(LIST_LIMIT)


@functools.cache
def _mine_query() -> Select:
    """The person's active sign-ups on the listed shifts, each with its shift and task."""
    return signups_of(bindparam("user_id")).where(
        ShiftSignup.shift_id.in_(bindparam("ids", expanding=True)),
        ShiftSignup.status.in_(ACTIVE_STATUSES),
    )


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
    tasks = db.session.execute(
        select(Task.id, Task.title, Task.location)
        .where(Task.team_id.in_(team_ids), Task.active.is_(True))
        .order_by(Task.title)
    ).all()
    locations = sorted({location for _id, _title, location in tasks if location})
    return [(task_id, title) for task_id, title, _location in tasks], locations

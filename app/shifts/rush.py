"""The rush: sign-up opening at a set time, and limits per person on a task's shifts.

A shift's `signup_opens_at` (UTC) is when volunteers may sign up themselves; before it the
shift is listed with a countdown and the server refuses (`opening_refusal`, part of
eligibility). The server's clock decides; coordinators set the opening for a task's shifts
in bulk (`set_opening`).

A task's limits (`max_per_week`, `max_per_month`, `max_future`) count the person's
confirmed, offered and waitlisted places on the task's scheduled shifts: in the local week
(Monday to Sunday) and calendar month of the shift asked for, and in shifts not yet started.
They are checked inside the sign-up's transaction after taking a lock on the person
(`lock_for_transaction`), so two sign-ups of one person at once are counted one after the
other. A team may set the same three limits (`set_team_limits`, on the team's edit page),
counted over all the team's tasks; a place must keep within both the task's and the team's.
Changing the limits keeps places people already hold; they only refuse new ones.
Coordinators assigning people are not limited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, and_, case, func, select

from app.audit import services as audit
from app.common.db import lock_for_transaction
from app.common.time import local_day, to_local, utc_of_local
from app.errors import InvalidInput
from app.extensions import db
from app.shifts.models import Shift, ShiftSeries, ShiftSignup, Task


class LimitReached(InvalidInput):
    """One more place would pass a limit: `details["limit"]` names it ("week", "team_month")."""

    status = 409
    code = "limit_reached"


# The places a limit counts (an offered place is a waitlist place being held for the person).
COUNTED_STATUSES = ("confirmed", "offered", "waitlisted")
LIMIT_RANGE = (1, 100)
LIMIT_FIELDS = ("max_per_week", "max_per_month", "max_future")
DRAW_MINUTES_RANGE = (1, 120)


def countdown(opens_at: datetime, now: datetime) -> str:
    """How long until `opens_at`, like "2:05:09" (hours:minutes:seconds), or "1d 2:05:09"."""
    seconds = max(0, int((opens_at - now).total_seconds() + 0.999))
    days, seconds = divmod(seconds, 86400)
    hours, seconds = divmod(seconds, 3600)
    minutes, seconds = divmod(seconds, 60)
    clock = f"{hours}:{minutes:02d}:{seconds:02d}"
    return f"{days}d {clock}" if days else clock


def is_open(shift: Shift, now: datetime) -> bool:
    return shift.signup_opens_at is None or shift.signup_opens_at <= now


def opening_refusal(shift: Shift, now: datetime) -> str | None:
    """Why the shift cannot be signed up for yet (with the countdown), or None when open."""
    if is_open(shift, now):
        return None
    return _(
        "Sign-up opens at %(time)s (in %(left)s).",
        time=f"{to_local(shift.signup_opens_at):%m-%d %H:%M}",
        left=countdown(shift.signup_opens_at, now),
    )


def draw_closes_at(shift: Shift) -> datetime | None:
    """When the shift's draw window closes: its opening plus the task's `draw_minutes`;
    None when the task is first come, first served or the shift has no opening time."""
    if shift.signup_opens_at is None or not shift.task.draw_minutes:
        return None
    return shift.signup_opens_at + timedelta(minutes=shift.task.draw_minutes)


def draw_time(shift: Shift) -> str:
    """The local hh:mm the shift's draw is made ("" without a draw)."""
    closes = draw_closes_at(shift)
    return f"{to_local(closes):%H:%M}" if closes else ""


def draw_pending(shift: Shift, now: datetime) -> bool:
    """Sign-up has opened with a draw that has not run yet: requests are draw entries
    (in the window) or wait for the draw (app/shifts/draws.py) before taking a place."""
    return draw_closes_at(shift) is not None and shift.drawn_at is None and is_open(shift, now)


# --- Limits per person ------------------------------------------------------------------


def _week_bounds(day: date) -> tuple[datetime, datetime]:
    monday = day - timedelta(days=day.weekday())
    return utc_of_local(monday, time()), utc_of_local(monday + timedelta(days=7), time())


def _month_bounds(day: date) -> tuple[datetime, datetime]:
    first = day.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return utc_of_local(first, time()), utc_of_local(following, time())


def _owners(task: Task) -> list[tuple[str, object]]:
    """Whose limits a place on the task's shifts must keep within: ("" = the task's own,
    "team_" = its team's over all the team's tasks)."""
    return [("", task), ("team_", task.team)]


def _set_limits(task: Task) -> list[tuple[str, object, str, int]]:
    """(prefix, owner, code, limit) of each limit the task and its team set, in the order
    they are checked."""
    return [
        (prefix, owner, code, limit)
        for prefix, owner in _owners(task)
        for code, name in zip(("week", "month", "future"), LIMIT_FIELDS, strict=True)
        if (limit := getattr(owner, name)) is not None
    ]


def _counted_in(owner, code: str, bounds: dict) -> ColumnElement[bool]:
    """Whether a counted place is within one limit: the owner's shifts (the task's, or all
    its team's) starting in the limit's week or month, or not yet started ("future")."""
    start, end = bounds[code]
    conditions = (
        [Shift.starts_at >= start, Shift.starts_at < end] if end else [Shift.starts_at > start]
    )
    if isinstance(owner, Task):
        conditions.append(Shift.task_id == owner.id)
    return and_(*conditions)


def limit_refusal(shift: Shift, user_id: int, *, now: datetime) -> tuple[str, str] | None:
    """(limit code, message) for the first of the task's or its team's limits that one more
    place on `shift` would pass, or None; a team's codes start with "team_" ("team_week").
    Every limit is counted in one statement: the person's counted places on the team's
    scheduled shifts other than this one. Call inside the sign-up's transaction, after
    `lock_person`."""
    limits = _set_limits(shift.task)
    if not limits:
        return None
    day = local_day(shift.starts_at)
    bounds = {"week": _week_bounds(day), "month": _month_bounds(day), "future": (now, None)}
    counts = db.session.execute(
        select(
            *(
                func.count(case((_counted_in(owner, code, bounds), ShiftSignup.id)))
                for _prefix, owner, code, _limit in limits
            )
        )
        .select_from(ShiftSignup)
        .join(Shift, Shift.id == ShiftSignup.shift_id)
        .join(Task, Task.id == Shift.task_id)
        .where(
            ShiftSignup.user_id == user_id,
            ShiftSignup.status.in_(COUNTED_STATUSES),
            Task.team_id == shift.task.team_id,
            Shift.status == "scheduled",
            Shift.id != shift.id,
        )
    ).one()
    for (prefix, _owner, code, limit), held in zip(limits, counts, strict=True):
        if held >= limit:
            return prefix + code, _limit_message(prefix + code, limit)
    return None


def _limit_message(code: str, limit: int) -> str:
    messages = {
        "week": _("You have reached this task's limit of %(n)s shifts per week.", n=limit),
        "month": _("You have reached this task's limit of %(n)s shifts per month.", n=limit),
        "future": _("You have reached this task's limit of %(n)s coming shifts at once.", n=limit),
        "team_week": _(
            "You have reached this team's limit of %(n)s shifts per week (all its tasks).", n=limit
        ),
        "team_month": _(
            "You have reached this team's limit of %(n)s shifts per month (all its tasks).",
            n=limit,
        ),
        "team_future": _(
            "You have reached this team's limit of %(n)s coming shifts at once (all its tasks).",
            n=limit,
        ),
    }
    return messages[code]


def has_limits(task: Task) -> bool:
    """Whether the task or its team limits places per person."""
    return bool(_set_limits(task))


def lock_person(user_id: int) -> None:
    """Hold the person's sign-up lock until the transaction ends (limits are counted under it)."""
    lock_for_transaction(f"shifts.person.{user_id}")


def check_limits(shift: Shift, user_id: int, *, now: datetime) -> None:
    """Refuse (InvalidInput, field "limit_" + the limit's code: "limit_week" for the task's,
    "limit_team_week" for its team's) a place beyond the task's or the team's limits,
    counting under a lock on the person so their sign-ups at once are counted in turn."""
    if not has_limits(shift.task):
        return
    lock_person(user_id)
    refusal = limit_refusal(shift, user_id, now=now)
    if refusal is not None:
        code, message = refusal
        raise LimitReached(message, field=f"limit_{code}", details={"limit": code})


def _apply_limits(owner, limits: dict[str, int | None]) -> dict[str, int | None]:
    """Check and set the owner's (task's or team's) limits; returns the values before."""
    before = {name: getattr(owner, name) for name in LIMIT_FIELDS}
    for name in LIMIT_FIELDS:
        value = limits.get(name)
        if value is not None and not LIMIT_RANGE[0] <= int(value) <= LIMIT_RANGE[1]:
            raise InvalidInput(
                _("A limit must be between %(min)s and %(max)s.", min=LIMIT_RANGE[0], max=100),
                field=name,
            )
        setattr(owner, name, None if value is None else int(value))
    return before


def set_limits(task: Task, limits: dict[str, int | None], *, actor, now: datetime) -> Task:
    """Set the task's limits per person (None = no limit; places already held are kept)
    and its draw window (`draw_minutes`, None = first come, first served; shifts already
    drawn stay drawn)."""
    before = _apply_limits(task, limits)
    draw = limits.get("draw_minutes")
    if draw is not None and not DRAW_MINUTES_RANGE[0] <= int(draw) <= DRAW_MINUTES_RANGE[1]:
        raise InvalidInput(
            _("The draw window must be between 1 and %(n)s minutes.", n=DRAW_MINUTES_RANGE[1]),
            field="draw_minutes",
        )
    before["draw_minutes"] = task.draw_minutes
    task.draw_minutes = None if draw is None else int(draw)
    audit.record(
        "shifts.limits_set",
        task,
        actor=actor,
        before=before,
        after={name: getattr(task, name) for name in (*LIMIT_FIELDS, "draw_minutes")},
        now=now,
    )
    db.session.flush()
    return task


def set_team_limits(team, limits: dict[str, int | None], *, actor, now: datetime):
    """Set the team's limits per person over all its tasks (None = no limit; places already
    held are kept). Audited only when something changed."""
    before = _apply_limits(team, limits)
    after = {name: getattr(team, name) for name in LIMIT_FIELDS}
    if after != before:
        audit.record(
            "shifts.team_limits_set", team, actor=actor, before=before, after=after, now=now
        )
    db.session.flush()
    return team


# --- Setting the opening in bulk --------------------------------------------------------


@dataclass(frozen=True)
class OpeningChoice:
    """Which of a task's shifts get an opening time: `opens_at` (UTC; None = open at once)
    for the scheduled shifts starting after it, from `first_day` to `last_day` (local,
    either may be None) and of one series (None = all)."""

    opens_at: datetime | None
    first_day: date | None = None
    last_day: date | None = None
    series_id: int | None = None


def _chosen_shifts(task: Task, choice: OpeningChoice, now: datetime):
    start = max(now, choice.opens_at) if choice.opens_at else now
    query = select(Shift).where(
        Shift.task_id == task.id, Shift.status == "scheduled", Shift.starts_at > start
    )
    if choice.first_day is not None:
        query = query.where(Shift.starts_at >= utc_of_local(choice.first_day, time()))
    if choice.last_day is not None:
        end = utc_of_local(choice.last_day + timedelta(days=1), time())
        query = query.where(Shift.starts_at < end)
    if choice.series_id is not None:
        query = query.where(Shift.series_id == choice.series_id)
    return list(db.session.scalars(query.order_by(Shift.starts_at)))


def set_opening(task: Task, choice: OpeningChoice, *, actor, now: datetime) -> int:
    """Set when sign-up opens for the chosen coming shifts of the task; returns how many.
    Places people already hold on them are kept."""
    if choice.first_day and choice.last_day and choice.last_day < choice.first_day:
        raise InvalidInput(_("The last day is before the first day."), field="last_day")
    shifts = _chosen_shifts(task, choice, now)
    if not shifts:
        raise InvalidInput(
            _("No coming shift of this task starts after that opening time."), field="opens_at"
        )
    for shift in shifts:
        shift.signup_opens_at = choice.opens_at
    audit.record(
        "shifts.signup_opening_set",
        task,
        actor=actor,
        after={
            "opens_at": choice.opens_at.isoformat() if choice.opens_at else None,
            "shift_ids": [shift.id for shift in shifts],
        },
        now=now,
    )
    db.session.flush()
    return len(shifts)


def series_of(task: Task) -> list[ShiftSeries]:
    return list(
        db.session.scalars(
            select(ShiftSeries).where(ShiftSeries.task_id == task.id).order_by(ShiftSeries.id)
        )
    )

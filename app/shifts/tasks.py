"""The coordinator's side of shifts: tasks (岗位), single shifts and weekly series, editing and
cancelling shifts, rosters and the two-week dashboard.

Times: a coordinator types local dates and times (the configured zone, Asia/Shanghai by
default); they are converted with zoneinfo and stored as naive UTC. Sign-ups, waitlists and
assignment are the sign-up services' business (`app.shifts.services`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from app import hooks
from app.audit import services as audit
from app.common.time import local_day, to_local, utc_of_local, utcnow
from app.errors import Conflict, InvalidInput, NotFound
from app.extensions import db
from app.notifications import kinds
from app.notifications import services as notifications
from app.recruitment import profiles
from app.recruitment.access import managed_team_ids, require_team_manager
from app.shifts import services as signups
from app.shifts.models import TASK_KINDS, WAITLIST_MODES, Shift, ShiftSeries, ShiftSignup, Task

TASK_KIND_LABELS = {
    "service": _l("Service"),
    "training": _l("Training"),
    "event": _l("Event"),
}
WEEKDAY_LABELS = (
    _l("Mon"),
    _l("Tue"),
    _l("Wed"),
    _l("Thu"),
    _l("Fri"),
    _l("Sat"),
    _l("Sun"),
)
TITLE_MAX = 200
LOCATION_MAX = 200
DESCRIPTION_MAX = 5000
NOTE_MAX = 500
REASON_MAX = 500
CREDIT_CATEGORY_MAX = 32
MAX_CAPACITY = 500
MAX_MULTIPLIER = 10.0
MAX_DEADLINE_HOURS = 24 * 14
MAX_SERIES_DAYS = 200
MAX_SERIES_SHIFTS = 500
DASHBOARD_DAYS = 14
# Check-in settings: (lowest, highest) minutes a coordinator may choose.
CHECKIN_OPENS_RANGE = (0, 240)
OFFER_HOURS_RANGE = (1, 72)
WAITLIST_MODE_LABELS = {
    "automatic": _l("Automatic: the first on the waitlist gets a freed place at once"),
    "offer": _l("Offer: the first on the waitlist has some hours to accept, then it passes on"),
}
LATE_AFTER_RANGE = (0, 120)
HOURS_TOLERANCE_RANGE = (0, 240)
HOURS_ROUNDING_RANGE = (1, 60)
# Sign-ups that hold or wait for a place; a cancelled shift notifies all of them.
ACTIVE_SIGNUPS = ("confirmed", "waitlisted", "offered")

audit.describe_actions(
    {
        "shifts.task_created": _l("Task created"),
        "shifts.task_updated": _l("Task updated"),
        "shifts.shift_created": _l("Shift created"),
        "shifts.series_created": _l("Weekly shift series created"),
        "shifts.shift_updated": _l("Shift changed"),
        "shifts.shift_cancelled": _l("Shift cancelled"),
        "shifts.series_updated": _l("Shift changed with the rest of its series"),
    }
)
CANCELLED = kinds.register(
    "shifts.cancelled", _l("A shift I signed up for was cancelled"), email_default=True
)
TIME_CHANGED = kinds.register(
    "shifts.time_changed", _l("The time of a shift I signed up for changed"), email_default=True
)

# --- Times ----------------------------------------------------------------------------------


def _span(day: date, start: time, end: time) -> tuple[datetime, datetime]:
    if start is None or end is None or day is None:
        raise InvalidInput(_("Please give the date, start and end time."), field="starts")
    if end <= start:
        raise InvalidInput(_("The end time must be after the start time."), field="ends")
    return utc_of_local(day, start), utc_of_local(day, end)


def format_span(shift: Shift) -> str:
    """ "2026-03-02 14:00–17:00" in local time."""
    start, end = to_local(shift.starts_at), to_local(shift.ends_at)
    return f"{start:%Y-%m-%d} {start:%H:%M}–{end:%H:%M}"


def _check_capacity(capacity, *, field_name: str = "capacity") -> int:
    if capacity is None or int(capacity) < 1:
        raise InvalidInput(_("The capacity must be at least 1."), field=field_name)
    if int(capacity) > MAX_CAPACITY:
        raise InvalidInput(
            _("The capacity can be at most %(n)d.", n=MAX_CAPACITY), field=field_name
        )
    return int(capacity)


# --- Tasks ----------------------------------------------------------------------------------


@dataclass
class TaskFields:
    title: str
    kind: str = "service"
    description: str = ""
    location: str = ""
    required_training_ids: list[int] = field(default_factory=list)
    required_skills: list[str] = field(default_factory=list)
    default_capacity: int = 4
    points_multiplier: float = 1.0
    cancel_deadline_hours: int = 12
    is_onboarding: bool = False
    active: bool = True
    checkin_opens_minutes: int = 30
    late_after_minutes: int = 5
    walk_ins_allowed: bool = False
    hours_tolerance_minutes: int = 15
    hours_rounding_minutes: int = 15
    waitlist_mode: str = "automatic"
    offer_hours: int = 2
    swap_needs_approval: bool = False
    credit_category: str | None = None  # Second Classroom module; None = the default


def get_task(task_id: int) -> Task:
    task = db.session.get(Task, task_id)
    if task is None:
        raise NotFound(_("No such task."))
    return task


def get_managed_task(task_id: int, user) -> Task:
    task = get_task(task_id)
    require_team_manager(user, task.team_id)
    return task


def get_shift(shift_id: int) -> Shift:
    shift = db.session.get(Shift, shift_id)
    if shift is None:
        raise NotFound(_("No such shift."))
    return shift


def signup_on_shift(shift: Shift, signup_id: int) -> ShiftSignup:
    """One of the shift's sign-ups (NotFound for a sign-up of another shift)."""
    signup = db.session.get(ShiftSignup, signup_id)
    if signup is None or signup.shift_id != shift.id:
        raise NotFound(_("This person is not signed up for this shift."))
    return signup


def get_managed_shift(shift_id: int, user) -> Shift:
    shift = get_shift(shift_id)
    require_team_manager(user, shift.task.team_id)
    return shift


def tasks_for(user, *, team_id: int | None = None, kind: str | None = None) -> list[Task]:
    """The tasks of the teams `user` runs (all for an admin), by team then title."""
    team_ids = managed_team_ids(user)
    query = select(Task).order_by(Task.team_id, Task.active.desc(), Task.title)
    if team_ids is not None:
        if not team_ids:
            return []
        query = query.where(Task.team_id.in_(team_ids))
    if team_id is not None:
        query = query.where(Task.team_id == team_id)
    if kind is not None:
        query = query.where(Task.kind == kind)
    return list(db.session.scalars(query))


def training_choices(user) -> list[Task]:
    """Training tasks a coordinator can require for their tasks."""
    return tasks_for(user, kind="training")


def _clean_task(fields: TaskFields, task: Task | None) -> TaskFields:
    title = " ".join((fields.title or "").split())
    if not title:
        raise InvalidInput(_("Please give the task a title."), field="title")
    if len(title) > TITLE_MAX:
        raise InvalidInput(
            _("The title can be at most %(n)d characters long.", n=TITLE_MAX), field="title"
        )
    if fields.kind not in TASK_KINDS:
        raise InvalidInput(_("Please choose a kind of task."), field="kind")
    location = " ".join((fields.location or "").split())
    if len(location) > LOCATION_MAX:
        raise InvalidInput(
            _("The location can be at most %(n)d characters long.", n=LOCATION_MAX),
            field="location",
        )
    description = (fields.description or "").strip()
    if len(description) > DESCRIPTION_MAX:
        raise InvalidInput(
            _("The description can be at most %(n)d characters long.", n=DESCRIPTION_MAX),
            field="description",
        )
    capacity = _check_capacity(fields.default_capacity, field_name="default_capacity")
    multiplier = fields.points_multiplier
    if multiplier is None or not 0 <= float(multiplier) <= MAX_MULTIPLIER:
        raise InvalidInput(
            _("The points multiplier must be between 0 and %(n)d.", n=int(MAX_MULTIPLIER)),
            field="points_multiplier",
        )
    deadline = fields.cancel_deadline_hours
    if deadline is None or not 0 <= int(deadline) <= MAX_DEADLINE_HOURS:
        raise InvalidInput(
            _(
                "The cancellation deadline must be between 0 and %(n)d hours.",
                n=MAX_DEADLINE_HOURS,
            ),
            field="cancel_deadline_hours",
        )
    training_ids = sorted({int(value) for value in fields.required_training_ids or []})
    if task is not None and task.id in training_ids:
        raise InvalidInput(_("A task cannot require itself."), field="required_training_ids")
    if training_ids:
        found = set(
            db.session.scalars(
                select(Task.id).where(Task.id.in_(training_ids), Task.kind == "training")
            )
        )
        if found != set(training_ids):
            raise InvalidInput(
                _("Required trainings must be existing training tasks."),
                field="required_training_ids",
            )
    skills = profiles.clean_skills(fields.required_skills or [])
    if fields.is_onboarding and fields.kind != "training":
        raise InvalidInput(
            _("Only a training can be the onboarding training."), field="is_onboarding"
        )
    checkin = _clean_checkin(fields)
    if fields.waitlist_mode not in WAITLIST_MODES:
        raise InvalidInput(_("Please choose how the waitlist works."), field="waitlist_mode")
    offer_hours = _minutes_in(
        fields.offer_hours,
        OFFER_HOURS_RANGE,
        field_name="offer_hours",
        message=_("An offer can be held for 1 to %(n)d hours.", n=OFFER_HOURS_RANGE[1]),
    )
    credit_category = (fields.credit_category or "").strip() or None
    if credit_category is not None and len(credit_category) > CREDIT_CATEGORY_MAX:
        raise InvalidInput(
            _("The credit category can be at most %(n)d characters long.", n=CREDIT_CATEGORY_MAX),
            field="credit_category",
        )
    return TaskFields(
        title=title,
        kind=fields.kind,
        description=description,
        location=location,
        required_training_ids=training_ids,
        required_skills=skills,
        default_capacity=capacity,
        points_multiplier=round(float(multiplier), 2),
        cancel_deadline_hours=int(deadline),
        is_onboarding=bool(fields.is_onboarding),
        active=bool(fields.active),
        walk_ins_allowed=bool(fields.walk_ins_allowed),
        waitlist_mode=fields.waitlist_mode,
        offer_hours=offer_hours,
        swap_needs_approval=bool(fields.swap_needs_approval),
        credit_category=credit_category,
        **checkin,
    )


def _minutes_in(value, bounds: tuple[int, int], *, field_name: str, message: str) -> int:
    try:
        minutes = int(value)
    except (TypeError, ValueError):
        minutes = None
    if minutes is None or not bounds[0] <= minutes <= bounds[1]:
        raise InvalidInput(message, field=field_name)
    return minutes


def _clean_checkin(fields: TaskFields) -> dict[str, int]:
    """The check-in minutes, each within its range."""
    return {
        "checkin_opens_minutes": _minutes_in(
            fields.checkin_opens_minutes,
            CHECKIN_OPENS_RANGE,
            field_name="checkin_opens_minutes",
            message=_(
                "Check-in can open between 0 and %(n)d minutes before the start.",
                n=CHECKIN_OPENS_RANGE[1],
            ),
        ),
        "late_after_minutes": _minutes_in(
            fields.late_after_minutes,
            LATE_AFTER_RANGE,
            field_name="late_after_minutes",
            message=_("“Late after” must be between 0 and %(n)d minutes.", n=LATE_AFTER_RANGE[1]),
        ),
        "hours_tolerance_minutes": _minutes_in(
            fields.hours_tolerance_minutes,
            HOURS_TOLERANCE_RANGE,
            field_name="hours_tolerance_minutes",
            message=_(
                "The tolerance must be between 0 and %(n)d minutes.", n=HOURS_TOLERANCE_RANGE[1]
            ),
        ),
        "hours_rounding_minutes": _minutes_in(
            fields.hours_rounding_minutes,
            HOURS_ROUNDING_RANGE,
            field_name="hours_rounding_minutes",
            message=_(
                "Hours are rounded to a step of 1 to %(n)d minutes.", n=HOURS_ROUNDING_RANGE[1]
            ),
        ),
    }


CHECKIN_FIELDS = (
    "checkin_opens_minutes",
    "late_after_minutes",
    "walk_ins_allowed",
    "hours_tolerance_minutes",
    "hours_rounding_minutes",
)
# Settings copied as they are from the cleaned fields (and shown in the audit snapshot).
SETTING_FIELDS = (
    *CHECKIN_FIELDS,
    "waitlist_mode",
    "offer_hours",
    "swap_needs_approval",
    "credit_category",
)


def _task_snapshot(task: Task) -> dict:
    return {
        "title": task.title,
        "kind": task.kind,
        "location": task.location,
        "required_training_ids": list(task.required_training_ids or []),
        "required_skills": list(task.required_skills or []),
        "default_capacity": task.default_capacity,
        "points_multiplier": task.points_multiplier,
        "cancel_deadline_hours": task.cancel_deadline_hours,
        "is_onboarding": task.is_onboarding,
        "active": task.active,
        **{name: getattr(task, name) for name in SETTING_FIELDS},
    }


def _apply_task(task: Task, fields: TaskFields) -> None:
    task.title = fields.title
    task.kind = fields.kind
    task.description = fields.description
    task.location = fields.location
    task.required_training_ids = fields.required_training_ids
    task.required_skills = fields.required_skills
    task.default_capacity = fields.default_capacity
    task.points_multiplier = fields.points_multiplier
    task.cancel_deadline_hours = fields.cancel_deadline_hours
    task.is_onboarding = fields.is_onboarding
    task.active = fields.active
    for name in SETTING_FIELDS:
        setattr(task, name, getattr(fields, name))


def create_task(team_id: int, fields: TaskFields, *, actor, now: datetime | None = None) -> Task:
    require_team_manager(actor, team_id)
    cleaned = _clean_task(fields, None)
    task = Task(team_id=team_id, created_at=now or utcnow())
    _apply_task(task, cleaned)
    db.session.add(task)
    db.session.flush()
    audit.record(
        "shifts.task_created",
        actor=actor,
        object_type="task",
        object_id=task.id,
        after={**_task_snapshot(task), "team_id": team_id},
        now=now,
    )
    return task


def update_task(task: Task, fields: TaskFields, *, actor) -> Task:
    require_team_manager(actor, task.team_id)
    cleaned = _clean_task(fields, task)
    before = _task_snapshot(task)
    _apply_task(task, cleaned)
    db.session.flush()
    audit.record_change(
        "shifts.task_updated",
        actor=actor,
        object_type="task",
        object_id=task.id,
        before=before,
        after=_task_snapshot(task),
    )
    return task


# --- Shifts and series ----------------------------------------------------------------------


def _shift_snapshot(shift: Shift) -> dict:
    return {
        "starts_at": shift.starts_at.isoformat(),
        "ends_at": shift.ends_at.isoformat(),
        "capacity": shift.capacity,
        "status": shift.status,
        "note": shift.note,
    }


def _clean_note(note: str | None) -> str:
    note = " ".join((note or "").split())
    if len(note) > NOTE_MAX:
        raise InvalidInput(
            _("The note can be at most %(n)d characters long.", n=NOTE_MAX), field="note"
        )
    return note


def create_shift(
    task: Task,
    *,
    day: date,
    start: time,
    end: time,
    capacity: int | None = None,
    note: str = "",
    actor,
    now: datetime | None = None,
) -> Shift:
    """One shift on a local day from `start` to `end` (local wall-clock times)."""
    require_team_manager(actor, task.team_id)
    starts_at, ends_at = _span(day, start, end)
    capacity = _check_capacity(task.default_capacity if capacity is None else capacity)
    shift = Shift(
        task_id=task.id,
        starts_at=starts_at,
        ends_at=ends_at,
        capacity=capacity,
        confirmed_count=0,
        ticket_counter=0,
        status="scheduled",
        note=_clean_note(note),
        created_at=now or utcnow(),
    )
    db.session.add(shift)
    db.session.flush()
    audit.record(
        "shifts.shift_created",
        actor=actor,
        object_type="shift",
        object_id=shift.id,
        after={**_shift_snapshot(shift), "task_id": task.id},
        now=now,
    )
    return shift


@dataclass
class SeriesFields:
    weekdays: list[int]
    start: time
    end: time
    first_date: date
    last_date: date
    capacity: int | None = None
    skipped_dates: list[date] = field(default_factory=list)
    note: str = ""


def parse_skipped_dates(text: str | None) -> list[date]:
    """One YYYY-MM-DD date per line (blank lines ignored); else InvalidInput naming the
    line."""
    days: set[date] = set()
    for number, line in enumerate((text or "").splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        try:
            days.add(date.fromisoformat(line))
        except ValueError:
            raise InvalidInput(
                _(
                    "Line %(n)d is not a date like 2026-10-01: “%(text)s”.",
                    n=number,
                    text=line[:20],
                ),
                field="skipped_dates",
            ) from None
    return sorted(days)


def series_dates(fields: SeriesFields) -> list[date]:
    """The days a weekly series falls on, without the skipped ones; checks the pattern."""
    weekdays = sorted(set(fields.weekdays or []))
    if not weekdays:
        raise InvalidInput(_("Please choose at least one weekday."), field="weekdays")
    if any(day not in range(7) for day in weekdays):
        raise InvalidInput(_("Unknown weekday."), field="weekdays")
    if fields.first_date is None or fields.last_date is None:
        raise InvalidInput(_("Please give the first and the last date."), field="first_date")
    if fields.last_date < fields.first_date:
        raise InvalidInput(_("The last date must not be before the first date."), field="last_date")
    if (fields.last_date - fields.first_date).days > MAX_SERIES_DAYS:
        raise InvalidInput(
            _("A series can span at most %(n)d days.", n=MAX_SERIES_DAYS), field="last_date"
        )
    skipped = set(fields.skipped_dates or [])
    days = []
    day = fields.first_date
    while day <= fields.last_date:
        if day.weekday() in weekdays and day not in skipped:
            days.append(day)
        day += timedelta(days=1)
    if not days:
        raise InvalidInput(
            _("No day between the first and the last date matches the chosen weekdays."),
            field="weekdays",
        )
    if len(days) > MAX_SERIES_SHIFTS:
        raise InvalidInput(
            _(
                "This series would create %(m)d shifts; at most %(n)d are allowed at once.",
                m=len(days),
                n=MAX_SERIES_SHIFTS,
            ),
            field="weekdays",
        )
    return days


def create_series(
    task: Task, fields: SeriesFields, *, actor, now: datetime | None = None
) -> tuple[ShiftSeries, list[Shift]]:
    """A weekly pattern and the shifts it generates; nothing is written on bad input."""
    require_team_manager(actor, task.team_id)
    if fields.start is None or fields.end is None:
        raise InvalidInput(_("Please give the start and end time."), field="start")
    if fields.end <= fields.start:
        raise InvalidInput(_("The end time must be after the start time."), field="end")
    capacity = _check_capacity(
        task.default_capacity if fields.capacity is None else fields.capacity
    )
    note = _clean_note(fields.note)
    days = series_dates(fields)
    now = now or utcnow()
    series = ShiftSeries(
        task_id=task.id,
        weekdays=sorted(set(fields.weekdays)),
        start_time=fields.start,
        end_time=fields.end,
        first_date=fields.first_date,
        last_date=fields.last_date,
        skipped_dates=[day.isoformat() for day in sorted(set(fields.skipped_dates or []))],
        capacity=capacity,
        created_at=now,
    )
    db.session.add(series)
    db.session.flush()
    shifts = [
        Shift(
            task_id=task.id,
            series_id=series.id,
            starts_at=utc_of_local(day, fields.start),
            ends_at=utc_of_local(day, fields.end),
            capacity=capacity,
            confirmed_count=0,
            ticket_counter=0,
            status="scheduled",
            note=note,
            created_at=now,
        )
        for day in days
    ]
    db.session.add_all(shifts)
    db.session.flush()
    audit.record(
        "shifts.series_created",
        actor=actor,
        object_type="shift_series",
        object_id=series.id,
        after={
            "task_id": task.id,
            "weekdays": series.weekdays,
            "start": fields.start.strftime("%H:%M"),
            "end": fields.end.strftime("%H:%M"),
            "first_date": fields.first_date.isoformat(),
            "last_date": fields.last_date.isoformat(),
            "skipped_dates": series.skipped_dates,
            "capacity": capacity,
            "shifts": len(shifts),
        },
        now=now,
    )
    return series, shifts


def _require_scheduled(shift: Shift) -> None:
    if shift.status == "cancelled":
        raise Conflict(_("This shift has been cancelled."))


def update_shift(
    shift: Shift,
    *,
    day: date,
    start: time,
    end: time,
    capacity: int,
    note: str = "",
    actor,
    now: datetime | None = None,
) -> Shift:
    """Move or resize one shift. The capacity cannot go below the people already
    confirmed; the check and the change are one conditional UPDATE, so a sign-up arriving
    at the same moment cannot slip past it."""
    require_team_manager(actor, shift.task.team_id)
    _require_scheduled(shift)
    starts_at, ends_at = _span(day, start, end)
    capacity = _check_capacity(capacity)
    note = _clean_note(note)
    before = _shift_snapshot(shift)
    db.session.flush()
    result = db.session.execute(
        update(Shift)
        .where(Shift.id == shift.id, Shift.confirmed_count <= capacity)
        .values(starts_at=starts_at, ends_at=ends_at, capacity=capacity, note=note)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(shift)
    if result.rowcount != 1:
        raise InvalidInput(
            _(
                "%(n)d people are already confirmed, so the capacity cannot be lower.",
                n=shift.confirmed_count,
            ),
            field="capacity",
        )
    _after_change(shift, before, action="shifts.shift_updated", actor=actor, now=now)
    return shift


def _after_change(shift: Shift, before: dict, *, action: str, actor, now: datetime | None) -> None:
    """Audit a changed shift, tell its people about a new time, fill freed places."""
    audit.record_change(
        action,
        actor=actor,
        object_type="shift",
        object_id=shift.id,
        before=before,
        after=_shift_snapshot(shift),
        now=now,
    )
    if (before["starts_at"], before["ends_at"]) != (
        shift.starts_at.isoformat(),
        shift.ends_at.isoformat(),
    ):
        _notify_time_change(shift, before=before, now=now)
    if shift.capacity > int(before["capacity"]):
        _fill_freed_places(shift, actor=actor, now=now)


def _active_signups(shift: Shift) -> list[ShiftSignup]:
    return list(
        db.session.scalars(
            select(ShiftSignup)
            .where(ShiftSignup.shift_id == shift.id, ShiftSignup.status.in_(ACTIVE_SIGNUPS))
            .order_by(ShiftSignup.ticket)
        )
    )


def _notify_time_change(shift: Shift, *, before: dict, now: datetime | None) -> None:
    """Everyone holding or waiting for a place hears the old and the new time."""
    old_start = to_local(datetime.fromisoformat(before["starts_at"]))
    old_end = to_local(datetime.fromisoformat(before["ends_at"]))
    old_span = f"{old_start:%Y-%m-%d} {old_start:%H:%M}–{old_end:%H:%M}"
    for signup in _active_signups(shift):
        notifications.notify(
            signup.user,
            TIME_CHANGED.id,
            context={
                "task_title": shift.task.title,
                "location": shift.task.location,
                "before": old_span,
                "when": format_span(shift),
            },
            link=signups.MY_LINK,
            now=now,
        )


@dataclass
class SeriesChange:
    """New local times, capacity and note for a shift and the later ones of its series."""

    start: time
    end: time
    capacity: int
    note: str = ""


def rest_of_series(shift: Shift, *, now: datetime | None = None) -> list[Shift]:
    """This shift and the later scheduled shifts of its series that have not ended."""
    now = now or utcnow()
    if shift.series_id is None:
        return [shift]
    return list(
        db.session.scalars(
            select(Shift)
            .where(
                Shift.series_id == shift.series_id,
                Shift.status == "scheduled",
                Shift.starts_at >= shift.starts_at,
                Shift.ends_at > now,
            )
            .order_by(Shift.starts_at)
        )
    )


def update_rest_of_series(
    shift: Shift, change: SeriesChange, *, actor, now: datetime | None = None
) -> list[Shift]:
    """Apply new times, capacity and note to this shift and the later ones of its series,
    each on its own day. The capacity may not go below the people confirmed for any of
    them (checked again by each conditional UPDATE, as in `update_shift`); nothing is
    changed on bad input. Returns the changed shifts."""
    require_team_manager(actor, shift.task.team_id)
    _require_scheduled(shift)
    now = now or utcnow()
    if shift.series_id is None:
        raise InvalidInput(_("This shift is not part of a weekly series."))
    if shift.ends_at <= now:
        raise Conflict(_("This shift is over and can no longer be changed."))
    if change.start is None or change.end is None:
        raise InvalidInput(_("Please give the start and end time."), field="start")
    if change.end <= change.start:
        raise InvalidInput(_("The end time must be after the start time."), field="end")
    capacity = _check_capacity(change.capacity)
    note = _clean_note(change.note)
    shifts = rest_of_series(shift, now=now)
    for each in shifts:
        _check_room(each, capacity, each.confirmed_count)
    db.session.flush()
    for each in shifts:
        before = _shift_snapshot(each)
        day = local_day(each.starts_at)
        result = db.session.execute(
            update(Shift)
            .where(Shift.id == each.id, Shift.confirmed_count <= capacity)
            .values(
                starts_at=utc_of_local(day, change.start),
                ends_at=utc_of_local(day, change.end),
                capacity=capacity,
                note=note,
            )
            .execution_options(synchronize_session=False)
        )
        db.session.refresh(each)
        if result.rowcount != 1:
            _check_room(each, capacity, each.confirmed_count)
        _after_change(each, before, action="shifts.series_updated", actor=actor, now=now)
    return shifts


def _check_room(shift: Shift, capacity: int, confirmed: int) -> None:
    if confirmed > capacity:
        raise InvalidInput(
            _(
                "%(n)d people are already confirmed for the shift on %(when)s, so the "
                "capacity cannot be lower.",
                n=confirmed,
                when=format_span(shift),
            ),
            field="capacity",
        )


def _fill_freed_places(shift: Shift, *, actor, now: datetime | None) -> None:
    """A larger capacity frees places: the sign-up services promote from the waitlist."""
    signups.promote_waitlist(shift, now=now)


def cancel_shift(
    shift: Shift,
    *,
    reason: str,
    rest_of_series: bool = False,
    actor,
    now: datetime | None = None,
) -> list[Shift]:
    """Cancel one shift, or it and every later scheduled shift of its series. Everyone
    confirmed, waitlisted or offered a place is notified. Returns the cancelled shifts."""
    require_team_manager(actor, shift.task.team_id)
    _require_scheduled(shift)
    reason = " ".join((reason or "").split())
    if not reason:
        raise InvalidInput(_("Please say why the shift is cancelled."), field="reason")
    if len(reason) > REASON_MAX:
        raise InvalidInput(
            _("The reason can be at most %(n)d characters long.", n=REASON_MAX), field="reason"
        )
    now = now or utcnow()
    if shift.ends_at <= now:
        raise Conflict(_("This shift is over and can no longer be cancelled."))
    shifts = [shift]
    if rest_of_series and shift.series_id is not None:
        shifts = list(
            db.session.scalars(
                select(Shift)
                .where(
                    Shift.series_id == shift.series_id,
                    Shift.status == "scheduled",
                    Shift.starts_at >= shift.starts_at,
                )
                .order_by(Shift.starts_at)
            )
        )
    for each in shifts:
        each.status = "cancelled"
        each.cancel_reason = reason
    db.session.flush()
    task = shift.task
    for each in shifts:
        people = _active_signups(each)
        for signup in people:
            notifications.notify(
                signup.user,
                CANCELLED.id,
                context={
                    "task_title": task.title,
                    "location": task.location,
                    "when": format_span(each),
                    "reason": reason,
                },
                now=now,
                dedupe_key=f"shifts.cancelled:{each.id}:{signup.user_id}",
            )
        audit.record(
            "shifts.shift_cancelled",
            actor=actor,
            object_type="shift",
            object_id=each.id,
            before={"status": "scheduled"},
            after={
                "status": "cancelled",
                "reason": reason,
                "rest_of_series": bool(rest_of_series),
                "notified": len(people),
            },
            now=now,
        )
    return shifts


# --- Reading: task shifts, roster, dashboard ------------------------------------------------


def shifts_of_task(
    task: Task, *, upcoming: bool = True, now: datetime | None = None, limit: int = 200
) -> list[Shift]:
    """A task's shifts: coming ones (not yet ended) by start, or past ones latest first."""
    now = now or utcnow()
    query = select(Shift).where(Shift.task_id == task.id)
    if upcoming:
        query = query.where(Shift.ends_at > now).order_by(Shift.starts_at)
    else:
        query = query.where(Shift.ends_at <= now).order_by(Shift.starts_at.desc())
    return list(db.session.scalars(query.limit(limit)))


def waitlist_counts(shift_ids: Iterable[int]) -> dict[int, int]:
    ids = list(shift_ids)
    counts = dict.fromkeys(ids, 0)
    if not ids:
        return counts
    query = (
        select(ShiftSignup.shift_id, func.count())
        .where(ShiftSignup.shift_id.in_(ids), ShiftSignup.status.in_(("waitlisted", "offered")))
        .group_by(ShiftSignup.shift_id)
    )
    for shift_id, count in db.session.execute(query):
        counts[shift_id] = count
    return counts


@dataclass(frozen=True)
class Roster:
    confirmed: list[ShiftSignup]
    waitlist: list[ShiftSignup]


def roster(shift: Shift) -> Roster:
    """Who holds a place (in arrival order) and who waits for one (first come first)."""
    signups = list(
        db.session.scalars(
            select(ShiftSignup)
            .where(ShiftSignup.shift_id == shift.id, ShiftSignup.status.in_(ACTIVE_SIGNUPS))
            .order_by(ShiftSignup.ticket)
        )
    )
    return Roster(
        confirmed=[s for s in signups if s.status == "confirmed"],
        waitlist=[s for s in signups if s.status != "confirmed"],
    )


@dataclass(frozen=True)
class ShiftFill:
    shift: Shift
    confirmed: int
    capacity: int
    waitlisted: int

    @property
    def open_places(self) -> int:
        return max(self.capacity - self.confirmed, 0)

    @property
    def full(self) -> bool:
        return self.confirmed >= self.capacity


@dataclass(frozen=True)
class TaskFill:
    task: Task
    shifts: int
    places: int
    confirmed: int
    no_show_rate: float | None  # None until no-shows are recorded

    @property
    def fill_rate(self) -> float:
        return self.confirmed / self.places if self.places else 0.0


@dataclass(frozen=True)
class Dashboard:
    shifts: list[ShiftFill]  # unfilled first, then by start
    tasks: list[TaskFill]
    since: datetime
    until: datetime


def no_show_rates(task_ids: list[int]) -> dict[int, float]:
    rates: dict[int, float] = {}
    for provider in hooks.NO_SHOW_RATES.providers:
        rates.update(provider(task_ids) or {})
    return rates


def dashboard(user, *, now: datetime | None = None, days: int = DASHBOARD_DAYS) -> Dashboard:
    """The coming `days` of scheduled shifts of the tasks `user` runs."""
    now = now or utcnow()
    until = now + timedelta(days=days)
    tasks = tasks_for(user)
    task_ids = [task.id for task in tasks]
    shifts = (
        list(
            db.session.scalars(
                select(Shift)
                .where(
                    Shift.task_id.in_(task_ids),
                    Shift.status == "scheduled",
                    Shift.ends_at > now,
                    Shift.starts_at < until,
                )
                .order_by(Shift.starts_at)
            )
        )
        if task_ids
        else []
    )
    waiting = waitlist_counts(shift.id for shift in shifts)
    fills = [
        ShiftFill(
            shift=shift,
            confirmed=shift.confirmed_count,
            capacity=shift.capacity,
            waitlisted=waiting[shift.id],
        )
        for shift in shifts
    ]
    fills.sort(key=lambda fill: (fill.full, fill.shift.starts_at))
    rates = no_show_rates(task_ids)
    by_task: dict[int, list[ShiftFill]] = {}
    for fill in fills:
        by_task.setdefault(fill.shift.task_id, []).append(fill)
    task_rows = [
        TaskFill(
            task=task,
            shifts=len(by_task[task.id]),
            places=sum(fill.capacity for fill in by_task[task.id]),
            confirmed=sum(fill.confirmed for fill in by_task[task.id]),
            no_show_rate=rates.get(task.id),
        )
        for task in tasks
        if task.id in by_task
    ]
    return Dashboard(shifts=fills, tasks=task_rows, since=now, until=until)

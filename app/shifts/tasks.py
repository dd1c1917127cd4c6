"""Tasks (岗位): their fields and limits, cleaning them, creating and updating a task, and
finding the tasks and shifts a coordinator runs.

Shifts of a task are edited in `app.shifts.shift_edits`, weekly series in
`app.shifts.task_series`; sign-ups are `app.shifts.signups`' business.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.audit import services as audit
from app.common.db import get_or_not_found
from app.common.rows import fields_of, set_fields
from app.common.text import clean_line, clean_text
from app.common.time import utcnow
from app.errors import InvalidInput, NotFound
from app.extensions import db
from app.recruitment import profiles
from app.recruitment.access import managed_team_ids, require_team_manager
from app.shifts.models import TASK_KINDS, WAITLIST_MODES, Shift, ShiftSignup, Task
from app.shifts.signups import get_shift
from app.shifts.task_place import PLACE_FIELDS, clean_place

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
CREDIT_CATEGORY_MAX = 32
MAX_CAPACITY = 500
MAX_MULTIPLIER = 10.0
MAX_DEADLINE_HOURS = 24 * 14
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
    *PLACE_FIELDS,
)


def check_capacity(capacity, *, field_name: str = "capacity") -> int:
    if capacity is None or int(capacity) < 1:
        raise InvalidInput(_("The capacity must be at least 1."), field=field_name)
    if int(capacity) > MAX_CAPACITY:
        raise InvalidInput(
            _("The capacity can be at most %(n)d.", n=MAX_CAPACITY), field=field_name
        )
    return int(capacity)


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
    place_latitude: float | str | None = None
    place_longitude: float | str | None = None
    place_radius_m: int | str | None = None


def get_task(task_id: int) -> Task:
    return get_or_not_found(Task, task_id, _("No such task."))


def get_managed_task(task_id: int, user) -> Task:
    task = get_task(task_id)
    require_team_manager(user, task.team_id)
    return task


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
    title = clean_line(
        fields.title,
        field="title",
        limit=TITLE_MAX,
        missing=_l("Please give the task a title."),
        too_long=_l("The title can be at most %(n)d characters long.", n=TITLE_MAX),
    )
    if fields.kind not in TASK_KINDS:
        raise InvalidInput(_("Please choose a kind of task."), field="kind")
    location = clean_line(
        fields.location,
        field="location",
        limit=LOCATION_MAX,
        too_long=_l("The location can be at most %(n)d characters long.", n=LOCATION_MAX),
    )
    description = clean_text(
        fields.description,
        field="description",
        limit=DESCRIPTION_MAX,
        too_long=_l("The description can be at most %(n)d characters long.", n=DESCRIPTION_MAX),
    )
    capacity = check_capacity(fields.default_capacity, field_name="default_capacity")
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
    credit_category = (
        clean_text(
            fields.credit_category,
            field="credit_category",
            limit=CREDIT_CATEGORY_MAX,
            too_long=_l(
                "The credit category can be at most %(n)d characters long.", n=CREDIT_CATEGORY_MAX
            ),
        )
        or None
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
        **clean_place(fields.place_latitude, fields.place_longitude, fields.place_radius_m),
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
    ranges = (
        (
            "checkin_opens_minutes",
            CHECKIN_OPENS_RANGE,
            _(
                "Check-in can open between 0 and %(n)d minutes before the start.",
                n=CHECKIN_OPENS_RANGE[1],
            ),
        ),
        (
            "late_after_minutes",
            LATE_AFTER_RANGE,
            _("“Late after” must be between 0 and %(n)d minutes.", n=LATE_AFTER_RANGE[1]),
        ),
        (
            "hours_tolerance_minutes",
            HOURS_TOLERANCE_RANGE,
            _("The tolerance must be between 0 and %(n)d minutes.", n=HOURS_TOLERANCE_RANGE[1]),
        ),
        (
            "hours_rounding_minutes",
            HOURS_ROUNDING_RANGE,
            _("Hours are rounded to a step of 1 to %(n)d minutes.", n=HOURS_ROUNDING_RANGE[1]),
        ),
    )
    return {
        name: _minutes_in(getattr(fields, name), bounds, field_name=name, message=message)
        for name, bounds, message in ranges
    }


def _task_snapshot(task: Task) -> dict:
    return {
        **fields_of(task, "title", "kind", "location"),
        "required_training_ids": list(task.required_training_ids or []),
        "required_skills": list(task.required_skills or []),
        **fields_of(
            task,
            "default_capacity",
            "points_multiplier",
            "cancel_deadline_hours",
            "is_onboarding",
            "active",
            *SETTING_FIELDS,
        ),
    }


def create_task(team_id: int, fields: TaskFields, *, actor, now: datetime | None = None) -> Task:
    require_team_manager(actor, team_id)
    cleaned = _clean_task(fields, None)
    task = Task(team_id=team_id, created_at=now or utcnow())
    set_fields(task, cleaned)
    db.session.add(task)
    audit.record(
        "shifts.task_created",
        task,
        actor=actor,
        after={**_task_snapshot(task), "team_id": team_id},
        now=now,
    )
    return task


def update_task(task: Task, fields: TaskFields, *, actor) -> Task:
    require_team_manager(actor, task.team_id)
    cleaned = _clean_task(fields, task)
    before = _task_snapshot(task)
    set_fields(task, cleaned)
    db.session.flush()
    audit.record_change(
        "shifts.task_updated", task, actor=actor, before=before, after=_task_snapshot(task)
    )
    return task

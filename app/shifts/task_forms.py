"""Forms for the coordinator's task and shift pages, and for excusing no-shows and lifting
sign-up pauses."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import InputRequired, NumberRange, Optional

from app.common.forms import (
    MultiCheckboxField,
    optional_text,
    reason_text,
    required_number,
    required_text,
)
from app.common.time import to_local
from app.shifts.models import TASK_KINDS, Shift
from app.shifts.reliability import REASON_MAX as RELIABILITY_NOTE_MAX
from app.shifts.rush import DRAW_MINUTES_RANGE, LIMIT_RANGE
from app.shifts.shift_edits import NOTE_MAX, REASON_MAX
from app.shifts.tasks import (
    CHECKIN_OPENS_RANGE,
    DESCRIPTION_MAX,
    HOURS_ROUNDING_RANGE,
    HOURS_TOLERANCE_RANGE,
    LATE_AFTER_RANGE,
    LOCATION_MAX,
    MAX_CAPACITY,
    MAX_DEADLINE_HOURS,
    MAX_MULTIPLIER,
    OFFER_HOURS_RANGE,
    TASK_KIND_LABELS,
    TITLE_MAX,
    WAITLIST_MODE_LABELS,
    WEEKDAY_LABELS,
)


def _capacity_field(label, **kwargs):
    return required_number(
        label,
        _l("Please give a capacity."),
        1,
        MAX_CAPACITY,
        _l("The capacity must be between %(min)s and %(max)s."),
        **kwargs,
    )


def _minutes_field(label, bounds: tuple[int, int], default: int, description=None):
    return required_number(
        label,
        _l("Please give a number of minutes."),
        *bounds,
        _l("Please give between %(min)s and %(max)s minutes."),
        default=default,
        description=description,
    )


class TaskForm(FlaskForm):
    team_id = SelectField(_l("Team"), coerce=int, validate_choice=True)
    title = required_text(_l("Title"), _l("Please give the task a title."), TITLE_MAX)
    kind = SelectField(
        _l("Type of task"), choices=[(key, TASK_KIND_LABELS[key]) for key in TASK_KINDS]
    )
    description = optional_text(_l("Description"), DESCRIPTION_MAX, field=TextAreaField)
    location = optional_text(_l("Location"), LOCATION_MAX)
    required_training_ids = MultiCheckboxField(_l("Required trainings"), coerce=int)
    required_skills = optional_text(
        _l("Required skills"),
        1000,
        description=_l("Separate skills with commas. Leave empty when anyone can do it."),
    )
    default_capacity = _capacity_field(_l("Default capacity"), default=4)
    points_multiplier = required_number(
        _l("Points multiplier"),
        _l("Please give a points multiplier."),
        0,
        int(MAX_MULTIPLIER),
        _l("The multiplier must be between %(min)s and %(max)s."),
        field=DecimalField,
        default=1,
        places=2,
    )
    credit_category = SelectField(
        _l("Second Classroom category"),
        choices=[],
        validate_choice=False,  # the service checks it; the choices come from the credit rules
        description=_l("The module its hours count under (admins set the rules)."),
    )
    cancel_deadline_hours = required_number(
        _l("Volunteers can cancel until (hours before the start)"),
        _l("Please give the cancellation deadline."),
        0,
        MAX_DEADLINE_HOURS,
        default=12,
    )
    is_onboarding = BooleanField(_l("This training is the team's onboarding training"))
    checkin_opens_minutes = _minutes_field(
        _l("Check-in opens (minutes before the start)"), CHECKIN_OPENS_RANGE, 30
    )
    late_after_minutes = _minutes_field(
        _l("Late after (minutes after the start)"), LATE_AFTER_RANGE, 5
    )
    walk_ins_allowed = BooleanField(_l("People not signed up may check in while there is room"))
    place_latitude = StringField(_l("Latitude of the place (optional)"))
    place_longitude = StringField(_l("Longitude of the place (optional)"))
    place_radius_m = StringField(
        _l("Radius in metres"),
        description=_l("With a place, phone check-ins from farther away are flagged, not refused."),
    )
    waitlist_mode = SelectField(
        _l("When a place frees up"),
        choices=list(WAITLIST_MODE_LABELS.items()),
        default="automatic",
    )
    offer_hours = required_number(
        _l("Hours to accept an offered place"),
        _l("Please give a number of hours."),
        *OFFER_HOURS_RANGE,
        _l("Please give between %(min)s and %(max)s hours."),
        default=2,
    )
    swap_needs_approval = BooleanField(
        _l("A coordinator approves when a volunteer takes over someone's place")
    )
    hours_tolerance_minutes = _minutes_field(
        _l("Hours tolerance (minutes beyond the scheduled length)"),
        HOURS_TOLERANCE_RANGE,
        15,
        description=_l("Scanned hours are capped at the shift's length plus this."),
    )
    hours_rounding_minutes = _minutes_field(
        _l("Round hours to (minutes)"), HOURS_ROUNDING_RANGE, 15
    )
    active = BooleanField(_l("Active"), default=True)
    submit = SubmitField(_l("Save"))


class ShiftTimesForm(FlaskForm):
    """What every shift form asks: the times, the capacity and a note."""

    start = TimeField(_l("Starts at"), validators=[InputRequired(_l("Please give a start time."))])
    end = TimeField(_l("Ends at"), validators=[InputRequired(_l("Please give an end time."))])
    capacity = _capacity_field(_l("Capacity"))
    note = optional_text(_l("Note"), NOTE_MAX)

    def load(self, shift: Shift) -> None:
        """Fill the form from a saved shift, its times in local time."""
        self.start.data = to_local(shift.starts_at).time()
        self.end.data = to_local(shift.ends_at).time()
        self.capacity.data = shift.capacity
        self.note.data = shift.note


class ShiftForm(ShiftTimesForm):
    day = DateField(_l("Date"), validators=[InputRequired(_l("Please give the date."))])
    submit = SubmitField(_l("Save"))

    def load(self, shift: Shift) -> None:
        super().load(shift)
        self.day.data = to_local(shift.starts_at).date()

    def values(self) -> dict:
        """The answers, as `shift_edits.create_shift` and `update_shift` take them."""
        return {
            "day": self.day.data,
            "start": self.start.data,
            "end": self.end.data,
            "capacity": self.capacity.data,
            "note": self.note.data,
        }


class SeriesForm(ShiftTimesForm):
    weekdays = MultiCheckboxField(
        _l("Weekdays"), coerce=int, choices=[(i, label) for i, label in enumerate(WEEKDAY_LABELS)]
    )
    first_date = DateField(
        _l("First date"), validators=[InputRequired(_l("Please give the first date."))]
    )
    last_date = DateField(
        _l("Last date"), validators=[InputRequired(_l("Please give the last date."))]
    )
    skipped_dates = optional_text(
        _l("Skipped dates (holidays)"),
        5000,
        field=TextAreaField,
        description=_l("One date per line, like 2026-10-01. No shift is created on these days."),
    )
    submit = SubmitField(_l("Create shifts"))


class SeriesChangeForm(ShiftTimesForm):
    """New times, capacity and note for a shift and the later shifts of its series."""

    submit = SubmitField(_l("Apply to this and later shifts"))


class CancelShiftForm(FlaskForm):
    reason = reason_text(
        REASON_MAX,
        _l("Please say why the shift is cancelled."),
        description=_l("Everyone signed up is told, with this reason."),
    )
    scope = SelectField(
        _l("Cancel"),
        choices=[("one", _l("Only this shift")), ("rest", _l("This and the rest of the series"))],
        default="one",
    )
    submit = SubmitField(_l("Cancel shift"))


class AssignForm(FlaskForm):
    student_number = required_text(
        _l("Student/staff number"), _l("Please enter the person's student or staff number."), 32
    )
    submit = SubmitField(_l("Assign"))


class LiftPauseForm(FlaskForm):
    note = required_text(
        _l("Note"), _l("Please add a note on why the pause is lifted."), RELIABILITY_NOTE_MAX
    )
    submit = SubmitField(_l("Lift the pause"))


class ExcuseForm(FlaskForm):
    reason = reason_text(RELIABILITY_NOTE_MAX, _l("Please give a reason for excusing the no-show."))
    submit = SubmitField(_l("Excuse"))


class OpeningForm(FlaskForm):
    """When sign-up opens for a batch of the task's coming shifts (empty: open at once)."""

    opens_day = DateField(_l("Sign-up opens on"), validators=[Optional()])
    opens_time = TimeField(_l("Opening time"), validators=[Optional()])
    first_day = DateField(_l("Shifts from"), validators=[Optional()])
    last_day = DateField(_l("Shifts until"), validators=[Optional()])
    series_id = SelectField(_l("Weekly series"), coerce=int, default=0, validate_choice=True)
    submit = SubmitField(_l("Set the opening"))


def limit_field(label):
    """An optional limit per person (a task's or a team's); empty = no limit."""
    return IntegerField(
        label,
        validators=[
            Optional(),
            NumberRange(*LIMIT_RANGE, message=_l("A limit must be between %(min)s and %(max)s.")),
        ],
        description=_l("Leave empty for no limit."),
    )


class LimitsForm(FlaskForm):
    max_per_week = limit_field(_l("Shifts per person per week"))
    max_per_month = limit_field(_l("Shifts per person per month"))
    max_future = limit_field(_l("Coming places one person may hold at once"))
    draw_minutes = IntegerField(
        _l("Draw the requests of the first minutes after opening"),
        validators=[
            Optional(),
            NumberRange(
                *DRAW_MINUTES_RANGE,
                message=_l("The draw window must be between %(min)s and %(max)s minutes."),
            ),
        ],
        description=_l(
            "Requests in these minutes are equal and drawn by lottery; later ones join in "
            "order of arrival. Leave empty for first come, first served."
        ),
    )
    submit = SubmitField(_l("Save"))

"""Forms for the coordinator's task and shift pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.shifts.models import TASK_KINDS
from app.shifts.tasks import (
    MAX_CAPACITY,
    MAX_DEADLINE_HOURS,
    NOTE_MAX,
    REASON_MAX,
    TASK_KIND_LABELS,
    WEEKDAY_LABELS,
)


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _capacity_field(label, **kwargs):
    return IntegerField(
        label,
        validators=[
            InputRequired(_l("Please give a capacity.")),
            NumberRange(
                min=1, max=MAX_CAPACITY, message=_l("The capacity must be between 1 and 500.")
            ),
        ],
        **kwargs,
    )


class TaskForm(FlaskForm):
    team_id = SelectField(_l("Team"), coerce=int, validate_choice=True)
    title = StringField(
        _l("Title"), validators=[DataRequired(_l("Please give the task a title.")), Length(max=200)]
    )
    kind = SelectField(_l("Kind"), choices=[(key, TASK_KIND_LABELS[key]) for key in TASK_KINDS])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=5000)])
    location = StringField(_l("Location"), validators=[Optional(), Length(max=200)])
    required_training_ids = MultiCheckboxField(_l("Required trainings"), coerce=int)
    required_skills = StringField(
        _l("Required skills"),
        validators=[Optional(), Length(max=1000)],
        description=_l("Separate skills with commas. Leave empty when anyone can do it."),
    )
    default_capacity = _capacity_field(_l("Default capacity"), default=4)
    points_multiplier = DecimalField(
        _l("Points multiplier"),
        default=1,
        places=2,
        validators=[
            InputRequired(_l("Please give a points multiplier.")),
            NumberRange(min=0, max=10, message=_l("The multiplier must be between 0 and 10.")),
        ],
    )
    cancel_deadline_hours = IntegerField(
        _l("Volunteers can cancel until (hours before the start)"),
        default=12,
        validators=[
            InputRequired(_l("Please give the cancellation deadline.")),
            NumberRange(min=0, max=MAX_DEADLINE_HOURS),
        ],
    )
    is_onboarding = BooleanField(_l("This training is the team's onboarding training"))
    active = BooleanField(_l("Active"), default=True)
    submit = SubmitField(_l("Save"))


class ShiftForm(FlaskForm):
    day = DateField(_l("Date"), validators=[InputRequired(_l("Please give the date."))])
    start = TimeField(_l("Starts at"), validators=[InputRequired(_l("Please give a start time."))])
    end = TimeField(_l("Ends at"), validators=[InputRequired(_l("Please give an end time."))])
    capacity = _capacity_field(_l("Capacity"))
    note = StringField(_l("Note"), validators=[Optional(), Length(max=NOTE_MAX)])
    submit = SubmitField(_l("Save"))


class SeriesForm(FlaskForm):
    weekdays = MultiCheckboxField(
        _l("Weekdays"), coerce=int, choices=[(i, label) for i, label in enumerate(WEEKDAY_LABELS)]
    )
    start = TimeField(_l("Starts at"), validators=[InputRequired(_l("Please give a start time."))])
    end = TimeField(_l("Ends at"), validators=[InputRequired(_l("Please give an end time."))])
    first_date = DateField(
        _l("First date"), validators=[InputRequired(_l("Please give the first date."))]
    )
    last_date = DateField(
        _l("Last date"), validators=[InputRequired(_l("Please give the last date."))]
    )
    capacity = _capacity_field(_l("Capacity"))
    skipped_dates = TextAreaField(
        _l("Skipped dates (holidays)"),
        validators=[Optional(), Length(max=5000)],
        description=_l("One date per line, like 2026-10-01. No shift is created on these days."),
    )
    note = StringField(_l("Note"), validators=[Optional(), Length(max=NOTE_MAX)])
    submit = SubmitField(_l("Create shifts"))


class CancelShiftForm(FlaskForm):
    reason = StringField(
        _l("Reason"),
        validators=[
            DataRequired(_l("Please say why the shift is cancelled.")),
            Length(max=REASON_MAX),
        ],
        description=_l("Everyone signed up is told, with this reason."),
    )
    scope = SelectField(
        _l("Cancel"),
        choices=[("one", _l("Only this shift")), ("rest", _l("This and the rest of the series"))],
        default="one",
    )
    submit = SubmitField(_l("Cancel shift"))


class AssignForm(FlaskForm):
    student_number = StringField(
        _l("Student/staff number"),
        validators=[
            DataRequired(_l("Please enter the person's student or staff number.")),
            Length(max=32),
        ],
    )
    submit = SubmitField(_l("Assign"))


class ActionForm(FlaskForm):
    """An empty form: a POST button with its CSRF token."""

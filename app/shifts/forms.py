"""Forms for the volunteer's shift pages: the filters and the one-button actions."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, SubmitField, TextAreaField
from wtforms.validators import Optional

from app.common.forms import optional_text
from app.shifts.handovers import NOTE_MAX


class OfferPlaceForm(FlaskForm):
    """Offering one's place on a shift to the other volunteers, with an optional note."""

    note = optional_text(
        _l("Note for the others (optional)"),
        NOTE_MAX,
        field=TextAreaField,
        description=_l("For example why, or what the next person should know."),
    )
    submit = SubmitField(_l("Offer my place"))


def _optional_int(value):
    if value in (None, "", "None"):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class ShiftFilterForm(FlaskForm):
    """The open-shift filters, read from the query string."""

    class Meta:
        csrf = False

    week = DateField(_l("Week starting"), validators=[Optional()])
    task = SelectField(_l("Task"), coerce=_optional_int, validators=[Optional()])
    location = SelectField(_l("Location"), validators=[Optional()])

    def set_choices(self, tasks: list[tuple[int, str]], locations: list[str]) -> None:
        self.task.choices = [(None, _l("All tasks")), *tasks]
        self.location.choices = [("", _l("All locations"))] + [(loc, loc) for loc in locations]

"""Forms of the data-hub pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.admin.datahub import KIND_LABELS

STATUS_LABELS = {
    "applied": _l("Applied"),
    "unchanged": _l("No change"),
    "failed": _l("Failed"),
}


class DataHubSourceForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    kind = SelectField(_l("Gives"), choices=list(KIND_LABELS.items()))
    url = StringField(
        _l("Address (URL)"),
        validators=[DataRequired(), Length(max=500)],
        description=_l("Answers JSON: a list of records, or an object with a “data” list."),
    )
    token = PasswordField(
        _l("Access token"),
        validators=[Optional(), Length(max=500)],
        description=_l("Sent as “Authorization: Bearer …”. Leave empty to keep the stored one."),
    )
    mapping = TextAreaField(
        _l("Field mapping"),
        validators=[DataRequired()],
        description=_l(
            "One line per field: our field=the data hub's field, e.g. student_number=XH."
        ),
    )
    hour = IntegerField(
        _l("Pull every day at (hour)"), default=3, validators=[NumberRange(min=0, max=23)]
    )
    enabled = BooleanField(_l("Pull on schedule"), default=True)
    submit = SubmitField(_l("Save"))


class SourceActionForm(FlaskForm):
    """The "Dry run" and "Pull now" buttons, with their CSRF token."""

    submit = SubmitField(_l("Go"))

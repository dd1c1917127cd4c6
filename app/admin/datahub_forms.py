"""Forms of the data-hub pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    IntegerField,
    PasswordField,
    SelectField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, NumberRange

from app.admin.datahub import KIND_LABELS
from app.common.forms import optional_text, required_text

STATUS_LABELS = {
    "applied": _l("Applied"),
    "unchanged": _l("No change"),
    "failed": _l("Failed"),
}


class DataHubSourceForm(FlaskForm):
    name = required_text(_l("Name"), None, 100)
    kind = SelectField(_l("Gives"), choices=list(KIND_LABELS.items()))
    url = required_text(
        _l("Address (URL)"),
        None,
        500,
        description=_l("Answers JSON: a list of records, or an object with a “data” list."),
    )
    token = optional_text(
        _l("Access token"),
        500,
        field=PasswordField,
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

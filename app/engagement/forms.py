"""Forms of the engagement pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from app.common.forms import MultiCheckboxField
from app.engagement.nudges import MESSAGE_MAX


class NudgeForm(FlaskForm):
    people = MultiCheckboxField(_l("People"), coerce=int, validate_choice=False)
    message = TextAreaField(
        _l("Message"),
        validators=[
            DataRequired(message=_l("Please write the message.")),
            Length(max=MESSAGE_MAX, message=_l("The message is too long.")),
        ],
        description=_l("{name} is replaced by each person's name."),
    )
    submit = SubmitField(_l("Send to the chosen people"))

"""The admin's form for anonymising a person who has left."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from app.accounts.anonymise import REASON_MAX


class AnonymiseForm(FlaskForm):
    confirmation = StringField(
        _l("Type the student or staff number to confirm"),
        validators=[DataRequired(_l("Type the person's student or staff number to confirm."))],
    )
    reason = TextAreaField(
        _l("Reason"),
        validators=[
            DataRequired(_l("Please give the reason.")),
            Length(max=REASON_MAX, message=_l("The reason is longer than %(max)d characters.")),
        ],
        description=_l(
            "For example: graduated in 2025 and asked for deletion. Do not write the name."
        ),
    )
    submit = SubmitField(_l("Anonymise for good"))

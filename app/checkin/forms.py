"""Forms of the volunteer's check-in pages."""

from __future__ import annotations

import secrets

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Regexp

NONCE_PATTERN = r"^[A-Za-z0-9_-]+$"


def new_nonce() -> str:
    return secrets.token_urlsafe(12)


class CheckOutForm(FlaskForm):
    """The big "Check out" button. Its nonce makes a retried or resubmitted request replay
    the first answer instead of acting twice."""

    nonce = HiddenField(validators=[DataRequired(), Length(max=40), Regexp(NONCE_PATTERN)])
    submit = SubmitField(_l("Check out"))


class TypedCodeForm(FlaskForm):
    """The six digits under the kiosk's QR code, typed on the volunteer's phone."""

    code = StringField(
        _l("Check-in code"),
        validators=[
            DataRequired(),
            Regexp(r"^\s*[0-9]{6}\s*$", message=_l("Enter the 6 digits shown under the code.")),
        ],
    )
    nonce = HiddenField(validators=[DataRequired(), Length(max=40), Regexp(NONCE_PATTERN)])
    submit = SubmitField(_l("Check in"))

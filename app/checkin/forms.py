"""Forms of the volunteer's check-in pages."""

from __future__ import annotations

import secrets

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SubmitField
from wtforms.validators import DataRequired, Length, Regexp

NONCE_PATTERN = r"^[A-Za-z0-9_-]+$"


def new_nonce() -> str:
    return secrets.token_urlsafe(12)


class CheckOutForm(FlaskForm):
    """The big "Check out" button. Its nonce makes a retried or resubmitted request replay
    the first answer instead of acting twice."""

    nonce = HiddenField(validators=[DataRequired(), Length(max=40), Regexp(NONCE_PATTERN)])
    submit = SubmitField(_l("Check out"))

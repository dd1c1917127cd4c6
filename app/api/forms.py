"""Forms of the API token pages."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, SubmitField
from wtforms.validators import DataRequired

from app.api.services import DEFAULT_LIFETIME_DAYS, LIFETIME_DAYS, NAME_MAX_LENGTH
from app.common.forms import MultiCheckboxField, required_text


class TokenForm(FlaskForm):
    name = required_text(
        _l("What is it for?"),
        _l("Please say what the token is for."),
        NAME_MAX_LENGTH,
        description=_l("For example: my timetable script. Only you see this name."),
    )
    scopes = MultiCheckboxField(
        _l("What may it do?"), validators=[DataRequired(_l("Choose at least one scope."))]
    )
    expires_in = SelectField(
        _l("Valid for"),
        coerce=int,
        choices=[(days, _l("%(n)d days", n=days)) for days in LIFETIME_DAYS],
        default=DEFAULT_LIFETIME_DAYS,
    )
    submit = SubmitField(_l("Create token"))

    def set_scope_choices(self, scopes: dict[str, Any]) -> None:
        self.scopes.choices = [(name, f"{label} ({name})") for name, label in scopes.items()]
        if self.scopes.data is None:
            self.scopes.data = ["profile:read"]


class RevokeForm(FlaskForm):
    """A revoke button with its CSRF token."""

    submit = SubmitField(_l("Revoke"))

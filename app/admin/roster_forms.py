"""Forms for the roster import: the upload, and the confirmation of a preview."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, SubmitField
from wtforms.validators import DataRequired, Optional

from app.common.forms import table_file


class RosterUploadForm(FlaskForm):
    file = table_file(_l("Roster file (CSV or XLSX)"))
    submit = SubmitField(_l("Check the file"))


class RosterConfirmForm(FlaskForm):
    token = HiddenField(validators=[DataRequired()])
    initial_password = PasswordField(
        _l("Initial password for new people (optional)"),
        validators=[Optional()],
        description=_l(
            "Without one, new people cannot log in until an admin resets their password. "
            "Either way they must choose their own password at first login."
        ),
    )
    submit = SubmitField(_l("Import"))

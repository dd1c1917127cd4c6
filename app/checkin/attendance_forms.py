"""Forms for the coordinator's attendance pages: corrections, added hours, verification
and the scanner's typed-code fallback."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateTimeLocalField,
    HiddenField,
    SelectField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Optional

from app.checkin.attendance import REASON_MAX, STATUS_LABELS
from app.checkin.attendance_corrections import EVIDENCE_MAX
from app.checkin.models import ATTENDANCE_STATUSES
from app.common.forms import reason_text, required_number, required_text

LOCAL_FORMAT = "%Y-%m-%dT%H:%M"
MAX_ADDED_MINUTES = 24 * 60


class CorrectionForm(FlaskForm):
    status = SelectField(
        _l("Status"), choices=[(key, STATUS_LABELS[key]) for key in ATTENDANCE_STATUSES]
    )
    checked_in_at = DateTimeLocalField(
        _l("Checked in at"),
        format=LOCAL_FORMAT,
        validators=[InputRequired(_l("Please give the check-in time."))],
    )
    checked_out_at = DateTimeLocalField(
        _l("Checked out at"), format=LOCAL_FORMAT, validators=[Optional()]
    )
    reason = reason_text(
        REASON_MAX,
        field=TextAreaField,
        description=_l("Kept in the audit log with the change."),
    )
    submit = SubmitField(_l("Save the correction"))


class AddMinutesForm(FlaskForm):
    minutes = required_number(
        _l("Minutes to add"),
        _l("Please give the minutes."),
        1,
        MAX_ADDED_MINUTES,
        _l("Add at least one minute."),
    )
    evidence = required_text(
        _l("Evidence"),
        _l("Please say what shows the time was served."),
        EVIDENCE_MAX,
        field=TextAreaField,
        description=_l("For example: signed paper list, photo of the event, the desk log."),
    )
    submit = SubmitField(_l("Add the hours"))


class UnverifyForm(FlaskForm):
    reason = reason_text(REASON_MAX)
    submit = SubmitField(_l("Withdraw the verification"))


class CodeForm(FlaskForm):
    """The scanner's fallback: the code typed (or pasted) by hand."""

    code = required_text(
        _l("Personal code"),
        _l("Please type the code."),
        500,
        description=_l("The code under the QR on the volunteer's phone."),
    )
    nonce = HiddenField()
    submit = SubmitField(_l("Check in or out"))

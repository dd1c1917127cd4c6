"""Forms of hours served elsewhere: the volunteer's claim and the coordinator's decision."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, RadioField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired

from app.common.forms import optional_text, required_text
from app.outside.models import DESCRIPTION_MAX, LINK_MAX, ORGANISER_MAX, REASON_MAX


class ClaimForm(FlaskForm):
    """Hours are text: the service reads "2.5" and says why anything else is refused."""

    organiser = required_text(
        _l("Organiser"),
        _l("Please name the organiser."),
        ORGANISER_MAX,
        description=_l("For example the community centre or the club that ran the service."),
    )
    served_on = DateField(
        _l("Day of the service"),
        validators=[InputRequired(_l("Please give the day of the service."))],
    )
    hours = StringField(
        _l("Hours"),
        validators=[InputRequired(_l("Please give the hours served, more than 0."))],
        render_kw={"inputmode": "decimal"},
    )
    description = optional_text(
        _l("What you did (optional)"), DESCRIPTION_MAX, field=TextAreaField, render_kw={"rows": 3}
    )
    evidence = FileField(
        _l("Evidence file (PDF, JPEG or PNG)"),
        render_kw={"accept": "application/pdf,image/jpeg,image/png"},
    )
    evidence_link = optional_text(
        _l("Or a link to the evidence"), LINK_MAX, render_kw={"inputmode": "url"}
    )
    submit = SubmitField(_l("Send the claim"))


class DecisionForm(FlaskForm):
    decision = RadioField(
        _l("Decision"),
        choices=[
            ("approve", _l("Approve")),
            ("change", _l("Approve with other hours")),
            ("reject", _l("Reject")),
        ],
        validators=[InputRequired(_l("Please choose a decision."))],
    )
    hours = StringField(_l("Hours approved (when changed)"), render_kw={"inputmode": "decimal"})
    reason = optional_text(
        _l("Reason (needed to change or reject)"),
        REASON_MAX,
        field=TextAreaField,
        render_kw={"rows": 2},
    )
    submit = SubmitField(_l("Decide"))

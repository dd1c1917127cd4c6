"""Forms of the feedback feature: the volunteer's answer and the task's tick-boxes."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SubmitField, TextAreaField

from app.common.forms import MultiCheckboxField, optional_text, required_number
from app.feedback.models import COMMENT_MAX, RATING_MAX, RATING_MIN, TICK_MAX, TICKS_MAX

RATING_MESSAGE = _l("Please choose a rating from 1 to 5.")


class AnswerForm(FlaskForm):
    rating = required_number(_l("Rating"), RATING_MESSAGE, RATING_MIN, RATING_MAX, RATING_MESSAGE)
    # The choices are the task's own tick-boxes; the service keeps only those.
    ticks = MultiCheckboxField(_l("Tick what was true"), choices=[], validate_choice=False)
    comment = optional_text(
        _l("Comment (optional)"), COMMENT_MAX, field=TextAreaField, render_kw={"rows": 3}
    )
    submit = SubmitField(_l("Send"))


class TicksForm(FlaskForm):
    labels = optional_text(
        _l("Tick-boxes, one a line"),
        (TICK_MAX + 1) * TICKS_MAX * 2,
        field=TextAreaField,
        render_kw={"rows": 5},
        description=_l("For example “Well briefed” or “Enough to do”. At most 8."),
    )
    submit = SubmitField(_l("Save"))

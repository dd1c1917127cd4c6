"""Forms for the points pages: finding a person, adjusting and reversing points, and
editing the points rules."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, SubmitField
from wtforms.validators import Length

from app.common.forms import reason_text, required_number
from app.rewards.points import ADJUSTMENT_MAX, REASON_MAX, RULE_POINTS_MAX


class PersonSearchForm(FlaskForm):
    """The admin's search box (GET, so no CSRF token)."""

    class Meta:
        csrf = False

    q = StringField(_l("Name or student number"), validators=[Length(max=100)])
    submit = SubmitField(_l("Search"))


class AdjustForm(FlaskForm):
    points = required_number(
        _l("Points (negative to take away)"),
        _l("Please give a number of points."),
        -ADJUSTMENT_MAX,
        ADJUSTMENT_MAX,
    )
    reason = reason_text(REASON_MAX)
    submit = SubmitField(_l("Adjust points"))


class ReverseForm(FlaskForm):
    reason = reason_text(REASON_MAX)
    submit = SubmitField(_l("Reverse"))


class RuleForm(FlaskForm):
    points = required_number(
        _l("Points"), _l("Please give a number of points."), -RULE_POINTS_MAX, RULE_POINTS_MAX
    )
    active = BooleanField(_l("Active"))
    submit = SubmitField(_l("Save"))

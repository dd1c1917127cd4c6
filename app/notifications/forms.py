"""Forms for the notification pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SubmitField

from app.common.forms import MultiCheckboxField


class EmailChoicesForm(FlaskForm):
    """One checkbox per kind of notification: ticked means "also by email"."""

    email = MultiCheckboxField(_l("Also send me an email for"))
    wechat = MultiCheckboxField(_l("Also send to my WeChat"))
    submit = SubmitField(_l("Save"))

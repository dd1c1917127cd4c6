"""Forms for the notification pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, SubmitField
from wtforms.widgets import CheckboxInput, ListWidget


class ActionForm(FlaskForm):
    """An empty form: a POST button (mark read, mark all read) with its CSRF token."""


class EmailChoicesForm(FlaskForm):
    """One checkbox per kind of notification: ticked means "also by email"."""

    email = SelectMultipleField(
        _l("Also send me an email for"),
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    submit = SubmitField(_l("Save"))

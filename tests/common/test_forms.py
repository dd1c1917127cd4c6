"""The form pieces every feature uses."""

from __future__ import annotations

from flask import get_flashed_messages
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from app.common.forms import flash_form_errors


class TwoFieldsForm(FlaskForm):
    name = StringField(validators=[DataRequired("Name, please.")])
    note = StringField(validators=[Length(max=2, message="Too long.")])


def test_flash_form_errors_flashes_each_error_of_a_refused_form(app):
    with app.test_request_context("/", method="POST", data={"note": "abc"}):
        form = TwoFieldsForm()
        assert not form.validate_on_submit()

        flash_form_errors(form)

        assert get_flashed_messages(with_categories=True) == [
            ("danger", "Name, please."),
            ("danger", "Too long."),
        ]

"""Form pieces every feature uses (a POST button's form, a list of checkboxes) and views'
handling of a service's outcome: a domain error shown on the form field it is about, a
refused form's errors flashed (the commit itself is `app.common.transaction.run_change`)."""

from __future__ import annotations

from flask import flash
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, SubmitField
from wtforms.widgets import CheckboxInput, ListWidget

from app.errors import DomainError


class ActionForm(FlaskForm):
    """A POST button (sign up, mark read, approve, …): carries the CSRF token."""

    submit = SubmitField()


class MultiCheckboxField(SelectMultipleField):
    """A multiple choice shown as a list of checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def show_domain_error(form: FlaskForm, error: DomainError) -> None:
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, str(error.message)]
    else:
        flash(str(error.message), "danger")


def flash_form_errors(form: FlaskForm) -> None:
    """Flash each error of a refused form, one message each: for a form posted from another
    page, which the view redirects back to instead of showing the form again."""
    for errors in form.errors.values():
        for error in errors:
            flash(str(error), "danger")

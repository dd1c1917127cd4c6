"""Form pieces every feature uses (a POST button's form, a list of checkboxes) and views'
handling of a service's outcome: a domain error shown on the form field it is about, or a
button's change committed with a message."""

from __future__ import annotations

from collections.abc import Callable

from flask import flash
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, SubmitField
from wtforms.widgets import CheckboxInput, ListWidget

from app.errors import DomainError
from app.extensions import db


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


def commit_change(change: Callable[[], object], success: str) -> bool:
    """Run one service call for a button: commit and flash `success`, or, on a domain
    error, roll back and flash why. True when the change was made."""
    try:
        change()
    except DomainError as error:
        db.session.rollback()
        flash(str(error.message), "danger")
        return False
    db.session.commit()
    flash(success, "success")
    return True


def commit_form_change(form: FlaskForm, change: Callable[[], object], success: str) -> bool:
    """Run one service call for a submitted form: commit and flash `success`, or, on a
    domain error, roll back and show why on the field it is about. True when made."""
    try:
        change()
    except DomainError as error:
        db.session.rollback()
        show_domain_error(form, error)
        return False
    db.session.commit()
    flash(success, "success")
    return True

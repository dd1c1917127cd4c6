"""Views' handling of a service's outcome: a domain error shown on the form field it is
about (the commit itself is `app.common.transaction.run_change`)."""

from __future__ import annotations

from flask import flash
from flask_wtf import FlaskForm

from app.errors import DomainError


def show_domain_error(form: FlaskForm, error: DomainError) -> None:
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, str(error.message)]
    else:
        flash(str(error.message), "danger")

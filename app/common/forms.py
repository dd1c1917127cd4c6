"""Views' handling of a service's outcome: a domain error shown on the form field it is
about, or a button's change committed with a message."""

from __future__ import annotations

from collections.abc import Callable

from flask_wtf import FlaskForm

from app.common.transaction import run_change, show_domain_error

__all__ = ["commit_change", "commit_form_change", "show_domain_error"]


def commit_change(change: Callable[[], object], success: str) -> bool:
    """Run one service call for a button: commit and flash `success`, or, on a domain
    error, roll back and flash why. True when the change was made."""
    return bool(run_change(change, success))


def commit_form_change(form: FlaskForm, change: Callable[[], object], success: str) -> bool:
    """Run one service call for a submitted form: commit and flash `success`, or, on a
    domain error, roll back and show why on the field it is about. True when made."""
    return bool(run_change(change, success, form=form))

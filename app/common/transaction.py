"""The request's one transaction: a view (or the API's token decorator) runs its change
through here, and this is the only place a request commits or rolls back.

`transaction()` commits when the block ends and rolls back when anything escapes it (a
`DomainError` then reaches the error handler as before). `run_change()` is the views'
usual shape: run one service call, commit and flash a success message, or roll back
and show the `DomainError`'s message (on the form field it is about, when a form is
given) and let the view re-render or redirect. `form_page()` is the usual form page around
it: save and go on, or show the form again; `posted_change()` the usual button or small form
posted from another page, which it goes back to."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Generic, TypeVar

from flask import Response, flash, redirect, render_template
from flask_wtf import FlaskForm

from app.common import connections
from app.common.forms import flash_form_errors, show_domain_error
from app.errors import DomainError
from app.extensions import db

T = TypeVar("T")


@contextmanager
def transaction() -> Iterator[None]:
    """Commit what the block changed, or roll it back if anything escapes the block."""
    try:
        yield
    except BaseException:
        connections.roll_back()
        raise
    db.session.commit()


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """What `run_change` did: true when the change was committed; `value` is what the
    change returned, `error` the refusal when it was rolled back."""

    value: T | None = None
    error: DomainError | None = None

    def __bool__(self) -> bool:
        return self.error is None


def run_change(
    change: Callable[[], T],
    success: str | Callable[[T], str] | None = None,
    *,
    form: FlaskForm | None = None,
) -> Outcome[T]:
    """Run one service call and commit it, flashing `success` (a message, or a function
    of the change's result); on a `DomainError` roll back and show why (on `form`'s field
    when given, else flashed). Any other exception is rolled back and propagates."""
    try:
        with transaction():
            value = change()
    except DomainError as error:
        if form is not None:
            show_domain_error(form, error)
        else:
            flash(str(error.message), "danger")
        return Outcome(error=error)
    message = success(value) if callable(success) else success
    if message:
        flash(message, "success")
    return Outcome(value=value)


def form_status(form: FlaskForm) -> int:
    """The status of a page that shows `form`: 400 when it was sent and refused (shown
    again with its errors), else 200. Every view answers a refused form the same way."""
    return 400 if form.errors else 200


def form_page(
    form: FlaskForm,
    change: Callable[[], T],
    success: str | Callable[[T], str] | None,
    *,
    then: str | Callable[[T], str],
    template: str,
    **context: object,
) -> Response | tuple[str, int]:
    """A form page's answer: when `form` is sent and valid, `run_change(change, success)`
    and, if it was committed, redirect to `then` (an address, or a function of the change's
    result); otherwise render `template` with the form and `context` (status 400 when the
    form was refused, see `form_status`)."""
    if form.validate_on_submit():
        done = run_change(change, success, form=form)
        if done:
            return redirect(then(done.value) if callable(then) else then)
    return render_template(template, form=form, **context), form_status(form)


def posted_change(
    form: FlaskForm,
    change: Callable[[], T],
    success: str | Callable[[T], str] | None,
    *,
    back: str,
) -> Response:
    """A button or small form posted from another page (a list, a roster, a batch): when
    `form` is valid `run_change(change, success)`, else flash its errors; then redirect
    `back` to that page either way."""
    if form.validate_on_submit():
        run_change(change, success)
    else:
        flash_form_errors(form)
    return redirect(back)

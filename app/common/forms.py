"""Form pieces every feature uses (a POST button's form, a list of checkboxes, a text field
with its length limit, a number within its bounds, a reason, a table file to upload) and
views' handling of a service's outcome: a domain error shown on the form field it is about,
a refused form's errors flashed (the commit itself is `app.common.transaction.run_change`)."""

from __future__ import annotations

import secrets

from flask import flash
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from markupsafe import Markup
from wtforms import (
    Field,
    HiddenField,
    IntegerField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.core import UnboundField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.errors import DomainError

MARKDOWN_HINT = _l("Markdown: **bold**, *italic*, lists, links, ### headings.")
GIVE_A_REASON = _l("Please give a reason.")


class ActionForm(FlaskForm):
    """A POST button (sign up, mark read, approve, …): carries the CSRF token.

    A list page renders its hidden fields once per row (44 sign-up buttons): they are the
    same every time (the token is the request's), so they are built once per form."""

    submit = SubmitField()
    _hidden: Markup | None = None

    def hidden_tag(self, *fields) -> Markup:
        if fields:
            return super().hidden_tag(*fields)
        if self._hidden is None:
            self._hidden = super().hidden_tag()
        return self._hidden


class MultiCheckboxField(SelectMultipleField):
    """A multiple choice shown as a list of checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def required_text(
    label: str,
    missing: str | None,
    max_length: int,
    *,
    field: type[Field] = StringField,
    **options: object,
) -> UnboundField:
    """A text field that must be filled in (`missing`: the message when it is not) with at
    most `max_length` characters; `field` is the kind (StringField, TextAreaField, …) and
    `options` its other arguments (description, render_kw, …)."""
    return field(label, validators=[DataRequired(missing), Length(max=max_length)], **options)


def optional_text(
    label: str, max_length: int, *, field: type[Field] = StringField, **options: object
) -> UnboundField:
    """A text field that may be left empty, with at most `max_length` characters."""
    return field(label, validators=[Optional(), Length(max=max_length)], **options)


def required_number(
    label: str,
    missing: str | None,
    low: float | None,
    high: float | None,
    out_of_range: str | None = None,
    *,
    field: type[Field] = IntegerField,
    **options: object,
) -> UnboundField:
    """A number that must be given (`missing`: the message when it is not, WTForms' own when
    None) from `low` to `high` (None: no bound), with `out_of_range` the message when it is
    outside (WTForms' own when None); `field` is the kind (IntegerField, DecimalField, …)
    and `options` its other arguments (default, description, places, …)."""
    return field(
        label,
        validators=[
            InputRequired(missing),
            NumberRange(min=low, max=high, message=out_of_range),
        ],
        **options,
    )


def reason_text(max_length: int, missing: str = GIVE_A_REASON, **options: object) -> UnboundField:
    """The "Reason" field a person must fill in for a change (a correction, a cancellation,
    an excuse, …), with at most `max_length` characters; `missing` and `options` as for
    `required_text`."""
    return required_text(_l("Reason"), missing, max_length, **options)


def markdown_text(
    label: str, max_length: int, rows: int, *, missing: str | None = None
) -> UnboundField:
    """A Markdown text (shown through `app.common.markdown`), with a hint on the syntax under
    it: optional, or required with `missing` the message when it is left empty."""
    options = {"field": TextAreaField, "description": MARKDOWN_HINT, "render_kw": {"rows": rows}}
    if missing is None:
        return optional_text(label, max_length, **options)
    return required_text(label, missing, max_length, **options)


def table_file(label: str) -> UnboundField:
    """A CSV or XLSX file to upload, which must be chosen (an import reads a table from it)."""
    return FileField(label, validators=[FileRequired(_l("Please choose a CSV or XLSX file."))])


def add_field_error(field: Field, error: DomainError) -> None:
    """Show a service's refusal under `field`, after the errors it already has."""
    field.errors = [*field.errors, str(error.message)]


def show_domain_error(form: FlaskForm, error: DomainError) -> None:
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        add_field_error(field, error)
    else:
        flash(str(error.message), "danger")


def flash_form_errors(form: FlaskForm) -> None:
    """Flash a refused form's errors, one message a field (its errors joined): for a form
    posted from another page, which the view redirects back to instead of showing the form
    again."""
    for errors in form.errors.values():
        flash(" ".join(str(error) for error in errors), "danger")


def once_token() -> UnboundField:
    """A hidden one-time token filled in when the form is shown: a service that stores it
    under a unique column writes what a form posted twice (a double click) asks for once.
    Empty when the form was posted without it (then nothing is deduplicated)."""
    return HiddenField(default=lambda: secrets.token_urlsafe(24), validators=[Length(max=64)])

"""The form pieces every feature uses."""

from __future__ import annotations

import io

from flask import get_flashed_messages
from flask_babel import gettext
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Regexp

from app.common.forms import (
    MARKDOWN_HINT,
    add_field_error,
    flash_form_errors,
    markdown_text,
    optional_text,
    reason_text,
    required_number,
    required_text,
    table_file,
)
from app.errors import InvalidInput


class TwoFieldsForm(FlaskForm):
    name = StringField(validators=[DataRequired("Name, please.")])
    note = StringField(
        validators=[
            Length(max=2, message="Too long."),
            Regexp("^[a-z]*$", message="Letters only."),
        ]
    )


def test_flash_form_errors_flashes_one_message_a_field(app):
    with app.test_request_context("/", method="POST", data={"note": "ab1"}):
        form = TwoFieldsForm()
        assert not form.validate_on_submit()

        flash_form_errors(form)

        assert get_flashed_messages(with_categories=True) == [
            ("danger", "Name, please."),
            ("danger", "Too long. Letters only."),
        ]


class TextsForm(FlaskForm):
    title = required_text("Title", "Title, please.", 5, description="Short.")
    note = optional_text("Note", 3, field=TextAreaField)


class ReasonsForm(FlaskForm):
    reason = reason_text(4)
    why = reason_text(4, "Why, please?", field=TextAreaField)


def test_reason_text_is_a_required_reason_within_its_length(app):
    with app.test_request_context("/", method="POST", data={"reason": "", "why": ""}):
        form = ReasonsForm()

        assert not form.validate()
        assert str(form.reason.label.text) == gettext("Reason")
        assert form.reason.errors == [gettext("Please give a reason.")]
        assert form.why.errors == ["Why, please?"]
        assert form.why.type == "TextAreaField"
    with app.test_request_context("/", method="POST", data={"reason": "abcde", "why": "ok"}):
        form = ReasonsForm()

        assert not form.validate()
        assert len(form.reason.errors) == 1
        assert not form.why.errors


def test_required_text_needs_a_value_within_its_length(app):
    with app.test_request_context("/", method="POST", data={"title": "", "note": "abcd"}):
        form = TextsForm()

        assert not form.validate()
        assert form.title.errors == ["Title, please."]
        assert len(form.note.errors) == 1
        assert form.title.flags.required
        assert form.title.description == "Short."
        assert form.note.type == "TextAreaField"


def test_optional_text_may_be_left_empty(app):
    with app.test_request_context("/", method="POST", data={"title": "Ada"}):
        form = TextsForm()

        assert form.validate()
        assert form.title.data == "Ada"


class UploadForm(FlaskForm):
    file = table_file("Table")


def test_table_file_must_be_chosen(app):
    with app.test_request_context("/", method="POST", data={}):
        form = UploadForm()

        assert not form.validate()
        assert len(form.file.errors) == 1


def test_table_file_takes_the_uploaded_file(app):
    data = {"file": (io.BytesIO(b"a,b\n"), "people.csv")}
    with app.test_request_context("/", method="POST", data=data):
        form = UploadForm()

        assert form.validate()
        assert form.file.data.filename == "people.csv"


class StoryForm(FlaskForm):
    story = markdown_text("Story", 10, 4)


def test_markdown_text_is_an_optional_text_area_with_the_syntax_hint(app):
    with app.test_request_context("/", method="POST", data={"story": "x" * 11}):
        form = StoryForm()

        assert not form.validate()
        assert form.story.type == "TextAreaField"
        assert form.story.description == MARKDOWN_HINT
        assert form.story.render_kw == {"rows": 4}
    with app.test_request_context("/", method="POST", data={}):
        assert StoryForm().validate()


def test_add_field_error_keeps_the_errors_the_field_has(app):
    with app.test_request_context("/", method="POST", data={"note": "abc"}):
        form = TwoFieldsForm()
        form.validate()

        add_field_error(form.note, InvalidInput("Refused."))

        assert form.note.errors == ["Too long.", "Refused."]


class NumbersForm(FlaskForm):
    places = required_number("Places", "How many?", 1, 5, "From 1 to 5.", default=2)
    size = required_number("Size", None, 0, None)


def test_required_number_must_be_given_within_its_bounds(app):
    with app.test_request_context("/", method="POST", data={"places": "", "size": "-1"}):
        form = NumbersForm()

        assert not form.validate()
        assert form.places.errors == ["How many?"]
        assert len(form.size.errors) == 1
        assert form.places.type == "IntegerField"
    with app.test_request_context("/", method="POST", data={"places": "6", "size": "900"}):
        form = NumbersForm()

        assert not form.validate()
        assert form.places.errors == ["From 1 to 5."]
        assert not form.size.errors
    with app.test_request_context("/"):
        assert NumbersForm().places.data == 2

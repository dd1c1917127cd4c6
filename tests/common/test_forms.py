"""The form pieces every feature uses."""

from __future__ import annotations

import io

from flask import get_flashed_messages
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Regexp

from app.common.forms import (
    MARKDOWN_HINT,
    flash_form_errors,
    markdown_text,
    optional_text,
    required_text,
    table_file,
)


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

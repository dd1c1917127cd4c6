"""Templates' _() keeps one translations object a request, yet still follows the language:
an e-mail rendered with `force_locale` for its recipient, then the page again; and so do
WTForms' own messages, whose catalogue is loaded once a process."""

from __future__ import annotations

from flask import render_template_string
from flask_babel import force_locale, gettext
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import StringField
from wtforms.validators import InputRequired

MSGID = "Everyone"


def test_a_page_switches_language_inside_and_back_outside_force_locale(app):
    with app.test_request_context("/"):
        chinese = gettext(MSGID)
        assert chinese != MSGID  # the Chinese catalogue has it
        assert render_template_string("{{ _(m) }}", m=MSGID) == chinese
        with force_locale("en"):
            assert render_template_string("{{ _(m) }}", m=MSGID) == MSGID
        assert render_template_string("{{ _(m) }}", m=MSGID) == chinese


def test_form_messages_follow_the_language_though_their_catalogue_is_loaded_once(app):
    class Form(FlaskForm):
        name = StringField(validators=[InputRequired()])

    def required_message() -> str:
        form = Form(meta={"csrf": False}, formdata=MultiDict())
        form.validate()
        return form.name.errors[0]

    with app.test_request_context("/"):
        chinese = required_message()
        with force_locale("en"):
            english = required_message()
        assert required_message() == chinese

    assert english == "This field is required."
    assert chinese != english

"""Forms of the WeChat admin pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, SubmitField, TextAreaField

from app.common.forms import required_text


class TemplateForm(FlaskForm):
    template_id = required_text(
        _l("Template id"),
        _l("Enter the template id."),
        64,
        description=_l("As the Official Account's platform shows it under 模板消息 → 我的模板."),
    )
    fields = required_text(
        _l("Fields"),
        _l("Name at least one field of the template."),
        1000,
        field=TextAreaField,
        description=_l(
            "One “field = source” per line, e.g. “thing1 = title”. Sources: title, body, "
            "time, kind, name. Values are shortened to fit each field."
        ),
        render_kw={"rows": 5},
    )
    active = BooleanField(_l("Send this kind to WeChat"), default=True)
    submit = SubmitField(_l("Save"))


class TestMessageForm(FlaskForm):
    kind = SelectField(_l("With the template of"))
    submit = SubmitField(_l("Send me a test message"))

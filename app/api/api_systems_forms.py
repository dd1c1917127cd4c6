"""Forms of the admin's pages of systems (application tokens) and their webhooks."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired

from app.api.systems import NAME_MAX_LENGTH, system_scope_labels
from app.api.webhooks import EVENT_LABELS, URL_MAX_LENGTH
from app.common.forms import MultiCheckboxField, optional_text, required_text


class SystemForm(FlaskForm):
    name = required_text(
        _l("System"),
        _l("Please name the system."),
        NAME_MAX_LENGTH,
        description=_l("For example: 第二课堂系统 or 数据中台."),
    )
    scopes = MultiCheckboxField(
        _l("What may it do?"), validators=[DataRequired(_l("Choose at least one scope."))]
    )
    allowed_addresses = optional_text(
        _l("Allowed addresses"),
        2000,
        field=TextAreaField,
        description=_l(
            "IP addresses or networks (CIDR) it calls from, one per line. Empty: any address."
        ),
    )
    submit = SubmitField(_l("Register and show its token"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.scopes.choices = [
            (name, f"{label} ({name})") for name, label in system_scope_labels().items()
        ]


class WebhookForm(FlaskForm):
    url = StringField(
        _l("Deliver to"),
        validators=[DataRequired(_l("Please give the address to deliver to."))],
        description=_l("The system's https:// address that receives the events."),
        render_kw={"maxlength": URL_MAX_LENGTH, "inputmode": "url"},
    )
    events = MultiCheckboxField(
        _l("Events"),
        choices=list(EVENT_LABELS.items()),
        validators=[DataRequired(_l("Choose at least one event."))],
    )
    submit = SubmitField(_l("Subscribe and show its secret"))

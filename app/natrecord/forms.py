from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SubmitField

from app.common.forms import optional_text, required_text


class NationalNumberForm(FlaskForm):
    national_number = optional_text(
        _l("National volunteer number (志愿者编号)"),
        32,
        description=_l(
            "Find it in your profile on the national volunteer service system (中国志愿服务网)."
        ),
    )
    submit = SubmitField(_l("Save"))


class IdNumberForm(FlaskForm):
    id_number = required_text(_l("ID-card number"), _l("Please enter your ID-card number."), 32)
    consent = BooleanField(
        _l(
            "I agree that the library keeps my ID-card number, encrypted, only to record my "
            "volunteer hours in the national system. I can withdraw this at any time."
        )
    )
    submit = SubmitField(_l("Save with my consent"))


class WithdrawForm(FlaskForm):
    submit = SubmitField(_l("Withdraw consent and erase"))

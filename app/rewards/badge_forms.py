"""Forms for the badge pages: hiding one's badge page, and the admin's badge editor."""

from __future__ import annotations

import json

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    HiddenField,
    SelectField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import AnyOf, DataRequired, Length

from app.common.forms import required_number, required_text
from app.common.rows import fields_of
from app.rewards.badge_admin import DESCRIPTION_MAX, NAME_MAX, THRESHOLD_MAX, BadgeChanges
from app.rewards.models import Badge


class VisibilityForm(FlaskForm):
    """The holder's toggle: "1" hides the badge's public page from others, "0" shows it."""

    hidden = HiddenField(validators=[AnyOf(["0", "1"])])
    submit = SubmitField(_l("Save"))


def _required() -> DataRequired:
    return DataRequired(_l("Please fill this in."))


class BadgeForm(FlaskForm):
    name_zh = required_text(_l("Name (Chinese)"), _l("Please fill this in."), NAME_MAX)
    name_en = required_text(_l("Name (English)"), _l("Please fill this in."), NAME_MAX)
    description_zh = TextAreaField(
        _l("Description (Chinese)"), validators=[Length(max=DESCRIPTION_MAX)]
    )
    description_en = TextAreaField(
        _l("Description (English)"), validators=[Length(max=DESCRIPTION_MAX)]
    )
    threshold = required_number(_l("Threshold"), _l("Please give a threshold."), 1, THRESHOLD_MAX)
    params = TextAreaField(
        _l("Parameters (JSON)"),
        validators=[Length(max=1000)],
        description=_l('For example {"min_loans": 2, "min_visits": 2, "min_score": 0}.'),
    )
    revocable = BooleanField(_l("Take the badge back when the criterion stops holding"))
    active = BooleanField(_l("Active (awarded by the jobs)"))
    submit = SubmitField(_l("Save"))

    @classmethod
    def for_badge(cls, badge: Badge) -> BadgeForm:
        fields = ("name_zh", "name_en", "description_zh", "description_en", "threshold")
        data = fields_of(badge, *fields, "revocable", "active")
        return cls(data={**data, "params": json.dumps(badge.params or {}, ensure_ascii=False)})

    def changes(self, params: dict) -> BadgeChanges:
        return BadgeChanges(
            name_zh=self.name_zh.data or "",
            name_en=self.name_en.data or "",
            description_zh=self.description_zh.data or "",
            description_en=self.description_en.data or "",
            threshold=self.threshold.data,
            params=params,
            revocable=bool(self.revocable.data),
            active=bool(self.active.data),
        )


class NewBadgeForm(BadgeForm):
    """The admin's form for a new badge: the editor's fields, how it is earned, an image."""

    criterion = SelectField(
        _l("How it is earned"), validators=[DataRequired(_l("Please choose how it is earned."))]
    )
    image = FileField(
        _l("Image (optional)"),
        description=_l(
            "JPEG, PNG or WebP, at most 2 MB; shown at most 256 pixels a side. Without one, "
            "the badge has the standard icon."
        ),
    )
    params = TextAreaField(
        _l("Parameters (JSON)"),
        validators=[Length(max=1000)],
        description=_l(
            'Usually empty. For contributions of one column only: {"column": "the column\'s code"}.'
        ),
    )
    submit = SubmitField(_l("Create badge"))

    @classmethod
    def with_kinds(cls, kinds: dict[str, str]) -> NewBadgeForm:
        form = cls()
        if not form.is_submitted():
            form.active.data = True
        form.criterion.choices = [("", "—"), *kinds.items()]
        return form

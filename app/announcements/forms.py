"""The announcement form. The time to send is entered in local time and converted to naive
UTC here, at the edge."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.validators import Optional

from app.announcements import picker
from app.announcements.audiences import AUDIENCE_LABELS, SIGNUP_LABELS
from app.announcements.models import BODY_LENGTH, TITLE_LENGTH
from app.announcements.services import Draft
from app.common.forms import markdown_text, once_token, required_text
from app.common.time import local_to_utc
from app.engagement.labels import SEGMENT_LABELS
from app.recruitment.labels import STATUS_LABELS

LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


class TextForm(FlaskForm):
    """An announcement's title and Markdown message."""

    title = required_text(_l("Title"), _l("The announcement needs a title."), TITLE_LENGTH)
    body = markdown_text(
        _l("Message"), BODY_LENGTH, 8, missing=_l("The announcement needs a message.")
    )


class AnnouncementForm(TextForm):
    audience = SelectField(_l("Send to"), choices=list(AUDIENCE_LABELS.items()), default="team")
    # The picker's value names the audience ("shift:12", "everyone"); a bare number (from
    # an older form) goes with `audience`, which the page no longer shows.
    target_id = StringField(_l("Send to"), validators=[Optional()])
    signups = SelectField(_l("Which sign-ups"), choices=list(SIGNUP_LABELS.items()))
    among = SelectField(
        _l("Which applicants, or which segment"),
        choices=[("", "—"), *STATUS_LABELS.items(), *SEGMENT_LABELS.items()],
        validate_choice=False,
    )
    file = FileField(
        _l("Attachment (optional)"),
        render_kw={"accept": "application/pdf,image/jpeg,image/png,image/webp"},
    )
    pinned = BooleanField(_l("Pin it on the team page and on the volunteers' home page"))
    send_at = DateTimeLocalField(
        _l("Send at (leave empty to send now)"), format=LOCAL_FORMAT, validators=[Optional()]
    )
    once = once_token()
    submit = SubmitField(_l("Send"))

    def audience_and_target(self) -> tuple[str, int | None]:
        picked = picker.parse(self.target_id.data)
        if picked is not None:
            return picked
        return self.audience.data, picker.number(self.target_id.data or "")

    def draft(self) -> Draft:
        audience, target_id = self.audience_and_target()
        return Draft(
            audience=audience,
            target_id=target_id,
            title=self.title.data or "",
            body=self.body.data or "",
            signups=self.signups.data,
            among=self.among.data or None,
            pinned=bool(self.pinned.data),
            send_at=local_to_utc(self.send_at.data),
            form_token=self.once.data or None,
        )


class EditForm(TextForm):
    """A new title and body for an announcement (its audience and time stay as they were)."""

    submit = SubmitField(_l("Save"))

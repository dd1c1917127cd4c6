"""Forms of the messages feature: a new message to the coordinators (from the team, or in
reply to an announcement) and an answer in a thread. Lengths and emptiness are checked by
the services, whose messages say what is wrong."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, SubmitField, TextAreaField

from app.messages.models import BODY_LENGTH, SUBJECT_LENGTH


class AnnouncementReplyForm(FlaskForm):
    subject = StringField(
        _l("Subject"),
        render_kw={"maxlength": SUBJECT_LENGTH},
        description=_l("For example “I will be late on Saturday” or “A question about training”."),
    )
    body = TextAreaField(
        _l("Message"),
        render_kw={"rows": 6, "maxlength": BODY_LENGTH},
        description=_l("Plain text, at most %(n)d characters.", n=BODY_LENGTH),
    )
    submit = SubmitField(_l("Send"))


class NewThreadForm(AnnouncementReplyForm):
    # Any team id is taken: the service says why one is refused (not a member, has left).
    team_id = SelectField(
        _l("To the coordinators of"), coerce=int, choices=[], validate_choice=False
    )


class MessageForm(FlaskForm):
    body = TextAreaField(_l("Your message"), render_kw={"rows": 4, "maxlength": BODY_LENGTH})
    submit = SubmitField(_l("Send"))

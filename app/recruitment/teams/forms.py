"""Forms for team pages, member status actions and the volunteer profile."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SelectField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from app.common.forms import once_token, optional_text, required_text
from app.recruitment.labels import TEAM_KIND_LABELS
from app.recruitment.member_notes import BODY_MAX
from app.recruitment.models import TEAM_KINDS
from app.recruitment.profiles import MAX_INTRODUCTION, MAX_SKILL_LENGTH, MAX_SKILLS
from app.recruitment.teams.services import TEAM_NAME_MAX
from app.shifts.task_forms import limit_field


class TeamForm(FlaskForm):
    name = required_text(_l("Name"), _l("Please give the team a name."), TEAM_NAME_MAX)
    kind = SelectField(
        _l("Type of team"), choices=[(key, TEAM_KIND_LABELS[key]) for key in TEAM_KINDS]
    )
    description = optional_text(
        _l("Description"),
        5000,
        field=TextAreaField,
        description=_l("What the team does, and what members can expect."),
    )
    requires_onboarding = BooleanField(_l("Members need an onboarding training first"))
    active = BooleanField(_l("Active"), default=True)
    # Limits per person over all the team's tasks (the edit page only).
    max_per_week = limit_field(_l("Shifts per person per week, all the team's tasks"))
    max_per_month = limit_field(_l("Shifts per person per month, all the team's tasks"))
    max_future = limit_field(_l("Coming places one person may hold at once in the team"))
    submit = SubmitField(_l("Save"))


class GrantCoordinatorForm(FlaskForm):
    student_number = required_text(
        _l("Student/staff number"),
        _l("Please enter the person's student or staff number."),
        32,
        description=_l("The person needs the coordinator role."),
    )
    submit = SubmitField(_l("Add coordinator"))


class MemberStatusForm(FlaskForm):
    """A roster row's button: pause, reactivate or make alumni."""

    status = HiddenField(validators=[DataRequired(_l("Please choose a status."))])


class VolunteerProfileForm(FlaskForm):
    """Skills and introduction; the availability grid's checkboxes (named "availability",
    each "day:part") are read from the request by the view."""

    skills = optional_text(
        _l("Skills"),
        1000,
        description=_l(
            "Separate skills with commas, for example: photography, English, video editing. "
            "At most %(count)d, each at most %(length)d characters.",
            count=MAX_SKILLS,
            length=MAX_SKILL_LENGTH,
        ),
    )
    introduction = TextAreaField(
        _l("Introduction"),
        validators=[
            Optional(),
            Length(
                max=MAX_INTRODUCTION,
                message=_l("The introduction can be at most %(max)d characters long."),
            ),
        ],
        description=_l("A few words about yourself for the coordinators of your teams."),
    )
    submit = SubmitField(_l("Save"))


def _note_text(*, rows: int):
    return required_text(
        _l("Text"),
        _l("Please write something."),
        BODY_MAX,
        field=TextAreaField,
        render_kw={"rows": rows},
    )


class MemberNoteForm(FlaskForm):
    """A coordinator's private note or a commendation on a team member."""

    kind = RadioField(
        _l("What is it?"),
        choices=[
            ("note", _l("Private note (only this team's coordinators see it)")),
            ("commendation", _l("Commendation (the volunteer sees it)")),
        ],
        default="note",
    )
    body = _note_text(rows=3)
    award_points = BooleanField(_l("Award the points of the commendation rule"))
    once = once_token()
    submit = SubmitField(_l("Save"))


class MemberNoteEditForm(FlaskForm):
    body = _note_text(rows=4)
    submit = SubmitField(_l("Save"))

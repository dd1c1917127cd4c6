"""Forms for login, profile, password and the people admin."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.validators import DataRequired, EqualTo, Length, NumberRange, Optional
from wtforms.validators import Email as EmailFormat

from app.accounts.models import ROLES, USER_TYPES
from app.common.forms import MultiCheckboxField, optional_text, required_text

ROLE_LABELS = {
    "volunteer": _l("Volunteer"),
    "coordinator": _l("Coordinator"),
    "editor": _l("Column editor"),
    "admin": _l("Administrator"),
}
USER_TYPE_LABELS = {
    "undergraduate": _l("Undergraduate"),
    "postgraduate": _l("Postgraduate"),
    "staff": _l("Staff"),
    "other": _l("Other"),
}
# A person's fields as the people pages name them (also in roster files and data exports).
PERSON_FIELD_LABELS = {
    "student_number": _l("Student/staff number"),
    "name": _l("Name"),
    "email": _l("Email"),
    "phone": _l("Phone"),
    "user_type": _l("Kind"),
    "college": _l("College"),
    "major": _l("Major"),
    "enrolment_year": _l("Enrolment year"),
}


def _optional_int(value):
    if value in (None, "", "None"):
        return None
    return int(value)


class LoginForm(FlaskForm):
    identifier = required_text(
        _l("Student/staff number or email"), _l("Please enter your student number or email."), 254
    )
    password = PasswordField(
        _l("Password"), validators=[DataRequired(_l("Please enter your password."))]
    )
    remember = BooleanField(_l("Keep me logged in on this device"), default=True)
    next = HiddenField()
    submit = SubmitField(_l("Log in"))


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"), validators=[DataRequired(_l("Please enter your current password."))]
    )
    password = PasswordField(
        _l("New password"), validators=[DataRequired(_l("Please enter a new password."))]
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[EqualTo("password", _l("The two passwords do not match."))],
    )
    submit = SubmitField(_l("Change password"))


class AffiliationMixin:
    college_id = SelectField(_l("College"), coerce=_optional_int, validators=[Optional()])
    major_id = SelectField(_l("Major"), coerce=_optional_int, validators=[Optional()])
    enrolment_year = IntegerField(
        _l("Enrolment year"),
        validators=[
            Optional(),
            NumberRange(1950, 2100, _l("The enrolment year is not plausible.")),
        ],
    )

    def set_affiliation_choices(self, colleges, majors) -> None:
        blank = [(None, "—")]
        self.college_id.choices = blank + [(c.id, c.name) for c in colleges]
        self.major_id.choices = blank + [(m.id, m.name) for m in majors]


class ContactMixin:
    """The contact details a person edits on their profile and an administrator on theirs."""

    nickname = optional_text(_l("Nickname"), 64)
    phone = optional_text(_l("Phone"), 32)
    email = StringField(
        _l("Email"),
        validators=[
            Optional(),
            Length(max=254),
            EmailFormat(_l("Please enter a valid email address."), check_deliverability=False),
        ],
    )


class ProfileForm(ContactMixin, AffiliationMixin, FlaskForm):
    hide_from_boards = BooleanField(_l("Hide me from public leaderboards"))
    submit = SubmitField(_l("Save"))


class PersonForm(ContactMixin, AffiliationMixin, FlaskForm):
    student_number = required_text(
        _l("Student/staff number"), _l("The student or staff number is required."), 32
    )
    name = required_text(_l("Name"), _l("The name is required."), 64)
    user_type = SelectField(
        _l("Kind"), choices=[(key, USER_TYPE_LABELS[key]) for key in USER_TYPES]
    )
    roles = MultiCheckboxField(_l("Roles"), choices=[(key, ROLE_LABELS[key]) for key in ROLES])
    submit = SubmitField(_l("Save"))


class NewPersonForm(PersonForm):
    password = PasswordField(
        _l("Initial password"),
        validators=[DataRequired(_l("Please enter an initial password."))],
        description=_l("The person must change it at first login."),
    )


class ConfirmForm(FlaskForm):
    """An empty form: a POST button with its CSRF token."""

    submit = SubmitField(_l("Confirm"))


class LocaleForm(FlaskForm):
    locale = HiddenField(validators=[DataRequired()])
    next = HiddenField()

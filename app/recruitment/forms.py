"""Forms for campaigns (with their question rows), applying, review decisions and notes.

Times are entered in local time (`datetime-local` inputs) and converted to naive UTC
here, at the edge, so services only see UTC.
"""

from __future__ import annotations

import re
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    SelectField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    ValidationError,
)

from app.common.forms import (
    MultiCheckboxField,
    markdown_text,
    optional_text,
    required_number,
    required_text,
)
from app.common.rows import fields_of
from app.common.time import local_to_utc, utc_to_local
from app.recruitment.answers import LONG_TEXT_MAX, SHORT_TEXT_MAX
from app.recruitment.campaigns import (
    CONSENT_MAX,
    DESCRIPTION_MAX,
    HELP_MAX,
    LABEL_MAX,
    QUESTIONS_MAX,
    QUOTA_MAX,
    TITLE_MAX,
    CampaignFields,
    QuestionFields,
)
from app.recruitment.labels import QUESTION_KIND_LABELS, SELECTION_MODE_LABELS
from app.recruitment.models import (
    DAY_PARTS,
    QUESTION_KINDS,
    SELECTION_MODES,
    WEEKDAYS,
    Campaign,
    CampaignQuestion,
)
from app.recruitment.review import NOTE_MAX

LOCAL_FORMAT = "%Y-%m-%dT%H:%M"
BLANK_QUESTION_ROWS = 2
USER_TYPE_CHOICES = [
    ("undergraduate", _l("Undergraduate")),
    ("postgraduate", _l("Postgraduate")),
    ("staff", _l("Staff")),
    ("other", _l("Other")),
]


def parse_years(text: str | None) -> list[int] | None:
    """ "2023, 2024 2025" → [2023, 2024, 2025]; None when the text holds anything else."""
    parts = [part for part in re.split(r"[\s,，、;；]+", text or "") if part]
    if not all(part.isdigit() for part in parts):
        return None
    return sorted({int(part) for part in parts})


class QuestionForm(Form):
    """One row of the campaign editor; a row without a question text is ignored."""

    id = HiddenField()
    kind = SelectField(
        _l("Answer type"), choices=[(kind, QUESTION_KIND_LABELS[kind]) for kind in QUESTION_KINDS]
    )
    label = optional_text(_l("Question"), LABEL_MAX)
    help_text = optional_text(_l("Help text"), HELP_MAX)
    required = BooleanField(_l("Required"), default=True)
    options = optional_text(
        _l("Options"),
        4000,
        field=TextAreaField,
        description=_l("For choice questions: one option per line."),
    )


class CampaignForm(FlaskForm):
    team_id = SelectField(_l("Team"), coerce=int, validators=[InputRequired()])
    title = required_text(_l("Title"), _l("Please give the campaign a title."), TITLE_MAX)
    description = markdown_text(_l("Description"), DESCRIPTION_MAX, 8)
    quota = required_number(
        _l("Places (quota)"),
        _l("Please give the number of places."),
        1,
        QUOTA_MAX,
        _l("The quota must be a whole number from 1 to %(n)d.", n=QUOTA_MAX),
    )
    opens_at = DateTimeLocalField(
        _l("Applications open"),
        format=LOCAL_FORMAT,
        validators=[InputRequired(_l("Please give the opening time."))],
    )
    closes_at = DateTimeLocalField(
        _l("Applications close"),
        format=LOCAL_FORMAT,
        validators=[InputRequired(_l("Please give the closing time."))],
    )
    selection_mode = SelectField(
        _l("Selection"), choices=[(mode, SELECTION_MODE_LABELS[mode]) for mode in SELECTION_MODES]
    )
    eligible_user_types = MultiCheckboxField(
        _l("Who may apply (none ticked: everyone)"), choices=USER_TYPE_CHOICES
    )
    eligible_college_ids = MultiCheckboxField(
        _l("Colleges (none ticked: every college)"), coerce=int, choices=[]
    )
    eligible_years = optional_text(
        _l("Enrolment years"), 200, description=_l("For example: 2024, 2025. Empty: every year.")
    )
    consent_text = optional_text(
        _l("Consent statement"),
        CONSENT_MAX,
        field=TextAreaField,
        description=_l("When given, applicants must tick it to apply."),
        render_kw={"rows": 3},
    )
    published = BooleanField(_l("Published (students can see it and apply while open)"))
    questions = FieldList(FormField(QuestionForm), min_entries=0, max_entries=QUESTIONS_MAX)
    submit = SubmitField(_l("Save campaign"))

    def set_choices(self, teams, colleges) -> None:
        self.team_id.choices = [(team.id, team.name) for team in teams]
        self.eligible_college_ids.choices = [(c.id, c.name) for c in colleges]

    def load(self, campaign: Campaign) -> None:
        """Fill the form from a stored campaign (times in local time)."""
        self.team_id.data = campaign.team_id
        self.title.data = campaign.title
        self.description.data = campaign.description
        self.quota.data = campaign.quota
        self.opens_at.data = utc_to_local(campaign.opens_at)
        self.closes_at.data = utc_to_local(campaign.closes_at)
        self.selection_mode.data = campaign.selection_mode
        self.eligible_user_types.data = list(campaign.eligible_user_types or [])
        self.eligible_college_ids.data = list(campaign.eligible_college_ids or [])
        self.eligible_years.data = ", ".join(str(y) for y in campaign.eligible_years or [])
        self.consent_text.data = campaign.consent_text
        self.published.data = campaign.published
        for question in campaign.questions:
            self.questions.append_entry(question_data(question))

    def add_blank_rows(self, count: int = BLANK_QUESTION_ROWS) -> None:
        for _ in range(count):
            if len(self.questions.entries) < QUESTIONS_MAX:
                self.questions.append_entry({"kind": "short_text", "required": True})

    def validate_eligible_years(self, field) -> None:
        if parse_years(field.data) is None:
            raise ValidationError(_l("Write the years as numbers, separated by commas."))

    def fields(self) -> CampaignFields:
        return CampaignFields(
            team_id=self.team_id.data,
            title=self.title.data or "",
            quota=self.quota.data,
            opens_at=local_to_utc(self.opens_at.data),
            closes_at=local_to_utc(self.closes_at.data),
            description=self.description.data or "",
            selection_mode=self.selection_mode.data,
            eligible_user_types=list(self.eligible_user_types.data or []),
            eligible_college_ids=list(self.eligible_college_ids.data or []),
            eligible_years=parse_years(self.eligible_years.data) or [],
            consent_text=self.consent_text.data or "",
            published=bool(self.published.data),
        )

    def question_fields(self) -> list[QuestionFields]:
        rows = []
        for entry in self.questions.entries:
            row = entry.form
            question_id = row.id.data
            rows.append(
                QuestionFields(
                    id=int(question_id) if (question_id or "").isdigit() else None,
                    kind=row.kind.data,
                    label=row.label.data or "",
                    help_text=row.help_text.data or "",
                    required=bool(row.required.data),
                    options=(row.options.data or "").splitlines(),
                )
            )
        return rows


def question_data(question: CampaignQuestion) -> dict[str, Any]:
    return {
        "id": str(question.id),
        **fields_of(question, "kind", "label", "help_text", "required"),
        "options": "\n".join(question.options or []),
    }


def question_template_form() -> QuestionForm:
    """An empty question row whose names hold `__prefix__`, for the editor's JS to copy."""
    return QuestionForm(prefix="questions-__prefix__", data={"kind": "short_text"})


class ApplyForm(FlaskForm):
    """The answers are read from the request by `answers_from_form`; this form carries the
    CSRF token and the consent box."""

    consent = BooleanField(_l("I have read and agree to the statement above."))
    submit = SubmitField(_l("Submit application"))


def answer_name(question: CampaignQuestion) -> str:
    return f"q-{question.id}"


def answers_from_form(campaign: Campaign, formdata: MultiDict) -> dict[str, Any]:
    """The raw answers in the shape `services.clean_answers` takes, by question id."""
    answers: dict[str, Any] = {}
    for question in campaign.questions:
        name = answer_name(question)
        if question.kind == "multiple_choice":
            answers[str(question.id)] = formdata.getlist(name)
        elif question.kind == "availability":
            grid: dict[str, list[str]] = {}
            for cell in formdata.getlist(name):
                day, _sep, part = cell.partition(":")
                grid.setdefault(day, []).append(part)
            answers[str(question.id)] = grid
        else:
            answers[str(question.id)] = formdata.get(name, "")
    return answers


# Field sizes the answer inputs show (the services enforce them).
ANSWER_LIMITS = {"short_text": SHORT_TEXT_MAX, "long_text": LONG_TEXT_MAX}
GRID = {"days": WEEKDAYS, "parts": DAY_PARTS}


class DecisionForm(FlaskForm):
    status = HiddenField(validators=[DataRequired(_l("Please choose a decision."))])


class NoteForm(FlaskForm):
    body = required_text(
        _l("Note"),
        _l("The note is empty."),
        NOTE_MAX,
        field=TextAreaField,
        description=_l("Only the team's coordinators see notes."),
    )
    submit = SubmitField(_l("Add note"))

"""Forms of the credits feature: a new batch, the buttons on a batch, the result upload, a
conversion rule and an export template.

Amounts are entered as people think of them (hours per credit, credits with two decimals)
and handed to the services as the integers they store (minutes, hundredths of a credit).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    SelectField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import (
    InputRequired,
    NumberRange,
    Optional,
    ValidationError,
)

from app.common.forms import reason_text, required_text, table_file
from app.common.semesters import Semester, semester_by_code
from app.credits.batches import REASON_LENGTH, TITLE_LENGTH, BatchScope
from app.credits.export_templates import DATE_FORMAT_MAX, NAME_MAX
from app.credits.models import FILE_TYPES
from app.credits.rules import TEXT_MAX, RuleValues

COLUMNS_MAX = 5000
# Largest amounts the rule form accepts (hours per credit; credits for a step or a cap).
HOURS_PER_CREDIT_MAX = 1000
CREDITS_MAX = 1000
STEP_MAX = 100

FILE_TYPE_LABELS = {
    "xlsx": _l("Excel workbook (XLSX)"),
    "csv_utf8": _l("CSV, UTF-8 with BOM"),
    "csv_gb18030": _l("CSV, GB18030 (older Excel)"),
}


def _two_decimals(form, field) -> None:
    if field.data is not None and field.data != field.data.quantize(Decimal("0.01")):
        raise ValidationError(_l("Use at most two decimals."))


def _amount_field(
    label: str,
    limits: tuple[Decimal | int, Decimal | int],
    out_of_range: str,
    *,
    missing: str | None = None,
    description: str = "",
) -> DecimalField:
    """An amount with at most two decimals within `limits` (lowest, highest); `missing` is
    the message when it is left empty, or None when it may be."""
    low, high = limits
    return DecimalField(
        label,
        places=2,
        description=description,
        validators=[
            InputRequired(missing) if missing is not None else Optional(),
            NumberRange(min=low, max=high, message=out_of_range),
            _two_decimals,
        ],
    )


def hundredths_of(value: Decimal) -> int:
    """1.5 credits → 150."""
    return int((value * 100).to_integral_value(ROUND_HALF_UP))


def as_decimal(hundredths: int | None) -> Decimal | None:
    return None if hundredths is None else (Decimal(hundredths) / 100).quantize(Decimal("0.01"))


class BatchForm(FlaskForm):
    """A title and a period (a semester from the list, or from/to dates), and the scope."""

    title = required_text(_l("Title"), _l("Please give the batch a title."), TITLE_LENGTH)
    destination = SelectField(
        _l("Send to"),
        choices=[
            ("second_classroom", _l("Second Classroom credits")),
            ("national", _l("National volunteer record (hours)")),
        ],
        default="second_classroom",
        validators=[Optional()],
    )
    include_outside = BooleanField(
        _l("Include approved hours served elsewhere"),
        description=_l(
            "National record only. Off by default: the other organiser may record the same "
            "hours in the national system themselves."
        ),
    )
    semester = SelectField(_l("Semester"), validators=[Optional()])
    period_start = DateField(_l("From"), validators=[Optional()])
    period_end = DateField(_l("To"), validators=[Optional()])
    team_id = SelectField(_l("Team"), coerce=int)
    task_id = SelectField(_l("Task"), coerce=int)
    category = SelectField(_l("Category"))
    submit = SubmitField(_l("Build the batch"))

    def set_choices(
        self,
        *,
        semesters: list[Semester],
        teams: list,
        tasks: list,
        categories: list[str],
        any_team: bool,
    ) -> None:
        """Choices for this person: a coordinator's teams, or any team for an admin."""
        self.semester.choices = [("", _l("Dates below"))] + [(s.code, s.label) for s in semesters]
        self.team_id.choices = ([(0, _l("All teams"))] if any_team else []) + [
            (team.id, team.name) for team in teams
        ]
        self.task_id.choices = [(0, _l("All tasks"))] + [(task.id, task.title) for task in tasks]
        self.category.choices = [("", _l("All categories"))] + [(c, c) for c in categories]

    def validate(self, extra_validators=None) -> bool:
        """A semester, or both dates in order (the dates' own errors shown first)."""
        valid = super().validate(extra_validators)
        if self.semester.data or self.period_start.errors or self.period_end.errors:
            return valid
        if self.period_start.data is None or self.period_end.data is None:
            self.period_end.errors = [_l("Please choose a semester or give both dates.")]
            return False
        if self.period_end.data < self.period_start.data:
            self.period_end.errors = [_l("The end date cannot be before the start date.")]
            return False
        return valid

    def scope(self) -> BatchScope:
        semester = semester_by_code(self.semester.data) if self.semester.data else None
        if semester is not None:
            start, end, code = semester.start, semester.end, semester.code
        else:
            start, end, code = self.period_start.data, self.period_end.data, None
        return BatchScope(
            period_start=start,
            period_end=end,
            semester=code,
            team_id=self.team_id.data or None,
            task_id=self.task_id.data or None,
            category=self.category.data or None,
            destination=self.destination.data or "second_classroom",
            include_outside=bool(self.include_outside.data),
        )


class ExcludeForm(FlaskForm):
    reason = reason_text(REASON_LENGTH, _l("Please say why this line is left out."))
    submit = SubmitField(_l("Exclude"))


class ExportForm(FlaskForm):
    template_id = SelectField(_l("Template"), coerce=int)
    submit = SubmitField(_l("Export"))


class ResultUploadForm(FlaskForm):
    file = table_file(_l("Result file (CSV or XLSX)"))
    submit = SubmitField(_l("Upload"))


class RuleForm(FlaskForm):
    hours_per_credit = _amount_field(
        _l("Hours per credit"),
        (Decimal("0.02"), HOURS_PER_CREDIT_MAX),
        _l("Please give between %(min)s and %(max)s hours."),
        missing=_l("Please give the hours of service worth one credit."),
    )
    rounding_step = _amount_field(
        _l("Round credits to"),
        (Decimal("0.01"), STEP_MAX),
        _l("Please give between %(min)s and %(max)s credits."),
        missing=_l("Please give a rounding step."),
        description=_l("Credits are rounded to the nearest multiple of this, e.g. 0.5."),
    )
    semester_cap = _amount_field(
        _l("Cap per semester (credits)"),
        (0, CREDITS_MAX),
        _l("Please give between %(min)s and %(max)s."),
        description=_l("At most this many credits per person and semester. Empty: no cap."),
    )
    level = required_text(_l("Level"), _l("Please give the level."), TEXT_MAX, default="校级")
    active = BooleanField(_l("Rule in use"), default=True)
    preview = SubmitField(_l("Preview"))
    submit = SubmitField(_l("Save"))

    @classmethod
    def for_rule(cls, rule, **kwargs) -> RuleForm:
        """The form filled from a saved rule, with amounts in hours and credits."""
        data = {
            "hours_per_credit": (Decimal(rule.minutes_per_credit) / 60).quantize(Decimal("0.01")),
            "rounding_step": as_decimal(rule.rounding_step),
            "semester_cap": as_decimal(rule.semester_cap),
            "level": rule.level,
            "active": rule.active,
        }
        return cls(formdata=None, data=data, **kwargs)

    def values(self) -> RuleValues:
        minutes = int((self.hours_per_credit.data * 60).to_integral_value(ROUND_HALF_UP))
        cap = self.semester_cap.data
        return RuleValues(
            minutes_per_credit=max(minutes, 1),
            rounding_step=hundredths_of(self.rounding_step.data),
            semester_cap=None if cap is None else hundredths_of(cap),
            level=self.level.data.strip(),
            active=self.active.data,
        )


class CategoryForm(RuleForm):
    """A new category with its rule."""

    category = required_text(_l("Category"), _l("Please name the category."), TEXT_MAX)
    submit = SubmitField(_l("Add the category"))


class TemplateForm(FlaskForm):
    name = required_text(_l("Name"), _l("Please name the template."), NAME_MAX)
    file_type = SelectField(
        _l("File type"), choices=[(key, FILE_TYPE_LABELS[key]) for key in FILE_TYPES]
    )
    date_format = required_text(
        _l("Date format"),
        _l("Please give a date format."),
        DATE_FORMAT_MAX,
        default="%Y-%m-%d",
        description=_l("As in Python: %Y-%m-%d gives 2026-09-01, %Y/%m/%d gives 2026/09/01."),
    )
    columns = required_text(
        _l("Columns"),
        _l("Please give the columns."),
        COLUMNS_MAX,
        field=TextAreaField,
        description=_l("One column per line, in file order: field = header."),
    )
    is_default = BooleanField(_l("Default template"))
    submit = SubmitField(_l("Save"))

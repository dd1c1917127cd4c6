"""Forms for certificates: choosing the period, and uploading a PDF to verify."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, SelectField, SubmitField
from wtforms.validators import Optional

from app.common.semesters import Semester


class CertificateForm(FlaskForm):
    """A semester from the list, or from/to dates (checked by the service)."""

    semester = SelectField(_l("Semester"), validators=[Optional()])
    start = DateField(_l("From"), validators=[Optional()])
    end = DateField(_l("To"), validators=[Optional()])
    submit = SubmitField(_l("Download certificate"))

    def set_choices(self, semesters: list[Semester]) -> None:
        self.semester.choices = [("", _l("Dates below"))] + [(s.code, s.label) for s in semesters]


class VerifyUploadForm(FlaskForm):
    file = FileField(
        _l("Certificate PDF"),
        validators=[FileRequired(_l("Please choose the certificate's PDF file."))],
    )
    submit = SubmitField(_l("Check the file"))

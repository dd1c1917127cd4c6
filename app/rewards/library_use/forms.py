"""Forms for the library-use import: the upload, and the rollback button."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SubmitField


class LibraryUseUploadForm(FlaskForm):
    file = FileField(
        _l("Library-use file (CSV or XLSX)"),
        validators=[FileRequired(_l("Please choose a CSV or XLSX file."))],
    )
    submit = SubmitField(_l("Import"))


class RollbackForm(FlaskForm):
    """A POST button with its CSRF token."""

    submit = SubmitField(_l("Roll back"))

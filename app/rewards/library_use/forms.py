"""Forms for the library-use import: the upload, and the rollback button."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SubmitField

from app.common.forms import table_file


class LibraryUseUploadForm(FlaskForm):
    file = table_file(_l("Library-use file (CSV or XLSX)"))
    submit = SubmitField(_l("Import"))


class RollbackForm(FlaskForm):
    """A POST button with its CSRF token."""

    submit = SubmitField(_l("Roll back"))

"""Forms and labels for the admin pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SubmitField

JOB_STATUS_LABELS = {
    "running": _l("Running"),
    "succeeded": _l("Succeeded"),
    "failed": _l("Failed"),
    "skipped": _l("Skipped: already running"),
}
JOB_STATUS_BADGES = {
    "running": "text-bg-info",
    "succeeded": "text-bg-success",
    "failed": "text-bg-danger",
    "skipped": "text-bg-secondary",
}
JOB_TRIGGER_LABELS = {
    "scheduler": _l("on schedule"),
    "manual": _l("started by hand"),
    "cli": _l("command line"),
}


class RunJobForm(FlaskForm):
    """The "Run now" button, with its CSRF token."""

    submit = SubmitField(_l("Run now"))

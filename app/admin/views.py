"""Admin pages: job history and starting a job by hand."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.admin import services
from app.admin.forms import JOB_STATUS_BADGES, JOB_STATUS_LABELS, JOB_TRIGGER_LABELS, RunJobForm
from app.common.access import role_required
from app.extensions import db

bp = Blueprint("admin", __name__, url_prefix="/admin")

JOB_LABELS = {
    "status_labels": JOB_STATUS_LABELS,
    "status_badges": JOB_STATUS_BADGES,
    "trigger_labels": JOB_TRIGGER_LABELS,
}


@bp.route("/jobs")
@role_required("admin")
def jobs():
    return render_template(
        "admin/jobs.html", jobs=services.jobs_overview(), form=RunJobForm(), **JOB_LABELS
    )


@bp.route("/jobs/<job_id>")
@role_required("admin")
def job(job_id: str):
    spec = services.get_job(job_id)
    page = db.paginate(
        services.job_runs_query(spec.id),
        per_page=current_app.config["PAGE_SIZE"],
        error_out=False,
    )
    return render_template("admin/job.html", spec=spec, page=page, form=RunJobForm(), **JOB_LABELS)


@bp.route("/jobs/<job_id>/run", methods=["POST"])
@role_required("admin")
def run_job(job_id: str):
    spec = services.get_job(job_id)
    if not RunJobForm().validate_on_submit():
        flash(_("The form expired. Please try again."), "warning")
        return redirect(url_for("admin.job", job_id=spec.id))
    run = services.start_job(spec.id, actor=current_user)
    name = str(spec.description)
    if run.status == "succeeded":
        counts = ", ".join(f"{key} {value}" for key, value in (run.counts or {}).items())
        flash(_("“%(job)s” finished. %(counts)s", job=name, counts=counts), "success")
    elif run.status == "skipped":
        flash(
            _("“%(job)s” is already running, so it was not started again.", job=name),
            "warning",
        )
    else:
        flash(_("“%(job)s” failed: %(error)s", job=name, error=run.error_summary), "danger")
    return redirect(url_for("admin.job", job_id=spec.id))

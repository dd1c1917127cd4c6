"""Roster import pages: upload and preview (a dry run), then confirm."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.accounts.forms import USER_TYPE_LABELS
from app.admin import import_runs, roster, roster_plan
from app.admin.models import ImportRun
from app.admin.roster_forms import RosterConfirmForm, RosterUploadForm
from app.common.access import role_required
from app.common.forms import add_field_error
from app.errors import DomainError, NotFound
from app.extensions import db

bp = Blueprint("roster", __name__, url_prefix="/admin/roster")


def render_preview(plan: roster_plan.RosterPlan, form: RosterConfirmForm, status: int = 200):
    return (
        render_template(
            "admin/roster_preview.html",
            plan=plan,
            counts=plan.counts,
            form=form,
            column_labels=roster_plan.COLUMN_LABELS,
            user_type_labels=USER_TYPE_LABELS,
        ),
        status,
    )


@bp.route("/", methods=["GET", "POST"])
@role_required("admin")
def upload():
    form = RosterUploadForm()
    if form.validate_on_submit():
        upload = form.file.data
        try:
            plan, token = roster.preview_import(
                upload.read(), upload.filename or "", actor=current_user
            )
        except DomainError as error:
            add_field_error(form.file, error)
        else:
            return render_preview(plan, RosterConfirmForm(token=token))
        finally:
            db.session.rollback()  # a preview writes nothing
    return render_template(
        "admin/roster.html",
        form=form,
        columns=roster_plan.COLUMNS,
        column_labels=roster_plan.COLUMN_LABELS,
        required=roster_plan.REQUIRED,
    )


class _Commits:
    """The confirm's checkpoint: each chunk is committed on its own, so the import never
    holds the write lock long; remembers how many rows are committed."""

    def __init__(self) -> None:
        self.done = 0

    def __call__(self, done: int, _total: int) -> None:
        db.session.commit()
        self.done = done


@bp.route("/confirm", methods=["POST"])
@role_required("admin")
def confirm():
    form = RosterConfirmForm()
    if not form.validate_on_submit():
        flash(_("This upload has expired. Please upload the file again."), "warning")
        return redirect(url_for("roster.upload"))
    token = form.token.data
    password = form.initial_password.data or None
    commits = _Commits()
    try:
        if import_runs.runs_as_job(token, actor=current_user):
            run = import_runs.queue_roster_import(
                token, actor=current_user, initial_password=password
            )
            db.session.commit()
            return redirect(url_for("roster.run", run_id=run.id))
        counts = roster.confirm_import(
            token, actor=current_user, initial_password=password, checkpoint=commits
        )
    except roster.RosterChanged as error:
        db.session.rollback()
        roster.remember_rejections(token, error.plan)
        flash(str(error.message), "danger")
        return render_preview(error.plan, form, 409)
    except NotFound as error:
        db.session.rollback()
        flash(str(error.message), "warning")
        return redirect(url_for("roster.upload"))
    except DomainError as error:
        db.session.rollback()
        if commits.done:
            roster.record_stopped_import(
                token, actor=current_user, rows_done=commits.done, error=str(error.message)
            )
            db.session.commit()
        if error.field == "password":
            form.initial_password.errors = [str(error.message)]
        else:
            flash(str(error.message), "danger")
        return render_preview(roster.review_upload(token, actor=current_user), form, 400)
    db.session.commit()
    roster.discard_upload(token)
    flash(
        _(
            "Roster imported: %(created)d created, %(updated)d updated, %(unchanged)d "
            "unchanged, %(rejected)d skipped.",
            created=counts["create"],
            updated=counts["update"],
            unchanged=counts["unchanged"],
            rejected=counts["reject"],
        ),
        "success",
    )
    return redirect(url_for("roster.upload"))


@bp.route("/runs/<int:run_id>")
@role_required("admin")
def run(run_id: int):
    """A queued or running import's progress (the page reloads itself until it ends)."""
    return render_template("admin/roster_run.html", run=db.get_or_404(ImportRun, run_id))

"""Second Classroom credits: a student's records; coordinators' batches and result files."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_pgettext
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from app.accounts.models import COORDINATOR_ROLES
from app.common.access import role_required
from app.common.forms import ActionForm, add_field_error, flash_form_errors
from app.common.semesters import Semester, current_semester, semester_by_code
from app.common.time import utcnow
from app.common.transaction import posted_change, run_change, transaction
from app.credits import (
    batch_building,
    batch_export,
    export_templates,
    record_status,
    records,
    results,
    rules,
)
from app.credits import batches as credit_batches
from app.credits.downloads import export_download
from app.credits.forms import BatchForm, ExcludeForm, ExportForm, ResultUploadForm
from app.credits.models import (
    CreditBatch,
    CreditRecord,
    hundredths,
    minutes_as_hours,
)
from app.errors import DomainError
from app.extensions import db
from app.recruitment.teams import services as team_services
from app.shifts import tasks

bp = Blueprint("credits", __name__, url_prefix="/credits")

# Semesters offered for a new batch: the current one and this many before it.
EARLIER_SEMESTERS = 3

RECORD_STATUS_STYLES = {
    "pending": "text-bg-secondary",
    "in_batch": "text-bg-info",
    "exported": "text-bg-primary",
    "accepted": "text-bg-success",
    "rejected": "text-bg-danger",
    "void": "text-bg-light border",
}
BATCH_STATUS_STYLES = {
    "draft": "text-bg-secondary",
    "approved": "text-bg-info",
    "exported": "text-bg-success",
}
RESULT_LABELS = {
    "accepted": lazy_pgettext("credit result", "Accepted"),
    "rejected": lazy_pgettext("credit result", "Rejected"),
}
LABELS = {
    "record_status_labels": record_status.RECORD_STATUS_LABELS,
    "record_status_styles": RECORD_STATUS_STYLES,
    "batch_status_labels": credit_batches.STATUS_LABELS,
    "batch_status_styles": BATCH_STATUS_STYLES,
    "kind_labels": credit_batches.KIND_LABELS,
    "result_labels": RESULT_LABELS,
}


@dataclass(frozen=True)
class Total:
    semester: str
    category: str
    hours: Decimal
    credits: Decimal


def semester_label(code: str | None) -> str:
    semester = semester_by_code(code) if code else None
    return semester.label if semester else (code or "")


def _totals(found: list[CreditRecord]) -> list[Total]:
    """What the records are worth now, per semester (newest first) and category."""
    sums: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for record in found:
        if not record.void:
            sums[(record.semester, record.category)][0] += record.minutes
            sums[(record.semester, record.category)][1] += record.credits
    return [
        Total(semester_label(semester), category, minutes_as_hours(minutes), hundredths(credits))
        for (semester, category), (minutes, credits) in sorted(
            sums.items(), key=lambda entry: (entry[0][0], entry[0][1]), reverse=True
        )
    ]


@bp.route("/me")
@login_required
def mine():
    found = records.records_of(current_user.id)
    return render_template(
        "credits/mine.html",
        records=found,
        statuses=record_status.statuses_of(found),
        totals=_totals(found),
        semester_label=semester_label,
        **LABELS,
    )


# Batches ---------------------------------------------------------------------------------


def _semesters() -> list[Semester]:
    semester = current_semester(utcnow())
    offered = [semester]
    for _step in range(EARLIER_SEMESTERS):
        semester = semester.preceding()
        offered.append(semester)
    return offered


def _batch_form() -> BatchForm:
    form = BatchForm()
    form.set_choices(
        semesters=_semesters(),
        teams=team_services.teams_for(current_user),
        tasks=tasks.tasks_for(current_user),
        categories=list(rules.rules_by_category()),
        any_team=current_user.has_role("admin"),
    )
    return form


def _scope_names() -> dict:
    """Names of the teams and tasks a batch's scope may name, for this person's pages."""
    return {
        "team_names": {team.id: team.name for team in team_services.teams_for(current_user)},
        "task_titles": {task.id: task.title for task in tasks.tasks_for(current_user)},
    }


def _batches_page(form: BatchForm, status: int = 200):
    shown = credit_batches.visible_batches(current_user)
    return (
        render_template(
            "credits/batches.html",
            form=form,
            batches=shown,
            summaries=credit_batches.summaries([batch.id for batch in shown]),
            semester_label=semester_label,
            **_scope_names(),
            **LABELS,
        ),
        status,
    )


@bp.route("/batches", methods=["GET", "POST"])
@role_required(*COORDINATOR_ROLES)
def batches():
    form = _batch_form()
    if request.method == "GET":
        form.semester.data = current_semester(utcnow()).code
        return _batches_page(form)
    if not form.validate_on_submit():
        return _batches_page(form, status=400)
    built = run_change(
        lambda: batch_building.build_batch(current_user, title=form.title.data, scope=form.scope()),
        _("The batch was built with the pending records of its scope."),
        form=form,
    )
    if not built:
        return _batches_page(form, status=built.error.status)
    return redirect(url_for("credits.batch", batch_id=built.value.id))


def _items_page(batch: CreditBatch):
    """The batch's lines, one page at a time (a batch may be large)."""
    query = credit_batches.lines_query(batch)
    return db.paginate(query, per_page=current_app.config["PAGE_SIZE"], error_out=False)


def _export_form(batch: CreditBatch) -> ExportForm:
    form = ExportForm()
    choices = export_templates.templates_for(batch.destination)
    form.template_id.choices = [(template.id, template.name) for template in choices]
    if request.method == "GET":
        default = next((template for template in choices if template.is_default), None)
        default = default or (choices[0] if choices else None)
        form.template_id.data = default.id if default else None
    return form


@bp.route("/batches/<int:batch_id>")
@role_required(*COORDINATOR_ROLES)
def batch(batch_id: int):
    shown = credit_batches.get_batch(current_user, batch_id)
    return render_template(
        "credits/batch.html",
        batch=shown,
        page=_items_page(shown),
        summary=credit_batches.summaries([shown.id])[shown.id],
        needs_another_approver=credit_batches.needs_another_approver(current_user, shown),
        exclude_form=ExcludeForm(),
        action_form=ActionForm(),
        export_form=_export_form(shown),
        without_number=batch_building.people_without_national_number(shown),
        semester_label=semester_label,
        **_scope_names(),
        **LABELS,
    )


def _batch_page(batch_id: int) -> str:
    return url_for("credits.batch", batch_id=batch_id, page=request.args.get("page"))


def _batch_change(
    batch_id: int, form: FlaskForm, change: Callable[[], object], success: str
) -> Response:
    """A button or small form posted from a batch's page (which the person must be allowed
    to see), going back to that page."""
    credit_batches.get_batch(current_user, batch_id)
    return posted_change(form, change, success, back=_batch_page(batch_id))


@bp.route("/batches/<int:batch_id>/items/<int:item_id>/exclude", methods=["POST"])
@role_required(*COORDINATOR_ROLES)
def exclude(batch_id: int, item_id: int):
    form = ExcludeForm()
    return _batch_change(
        batch_id,
        form,
        lambda: credit_batches.exclude_item(current_user, item_id, form.reason.data.strip()),
        _("The line was left out of the batch."),
    )


@bp.route("/batches/<int:batch_id>/items/<int:item_id>/restore", methods=["POST"])
@role_required(*COORDINATOR_ROLES)
def restore(batch_id: int, item_id: int):
    return _batch_change(
        batch_id,
        ActionForm(),
        lambda: credit_batches.restore_item(current_user, item_id),
        _("The line is back in the batch."),
    )


@bp.route("/batches/<int:batch_id>/approve", methods=["POST"])
@role_required(*COORDINATOR_ROLES)
def approve(batch_id: int):
    return _batch_change(
        batch_id,
        ActionForm(),
        lambda: credit_batches.approve_batch(current_user, batch_id),
        _("The batch was approved. It can now be exported."),
    )


@bp.route("/batches/<int:batch_id>/discard", methods=["POST"])
@role_required(*COORDINATOR_ROLES)
def discard(batch_id: int):
    credit_batches.get_batch(current_user, batch_id)
    form = ActionForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
    elif run_change(
        lambda: credit_batches.discard_batch(current_user, batch_id),
        _("The batch was discarded; its records are pending again."),
    ):
        return redirect(url_for("credits.batches"))
    return redirect(_batch_page(batch_id))


@bp.route("/batches/<int:batch_id>/export", methods=["POST"])
@role_required(*COORDINATOR_ROLES)
def export(batch_id: int):
    form = _export_form(credit_batches.get_batch(current_user, batch_id))
    return _batch_change(
        batch_id,
        form,
        lambda: batch_export.export_batch(current_user, batch_id, form.template_id.data),
        _("The batch was exported. Download the file below."),
    )


@bp.route("/batches/<int:batch_id>/download")
@role_required(*COORDINATOR_ROLES)
def download(batch_id: int):
    shown = credit_batches.get_batch(current_user, batch_id)
    if shown.export is None:
        abort(404)
    return export_download(shown.export, actor=current_user)


# Result files ----------------------------------------------------------------------------


def _uploads_page():
    query = results.uploads_query(current_user)
    return db.paginate(query, per_page=current_app.config["PAGE_SIZE"], error_out=False)


@bp.route("/results", methods=["GET", "POST"], endpoint="results")
@role_required(*COORDINATOR_ROLES)
def results_page():
    form = ResultUploadForm()
    status = 200
    if form.validate_on_submit():
        upload = form.file.data
        try:
            with transaction():
                stored = results.import_results(
                    current_user, filename=upload.filename or "", data=upload.read()
                )
        except DomainError as error:
            add_field_error(form.file, error)
            status = error.status
        else:
            flash(_("The result file was read."), "success")
            return redirect(url_for("credits.result", upload_id=stored.id))
    elif request.method == "POST":
        status = 400
    page = _uploads_page()
    return (
        render_template(
            "credits/results.html",
            form=form,
            page=page,
        ),
        status,
    )


@bp.route("/results/<int:upload_id>")
@role_required(*COORDINATOR_ROLES)
def result(upload_id: int):
    return render_template(
        "credits/result.html",
        upload=results.get_upload(current_user, upload_id),
        describe_problem=results.describe_problem,
    )

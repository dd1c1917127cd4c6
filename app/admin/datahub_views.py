"""Data-hub pages (admins): sources, their pulls, a dry run and a pull by hand."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.admin import datahub
from app.admin.datahub_forms import STATUS_LABELS, DataHubSourceForm, SourceActionForm
from app.common.access import role_required
from app.common.transaction import form_status, run_change, transaction
from app.extensions import db

bp = Blueprint("datahub", __name__, url_prefix="/admin/datahub")


def _fields(form: DataHubSourceForm) -> datahub.SourceFields:
    return datahub.SourceFields(
        name=form.name.data or "",
        kind=form.kind.data or "",
        url=form.url.data or "",
        token=form.token.data,
        mapping_text=form.mapping.data or "",
        hour=form.hour.data if form.hour.data is not None else 3,
        enabled=bool(form.enabled.data),
    )


def _form_for(source) -> DataHubSourceForm:
    """The source's form; its mapping (a dict) as the text the form edits, also when a
    posted form leaves the field out."""
    form = DataHubSourceForm(obj=source)
    if not isinstance(form.mapping.data, str):
        form.mapping.data = datahub.mapping_text(source.mapping)
    return form


def _save(form: DataHubSourceForm, source):
    """Save the form to `source` (None: a new one) and commit; None when refused (the
    reason is shown on the form)."""
    saved = run_change(
        lambda: datahub.save_source(source, _fields(form), actor=current_user),
        _("The source is saved."),
        form=form,
    )
    return saved.value


def _render(form, source=None, report=None, status: int = 200):
    page = render_template(
        "admin/datahub.html",
        form=form,
        source=source,
        sources=datahub.all_sources(),
        pulls=datahub.recent_pulls(source) if source else [],
        report=report,
        action_form=SourceActionForm(),
        kind_labels=datahub.KIND_LABELS,
        status_labels=STATUS_LABELS,
        fields=datahub.FIELDS,
    )
    return page, status


@bp.route("/", methods=["GET", "POST"])
@role_required("admin")
def index():
    form = DataHubSourceForm()
    saved = _save(form, None) if form.validate_on_submit() else None
    if saved is not None:
        return redirect(url_for("datahub.source", source_id=saved.id))
    return _render(form, status=form_status(form))


@bp.route("/<int:source_id>", methods=["GET", "POST"])
@role_required("admin")
def source(source_id: int):
    found = datahub.get_source(source_id)
    form = _form_for(found)
    if form.validate_on_submit() and _save(form, found) is not None:
        return redirect(url_for("datahub.source", source_id=found.id))
    return _render(form, found, status=form_status(form))


@bp.route("/<int:source_id>/dry-run", methods=["POST"])
@role_required("admin")
def dry_run(source_id: int):
    found = datahub.get_source(source_id)
    if not SourceActionForm().validate_on_submit():
        return redirect(url_for("datahub.source", source_id=found.id))
    report = datahub.dry_run(found)
    db.session.rollback()
    return _render(_form_for(found), found, report)


@bp.route("/<int:source_id>/pull", methods=["POST"])
@role_required("admin")
def pull(source_id: int):
    found = datahub.get_source(source_id)
    if SourceActionForm().validate_on_submit():
        with transaction():
            record = datahub.pull(found, actor=current_user)
        if record.status == "failed":
            flash(
                _("The pull failed and nothing was written: %(error)s", error=record.error),
                "danger",
            )
        else:
            flash(_("Pulled %(n)d records.", n=record.records), "success")
    return redirect(url_for("datahub.source", source_id=found.id))

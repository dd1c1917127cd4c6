"""Library-use import pages: upload, the result of an import, rollback, the template."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from app.common.access import role_required
from app.common.forms import add_field_error
from app.common.tables import download
from app.common.transaction import form_status, posted_change, transaction
from app.errors import DomainError
from app.extensions import db
from app.rewards.library_use import imports, results, rows
from app.rewards.library_use.forms import LibraryUseUploadForm, RollbackForm

bp = Blueprint("library_use", __name__, url_prefix="/admin/library-use")

REJECTED_PAGE_SIZE = 50
CSV = "text/csv; charset=utf-8"


def _commit(_done: int, _total: int) -> None:
    """Each chunk is committed on its own, so the import never holds the write lock long."""
    db.session.commit()


@bp.route("/", methods=["GET", "POST"])
@role_required("admin")
def index():
    form = LibraryUseUploadForm()
    if form.validate_on_submit():
        upload = form.file.data
        try:
            with transaction():
                imp = imports.import_library_use(
                    upload.read(), upload.filename or "", actor=current_user, checkpoint=_commit
                )
        except imports.AlreadyImported as error:
            flash(str(error.message), "info")
            return redirect(url_for("library_use.result", import_id=error.existing_id))
        except DomainError as error:
            add_field_error(form.file, error)
        else:
            return redirect(url_for("library_use.result", import_id=imp.id))
    page = db.paginate(
        results.imports_query(), per_page=current_app.config["PAGE_SIZE"], error_out=False
    )
    return render_template(
        "rewards/library_use/index.html",
        form=form,
        page=page,
        counts={imp.id: results.import_counts(imp) for imp in page.items},
        names=results.people_names(imp.uploaded_by_id for imp in page.items),
        rollback_form=RollbackForm(),
        columns=rows.COLUMNS,
        column_labels=rows.COLUMN_LABELS,
    ), form_status(form)


@bp.route("/<int:import_id>")
@role_required("admin")
def result(import_id: int):
    imp = results.get_import(import_id)
    rejected = results.rejected_page(imp, request.args.get("page", 1, type=int), REJECTED_PAGE_SIZE)
    return render_template(
        "rewards/library_use/result.html",
        imp=imp,
        counts=results.import_counts(imp),
        rejected=rejected,
        names=results.people_names([imp.uploaded_by_id, imp.rolled_back_by_id]),
        rollback_form=RollbackForm(),
        columns=rows.COLUMNS,
    )


@bp.route("/<int:import_id>/rejected.csv")
@role_required("admin")
def rejected_csv(import_id: int):
    imp = results.get_import(import_id)
    return download(results.rejected_csv(imp), f"library-use-{imp.id}-rejected.csv", CSV)


@bp.route("/<int:import_id>/rollback", methods=["POST"])
@role_required("admin")
def rollback(import_id: int):
    imp = results.get_import(import_id)
    return posted_change(
        RollbackForm(),
        lambda: imports.rollback_import(imp, actor=current_user),
        _("Import #%(id)d was rolled back; its rows are deleted.", id=import_id),
        back=url_for("library_use.result", import_id=imp.id),
    )


@bp.route("/template.csv")
@role_required("admin")
def template():
    return download(results.template_csv(), "library-use-template.csv", CSV)

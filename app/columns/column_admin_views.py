"""Administrators' pages for the columns: the list, and the column editor with its
editors."""

from __future__ import annotations

from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.columns import catalogue
from app.columns.forms import KIND_LABELS, ColumnForm
from app.columns.models import ContentColumn
from app.common.access import role_required
from app.common.time import utcnow
from app.common.transaction import form_page

bp = Blueprint("column_admin", __name__, url_prefix="/admin/columns")


@bp.route("/")
@role_required("admin")
def index():
    return render_template(
        "columns/admin/index.html",
        columns=catalogue.all_columns(active_only=False),
        kind_labels=KIND_LABELS,
    )


@bp.route("/new", methods=["GET", "POST"])
@role_required("admin")
def new():
    return _edit(ColumnForm(), None)


@bp.route("/<int:column_id>/edit", methods=["GET", "POST"])
@role_required("admin")
def edit(column_id: int):
    column = catalogue.get_column_by_id(column_id)
    form = ColumnForm()
    if request.method == "GET":
        form.load(column)
    return _edit(form, column)


def _edit(form: ColumnForm, column: ContentColumn | None):
    return form_page(
        form,
        lambda: _save(form, column),
        _("The column has been saved."),
        then=url_for("column_admin.index"),
        template="columns/admin/form.html",
        column=column,
    )


def _save(form: ColumnForm, column: ContentColumn | None) -> ContentColumn:
    now = utcnow()
    saved = catalogue.save_column(
        current_user, column.id if column else None, form.fields(), now=now
    )
    return catalogue.set_editors(current_user, saved.id, form.editor_logins(), now=now)

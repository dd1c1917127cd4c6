"""Editors' pages: the review queue of the columns they edit, and one contribution's review
with its history and the decisions it allows."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from app.columns import catalogue, editorial
from app.columns.forms import (
    EVENT_LABELS,
    STATUS_LABELS,
    ChangesForm,
    RejectForm,
    ScheduleForm,
    UnpublishForm,
)
from app.common.forms import ActionForm
from app.common.time import utcnow
from app.common.transaction import run_change

bp = Blueprint("editorial", __name__, url_prefix="/editorial")

# The decisions that need a word to the author, each form with its own prefix so the
# fields of the review page differ.
COMMENT_FORMS: dict[str, type[FlaskForm]] = {
    "changes": ChangesForm,
    "reject": RejectForm,
    "unpublish": UnpublishForm,
}


@bp.context_processor
def inject_labels():
    return {"status_labels": STATUS_LABELS, "event_labels": EVENT_LABELS}


@bp.route("/")
@login_required
def queue():
    catalogue.require_editor(current_user)
    by_column: dict[int, list] = {}
    for contribution in editorial.review_queue(current_user):
        by_column.setdefault(contribution.column_id, []).append(contribution)
    return render_template(
        "editorial/queue.html",
        columns=[
            column for column in catalogue.all_columns(active_only=False) if column.id in by_column
        ],
        by_column=by_column,
        published=editorial.recently_published(current_user),
    )


def _render_review(contribution_id: int, status: int = 200, **bound: FlaskForm):
    """The review page; `bound` holds a decision's form that came back with errors."""
    contribution = editorial.get_for_review(current_user, contribution_id)
    forms: dict[str, FlaskForm] = {
        name: form_class(prefix=name, formdata=None) for name, form_class in COMMENT_FORMS.items()
    }
    forms["schedule"] = ScheduleForm(formdata=None)
    return render_template(
        "editorial/review.html",
        contribution=contribution,
        forms=forms | bound,
        action=ActionForm(),
    ), status


@bp.route("/<int:contribution_id>")
@login_required
def review(contribution_id: int):
    return _render_review(contribution_id)


def _back(contribution_id: int):
    return redirect(url_for("editorial.review", contribution_id=contribution_id))


def _with_comment(contribution_id: int, name: str, decide: Callable[..., object], done: str):
    """A decision that needs a word to the author: `decide(editor, contribution_id, comment,
    now=…)` is the service; on a missing comment or a refusal the page comes back with what
    was typed."""
    editorial.get_for_review(current_user, contribution_id)
    form = COMMENT_FORMS[name](prefix=name)
    if form.validate_on_submit() and run_change(
        lambda: decide(current_user, contribution_id, form.comment.data.strip(), now=utcnow()),
        done,
        form=form,
    ):
        return _back(contribution_id)
    return _render_review(contribution_id, 400, **{name: form})


@bp.route("/<int:contribution_id>/request-changes", methods=["POST"])
@login_required
def request_changes(contribution_id: int):
    return _with_comment(
        contribution_id,
        "changes",
        editorial.request_changes,
        _("The author has been asked for changes."),
    )


@bp.route("/<int:contribution_id>/reject", methods=["POST"])
@login_required
def reject(contribution_id: int):
    return _with_comment(
        contribution_id, "reject", editorial.reject, _("The contribution has been rejected.")
    )


@bp.route("/<int:contribution_id>/unpublish", methods=["POST"])
@login_required
def unpublish(contribution_id: int):
    return _with_comment(
        contribution_id,
        "unpublish",
        editorial.unpublish,
        _("The contribution is no longer published."),
    )


def _button(contribution_id: int, change: Callable[[], object], done: str):
    """A one-button decision: the person must review this contribution, and the form must
    carry its CSRF token; then back to the review page."""
    editorial.get_for_review(current_user, contribution_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    run_change(change, done)
    return _back(contribution_id)


@bp.route("/<int:contribution_id>/publish", methods=["POST"])
@login_required
def publish(contribution_id: int):
    return _button(
        contribution_id,
        lambda: editorial.approve(current_user, contribution_id, now=utcnow()),
        _("The contribution is published."),
    )


@bp.route("/<int:contribution_id>/schedule", methods=["POST"])
@login_required
def schedule(contribution_id: int):
    editorial.get_for_review(current_user, contribution_id)
    form = ScheduleForm()
    if form.validate_on_submit() and run_change(
        lambda: editorial.approve(
            current_user, contribution_id, publish_at=form.publish_at_utc(), now=utcnow()
        ),
        _("The contribution is approved and will be published at the time set."),
        form=form,
    ):
        return _back(contribution_id)
    return _render_review(contribution_id, 400, schedule=form)


@bp.route("/<int:contribution_id>/feature", methods=["POST"])
@login_required
def feature(contribution_id: int):
    return _button(
        contribution_id,
        lambda: editorial.set_featured(current_user, contribution_id, True, now=utcnow()),
        _("The contribution is featured."),
    )


@bp.route("/<int:contribution_id>/unfeature", methods=["POST"])
@login_required
def unfeature(contribution_id: int):
    return _button(
        contribution_id,
        lambda: editorial.set_featured(current_user, contribution_id, False, now=utcnow()),
        _("The contribution is no longer featured."),
    )

"""Authors' pages: my contributions, writing one (with a preview that saves nothing),
editing it while it is a draft or has changes requested, and following its review."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.columns import catalogue, contributions, media
from app.columns.contributions import EDITABLE_STATUSES
from app.columns.forms import (
    EVENT_LABELS,
    STATUS_LABELS,
    ContributionForm,
    sent_file,
)
from app.columns.models import ContentColumn, Contribution, MediaFile
from app.common.forms import ActionForm, add_field_error
from app.common.markdown import render_markdown
from app.common.time import utcnow
from app.common.transaction import run_change, transaction
from app.errors import DomainError
from app.extensions import db

bp = Blueprint("contribute", __name__, url_prefix="/contribute")

# Room for the multipart envelope and the text fields around the files.
FORM_MARGIN = media.MB


@bp.context_processor
def inject_labels():
    return {
        "status_labels": STATUS_LABELS,
        "event_labels": EVENT_LABELS,
        "editable_statuses": EDITABLE_STATUSES,
    }


@bp.route("/")
@login_required
def mine():
    return render_template(
        "contribute/mine.html", contributions=contributions.my_contributions(current_user)
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    code = request.args.get("column", "")
    if not code:
        return render_template("contribute/choose.html", columns=catalogue.all_columns())
    column = catalogue.get_column(code)
    _allow_files_for(column)
    return _write(ContributionForm(), column, None)


@bp.route("/<int:contribution_id>/edit", methods=["GET", "POST"])
@login_required
def edit(contribution_id: int):
    contribution = contributions.get_own(current_user, contribution_id)
    if contribution.status not in EDITABLE_STATUSES:
        return render_template("contribute/locked.html", contribution=contribution), 409
    _allow_files_for(contribution.column)
    form = ContributionForm()
    if request.method == "GET":
        form.load(contribution)
    return _write(form, contribution.column, contribution)


@bp.route("/<int:contribution_id>")
@login_required
def show(contribution_id: int):
    contribution = contributions.get_own(current_user, contribution_id)
    return render_template("contribute/show.html", contribution=contribution, action=ActionForm())


@bp.route("/<int:contribution_id>/submit", methods=["POST"])
@login_required
def submit(contribution_id: int):
    contributions.get_own(current_user, contribution_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    run_change(
        lambda: contributions.submit(current_user, contribution_id, now=utcnow()),
        _("Your contribution has been sent to the editors."),
    )
    return redirect(url_for("contribute.show", contribution_id=contribution_id))


def _allow_files_for(column: ContentColumn) -> None:
    """Room in the request for the files a browser without JavaScript posts with the form
    (the cover and the column's audio or video), above the site's general limit. Set
    before the form reads the body."""
    limit = media.COVER_MAX_MB * media.MB + FORM_MARGIN
    if media.media_kinds(column):
        limit += media.max_media_bytes(column)
    request.max_content_length = max(limit, current_app.config["MAX_CONTENT_LENGTH"])


def _write(form: ContributionForm, column: ContentColumn, contribution: Contribution | None):
    """The contribution form: shown, previewed, or saved (and maybe submitted)."""
    if request.method == "GET":
        return _render_form(form, column, contribution)
    valid = form.validate_on_submit()
    uploaded = _store_sent_files(form, column)
    if form.preview.data or not (valid and uploaded):
        return _render_form(form, column, contribution), 200 if form.preview.data else 400
    saved = run_change(
        lambda: _save(form, column, contribution),
        _("Your contribution has been sent to the editors.")
        if form.submit.data
        else _("Your draft has been saved."),
        form=form,
    )
    if not saved:
        return _render_form(form, column, contribution), saved.error.status
    return redirect(url_for("contribute.show", contribution_id=saved.value.id))


def _save(form: ContributionForm, column: ContentColumn, contribution: Contribution | None):
    now = utcnow()
    fields = form.fields(column)
    if contribution is None:
        saved = contributions.create_draft(current_user, column.id, fields, now=now)
    else:
        saved = contributions.update_draft(current_user, contribution.id, fields, now=now)
    if form.submit.data:
        saved = contributions.submit(current_user, saved.id, now=now)
    return saved


def _store_sent_files(form: ContributionForm, column: ContentColumn) -> bool:
    """Files posted with the form (a browser without JavaScript): stored and committed at
    once, as upload.js's own request would, so a preview or a mistake elsewhere on the form
    does not make the person choose them again. False when a file was refused."""
    if "csrf_token" in form.errors:
        return False
    sent = [(form.cover, form.cover_id, "cover")]
    if media.media_kinds(column):
        sent.append((form.media, form.media_id, "media"))
    stored = True
    for file_field, id_field, purpose in sent:
        upload = sent_file(file_field)
        if upload is None:
            continue
        kinds, max_bytes = media.upload_rules(column, purpose)
        try:
            with transaction():
                media_file = media.store_upload(
                    current_user, upload, kinds=kinds, max_bytes=max_bytes
                )
        except DomainError as error:
            add_field_error(file_field, error)
            stored = False
            continue
        id_field.data = str(media_file.id)
    return stored


@dataclass(frozen=True)
class UploadInput:
    """What one file input takes, for its hints and for upload.js's early size check."""

    accept: str
    max_bytes: int
    megabytes: str
    formats: str


def _upload_inputs(column: ContentColumn) -> dict[str, UploadInput]:
    purposes = ("cover", "media") if media.media_kinds(column) else ("cover",)
    inputs = {}
    for purpose in purposes:
        kinds, max_bytes = media.upload_rules(column, purpose)
        inputs[purpose] = UploadInput(
            accept=",".join(f"{kind}/*" for kind in kinds),
            max_bytes=max_bytes,
            megabytes=media.megabytes(max_bytes),
            formats=media.accepted_description(kinds),
        )
    return inputs


def _render_form(form: ContributionForm, column: ContentColumn, contribution: Contribution | None):
    return render_template(
        "contribute/form.html",
        form=form,
        column=column,
        contribution=contribution,
        preview=render_markdown(form.body.data) if form.preview.data else None,
        uploads=_upload_inputs(column),
        chosen_cover=_visible_media(form.chosen_cover_id()),
        chosen_media=_visible_media(form.chosen_media_id()),
    )


def _visible_media(media_id: int | None) -> MediaFile | None:
    """The file an id on the form names, when this person may see it."""
    media_file = db.session.get(MediaFile, media_id) if media_id else None
    if media_file is None or not media.can_view(current_user, media_file):
        return None
    return media_file

"""Media files: served with range requests (players seek), and uploaded one at a time by
static/js/upload.js, which shows a progress bar and keeps the new file's id on the form.

A file a person may not see answers 404, never 403, so its existence is not revealed.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, current_app, g, jsonify, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import RequestEntityTooLarge

from app.columns import catalogue, media
from app.columns.models import MediaFile
from app.common.rows import fields_of
from app.common.transaction import transaction
from app.errors import DomainError
from app.extensions import csrf, db

bp = Blueprint("media", __name__, url_prefix="/media")

PUBLIC_MAX_AGE = 24 * 60 * 60
# Room for the multipart envelope and the other form fields around the file itself.
BODY_MARGIN = media.MB
# Opened directly, a file is shown as data only: no scripts, no plugins, no framing.
MEDIA_CSP = "sandbox; default-src 'none'; media-src 'self'; img-src 'self'"


def _download_name(media_file: MediaFile) -> str:
    """The person's own name for the file with the extension of what it really is."""
    stem = Path(media_file.original_name).stem or "media"
    return stem + Path(media_file.storage_name).suffix


@bp.route("/<int:media_id>")
def show(media_id: int):
    media_file = db.session.get(MediaFile, media_id)
    viewer = current_user if current_user.is_authenticated else None
    if media_file is None or not media.can_view(viewer, media_file):
        abort(404)
    path = media.media_path(media_file)
    if not path.is_file():
        abort(404)
    public = media.is_public(media_file)
    response = send_file(
        path,
        mimetype=media_file.mime_type,
        conditional=True,
        etag=media_file.sha256,
        max_age=PUBLIC_MAX_AGE if public else None,
        download_name=_download_name(media_file),
    )
    if not public:
        response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = MEDIA_CSP
    return response


def _upload_target() -> tuple[str, str]:
    """The column code and purpose, read from the query string when given there (as
    upload.js does), so the body limit is set before the body is read; otherwise from the
    form, under the largest limit any column may have."""
    if "column" in request.args:
        return request.args.get("column", ""), request.args.get("purpose", "media")
    request.max_content_length = current_app.config["MEDIA_MAX_MB"] * media.MB + BODY_MARGIN
    return request.form.get("column", ""), request.form.get("purpose", "media")


@bp.route("/upload", methods=["POST"])
@csrf.exempt
@login_required
def upload():
    """One file in (`file`, `column`, `purpose`), its description out as JSON.

    CSRF is checked here rather than before the request, because checking it reads the
    body, and the body limit depends on the column."""
    try:
        with transaction():
            code, purpose = _upload_target()
            kinds, max_bytes = media.upload_rules(catalogue.get_column(code), purpose)
            g.media_upload_limit = max_bytes
            request.max_content_length = max_bytes + BODY_MARGIN
            if current_app.config.get("WTF_CSRF_ENABLED", True):
                csrf.protect()
            upload_file = request.files.get("file")
            if upload_file is None or not upload_file.filename:
                return jsonify({"error": _("Please choose a file.")}), 400
            stored = media.store_upload(current_user, upload_file, kinds=kinds, max_bytes=max_bytes)
    except DomainError as error:
        return jsonify({"error": str(error.message)}), error.status
    return jsonify(_described(stored)), 201


def _described(media_file: MediaFile) -> dict:
    return {
        **fields_of(media_file, "id", "kind", "mime_type", "size"),
        "name": media_file.original_name,
        "url": url_for("media.show", media_id=media_file.id),
    }


@bp.errorhandler(RequestEntityTooLarge)
def too_large(error: RequestEntityTooLarge):
    limit = g.get("media_upload_limit")
    if limit is None:
        message = _("The file is larger than allowed.")
    else:
        message = _("The file is larger than %(mb)s MB.", mb=media.megabytes(limit))
    return jsonify({"error": message}), 413


@bp.errorhandler(CSRFError)
def csrf_failed(error: CSRFError):
    message = _("The form expired or was sent from another page. Please reload and try again.")
    return jsonify({"error": message}), 400

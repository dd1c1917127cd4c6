"""A stored export file as an HTTP download, the same for the batch page and the API."""

from __future__ import annotations

from flask import Response, abort, request

from app.accounts.models import User
from app.audit import services as audit
from app.common.tables import download
from app.common.transaction import transaction
from app.credits.exporter import MEDIA_TYPES
from app.credits.models import CreditExport
from app.natrecord import crypto


def _content(stored: CreditExport, actor: User | None) -> bytes:
    """The file's bytes. A file holding full ID numbers is decrypted, and that reading of
    the numbers is written to the audit log (committed before the file leaves)."""
    if not stored.encrypted:
        return stored.content
    content = crypto.decrypt_bytes(stored.content) if crypto.is_configured() else None
    if content is None:
        abort(404)  # the key is gone or was changed: the file cannot be read any more
    with transaction():
        audit.record(
            "natrecord.id_number_read",
            stored.batch,
            actor=actor,
            note=f"download of {stored.filename}",
        )
    return content


def export_download(stored: CreditExport, *, actor: User | None) -> Response:
    """The stored bytes as an attachment under the stored filename, with the checksum as
    ETag and X-Content-SHA256: the same bytes on every download (a matching If-None-Match
    gets 304, a Range its part)."""
    content = _content(stored, actor)
    media_type = MEDIA_TYPES.get(stored.file_type, "application/octet-stream")
    response = download(content, stored.filename, media_type)
    response.set_etag(stored.sha256)
    response.last_modified = stored.created_at
    response.headers["X-Content-SHA256"] = stored.sha256
    response.headers["Cache-Control"] = "private, no-cache"
    return response.make_conditional(
        request.environ, accept_ranges=True, complete_length=len(content)
    )

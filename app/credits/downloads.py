"""A stored export file as an HTTP download, the same for the batch page and the API."""

from __future__ import annotations

from flask import Response, request

from app.common.tables import download
from app.credits.exporter import MEDIA_TYPES
from app.credits.models import CreditExport


def export_download(stored: CreditExport) -> Response:
    """The stored bytes as an attachment under the stored filename, with the checksum as
    ETag and X-Content-SHA256: the same bytes on every download (a matching If-None-Match
    gets 304, a Range its part)."""
    media_type = MEDIA_TYPES.get(stored.file_type, "application/octet-stream")
    response = download(stored.content, stored.filename, media_type)
    response.set_etag(stored.sha256)
    response.last_modified = stored.created_at
    response.headers["X-Content-SHA256"] = stored.sha256
    response.headers["Cache-Control"] = "private, no-cache"
    return response.make_conditional(
        request.environ, accept_ranges=True, complete_length=len(stored.content)
    )

"""A stored export file as an HTTP download, the same for the batch page and the API."""

from __future__ import annotations

from io import BytesIO

from flask import Response, send_file

from app.credits.exporter import MEDIA_TYPES
from app.credits.models import CreditExport


def export_download(stored: CreditExport) -> Response:
    """The stored bytes as an attachment under the stored filename, with the checksum as
    ETag and X-Content-SHA256: the same bytes on every download."""
    response = send_file(
        BytesIO(stored.content),
        as_attachment=True,
        download_name=stored.filename,
        etag=stored.sha256,
        last_modified=stored.created_at,
        max_age=0,
    )
    # Set after send_file, which would append a second "; charset=utf-8" to a text type and
    # make clients decode a GB18030 file as UTF-8.
    response.content_type = MEDIA_TYPES.get(stored.file_type, "application/octet-stream")
    response.headers["X-Content-SHA256"] = stored.sha256
    response.headers["Cache-Control"] = "private, no-cache"
    return response

"""GET /api/v1/credit-batches and the stored file of each, for a token with the credits scope.

The campus Second Classroom system pulls exported batches instead of waiting for a file by
email. A token sees the exported batches its owner may see on the batches page; any other
batch is "not found", so ids reveal nothing. A system's application token with this scope
(第二课堂系统) sees every exported batch, as an admin does.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select

from app.api import envelope, openapi
from app.api.auth import current_person, current_system, token_required
from app.api.blueprint import bp
from app.api.openapi import TIME
from app.common.rows import fields_of
from app.credits import batches
from app.credits.downloads import export_download
from app.credits.exporter import MEDIA_TYPES
from app.credits.models import CreditBatch
from app.errors import Forbidden, NotFound
from app.extensions import db

SCOPES = ("credits:read",)


def day(value: date) -> str:
    return value.isoformat()


def batch_json(batch: CreditBatch) -> dict[str, Any]:
    stored = batch.export
    return {
        "id": batch.id,
        "title": batch.title,
        "period": {
            "start": day(batch.period_start),
            "end": day(batch.period_end),
            "semester": batch.semester,
        },
        "scope": {"team_id": batch.team_id, "task_id": batch.task_id, "category": batch.category},
        "status": batch.status,
        "exported_at": envelope.iso(batch.exported_at),
        "file": {
            **fields_of(stored, "filename", "file_type", "size", "sha256", "row_count"),
            "url": url_for("api.credit_batch_file", batch_id=batch.id),
        },
    }


def _pulled(batch: CreditBatch) -> bool:
    """The campus system pulls exported Second Classroom files; the national record's files
    (which may hold ID numbers) are downloaded on the batch page only."""
    return (
        batch.status == "exported"
        and batch.export is not None
        and (batch.destination == "second_classroom")
    )


def exported_batches() -> list[CreditBatch]:
    """The owner's exported batches, newest export first; none for someone who runs none."""
    try:
        shown = _all_batches() if current_system() else batches.visible_batches(current_person())
    except Forbidden:
        return []
    exported = [batch for batch in shown if _pulled(batch)]
    return sorted(exported, key=lambda batch: (batch.exported_at, batch.id), reverse=True)


def _all_batches() -> list[CreditBatch]:
    """A system's view: every exported batch, as an admin's."""
    return list(db.session.scalars(select(CreditBatch).where(CreditBatch.status == "exported")))


def _batch(batch_id: int) -> CreditBatch | None:
    if current_system():
        return db.session.get(CreditBatch, batch_id)
    try:
        return batches.get_batch(current_person(), batch_id)
    except (Forbidden, NotFound):
        return None


@bp.get("/credit-batches")
@token_required(*SCOPES, systems_too=True)
@envelope.query_args(**envelope.PAGINATION)
def credit_batches(page: int, per_page: int):
    found = exported_batches()
    pages = (len(found) + per_page - 1) // per_page
    shown = found[(page - 1) * per_page : page * per_page]
    meta = {"page": page, "per_page": per_page, "total": len(found), "pages": pages}
    return envelope.ok([batch_json(batch) for batch in shown], meta=meta)


@bp.get("/credit-batches/<int:batch_id>/file")
@token_required(*SCOPES, systems_too=True)
def credit_batch_file(batch_id: int):
    batch = _batch(batch_id)
    if batch is None or not _pulled(batch):
        raise NotFound(_("No exported credit batch with this id."))
    return export_download(batch.export, actor=None if current_system() else current_person())


DAY = {"type": "string", "format": "date"}
INTEGER_OR_NULL = {"type": ["integer", "null"]}
BATCH_ID = {
    "name": "batch_id",
    "in": "path",
    "required": True,
    "description": "The batch's id, from the list.",
    "schema": {"type": "integer"},
}


def _file_operation() -> dict[str, Any]:
    """The file is bytes, not the JSON envelope: its own 200 response."""
    result = openapi.operation(
        operation_id="getCreditBatchFile",
        summary="An exported batch's file",
        description="The file exactly as it was exported (byte for byte, every time), as an "
        "attachment named as stored. `X-Content-SHA256` and the ETag carry its SHA-256, the "
        "same as `file.sha256` in the list.",
        tag="credits",
        scopes=SCOPES,
        data={"type": "string"},
        path=(BATCH_ID,),
    )
    result["responses"]["200"] = {
        "description": "The stored file.",
        "headers": {
            "X-Content-SHA256": {
                "description": "The SHA-256 of the body, in hex.",
                "schema": {"type": "string"},
            },
            "Content-Disposition": {
                "description": "attachment, with the stored filename.",
                "schema": {"type": "string"},
            },
        },
        "content": {
            media_type.split(";")[0]: {
                "schema": {"type": "string", "contentMediaType": media_type.split(";")[0]}
            }
            for media_type in MEDIA_TYPES.values()
        },
    }
    return result


openapi.add_paths(
    {
        "/credit-batches": {
            "get": openapi.operation(
                operation_id="listCreditBatches",
                summary="Exported Second Classroom credit batches",
                description="The exported batches the token's owner may see (an admin: all; "
                "a coordinator: those of the teams they run; a system's application token: all), "
                "newest export first, each with the facts of its stored file.",
                tag="credits",
                scopes=SCOPES,
                data=openapi.ref("CreditBatch"),
                parameters=openapi.query_parameters(envelope.PAGINATION),
                paginated=True,
            )
        },
        "/credit-batches/{batch_id}/file": {"get": _file_operation()},
    },
    schemas={
        "CreditBatch": {
            "type": "object",
            "required": ["id", "title", "period", "scope", "status", "exported_at", "file"],
            "properties": {
                "id": {"type": "integer"},
                "title": {"type": "string"},
                "period": {
                    "type": "object",
                    "required": ["start", "end", "semester"],
                    "properties": {
                        "start": DAY,
                        "end": {**DAY, "description": "Inclusive."},
                        "semester": {
                            "type": ["string", "null"],
                            "description": "Like 2026-2027-1 when built for a semester.",
                        },
                    },
                },
                "scope": {
                    "type": "object",
                    "description": "What the batch was limited to; null means everything.",
                    "required": ["team_id", "task_id", "category"],
                    "properties": {
                        "team_id": INTEGER_OR_NULL,
                        "task_id": INTEGER_OR_NULL,
                        "category": {"type": ["string", "null"]},
                    },
                },
                "status": {"type": "string", "enum": ["exported"]},
                "exported_at": TIME,
                "file": openapi.ref("CreditBatchFile"),
            },
        },
        "CreditBatchFile": {
            "type": "object",
            "required": ["filename", "file_type", "size", "sha256", "row_count", "url"],
            "properties": {
                "filename": {"type": "string"},
                "file_type": {"type": "string", "enum": ["xlsx", "csv_utf8", "csv_gb18030"]},
                "size": {"type": "integer", "description": "Bytes."},
                "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
                "row_count": {"type": "integer", "description": "Lines, without the header."},
                "url": {
                    "type": "string",
                    "format": "uri-reference",
                    "description": "Where to download the file with the same token.",
                },
            },
        },
    },
    tags={"credits": "Second Classroom (第二课堂) credit batches exported for the campus system."},
)

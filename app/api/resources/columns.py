"""Columns through the API: the active columns, each column's published contributions
(posts), one post, your own contributions, and writing one (a draft, or straight to the
column's editors). Every rule is the pages' own service (app/columns): the same checks of
title, body and links, the same editorial review; readers see a post only once published,
with the author's name as the page shows it.
"""

from __future__ import annotations

import hashlib
from typing import Any

from flask import request
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import RequestEntityTooLarge

from app.api import cursors, envelope, openapi, writes
from app.api.auth import current_person, token_required
from app.api.blueprint import bp
from app.api.envelope import iso
from app.api.openapi import TIME, TIME_OR_NULL
from app.api.resources.coordination import required_object
from app.columns import catalogue, contributions, media, reading
from app.columns.contribution_fields import BODY_MAX, TITLE_MAX, ContributionFields
from app.columns.models import ContentColumn, Contribution, MediaFile
from app.common.rows import fields_of
from app.common.time import utcnow
from app.errors import InvalidInput, NotFound

READ = ("columns:read",)
WRITE = ("columns:write",)
LIST = {"window": cursors.CURSOR}
NEW_CONTRIBUTION = writes.Body(
    column_id=writes.Field("integer", required=True, minimum=1, description="The column."),
    title=writes.Field("string", required=True, max_length=TITLE_MAX),
    body=writes.Field("string", max_length=BODY_MAX, description="Markdown."),
    show_full_name=writes.Field(
        "boolean", description="Readers see your full name (else it is masked)."
    ),
    submit=writes.Field(
        "boolean", description="true: send it to the column's editors now; else a draft."
    ),
    media_id=writes.Field("integer", minimum=1, description="Your upload (POST /media)."),
    cover_id=writes.Field("integer", minimum=1, description="Your cover image upload."),
)
UPLOAD = {
    "column_id": envelope.IntArg(
        default=None, minimum=1, maximum=writes.MAX_INTEGER, description="Required: the column."
    ),
    "purpose": envelope.ChoiceArg(
        ("media", "cover"), description="media (default): audio or video; cover: an image."
    ),
}
# Room for the multipart envelope around the one file: a request larger than the file's limit
# by more than this is refused (413) before it is read.
FORM_MARGIN = 16 * 1024


def column_json(column: ContentColumn) -> dict[str, Any]:
    return fields_of(
        column, "id", "code", "name", "kind", "description", "guidelines", "accepts_links"
    )


def _column_ref(column: ContentColumn) -> dict[str, Any]:
    return fields_of(column, "id", "code", "name")


def post_json(post: Contribution) -> dict[str, Any]:
    return {
        "id": post.id,
        "column": _column_ref(post.column),
        "title": post.title,
        "author": reading.author_name(post),
        "excerpt": reading.excerpt(post.body),
        "body": post.body,
        "links": [
            {"title": link.title, "url": link.url, "call_number": link.call_number}
            for link in post.links
        ],
        "published_at": iso(post.published_at),
        "likes": post.like_count,
        "views": post.view_count,
        "comments": post.comment_count,
    }


def contribution_json(contribution: Contribution) -> dict[str, Any]:
    return {
        "id": contribution.id,
        "column": _column_ref(contribution.column),
        "title": contribution.title,
        "body": contribution.body,
        "status": contribution.status,
        "show_full_name": contribution.show_full_name,
        "created_at": iso(contribution.created_at),
        "submitted_at": iso(contribution.submitted_at),
        "published_at": iso(contribution.published_at),
    }


@bp.get("/columns")
@token_required(*READ, systems_too=True)
@envelope.query_args(**LIST)
def list_columns(window: cursors.Window):
    return cursors.page_of_list(
        catalogue.all_columns(), lambda column: (column.position, column.id), column_json, window
    )


@bp.get("/columns/<int:column_id>/posts")
@token_required(*READ, systems_too=True)
@envelope.query_args(**LIST)
def column_posts(column_id: int, window: cursors.Window):
    column = catalogue.get_column_by_id(column_id, active_only=True)
    query = (
        select(Contribution)
        .where(Contribution.column_id == column.id, Contribution.status == reading.PUBLISHED)
        .options(joinedload(Contribution.author), joinedload(Contribution.column))
    )
    return cursors.page(
        query, (Contribution.published_at, Contribution.id), post_json, window, descending=True
    )


@bp.get("/posts/<int:post_id>")
@token_required(*READ, systems_too=True)
def get_post(post_id: int):
    post = reading.published_by_id(post_id)
    if not post.column.active:
        raise NotFound(_("No such column."))
    return envelope.ok(post_json(post))


@bp.get("/me/contributions")
@token_required(*READ)
@envelope.query_args(**LIST)
def my_contributions(window: cursors.Window):
    return cursors.page_of_list(
        contributions.my_contributions(current_person()),
        lambda contribution: (contribution.created_at, contribution.id),
        contribution_json,
        window,
        descending=True,
    )


@bp.post("/contributions")
@token_required(*WRITE)
@writes.accepts(NEW_CONTRIBUTION)
def create_contribution(body: dict):
    """As the contribution form: a draft, then submitted when `submit` is true."""
    author, now = current_person(), utcnow()
    fields = ContributionFields(
        title=body["title"],
        body=body.get("body", ""),
        show_full_name=body.get("show_full_name", False),
        media_id=body.get("media_id"),
        cover_id=body.get("cover_id"),
    )
    saved = contributions.create_draft(author, body["column_id"], fields, now=now)
    if body.get("submit"):
        saved = contributions.submit(author, saved.id, now=now)
    return envelope.ok(contribution_json(saved), status=201)


def media_json(stored: MediaFile) -> dict[str, Any]:
    return {**fields_of(stored, "id", "kind", "mime_type", "size"), "name": stored.original_name}


def _sent_file(max_bytes: int) -> FileStorage:
    """The request's one file (`file`), refused before it is read when the body is larger
    than the column allows (413), not multipart (415) or without a file (400)."""
    request.max_content_length = max_bytes + FORM_MARGIN
    if request.mimetype != "multipart/form-data":
        raise writes.UnsupportedMediaType(_("Send the file as multipart/form-data."))
    try:
        upload = request.files.get("file")
    except RequestEntityTooLarge:
        raise writes.BodyTooLarge(
            _("The file is larger than %(mb)s MB.", mb=media.megabytes(max_bytes))
        ) from None
    if upload is None or not upload.filename:
        raise InvalidInput(_("Please choose a file."), field="file")
    return upload


def _digest(upload: FileStorage) -> str:
    """The file's SHA-256, for the Idempotency-Key's request (the stream is rewound)."""
    digest = hashlib.sha256()
    while chunk := upload.stream.read(1024 * 1024):
        digest.update(chunk)
    upload.stream.seek(0)
    return digest.hexdigest()


@bp.post("/media")
@token_required(*WRITE)
@envelope.query_args(**UPLOAD)
def upload_media(column_id: int | None, purpose: str | None):
    """As the contribution form's upload: the same content sniffing, kinds and limits."""
    if column_id is None:
        raise InvalidInput(_("Say which column the file is for."), field="column_id")
    column = catalogue.get_column_by_id(column_id, active_only=True)
    purpose = purpose or "media"
    kinds, max_bytes = media.upload_rules(column, purpose)
    upload = _sent_file(max_bytes)
    request_facts = {"column_id": column.id, "purpose": purpose, "sha256": _digest(upload)}

    def store():
        stored = media.store_upload(current_person(), upload, kinds=kinds, max_bytes=max_bytes)
        return envelope.ok(media_json(stored), status=201)

    return writes.once(store, request_facts)


# The document ----------------------------------------------------------------------------------

COLUMN_ID = openapi.path_id("column_id", "An active column's id, from /columns.")
POST_ID = openapi.path_id("post_id", "A published contribution's id.")
STRING = {"type": "string"}
INTEGER = {"type": "integer"}
COLUMN_REF = required_object({"id": INTEGER, "code": STRING, "name": STRING})


def _read(
    operation_id: str, summary: str, description: str, schema: str, *, path=None, listed=True
):
    return openapi.operation(
        operation_id=operation_id,
        summary=summary,
        description=description,
        tag="columns",
        scopes=READ,
        data=openapi.ref(schema),
        parameters=openapi.query_parameters(LIST) if listed else None,
        cursor=listed,
        path=(path,) if path else (),
    )


def _upload_operation() -> dict[str, Any]:
    result = openapi.operation(
        operation_id="uploadMedia",
        summary="Upload a file for a contribution",
        description="multipart/form-data with one `file`: a column's audio or video "
        "(`purpose=media`) or a cover image (`purpose=cover`), checked by its content as on "
        "the form. 413 `too_large` when the request passes the column's limit, 415 when not "
        "multipart, 400 when it is not a kind the column takes or passes your daily "
        "allowance. Then give its `id` as `media_id` or `cover_id` to POST /contributions.",
        tag="columns",
        scopes=WRITE,
        data=openapi.ref("Media"),
        parameters=openapi.query_parameters(UPLOAD),
        success=201,
        errors=(401, 403, 404, 409, 413, 415, 422, 429, 500),
    )
    result["parameters"].append(openapi.IDEMPOTENCY_KEY)
    result["requestBody"] = {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {"file": {"type": "string", "format": "binary"}},
                }
            }
        },
    }
    return result


openapi.add_paths(
    {
        "/columns": {
            "get": _read(
                "listColumns", "The columns", "The active columns, in their order.", "Column"
            )
        },
        "/columns/{column_id}/posts": {
            "get": _read(
                "listColumnPosts",
                "A column's published contributions",
                "Newest first; drafts and contributions in review are never listed.",
                "Post",
                path=COLUMN_ID,
            )
        },
        "/posts/{post_id}": {
            "get": _read(
                "getPost",
                "One published contribution",
                "404 unless published in an active column.",
                "Post",
                path=POST_ID,
                listed=False,
            )
        },
        "/me/contributions": {
            "get": _read(
                "listMyContributions",
                "Your contributions",
                "Every contribution of yours, any status, newest first.",
                "Contribution",
            )
        },
        "/media": {"post": _upload_operation()},
        "/contributions": {
            "post": openapi.operation(
                operation_id="createContribution",
                summary="Write a contribution",
                description="As the contribution form: a draft, or with `submit` true sent to "
                "the column's editors for review (status submitted). Refusals as the form's: "
                "400 `invalid_input` naming the field (an empty title, links to a column "
                "that takes none); 404 for an unknown or closed column.",
                tag="columns",
                scopes=WRITE,
                data=openapi.ref("Contribution"),
                body=NEW_CONTRIBUTION,
                success=201,
                errors=(401, 403, 404, 409, 429, 500),
            )
        },
    },
    schemas={
        "Column": required_object(
            {
                "id": INTEGER,
                "code": STRING,
                "name": STRING,
                "kind": STRING,
                "description": {"type": "string", "description": "Markdown."},
                "guidelines": {"type": "string", "description": "Markdown, for authors."},
                "accepts_links": {"type": "boolean"},
            }
        ),
        "Post": required_object(
            {
                "id": INTEGER,
                "column": COLUMN_REF,
                "title": STRING,
                "author": {"type": "string", "description": "Masked unless the author chose."},
                "excerpt": STRING,
                "body": {"type": "string", "description": "Markdown."},
                "links": {
                    "type": "array",
                    "items": required_object(
                        {"title": STRING, "url": STRING, "call_number": STRING}
                    ),
                },
                "published_at": TIME,
                "likes": INTEGER,
                "views": INTEGER,
                "comments": INTEGER,
            }
        ),
        "Media": required_object(
            {
                "id": INTEGER,
                "kind": {"type": "string", "enum": ["audio", "video", "image"]},
                "mime_type": STRING,
                "size": INTEGER,
                "name": STRING,
            }
        ),
        "Contribution": required_object(
            {
                "id": INTEGER,
                "column": COLUMN_REF,
                "title": STRING,
                "body": STRING,
                "status": STRING,
                "show_full_name": {"type": "boolean"},
                "created_at": TIME,
                "submitted_at": TIME_OR_NULL,
                "published_at": TIME_OR_NULL,
            }
        ),
    },
    tags={"columns": "The columns, their published contributions, and writing one."},
)

"""The OpenAPI 3.1 document of /api/v1, served at /api/v1/openapi.json.

Each resource module documents its own paths next to its routes with `add_paths`, using
`operation` for the parts every endpoint shares (envelope, bearer security, error
responses). tests/api/test_openapi.py validates the document and checks that its paths,
methods, scopes and query parameters are exactly those of the routes, so neither drifts.

The document is in English, whatever the caller's language: it is for developers.
"""

from __future__ import annotations

from typing import Any

from flask_babel import force_locale

from app.api import services, writes
from app.api.cursors import MAX_LIMIT
from app.api.envelope import MAX_PER_PAGE, QueryArg

API_VERSION = "1.0.0"

# Filled by the resource modules when they are imported.
_PATHS: dict[str, dict[str, Any]] = {}
_SCHEMAS: dict[str, dict[str, Any]] = {}
_TAGS: dict[str, str] = {}


def add_paths(
    paths: dict[str, dict[str, Any]],
    *,
    schemas: dict[str, dict[str, Any]] | None = None,
    tags: dict[str, str] | None = None,
) -> None:
    """Document a resource's paths (relative to /api/v1, OpenAPI style: /tokens/{id})."""
    for path, operations in paths.items():
        _PATHS.setdefault(path, {}).update(operations)
    _SCHEMAS.update(schemas or {})
    _TAGS.update(tags or {})


# Schema fragments the resources share.
TIME = {"type": "string", "format": "date-time"}
TIME_OR_NULL = {"type": ["string", "null"], "format": "date-time"}


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"oneOf": [schema, {"type": "null"}]}


def path_parameter(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    """A part of the path, as `<name>` in the route (for `operation(path=...)`)."""
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": schema,
    }


def path_id(name: str, description: str) -> dict[str, Any]:
    """An id in the path, as `<int:name>` in the route."""
    return path_parameter(name, description, {"type": "integer"})


def query_parameters(arguments: dict[str, QueryArg]) -> list[dict[str, Any]]:
    return [
        parameter for name, argument in arguments.items() for parameter in argument.parameters(name)
    ]


ERROR_RESPONSES = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    409: "Conflict",
    413: "TooLarge",
    415: "UnsupportedMediaType",
    422: "Unprocessable",
    429: "TooManyRequests",
    500: "ServerError",
}
# Every write can answer these: a bad body or key, a reused key, a busy key.
WRITE_ERRORS = (400, 409, 413, 415, 422)

IDEMPOTENCY_KEY = {
    "name": writes.KEY_HEADER,
    "in": "header",
    "required": False,
    "description": "Optional. Any 1 to 100 visible ASCII characters, new for each intended "
    "write (a UUID is usual). Sending the same request again with the same key within 24 "
    "hours answers what the first one answered (with `Idempotent-Replayed: true`) and writes "
    "nothing; the same key with another body is 422 `idempotency_key_reused`.",
    "schema": {"type": "string", "pattern": "^[!-~]{1,100}$"},
}
ETAG_HEADER = {
    "description": "A strong validator of the body: send it back as If-None-Match.",
    "schema": {"type": "string"},
}
REPLAYED_HEADER = {
    "description": "`true` when this is the stored answer to an earlier request with the "
    "same Idempotency-Key.",
    "schema": {"type": "string", "enum": ["true"]},
}


def operation(
    *,
    operation_id: str,
    summary: str,
    tag: str,
    scopes: tuple[str, ...],
    data: dict[str, Any],
    description: str = "",
    parameters: list[dict[str, Any]] | None = None,
    path: tuple[dict[str, Any], ...] = (),
    paginated: bool = False,
    cursor: bool = False,
    body: writes.Body | None = None,
    success: int = 200,
    errors: tuple[int, ...] = (401, 403, 429, 500),
) -> dict[str, Any]:
    """An operation answering `success` with `data` in the envelope: a list of it when
    `paginated` (page/per_page) or `cursor`; `path`: its path arguments (`path_id`), which
    make 404 one of its answers. A read
    (no `body`) gets its ETag and 304; a write (`body`, the `writes.accepts` declaration)
    its requestBody, the Idempotency-Key header and the write errors."""
    listed = paginated or cursor
    meta = ref("CursorMeta") if cursor else ref("PageMeta") if paginated else ref("Meta")
    envelope = {
        "type": "object",
        "required": ["data", "meta"],
        "properties": {"data": {"type": "array", "items": data} if listed else data, "meta": meta},
    }
    statuses = set(errors)
    if path:
        statuses.add(404)
    if parameters:
        statuses.add(400)
    success_response: dict[str, Any] = {
        "description": "Success.",
        "content": {"application/json": {"schema": envelope}},
    }
    if body is None:
        success_response["headers"] = {"ETag": ETAG_HEADER}
        if cursor:
            success_response["headers"]["Link"] = {
                "description": 'The next page: `<address>; rel="next"`, absent on the last.',
                "schema": {"type": "string"},
            }
    else:
        statuses.update(WRITE_ERRORS)
    responses: dict[str, Any] = {str(success): success_response}
    if body is None:
        responses["304"] = {
            "description": "Not modified: the If-None-Match ETag is still the body's.",
            "headers": {"ETag": ETAG_HEADER},
        }
    for status in sorted(statuses):
        responses[str(status)] = {"$ref": f"#/components/responses/{ERROR_RESPONSES[status]}"}
    result: dict[str, Any] = {
        "operationId": operation_id,
        "summary": summary,
        "tags": [tag],
        "security": [{"bearerAuth": list(scopes)}],
        "responses": responses,
    }
    if description:
        result["description"] = description
    idempotency = [IDEMPOTENCY_KEY] if body is not None else []
    every_parameter = [*path, *(parameters or []), *idempotency]
    if every_parameter:
        result["parameters"] = every_parameter
    if body is not None:
        result["requestBody"] = {
            "required": body.required,
            "content": {"application/json": {"schema": body.schema()}},
        }
    return result


PROBLEM_CODES = [
    "unauthorized",
    "invalid_token",
    "token_expired",
    "token_revoked",
    "account_deactivated",
    "insufficient_scope",
    "person_only",
    "system_only",
    "address_not_allowed",
    "invalid_input",
    "bad_cursor",
    "malformed_json",
    "invalid_body",
    "unsupported_media_type",
    "too_large",
    "idempotency_key_reused",
    "idempotency_key_in_progress",
    "not_found",
    "conflict",
    "method_not_allowed",
    "rate_limited",
    "server_error",
    "busy",
]

PROBLEM_SCHEMA = {
    "type": "object",
    "description": "An RFC 9457 problem (application/problem+json). Some problems add "
    "members a client can act on, such as `opens_at` when sign-up has not opened yet.",
    "required": ["type", "title", "status", "detail", "instance", "code"],
    "properties": {
        "type": {
            "type": "string",
            "format": "uri-reference",
            "description": "/api/v1/problems/<code>: names the kind of problem.",
        },
        "title": {"type": "string", "description": "A short summary of the kind."},
        "status": {"type": "integer", "description": "The HTTP status, repeated."},
        "detail": {
            "type": "string",
            "description": "For people, in the language of Accept-Language (zh or en; "
            "Chinese by default).",
        },
        "instance": {"type": "string", "description": "The path that was asked for."},
        "code": {
            "type": "string",
            "description": "A stable machine-readable code.",
            "examples": PROBLEM_CODES,
        },
        "errors": {
            "type": "array",
            "description": "For invalid input: each field (a query argument, a header or a "
            "body field) and what is wrong with it.",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
}

BASE_SCHEMAS = {
    "Problem": PROBLEM_SCHEMA,
    "TaskBrief": {
        "type": "object",
        "required": ["id", "title"],
        "properties": {"id": {"type": "integer"}, "title": {"type": "string"}},
    },
    "ShiftBrief": {
        "type": "object",
        "required": ["id", "task", "starts_at", "ends_at"],
        "properties": {
            "id": {"type": "integer"},
            "task": ref("TaskBrief"),
            "starts_at": TIME,
            "ends_at": TIME,
        },
    },
    "Meta": {"type": "object", "description": "Facts about the response; empty for one object."},
    "PageMeta": {
        "type": "object",
        "required": ["page", "per_page", "total", "pages"],
        "properties": {
            "page": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
            "total": {"type": "integer", "minimum": 0, "description": "Items on all pages."},
            "pages": {"type": "integer", "minimum": 0},
        },
    },
    "CursorMeta": {
        "type": "object",
        "required": ["limit", "next_cursor"],
        "properties": {
            "limit": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT},
            "next_cursor": {
                "type": ["string", "null"],
                "description": "Send as `cursor` for the next page; null on the last page.",
            },
        },
    },
}

RESPONSE_DESCRIPTIONS = {
    "BadRequest": (
        "A query argument or header is not valid (code invalid_input, bad_cursor), or the "
        "body is not JSON (malformed_json).",
        "invalid_input",
    ),
    "Unauthorized": (
        "No token, or one that is unknown, revoked, expired or whose owner was deactivated "
        "(codes unauthorized, invalid_token, token_revoked, token_expired, account_deactivated).",
        "token_expired",
    ),
    "Forbidden": (
        "The token lacks a scope this endpoint needs (code insufficient_scope).",
        "insufficient_scope",
    ),
    "NotFound": ("No such object, or not yours (code not_found).", "not_found"),
    "Conflict": (
        "The object's state does not allow this now (code conflict or a more precise one), "
        "or a request with the same Idempotency-Key is still running "
        "(idempotency_key_in_progress).",
        "conflict",
    ),
    "TooLarge": ("The body is larger than 64 KB (code too_large).", "too_large"),
    "UnsupportedMediaType": (
        "The body is not sent as application/json (code unsupported_media_type).",
        "unsupported_media_type",
    ),
    "Unprocessable": (
        "The body's fields are not valid (code invalid_body, with errors naming each "
        "field), or the Idempotency-Key was used with another body (idempotency_key_reused).",
        "invalid_body",
    ),
    "TooManyRequests": ("Too many requests; wait and retry (code rate_limited).", "rate_limited"),
    "ServerError": ("The server made an error (code server_error).", "server_error"),
}


def _error_responses() -> dict[str, Any]:
    responses = {}
    for name, (description, code) in RESPONSE_DESCRIPTIONS.items():
        status = next(status for status, value in ERROR_RESPONSES.items() if value == name)
        example = {
            "type": f"/api/v1/problems/{code}",
            "title": name,
            "status": status,
            "detail": description,
            "instance": "/api/v1/me",
            "code": code,
        }
        response: dict[str, Any] = {
            "description": description,
            "content": {"application/problem+json": {"schema": ref("Problem"), "example": example}},
        }
        if status == 401:
            response["headers"] = {
                "WWW-Authenticate": {
                    "description": 'Bearer realm="gongchuang", with error="invalid_token" '
                    "when a token was sent.",
                    "schema": {"type": "string"},
                }
            }
        responses[name] = response
    return responses


def _scopes_description() -> str:
    with force_locale("en"):
        lines = [f"- `{name}`: {label}" for name, label in services.SCOPES.items()]
    return (
        "A personal access token, made on your profile page (Profile → API tokens), sent as "
        "`Authorization: Bearer gc_…`. Each token holds scopes; an endpoint lists the scopes "
        "it needs. Scopes:\n\n"
        + "\n".join(lines)
        + "\n\nA campus system registered by an administrator calls with its application "
        "token, `Bearer gcs_…`, as the system rather than a person: only the operations that "
        "say so accept it (the credit batches, the hub's summaries); others answer it "
        "`403 person_only`, and a call from outside the system's allowed addresses "
        "`403 address_not_allowed`. The hub's summaries (hub:read) are for systems only: a "
        "person's token is answered `403 system_only`."
    )


INTRODUCTION = (
    "The JSON API of Gongchuang (共创), the library's volunteer and co-creation platform.\n\n"
    'Every success is `{"data": …, "meta": {…}}`. Lists are read with a cursor: `limit` (at '
    f"most {MAX_LIMIT}) and `cursor` (the previous page's `meta.next_cursor`, which is null on "
    'the last page; the `Link: <…>; rel="next"` header says the same), in a stable order; '
    "`from`/`to` filter by local calendar day where offered. The two older lists, tokens and "
    f"credit batches, are paged with `page` and `per_page` (at most {MAX_PER_PAGE}) instead.\n\n"
    "Every read answers with a strong `ETag` and `Cache-Control: private, no-cache`; send it "
    "back as `If-None-Match` to get 304 with no body when nothing changed. Writes take a JSON "
    "body (`Content-Type: application/json`, at most 64 KB, no unknown fields) and an "
    "optional `Idempotency-Key` header: a retry with the same key and body within 24 hours "
    "gets the first answer again and writes nothing.\n\n"
    "Every error is an RFC 9457 problem (`application/problem+json`): `type` "
    "(/api/v1/problems/<code>), `title`, `status`, `detail`, `instance`, our stable `code`, "
    "and for invalid input `errors: [{field, message}]`. Times are UTC in ISO 8601 with a "
    "trailing Z. Send `Accept-Language: en` for English messages; Chinese is the default."
)


def document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Gongchuang API",
            "version": API_VERSION,
            "description": INTRODUCTION,
        },
        "servers": [{"url": "/api/v1"}],
        "tags": [{"name": name, "description": text} for name, text in sorted(_TAGS.items())],
        "paths": {path: _PATHS[path] for path in sorted(_PATHS)},
        "components": {
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "gc_ (personal) or gcs_ (a system) and 43 URL-safe characters",
                    "description": _scopes_description(),
                }
            },
            "schemas": {**BASE_SCHEMAS, **{name: _SCHEMAS[name] for name in sorted(_SCHEMAS)}},
            "responses": _error_responses(),
        },
    }

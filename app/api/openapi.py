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

from app.api import services
from app.api.envelope import MAX_PER_PAGE, IntArg

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


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"oneOf": [schema, {"type": "null"}]}


def query_parameters(arguments: dict[str, IntArg]) -> list[dict[str, Any]]:
    return [argument.openapi(name) for name, argument in arguments.items()]


ERROR_RESPONSES = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    429: "TooManyRequests",
    500: "ServerError",
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
    paginated: bool = False,
    errors: tuple[int, ...] = (401, 403, 429, 500),
) -> dict[str, Any]:
    """An operation answering 200 with `data` (a list of it, paged, when `paginated`)."""
    body = {
        "type": "object",
        "required": ["data", "meta"],
        "properties": {
            "data": {"type": "array", "items": data} if paginated else data,
            "meta": ref("PageMeta") if paginated else ref("Meta"),
        },
    }
    statuses = sorted({*errors, 400} if parameters else set(errors))
    responses: dict[str, Any] = {
        "200": {"description": "Success.", "content": {"application/json": {"schema": body}}}
    }
    for status in statuses:
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
    if parameters:
        result["parameters"] = parameters
    return result


ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["status", "code", "message"],
            "properties": {
                "status": {"type": "integer", "description": "The HTTP status, repeated."},
                "code": {
                    "type": "string",
                    "description": "A stable machine-readable code.",
                    "examples": [
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
                        "not_found",
                        "method_not_allowed",
                        "rate_limited",
                        "server_error",
                    ],
                },
                "message": {
                    "type": "string",
                    "description": "For people, in the language of Accept-Language "
                    "(zh or en; Chinese by default).",
                },
            },
        }
    },
}

BASE_SCHEMAS = {
    "Error": ERROR_SCHEMA,
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
}

RESPONSE_DESCRIPTIONS = {
    "BadRequest": ("A query argument is not valid (code invalid_input).", "invalid_input"),
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
    "TooManyRequests": ("Too many requests; wait and retry (code rate_limited).", "rate_limited"),
    "ServerError": ("The server made an error (code server_error).", "server_error"),
}


def _error_responses() -> dict[str, Any]:
    responses = {}
    for name, (description, code) in RESPONSE_DESCRIPTIONS.items():
        status = next(status for status, value in ERROR_RESPONSES.items() if value == name)
        example = {"error": {"status": status, "code": code, "message": description}}
        response: dict[str, Any] = {
            "description": description,
            "content": {"application/json": {"schema": ref("Error"), "example": example}},
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
    'Every success is `{"data": …, "meta": {…}}`; lists are paged with `page` and '
    f"`per_page` (at most {MAX_PER_PAGE}) and their meta says `page`, `per_page`, `total` and "
    '`pages`. Every error is `{"error": {"status", "code", "message"}}` with a stable '
    "`code`. Times are UTC in ISO 8601 with a trailing Z. Send `Accept-Language: en` for "
    "English messages; Chinese is the default."
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

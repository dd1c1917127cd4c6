"""GET /api/v1/me/tokens: the token owner's personal access tokens, without secrets."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from app.api import envelope, openapi, services
from app.api.auth import current_person, token_required
from app.api.blueprint import bp
from app.api.models import ApiToken
from app.api.openapi import TIME
from app.common.time import utcnow

SCOPES = ("profile:read",)


def token_json(token: ApiToken, *, now: datetime) -> dict[str, Any]:
    return {
        "id": token.id,
        "name": token.name,
        "prefix": token.token_prefix,
        "scopes": token.scope_list,
        "status": token.status(now),
        "created_at": envelope.iso(token.created_at),
        "expires_at": envelope.iso(token.expires_at),
        "last_used_at": envelope.iso(token.last_used_at),
        "revoked_at": envelope.iso(token.revoked_at),
    }


@bp.get("/me/tokens")
@token_required(*SCOPES)
@envelope.query_args(**envelope.PAGINATION)
def my_tokens(page: int, per_page: int):
    now = utcnow()
    query = services.tokens_query(current_person())
    return envelope.page_of(
        query, lambda token: token_json(token, now=now), page=page, per_page=per_page
    )


openapi.add_paths(
    {
        "/me/tokens": {
            "get": openapi.operation(
                operation_id="listMyTokens",
                summary="The token owner's API tokens",
                description="Newest first, revoked and expired ones included. Secrets are "
                "never shown again after creation; `prefix` tells tokens apart.",
                tag="me",
                scopes=SCOPES,
                data=openapi.ref("Token"),
                parameters=openapi.query_parameters(envelope.PAGINATION),
                paginated=True,
            )
        }
    },
    schemas={
        "Token": {
            "type": "object",
            "required": [
                "id",
                "name",
                "prefix",
                "scopes",
                "status",
                "created_at",
                "expires_at",
                "last_used_at",
                "revoked_at",
            ],
            "properties": {
                "id": {"type": "integer"},
                "name": {"type": "string", "description": "What the token is for."},
                "prefix": {"type": "string", "description": "The first 8 characters."},
                "scopes": {"type": "array", "items": {"type": "string"}},
                "status": {"type": "string", "enum": ["active", "expired", "revoked"]},
                "created_at": TIME,
                "expires_at": TIME,
                "last_used_at": {**TIME, "type": ["string", "null"]},
                "revoked_at": {**TIME, "type": ["string", "null"]},
            },
        }
    },
)

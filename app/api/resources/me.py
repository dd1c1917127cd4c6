"""GET /api/v1/me: the token owner's profile."""

from __future__ import annotations

from typing import Any

from app.accounts.models import User
from app.api import envelope, openapi
from app.api.auth import current_person, token_required
from app.api.blueprint import bp
from app.api.resources.teams import memberships
from app.common.rows import fields_of

SCOPES = ("profile:read",)


def person_json(user: User) -> dict[str, Any]:
    college = user.college
    major = user.major
    return {
        **fields_of(user, "id", "student_number", "name", "nickname", "email"),
        "college": fields_of(college, "id", "code", "name") if college else None,
        "major": fields_of(major, "id", "name") if major else None,
        "enrolment_year": user.enrolment_year,
        "roles": sorted(user.role_names),
        "locale": user.locale,
    }


@bp.get("/me")
@token_required(*SCOPES)
def me():
    """The profile and the person's own memberships (nothing of other people's)."""
    person = current_person()
    return envelope.ok({**person_json(person), "teams": memberships(person.id)})


STRING_OR_NULL = {"type": ["string", "null"]}

openapi.add_paths(
    {
        "/me": {
            "get": openapi.operation(
                operation_id="getMe",
                summary="The token owner's profile",
                description="Who this token belongs to: the facts on their profile page.",
                tag="me",
                scopes=SCOPES,
                data=openapi.ref("Person"),
            )
        }
    },
    schemas={
        "Person": {
            "type": "object",
            "required": [
                "id",
                "student_number",
                "name",
                "nickname",
                "email",
                "college",
                "major",
                "enrolment_year",
                "roles",
                "locale",
                "teams",
            ],
            "properties": {
                "id": {"type": "integer"},
                "student_number": {"type": "string", "description": "学号 or 工号."},
                "name": {"type": "string"},
                "nickname": STRING_OR_NULL,
                "email": {"type": ["string", "null"], "format": "email"},
                "college": openapi.nullable(openapi.ref("College")),
                "major": openapi.nullable(openapi.ref("Major")),
                "enrolment_year": {"type": ["integer", "null"]},
                "roles": {
                    "type": "array",
                    "items": {
                        "type": "string",
                        "enum": ["volunteer", "coordinator", "editor", "admin"],
                    },
                    "description": "Empty for a reader with no role.",
                },
                "locale": {"type": "string", "enum": ["zh", "en"]},
                "teams": {
                    "type": "array",
                    "items": openapi.ref("Membership"),
                    "description": "Your memberships, as GET /me/teams.",
                },
            },
        },
        "College": {
            "type": "object",
            "required": ["id", "code", "name"],
            "properties": {
                "id": {"type": "integer"},
                "code": {"type": "string"},
                "name": {"type": "string"},
            },
        },
        "Major": {
            "type": "object",
            "required": ["id", "name"],
            "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
        },
    },
    tags={"me": "The person the token belongs to."},
)

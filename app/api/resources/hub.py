"""GET /api/v1/hub/summaries and /hub/summaries/{student_number}: the campus data hub
(数据中台) pulls students' volunteer summaries with a system's application token holding
hub:read. People's own tokens are refused (403 system_only), whatever their scopes. What a
summary holds, and what a person's privacy settings keep back: `app.api.summaries`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from app.api import cursors, envelope, openapi
from app.api.auth import token_required
from app.api.blueprint import bp
from app.api.openapi import TIME
from app.api.summaries import Summary, summaries_since, summary_json, summary_of_number
from app.errors import InvalidInput

SCOPES = ("hub:read",)
MAX_TIME_LENGTH = 40


@dataclass(frozen=True)
class TimeArg:
    """An optional ISO 8601 date-time query argument (a time without an offset is UTC),
    read as a naive UTC datetime; documented from the same object."""

    description: str = ""

    def parse(self, name: str, raw: str | None) -> datetime | None:
        if raw is None:
            return None
        try:
            if len(raw) > MAX_TIME_LENGTH:
                raise ValueError(raw)
            value = datetime.fromisoformat(raw)
            if value.tzinfo is not None:
                value = value.astimezone(UTC).replace(tzinfo=None)
        except (ValueError, OverflowError):
            raise InvalidInput(
                _("%(name)s must be a date and time such as 2026-10-01T08:00:00Z.", name=name),
                field=name,
            ) from None
        return value

    def read(self, name: str, args: MultiDict) -> datetime | None:
        return self.parse(name, args.get(name))

    def parameters(self, name: str) -> list[dict[str, Any]]:
        schema = {"type": "string", "format": "date-time", "maxLength": MAX_TIME_LENGTH}
        return [
            {
                "name": name,
                "in": "query",
                "required": False,
                "description": self.description,
                "schema": schema,
            }
        ]


LIST_ARGS = {
    "since": TimeArg(
        "Only summaries that changed at or after this time (ISO 8601; UTC without an offset)."
    ),
    "window": cursors.CURSOR,
}


@bp.get("/hub/summaries")
@token_required(*SCOPES, systems_only=True)
@envelope.query_args(**LIST_ARGS)
def hub_summaries(since: datetime | None, window: cursors.Window):
    found = summaries_since(since, after=window.after, limit=window.limit + 1)
    return cursors.answer(found, _sort_key, summary_json, window)


def _sort_key(summary: Summary) -> tuple[datetime, int]:
    return (summary.updated_at, summary.person_id)


@bp.get("/hub/summaries/<student_number>")
@token_required(*SCOPES, systems_only=True)
def hub_summary(student_number: str):
    return envelope.ok(summary_json(summary_of_number(student_number)))


HOURS = {
    "type": "object",
    "required": ["minutes", "hours"],
    "properties": {
        "minutes": {"type": "integer", "minimum": 0},
        "hours": {"type": "number", "minimum": 0, "description": "Minutes / 60, two decimals."},
    },
}
WITHHELD = "Null when `withheld`."
SYSTEMS_ONLY = (
    " Only a campus system's application token (`gcs_…`) with hub:read may call it; a "
    "person's token is refused with `403 system_only`."
)


def _one_operation() -> dict[str, Any]:
    return openapi.operation(
        operation_id="getHubSummary",
        summary="One student's volunteer summary",
        description="The summary of the person with this student number; 404 for an unknown "
        "number and for anonymised people." + SYSTEMS_ONLY,
        tag="hub",
        scopes=SCOPES,
        data=openapi.ref("VolunteerSummary"),
        path=(
            openapi.path_parameter(
                "student_number", "The student (or staff) number.", {"type": "string"}
            ),
        ),
    )


openapi.add_paths(
    {
        "/hub/summaries": {
            "get": openapi.operation(
                operation_id="listHubSummaries",
                summary="Students' volunteer summaries",
                description="Every person's summary (anonymised people never), oldest change "
                "first. Pull with `since` set a few minutes before your previous pull began: "
                "a change is dated when the library's ten-minutely job notices it, so an "
                "overlap catches a change noticed while you pulled; repeats are harmless."
                + SYSTEMS_ONLY,
                tag="hub",
                scopes=SCOPES,
                data=openapi.ref("VolunteerSummary"),
                parameters=openapi.query_parameters(LIST_ARGS),
                cursor=True,
            )
        },
        "/hub/summaries/{student_number}": {"get": _one_operation()},
    },
    schemas={
        "VolunteerSummary": {
            "type": "object",
            "required": [
                "student_number",
                "person_id",
                "library_hours",
                "outside_hours",
                "withheld",
                "star_level",
                "badges",
                "segment",
                "updated_at",
            ],
            "properties": {
                "student_number": {"type": "string"},
                "person_id": {
                    "type": "integer",
                    "description": "The library's id, as in `person.anonymised` events.",
                },
                "library_hours": {
                    **HOURS,
                    "description": "Verified library service hours, as on My hours.",
                },
                "outside_hours": {**HOURS, "description": "Approved hours served elsewhere."},
                "withheld": {
                    "type": "boolean",
                    "description": "The person hides from public boards: star level, badges "
                    "and segment stay in the library.",
                },
                "star_level": {
                    "type": ["integer", "null"],
                    "minimum": 0,
                    "maximum": 5,
                    "description": WITHHELD,
                },
                "badges": {
                    "type": ["array", "null"],
                    "items": openapi.ref("HeldBadge"),
                    "description": "Badges held, newest first; badges the holder hid are "
                    "left out. " + WITHHELD,
                },
                "segment": {
                    "type": ["string", "null"],
                    "enum": ["core", "active", "new", "at_risk", "dormant", None],
                    "description": "Engagement segment of the latest nightly score; null "
                    "before the first score. " + WITHHELD,
                },
                "updated_at": {**TIME, "description": "When the summary last changed."},
            },
        },
        "HeldBadge": {
            "type": "object",
            "required": ["id", "name", "period", "awarded_at"],
            "properties": {
                "id": {"type": "string", "description": "The badge's stable code."},
                "name": {
                    "type": "object",
                    "required": ["zh", "en"],
                    "properties": {"zh": {"type": "string"}, "en": {"type": "string"}},
                },
                "period": {
                    "type": ["string", "null"],
                    "description": "Like 2026-10 for a month's badge; null for a lifetime one.",
                },
                "awarded_at": TIME,
            },
        },
    },
    tags={"hub": "Students' volunteer summaries for the campus data hub (数据中台)."},
)

"""A person's teams and recruitment through the API: their memberships, the open
campaigns (each with whether they may apply and why not), applying with the same answers
as the campaign page's form, and their applications. Every rule is app/recruitment's.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from app.api import cursors, envelope, openapi, writes
from app.api.auth import current_person, token_required
from app.api.blueprint import bp
from app.api.envelope import iso
from app.api.openapi import TIME, TIME_OR_NULL
from app.common.time import utcnow
from app.errors import InvalidInput, NotFound
from app.recruitment import applying, eligibility, membership
from app.recruitment import campaigns as campaign_rules
from app.recruitment.answers import AnswersInvalid
from app.recruitment.models import Application, Campaign, Membership

READ = ("teams:read",)
WRITE = ("teams:write",)
APPLY = writes.Body(
    answers=writes.Field(
        "object",
        description="Answers by question id (as a string): text for short_text, long_text "
        "and single_choice (one of `options`), a list of options for multiple_choice, and "
        'for availability an object of weekdays ("mon"…"sun") to day parts ("morning", '
        '"afternoon", "evening").',
    ),
    consent=writes.Field("boolean", description="Required true when `consent_text` is set."),
)


def membership_json(member: Membership) -> dict[str, Any]:
    team = member.team
    return {
        "id": member.id,
        "team": {"id": team.id, "name": team.name, "kind": team.kind},
        "status": member.status,
        "joined_at": iso(member.joined_at),
        "onboarded": member.onboarded,
    }


def memberships(person_id: int) -> list[dict[str, Any]]:
    """The person's own memberships (GET /me shows them too)."""
    return [membership_json(member) for member in membership.memberships_of(person_id)]


@bp.get("/me/teams")
@token_required(*READ)
def my_teams():
    return envelope.ok(memberships(current_person().id))


def campaign_json(
    campaign: Campaign, application: Application | None, *, full: bool = False
) -> dict[str, Any]:
    """The campaign as the caller sees it; `application` is theirs to it (None: none)."""
    now = utcnow()
    verdict = eligibility.eligibility(campaign, current_person(), now=now, application=application)
    data: dict[str, Any] = {
        "id": campaign.id,
        "title": campaign.title,
        "team": {"id": campaign.team.id, "name": campaign.team.name},
        "opens_at": iso(campaign.opens_at),
        "closes_at": iso(campaign.closes_at),
        "selection_mode": campaign.selection_mode,
        "places_left": eligibility.places_left(campaign),
        "is_open": campaign_rules.is_open(campaign, now),
        "can_apply": verdict.ok,
        "reasons": verdict.reasons,
        "my_application_id": application.id if application is not None else None,
    }
    if full:
        data["description"] = campaign.description
        data["consent_text"] = campaign.consent_text
        data["questions"] = [
            {
                "id": question.id,
                "kind": question.kind,
                "label": question.label,
                "help_text": question.help_text,
                "required": question.required,
                "options": question.options,
            }
            for question in campaign.questions
        ]
    return data


@bp.get("/campaigns")
@token_required(*READ)
@envelope.query_args(window=cursors.CURSOR)
def list_campaigns(window: cursors.Window):
    pairs = campaign_rules.open_campaigns_with_applications(current_person(), now=utcnow())
    return cursors.page_of_list(
        pairs,
        lambda pair: (pair[0].closes_at, pair[0].id),
        lambda pair: campaign_json(*pair),
        window,
    )


def _published(campaign_id: int) -> Campaign:
    campaign = campaign_rules.get_campaign(campaign_id)
    if not campaign.published:
        raise NotFound(_("No such campaign."))
    return campaign


@bp.get("/campaigns/<int:campaign_id>")
@token_required(*READ)
def get_campaign(campaign_id: int):
    campaign = _published(campaign_id)
    mine = eligibility.find_application(campaign, current_person())
    return envelope.ok(campaign_json(campaign, mine, full=True))


def application_json(application: Application) -> dict[str, Any]:
    campaign = application.campaign
    return {
        "id": application.id,
        "campaign": {"id": campaign.id, "title": campaign.title, "team_id": campaign.team_id},
        "status": application.status,
        "answers": application.answers,
        "submitted_at": iso(application.submitted_at),
        "decided_at": iso(application.decided_at),
    }


@bp.post("/campaigns/<int:campaign_id>/apply")
@token_required(*WRITE)
@writes.accepts(APPLY)
def apply(campaign_id: int, body: dict):
    campaign = _published(campaign_id)
    try:
        application = applying.apply(
            campaign,
            current_person(),
            body.get("answers") or {},
            consent=bool(body.get("consent")),
            now=utcnow(),
        )
    except AnswersInvalid as error:
        raise InvalidInput(
            error.message,
            details={
                "errors": [
                    {"field": f"answers.{key}" if key.isdigit() else key, "message": text}
                    for key, text in error.errors.items()
                ]
            },
        ) from None
    return envelope.ok(application_json(application), status=201)


@bp.get("/me/applications")
@token_required(*READ)
@envelope.query_args(window=cursors.CURSOR)
def my_applications(window: cursors.Window):
    return cursors.page_of_list(
        applying.applications_of(current_person()),
        lambda application: (application.submitted_at, application.id),
        application_json,
        window,
        descending=True,
    )


CAMPAIGN_ID = openapi.path_id("campaign_id", "The campaign's id, from the list.")


CAMPAIGN_PROPERTIES = {
    "id": {"type": "integer"},
    "title": {"type": "string"},
    "team": {
        "type": "object",
        "required": ["id", "name"],
        "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
    },
    "opens_at": TIME,
    "closes_at": TIME,
    "selection_mode": {"type": "string", "enum": ["review", "first_come", "lottery"]},
    "places_left": {"type": "integer"},
    "is_open": {"type": "boolean"},
    "can_apply": {"type": "boolean"},
    "reasons": {
        "type": "array",
        "items": {"type": "string"},
        "description": "Why you may not apply, in your language (empty when you may).",
    },
    "my_application_id": {"type": ["integer", "null"]},
}
QUESTION = {
    "type": "object",
    "required": ["id", "kind", "label", "help_text", "required", "options"],
    "properties": {
        "id": {"type": "integer"},
        "kind": {
            "type": "string",
            "enum": [
                "short_text",
                "long_text",
                "single_choice",
                "multiple_choice",
                "availability",
            ],
        },
        "label": {"type": "string"},
        "help_text": {"type": "string"},
        "required": {"type": "boolean"},
        "options": {"type": "array", "items": {"type": "string"}},
    },
}

openapi.add_paths(
    {
        "/me/teams": {
            "get": openapi.operation(
                operation_id="listMyTeams",
                summary="Your teams",
                description="Your memberships with their status (active ones first).",
                tag="teams",
                scopes=READ,
                data={"type": "array", "items": openapi.ref("Membership")},
            )
        },
        "/campaigns": {
            "get": openapi.operation(
                operation_id="listCampaigns",
                summary="Open recruitment campaigns",
                description="Campaigns taking applications now, closing soonest first, each "
                "with whether you may apply.",
                tag="teams",
                scopes=READ,
                data=openapi.ref("Campaign"),
                parameters=openapi.query_parameters({"window": cursors.CURSOR}),
                cursor=True,
            )
        },
        "/campaigns/{campaign_id}": {
            "get": openapi.operation(
                operation_id="getCampaign",
                summary="One campaign with its questions",
                description="A published campaign (open, coming or closed); 404 otherwise.",
                tag="teams",
                scopes=READ,
                data=openapi.ref("CampaignWithQuestions"),
                errors=(401, 403, 404, 429, 500),
                path=(CAMPAIGN_ID,),
            )
        },
        "/campaigns/{campaign_id}/apply": {
            "post": openapi.operation(
                operation_id="applyToCampaign",
                summary="Apply to a campaign",
                description="As the campaign page's form. Answers that need attention "
                "are 400 with `errors` naming `answers.<question id>` (and `consent`); "
                "not eligible, 400; already applied or no places left, 409. In "
                "first-come mode the application is accepted at once.",
                tag="teams",
                scopes=WRITE,
                data=openapi.ref("Application"),
                body=APPLY,
                success=201,
                errors=(401, 403, 404, 409, 429, 500),
                path=(CAMPAIGN_ID,),
            )
        },
        "/me/applications": {
            "get": openapi.operation(
                operation_id="listMyApplications",
                summary="Your applications",
                description="Newest first, withdrawn ones too.",
                tag="teams",
                scopes=READ,
                data=openapi.ref("Application"),
                parameters=openapi.query_parameters({"window": cursors.CURSOR}),
                cursor=True,
            )
        },
    },
    schemas={
        "Membership": {
            "type": "object",
            "required": ["id", "team", "status", "joined_at", "onboarded"],
            "properties": {
                "id": {"type": "integer"},
                "team": {
                    "type": "object",
                    "required": ["id", "name", "kind"],
                    "properties": {
                        "id": {"type": "integer"},
                        "name": {"type": "string"},
                        "kind": {"type": "string"},
                    },
                },
                "status": {"type": "string", "description": "active, paused, left…"},
                "joined_at": TIME,
                "onboarded": {"type": "boolean"},
            },
        },
        "Campaign": {
            "type": "object",
            "required": list(CAMPAIGN_PROPERTIES),
            "properties": CAMPAIGN_PROPERTIES,
        },
        "CampaignWithQuestions": {
            "type": "object",
            "required": [*CAMPAIGN_PROPERTIES, "description", "consent_text", "questions"],
            "properties": {
                **CAMPAIGN_PROPERTIES,
                "description": {"type": "string", "description": "Markdown."},
                "consent_text": {"type": "string", "description": "Empty: no consent asked."},
                "questions": {"type": "array", "items": QUESTION},
            },
        },
        "Application": {
            "type": "object",
            "required": ["id", "campaign", "status", "answers", "submitted_at", "decided_at"],
            "properties": {
                "id": {"type": "integer"},
                "campaign": {
                    "type": "object",
                    "required": ["id", "title", "team_id"],
                    "properties": {
                        "id": {"type": "integer"},
                        "title": {"type": "string"},
                        "team_id": {"type": "integer"},
                    },
                },
                "status": {"type": "string"},
                "answers": {"type": "object"},
                "submitted_at": TIME,
                "decided_at": TIME_OR_NULL,
            },
        },
    },
    tags={"teams": "Your teams, recruitment campaigns and your applications."},
)

"""Handing a confirmed place to another volunteer through the API, as the handovers page:
offering your place, withdrawing the offer, the offers you could take, and taking one (at
once, or as a request a coordinator approves when the task says so). The rules are
app/shifts/handovers.py's.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from app.api import cursors, envelope, openapi, writes
from app.api.auth import current_person, token_required
from app.api.blueprint import bp
from app.api.resources.shifts import READ, SIGNUP_ID, WRITE, own_signup
from app.common.time import utcnow
from app.errors import NotFound
from app.extensions import db
from app.shifts import handovers
from app.shifts.models import ShiftHandover

OFFER = writes.Body(
    note=writes.Field(
        "string", max_length=handovers.NOTE_MAX, description="Shown to who may take it."
    )
)
HANDOVER_ID = openapi.path_id("handover_id", "The handover's id, from a list.")
STATUSES = ["open", "pending", "completed", "withdrawn", "refused", "expired"]


def handover_json(handover: ShiftHandover) -> dict[str, Any]:
    shift = handover.shift
    mine = handover.from_user_id == current_person().id
    return {
        "id": handover.id,
        "shift": envelope.shift_brief(shift),
        "mine": mine,
        "signup_id": handover.signup_id if mine else None,
        "status": handover.status,
        "note": handover.note,
        "needs_approval": shift.task.swap_needs_approval,
        "created_at": envelope.iso(handover.created_at),
    }


def _key(handover: ShiftHandover) -> tuple:
    return (handover.shift.starts_at, handover.id)


@bp.get("/handovers")
@token_required(*READ)
@envelope.query_args(window=cursors.CURSOR)
def available_handovers(window: cursors.Window):
    found = handovers.available_handovers(current_person(), now=utcnow())
    return cursors.page_of_list(found, _key, handover_json, window)


@bp.get("/me/handovers")
@token_required(*READ)
@envelope.query_args(window=cursors.CURSOR)
def my_handovers(window: cursors.Window):
    found = handovers.offers_of(current_person(), now=utcnow())
    return cursors.page_of_list(found, _key, handover_json, window)


@bp.post("/signups/<int:signup_id>/handover")
@token_required(*WRITE)
@writes.accepts(OFFER)
def offer_place(signup_id: int, body: dict[str, Any]):
    signup = own_signup(signup_id)
    offer = handovers.offer_place(
        signup, actor=current_person(), note=body.get("note", ""), now=utcnow()
    )
    return envelope.ok(handover_json(offer), status=201)


def _handover(handover_id: int) -> ShiftHandover:
    handover = db.session.get(ShiftHandover, handover_id)
    if handover is None:
        raise NotFound(_("No such handover."))
    return handover


@bp.post("/handovers/<int:handover_id>/withdraw")
@token_required(*WRITE)
@writes.accepts()
def withdraw_handover(handover_id: int):
    handover = _handover(handover_id)
    if handover.from_user_id != current_person().id:
        raise NotFound(_("No such handover."))
    handovers.withdraw(handover, actor=current_person(), now=utcnow())
    return envelope.ok(handover_json(handover))


@bp.post("/handovers/<int:handover_id>/take")
@token_required(*WRITE)
@writes.accepts()
def take_handover(handover_id: int):
    handover = handovers.take_over(_handover(handover_id), current_person(), now=utcnow())
    return envelope.ok(handover_json(handover))


def _list(operation_id: str, summary: str, description: str) -> dict[str, Any]:
    return openapi.operation(
        operation_id=operation_id,
        summary=summary,
        description=description,
        tag="handovers",
        scopes=READ,
        data=openapi.ref("Handover"),
        parameters=openapi.query_parameters({"window": cursors.CURSOR}),
        cursor=True,
    )


def _write(operation_id: str, summary: str, description: str, **extra: Any) -> dict[str, Any]:
    return openapi.operation(
        operation_id=operation_id,
        summary=summary,
        description=description,
        tag="handovers",
        scopes=WRITE,
        data=openapi.ref("Handover"),
        errors=(401, 403, 404, 409, 429, 500),
        **{"body": writes.EMPTY, "path": (HANDOVER_ID,), **extra},
    )


openapi.add_paths(
    {
        "/handovers": {
            "get": _list(
                "listAvailableHandovers",
                "Places offered that you could take",
                "Open offers on your teams' coming shifts that you may sign up for and are "
                "free for, soonest first.",
            )
        },
        "/me/handovers": {
            "get": _list("listMyHandovers", "Your offers", "Places you offered, not yet over.")
        },
        "/signups/{signup_id}/handover": {
            "post": _write(
                "offerPlace",
                "Offer your place to the team",
                "A confirmed place on a shift that has not started; 400 otherwise.",
                body=OFFER,
                path=(SIGNUP_ID,),
                success=201,
            )
        },
        "/handovers/{handover_id}/withdraw": {
            "post": _write(
                "withdrawHandover",
                "Withdraw your offer",
                "While nobody asked to take it; another person's offer is 404.",
            )
        },
        "/handovers/{handover_id}/take": {
            "post": _write(
                "takeHandover",
                "Take an offered place",
                "Status completed (the place is yours) or pending (a coordinator decides, "
                "when `needs_approval`); 409 when it is gone.",
            )
        },
    },
    schemas={
        "Handover": {
            "type": "object",
            "required": [
                "id",
                "shift",
                "mine",
                "signup_id",
                "status",
                "note",
                "needs_approval",
                "created_at",
            ],
            "properties": {
                "id": {"type": "integer"},
                "shift": openapi.ref("ShiftBrief"),
                "mine": {"type": "boolean", "description": "You offered it."},
                "signup_id": {"type": ["integer", "null"], "description": "Yours only."},
                "status": {"type": "string", "enum": STATUSES},
                "note": {"type": "string"},
                "needs_approval": {"type": "boolean"},
                "created_at": {"type": "string", "format": "date-time"},
            },
        }
    },
    tags={"handovers": "Handing your place on a shift to another volunteer."},
)

"""A volunteer's shifts through the API: the open shifts they may see, signing up (a place,
the waitlist, or the sign-up draw), their sign-ups, cancelling, and answering an offered
place. Every rule is the pages' own service (app/shifts): the same eligibility, opening
time, draws, per-person limits and deadlines, with the same refusals as problems.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from app.api import cursors, envelope, openapi, writes
from app.api.auth import current_person, token_required
from app.api.blueprint import bp
from app.api.openapi import TIME, TIME_OR_NULL
from app.common.time import utcnow
from app.errors import NotFound
from app.extensions import db
from app.shifts import draws, offers, rush, shift_lists, signups
from app.shifts.models import Shift, ShiftDrawEntry, ShiftSignup, Task
from app.shifts.queries import signups_of

READ = ("shifts:read",)
WRITE = ("shifts:write",)
ID = envelope.IntArg(default=None, minimum=1, maximum=writes.MAX_INTEGER)
FILTERS = {
    "window": cursors.CURSOR,
    "period": cursors.PERIOD,
    "team_id": ID,
    "task_id": ID,
}


def shift_json(row: shift_lists.OpenShift) -> dict[str, Any]:
    shift, task = row.shift, row.shift.task
    return {
        "id": shift.id,
        "task": {
            "id": task.id,
            "title": task.title,
            "location": task.location,
            "team_id": task.team_id,
        },
        "starts_at": envelope.iso(shift.starts_at),
        "ends_at": envelope.iso(shift.ends_at),
        "note": shift.note,
        "capacity": shift.capacity,
        "taken": shift.confirmed_count,
        "waitlisted": row.waitlist_count,
        "signup_opens_at": envelope.iso(shift.signup_opens_at),
        "draw_closes_at": envelope.iso(rush.draw_closes_at(shift))
        if shift.drawn_at is None
        else None,
        "can_sign_up": row.eligibility.ok and row.signup is None and row.entry is None,
        "refusals": row.eligibility.codes,
        "my_signup": _mine(row.signup, row.position) if row.signup else None,
        "my_draw_entry": entry_json(row.entry) if row.entry else None,
    }


def _mine(signup: ShiftSignup, position: int) -> dict[str, Any]:
    return {"id": signup.id, "status": signup.status, "waitlist_position": position}


def signup_json(signup: ShiftSignup, position: int | None = None) -> dict[str, Any]:
    shift = signup.shift
    if position is None:
        position = signups.waitlist_position(signup)
    return {
        "id": signup.id,
        "shift_id": shift.id,
        "task": envelope.task_brief(shift.task),
        "starts_at": envelope.iso(shift.starts_at),
        "ends_at": envelope.iso(shift.ends_at),
        "status": signup.status,
        "waitlist_position": position,
        "signed_up_at": envelope.iso(signup.signed_up_at),
        "offer_expires_at": envelope.iso(signup.offer_expires_at),
        "cancelled_at": envelope.iso(signup.cancelled_at),
        "late_cancellation": signup.late_cancellation,
    }


def entry_json(entry: ShiftDrawEntry) -> dict[str, Any]:
    return {"id": entry.id, "status": entry.status, "entered_at": envelope.iso(entry.entered_at)}


@bp.get("/shifts")
@token_required(*READ)
@envelope.query_args(**FILTERS)
def list_shifts(
    window: cursors.Window, period: cursors.Period, team_id: int | None, task_id: int | None
):
    where = [*period.within(Shift.starts_at)]
    if team_id is not None:
        where.append(Task.team_id == team_id)
    order = (Shift.starts_at, Shift.id)
    if window.after is not None:
        where.append(cursors.after(order, window.after))
    rows = shift_lists.open_shifts(
        current_person(), now=utcnow(), task_id=task_id, where=tuple(where), limit=window.limit + 1
    )
    return cursors.answer(rows, lambda row: (row.shift.starts_at, row.shift.id), shift_json, window)


def _open_shift(shift_id: int) -> shift_lists.OpenShift:
    """The shift as the person's open-shifts list shows it; not found when it is not there."""
    rows = shift_lists.open_shifts(
        current_person(), now=utcnow(), where=(Shift.id == shift_id,), limit=1
    )
    if not rows:
        raise NotFound(_("No such shift."))
    return rows[0]


@bp.get("/shifts/<int:shift_id>")
@token_required(*READ)
def get_shift(shift_id: int):
    return envelope.ok(shift_json(_open_shift(shift_id)))


@bp.post("/shifts/<int:shift_id>/signup")
@token_required(*WRITE)
@writes.accepts()
def sign_up(shift_id: int):
    shift = db.session.get(Shift, shift_id, options=[joinedload(Shift.task).joinedload(Task.team)])
    if shift is None:
        raise NotFound(_("No such shift."))
    placed = draws.request_place(shift, current_person(), now=utcnow())
    if isinstance(placed, ShiftDrawEntry):
        data = {"outcome": "draw_entered", "signup": None, "draw_entry": entry_json(placed)}
    else:
        data = {"outcome": placed.status, "signup": signup_json(placed), "draw_entry": None}
    return envelope.ok(data, status=201)


def own_signup(signup_id: int) -> ShiftSignup:
    signup = db.session.get(ShiftSignup, signup_id)
    if signup is None or signup.user_id != current_person().id:
        raise NotFound(_("No such sign-up."))
    return signup


@bp.get("/me/signups")
@token_required(*READ)
@envelope.query_args(window=cursors.CURSOR, period=cursors.PERIOD)
def my_signups(window: cursors.Window, period: cursors.Period):
    query = signups_of(current_person().id).where(*period.within(Shift.starts_at))
    return cursors.page(
        query,
        (Shift.starts_at, ShiftSignup.id),
        signup_json,
        window,
        key=lambda signup: (signup.shift.starts_at, signup.id),
    )


def _change(signup_id: int, change) -> Any:
    signup = own_signup(signup_id)
    change(signup, actor=current_person(), now=utcnow())
    return envelope.ok(signup_json(signup))


@bp.post("/signups/<int:signup_id>/cancel")
@token_required(*WRITE)
@writes.accepts()
def cancel_signup(signup_id: int):
    return _change(signup_id, signups.cancel)


@bp.post("/signups/<int:signup_id>/accept")
@token_required(*WRITE)
@writes.accepts()
def accept_offer(signup_id: int):
    return _change(signup_id, offers.accept_offer)


@bp.post("/signups/<int:signup_id>/decline")
@token_required(*WRITE)
@writes.accepts()
def decline_offer(signup_id: int):
    return _change(signup_id, offers.decline_offer)


SIGNUP_STATUSES = ["confirmed", "waitlisted", "offered", "cancelled"]


SHIFT_ID = openapi.path_id("shift_id", "The shift's id, from the list.")
SIGNUP_ID = openapi.path_id("signup_id", "Your sign-up's id, from /me/signups.")
REFUSALS = (
    "A refusal is a problem: 409 `not_eligible` with `reasons` (codes such as `not_open`, "
    "`not_member`, `training`, `paused`, `started`) and `opens_at` when sign-up has not "
    "opened yet; 409 `limit_reached` with `limit` (week, month, future, or team_…) when one "
    "more place would pass a per-person limit; 409 `conflict` when already signed up."
)


def _signup_change(operation_id: str, summary: str, description: str) -> dict[str, Any]:
    return openapi.operation(
        operation_id=operation_id,
        summary=summary,
        description=description,
        tag="shifts",
        scopes=WRITE,
        data=openapi.ref("Signup"),
        body=writes.EMPTY,
        path=(SIGNUP_ID,),
        errors=(401, 403, 404, 409, 429, 500),
    )


def _sign_up_operation() -> dict[str, Any]:
    return openapi.operation(
        operation_id="signUpForShift",
        summary="Sign up for a shift",
        description="As the Sign up button: a place when one is free, else the waitlist "
        "(`outcome` confirmed or waitlisted); inside a shift's sign-up draw window, an entry "
        f"in the draw (`outcome` draw_entered). {REFUSALS}",
        tag="shifts",
        scopes=WRITE,
        data=openapi.ref("SignupOutcome"),
        body=writes.EMPTY,
        success=201,
        path=(SHIFT_ID,),
        errors=(401, 403, 404, 409, 429, 500),
    )


def _get_shift_operation() -> dict[str, Any]:
    return openapi.operation(
        operation_id="getShift",
        summary="One open shift",
        description="As in the list; 404 when the shift is not among your open shifts.",
        tag="shifts",
        scopes=READ,
        data=openapi.ref("Shift"),
        path=(SHIFT_ID,),
        errors=(401, 403, 404, 429, 500),
    )


openapi.add_paths(
    {
        "/shifts": {
            "get": openapi.operation(
                operation_id="listShifts",
                summary="Open shifts you may see",
                description="Coming shifts of your teams' active tasks, soonest first (as "
                "the Shifts page), each with its fill, your sign-up or draw entry, and "
                "whether you may sign up (`refusals` says why not).",
                tag="shifts",
                scopes=READ,
                data=openapi.ref("Shift"),
                parameters=openapi.query_parameters(FILTERS),
                cursor=True,
            )
        },
        "/shifts/{shift_id}": {"get": _get_shift_operation()},
        "/shifts/{shift_id}/signup": {"post": _sign_up_operation()},
        "/me/signups": {
            "get": openapi.operation(
                operation_id="listMySignups",
                summary="Your sign-ups",
                description="Every sign-up of yours, cancelled ones too, by the shift's start.",
                tag="shifts",
                scopes=READ,
                data=openapi.ref("Signup"),
                parameters=openapi.query_parameters(
                    {"window": cursors.CURSOR, "period": cursors.PERIOD}
                ),
                cursor=True,
            )
        },
        "/signups/{signup_id}/cancel": {
            "post": _signup_change(
                "cancelSignup",
                "Cancel your sign-up",
                "Until the task's cancel deadline (after it, 403: ask a coordinator). The "
                "place goes to the waitlist.",
            )
        },
        "/signups/{signup_id}/accept": {
            "post": _signup_change(
                "acceptOffer",
                "Take an offered place",
                "A place held for you from the waitlist (status offered), before "
                "`offer_expires_at`; 409 when it is no longer offered.",
            )
        },
        "/signups/{signup_id}/decline": {
            "post": _signup_change(
                "declineOffer",
                "Decline an offered place",
                "The place goes to the next person waiting.",
            )
        },
    },
    schemas={
        "Shift": {
            "type": "object",
            "required": [
                "id",
                "task",
                "starts_at",
                "ends_at",
                "note",
                "capacity",
                "taken",
                "waitlisted",
                "signup_opens_at",
                "draw_closes_at",
                "can_sign_up",
                "refusals",
                "my_signup",
                "my_draw_entry",
            ],
            "properties": {
                "id": {"type": "integer"},
                "task": {
                    "type": "object",
                    "required": ["id", "title", "location", "team_id"],
                    "properties": {
                        "id": {"type": "integer"},
                        "title": {"type": "string"},
                        "location": {"type": "string"},
                        "team_id": {"type": "integer"},
                    },
                },
                "starts_at": TIME,
                "ends_at": TIME,
                "note": {"type": "string"},
                "capacity": {"type": "integer"},
                "taken": {"type": "integer", "description": "Places confirmed or offered."},
                "waitlisted": {"type": "integer"},
                "signup_opens_at": {**TIME_OR_NULL, "description": "Null: open already."},
                "draw_closes_at": {
                    **TIME_OR_NULL,
                    "description": "When sign-ups in the draw window end and the draw is made.",
                },
                "can_sign_up": {"type": "boolean"},
                "refusals": {"type": "array", "items": {"type": "string"}},
                "my_signup": openapi.nullable(
                    {
                        "type": "object",
                        "required": ["id", "status", "waitlist_position"],
                        "properties": {
                            "id": {"type": "integer"},
                            "status": {"type": "string", "enum": SIGNUP_STATUSES},
                            "waitlist_position": {"type": "integer"},
                        },
                    }
                ),
                "my_draw_entry": openapi.nullable(openapi.ref("DrawEntry")),
            },
        },
        "Signup": {
            "type": "object",
            "required": [
                "id",
                "shift_id",
                "task",
                "starts_at",
                "ends_at",
                "status",
                "waitlist_position",
                "signed_up_at",
                "offer_expires_at",
                "cancelled_at",
                "late_cancellation",
            ],
            "properties": {
                "id": {"type": "integer"},
                "shift_id": {"type": "integer"},
                "task": openapi.ref("TaskBrief"),
                "starts_at": TIME,
                "ends_at": TIME,
                "status": {"type": "string", "enum": SIGNUP_STATUSES},
                "waitlist_position": {
                    "type": "integer",
                    "description": "1 for the first waiting; 0 when not waitlisted.",
                },
                "signed_up_at": TIME,
                "offer_expires_at": TIME_OR_NULL,
                "cancelled_at": TIME_OR_NULL,
                "late_cancellation": {"type": "boolean"},
            },
        },
        "DrawEntry": {
            "type": "object",
            "required": ["id", "status", "entered_at"],
            "properties": {
                "id": {"type": "integer"},
                "status": {"type": "string"},
                "entered_at": TIME,
            },
        },
        "SignupOutcome": {
            "type": "object",
            "required": ["outcome", "signup", "draw_entry"],
            "properties": {
                "outcome": {"type": "string", "enum": ["confirmed", "waitlisted", "draw_entered"]},
                "signup": openapi.nullable(openapi.ref("Signup")),
                "draw_entry": openapi.nullable(openapi.ref("DrawEntry")),
            },
        },
    },
    tags={"shifts": "Open shifts, signing up, your sign-ups and offered places."},
)

"""POST /api/v1/checkin: check in (or out) by the kiosk's QR code or the six digits typed
from under it, exactly as the check-in pages: the same services (app/checkin), the same
refusals (`reason` codes), the same exactly-once by the client's nonce.

A refusal is an answer, not an error (as on the scan page): 200 with outcome "refused" and
its reason, because the scan log must keep it (wrong typed codes count towards the guessing
limit). Sending the same nonce again replays the first answer (`replayed: true`).
"""

from __future__ import annotations

from typing import Any

from flask import request
from flask_babel import gettext as _

from app.api import envelope, openapi, writes
from app.api.auth import current_person, token_required
from app.api.blueprint import bp
from app.checkin import services, typed
from app.common.time import utcnow
from app.errors import InvalidInput

SCOPES = ("checkin:write",)
NONCE = r"[A-Za-z0-9_-]+"
CHECKIN = writes.Body(
    code=writes.Field(
        "string",
        max_length=200,
        description="The kiosk's QR code: what follows /c/ in the address it shows.",
    ),
    typed_code=writes.Field(
        "string", pattern="[0-9]{6}", description="The six digits under the kiosk's QR code."
    ),
    nonce=writes.Field(
        "string",
        required=True,
        min_length=1,
        max_length=40,
        pattern=NONCE,
        description="New for each tap; a retry with the same nonce replays the first answer.",
    ),
    action=writes.Field(
        "string",
        pattern="auto|in|out",
        description="With `code`: auto (default; check in, or already_in), in or out.",
    ),
)


def result_json(result: services.ScanResult) -> dict[str, Any]:
    record = result.attendance
    return {
        "outcome": result.outcome,
        "reason": result.reason,
        "message": result.message,
        "shift_id": result.shift.id if result.shift else None,
        "attendance": {
            "id": record.id,
            "status": record.status,
            "checked_in_at": envelope.iso(record.checked_in_at),
            "checked_out_at": envelope.iso(record.checked_out_at),
            "late": record.late,
        }
        if record
        else None,
        "replayed": result.replayed,
    }


def _scan(body: dict[str, Any]) -> services.ScanResult:
    person, nonce = current_person(), f"api:{body['nonce']}"
    context = {"device": request.user_agent.string or "", "ip": request.remote_addr or ""}
    if ("code" in body) == ("typed_code" in body):
        message = _("Send either the kiosk's code or the typed six digits.")
        raise InvalidInput(message, field="code")
    if "typed_code" in body:
        if "action" in body:
            raise InvalidInput(_("A typed code only checks in."), field="action")
        return typed.scan_typed_code(body["typed_code"], person, nonce=nonce, **context)
    action = body.get("action", "auto")
    return services.scan_kiosk_code(
        body["code"], person, action=action, nonce=nonce, now=utcnow(), **context
    )


@bp.post("/checkin")
@token_required(*SCOPES)
@writes.accepts(CHECKIN)
def check_in(body: dict[str, Any]):
    return envelope.ok(result_json(_scan(body)))


openapi.add_paths(
    {
        "/checkin": {
            "post": openapi.operation(
                operation_id="checkIn",
                summary="Check in by the kiosk's code",
                description="Send the kiosk's QR `code` (with `action`) or the six digits as "
                "`typed_code`, and a `nonce`. The answer's `outcome` is checked_in, "
                "checked_out, already_in or refused; `reason` is the refusal's code "
                "(expired, forged, malformed, wrong_shift, not_signed_up, outside_window, "
                "cancelled, not_checked_in, already_out, not_eligible, full, wrong_code, "
                "too_many_guesses, no_shift_open) or a note on success (late, walk_in). "
                "A refusal is logged, so it is a 200 answer; repeated wrong typed codes are "
                "refused as too_many_guesses.",
                tag="checkin",
                scopes=SCOPES,
                data=openapi.ref("CheckInResult"),
                body=CHECKIN,
            )
        }
    },
    schemas={
        "CheckInResult": {
            "type": "object",
            "required": [
                "outcome",
                "reason",
                "message",
                "shift_id",
                "attendance",
                "replayed",
            ],
            "properties": {
                "outcome": {
                    "type": "string",
                    "enum": ["checked_in", "checked_out", "already_in", "refused"],
                },
                "reason": {"type": ["string", "null"]},
                "message": {"type": "string", "description": "As the scan page says it."},
                "shift_id": {"type": ["integer", "null"]},
                "attendance": openapi.nullable(
                    {
                        "type": "object",
                        "required": ["id", "status", "checked_in_at", "checked_out_at", "late"],
                        "properties": {
                            "id": {"type": "integer"},
                            "status": {"type": "string"},
                            "checked_in_at": {"type": "string", "format": "date-time"},
                            "checked_out_at": {"type": ["string", "null"], "format": "date-time"},
                            "late": {"type": "boolean"},
                        },
                    }
                ),
                "replayed": {"type": "boolean"},
            },
        }
    },
    tags={"checkin": "Checking in to a shift with the kiosk's code."},
)
